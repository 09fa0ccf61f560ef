"""Turn c2pa's manifest-store JSON into a :class:`CredentialReport`."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from veracity.credentials.manifest import AI_SOURCE_TYPES, FINGERPRINT_LABEL, WATERMARK_ALGS
from veracity.results import CredentialReport, CredentialState, RecoveredVia

__all__ = [
    "HARD_BINDING_CODES",
    "c2patool_fields",
    "embedded_fingerprints",
    "report_from_store",
    "soft_binding_id",
]

# Codes that only say "these bytes are not the signed bytes": expected for a manifest
# recovered for a re-encoded copy, so they do not make a recovered manifest invalid.
HARD_BINDING_CODES = frozenset(
    {
        "assertion.dataHash.mismatch",
        "assertion.bmffHash.mismatch",
        "assertion.boxesHash.mismatch",
        "assertion.collectionHash.mismatch",
    }
)
_MAX_CHAIN = 16


def _assertions(manifest: Mapping[str, Any], prefix: str) -> list[Mapping[str, Any]]:
    return [a for a in manifest.get("assertions", []) if str(a.get("label", "")).startswith(prefix)]


def actions_of(manifest: Mapping[str, Any]) -> list[dict[str, Any]]:
    """All actions of a manifest, in order."""
    out: list[dict[str, Any]] = []
    for a in _assertions(manifest, "c2pa.actions"):
        out.extend(dict(x) for x in a.get("data", {}).get("actions", []))
    return out


def soft_binding_id(manifest: Mapping[str, Any]) -> str | None:
    """The manifest id of Veracity's watermark soft binding, as hex, or None.

    64 bits for images and video, 32 for audio (the audio mark's payload).
    """
    for a in _assertions(manifest, "c2pa.soft-binding"):
        data = a.get("data", {})
        if data.get("alg") not in WATERMARK_ALGS:
            continue
        for block in data.get("blocks", []):
            try:
                raw = base64.b64decode(block.get("value", ""), validate=True)
            except (binascii.Error, ValueError):
                continue
            if len(raw) in (4, 8):
                return raw.hex()
    return None


def embedded_fingerprints(manifest: Mapping[str, Any]) -> tuple[bytes, ...]:
    """PDQ digests recorded in the manifest's fingerprint assertion."""
    out: list[bytes] = []
    for a in _assertions(manifest, FINGERPRINT_LABEL):
        for value in a.get("data", {}).get("values", []):
            try:
                raw = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                continue
            if len(raw) == 32:
                out.append(raw)
    return tuple(out)


def _ingredient_chain(
    store: Mapping[str, Any], label: str | None, depth: int = 0
) -> list[dict[str, Any]]:
    manifests = store.get("manifests", {})
    manifest = manifests.get(label) if label else None
    if manifest is None or depth >= _MAX_CHAIN:
        return []
    chain: list[dict[str, Any]] = []
    for ing in manifest.get("ingredients", []):
        child = ing.get("active_manifest")
        sig = manifests.get(child, {}).get("signature_info", {}) if child else {}
        chain.append(
            {
                "title": ing.get("title"),
                "relationship": ing.get("relationship"),
                "format": ing.get("format"),
                "manifest": child,
                "signer": sig.get("common_name") or sig.get("issuer"),
                "codes": [s.get("code") for s in ing.get("validation_status", []) if s.get("code")],
                "ingredients": _ingredient_chain(store, child, depth + 1),
            }
        )
    return chain


def _codes(store: Mapping[str, Any]) -> list[str]:
    return [s["code"] for s in store.get("validation_status", []) if s.get("code")]


def _success_codes(store: Mapping[str, Any]) -> list[str]:
    active = store.get("validation_results", {}).get("activeManifest", {})
    return [s["code"] for s in active.get("success", []) if s.get("code")]


def _state(store: Mapping[str, Any], codes: list[str], detached: bool) -> CredentialState:
    if not detached:
        raw = str(store.get("validation_state", "")).lower()
        if raw in ("valid", "trusted", "invalid"):
            return raw  # type: ignore[return-value]
    if any(c != "signingCredential.untrusted" for c in codes):
        return "invalid"
    return "trusted" if "signingCredential.trusted" in _success_codes(store) else "valid"


def report_from_store(
    store: Mapping[str, Any], *, recovered_via: RecoveredVia, detached: bool = False
) -> CredentialReport:
    """Build the report for a manifest store read by c2pa.

    Args:
        store: c2pa's parsed ``Reader.json()``.
        recovered_via: How the manifest was found.
        detached: The manifest was recovered from a store, so the hard-binding codes
            (the content is a transformed copy) are moved to ``details`` instead of
            making the report invalid.
    """
    label = store.get("active_manifest")
    manifest = store.get("manifests", {}).get(label, {}) if label else {}
    all_codes = _codes(store)
    binding = [c for c in all_codes if c in HARD_BINDING_CODES] if detached else []
    codes = [c for c in all_codes if c not in binding]
    sig = manifest.get("signature_info", {})
    actions = actions_of(manifest)
    sources = {a.get("digitalSourceType") for a in actions if a.get("digitalSourceType")}
    details: dict[str, Any] = {
        "active_manifest": label,
        "title": manifest.get("title"),
        "signer_issuer": sig.get("issuer"),
        "signature_alg": sig.get("alg"),
        "signed_time": sig.get("time"),
        "claim_generator": manifest.get("claim_generator_info"),
        "actions": actions,
        "action_times": [a["when"] for a in actions if a.get("when")],
        "ingredients": _ingredient_chain(store, label),
        "manifest_id": soft_binding_id(manifest),
        "success_codes": _success_codes(store),
        "validation_results": store.get("validation_results"),
    }
    if detached:
        details["content_binding_codes"] = binding
    return CredentialReport(
        state=_state(store, codes, detached),
        codes=tuple(codes),
        manifest=manifest or None,
        recovered_via=recovered_via,
        signer=sig.get("common_name") or sig.get("issuer"),
        ai_generated=bool(sources & AI_SOURCE_TYPES),
        details=details,
    )


_STATE_NAMES = {"invalid": "Invalid", "valid": "Valid", "trusted": "Trusted"}


def c2patool_fields(report: CredentialReport) -> dict[str, Any]:
    """``validation_state`` and ``validation_results`` as c2patool and c2pa-python name them.

    ``validation_results`` is the SDK's own (``activeManifest``: ``success`` /
    ``informational`` / ``failure`` entries of ``{code, url, explanation}``), with any
    failure code Veracity's stricter checks add appended as a failure entry; a recovered
    copy's content-binding mismatch is listed as informational (the copy is a transformed
    one by definition). ``validation_state`` is ``null`` when there is no manifest.
    """
    results = report.details.get("validation_results")
    active: dict[str, list[dict[str, Any]]] = {"success": [], "informational": [], "failure": []}
    if isinstance(results, Mapping) and isinstance(results.get("activeManifest"), Mapping):
        for key in active:
            active[key] = [dict(e) for e in results["activeManifest"].get(key, []) or []]
    known = {e.get("code") for key in active for e in active[key]}
    for code in report.codes:
        if code not in known:
            active["failure"].append({"code": code, "explanation": "reported by Veracity's checks"})
    binding = set(report.details.get("content_binding_codes") or ())
    if binding:
        moved = [e for e in active["failure"] if e.get("code") in binding]
        active["failure"] = [e for e in active["failure"] if e.get("code") not in binding]
        active["informational"] += moved or [{"code": c} for c in sorted(binding)]
    return {
        "validation_state": _STATE_NAMES.get(report.state),
        "validation_results": {"activeManifest": active} if report.state != "none" else None,
    }
