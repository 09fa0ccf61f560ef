"""Turn check results into what the report template shows (no HTML here)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from veracity.check.result import CheckResult
from veracity.report.evidence.change_map import change_map_data_uri
from veracity.report.thumbnails import png_file_data_uri, thumbnail_data_uri
from veracity.results import CredentialReport, Detection, to_dict

__all__ = [
    "CredentialView",
    "EvidencePicture",
    "IngredientView",
    "ReportItem",
    "build_item",
    "error_item",
]

_ACTION_LABELS = ("c2pa.actions", "c2pa.actions.v2")


@dataclasses.dataclass(frozen=True)
class EvidencePicture:
    """One inlined evidence picture."""

    detector: str
    caption: str
    data_uri: str


@dataclasses.dataclass(frozen=True)
class IngredientView:
    """One ingredient of a manifest, with the ingredients of its own manifest."""

    label: str
    signer: str | None
    codes: tuple[str, ...]
    children: tuple[IngredientView, ...]


@dataclasses.dataclass(frozen=True)
class CredentialView:
    """The credential facts the report lists."""

    state: str
    signer: str | None
    ai_generated: bool | None
    recovered_via: str | None
    codes: tuple[str, ...]
    actions: tuple[str, ...]
    ingredients: tuple[IngredientView, ...]
    manifest_json: str | None
    facts: tuple[tuple[str, str], ...] = ()


@dataclasses.dataclass(frozen=True)
class ReportItem:
    """One file's section: a result or the error that stopped it."""

    name: str
    result: CheckResult | None = None
    error: str | None = None
    thumbnail: str | None = None
    credential: CredentialView | None = None
    evidence: tuple[EvidencePicture, ...] = ()
    result_json: str = ""


def _describe_action(action: Any) -> str:
    if isinstance(action, Mapping):
        name = str(action.get("action", "?"))
        source = action.get("digitalSourceType")
        return f"{name} ({str(source).rsplit('/', 1)[-1]})" if source else name
    return str(action)


def _ingredient(ingredient: Any, depth: int = 0) -> IngredientView:
    if not isinstance(ingredient, Mapping):
        return IngredientView(str(ingredient), None, (), ())
    title = str(ingredient.get("title") or "untitled")
    relation = ingredient.get("relationship")
    children = _as_list(ingredient.get("ingredients")) if depth < 8 else []
    return IngredientView(
        label=f"{title} ({relation})" if relation else title,
        signer=str(ingredient["signer"]) if ingredient.get("signer") else None,
        codes=tuple(str(c) for c in _as_list(ingredient.get("codes"))),
        children=tuple(_ingredient(c, depth + 1) for c in children),
    )


_FACTS = (
    ("title", "title"),
    ("signed", "signed_time"),
    ("issuer", "signer_issuer"),
    ("algorithm", "signature_alg"),
    ("manifest id (watermark)", "manifest_id"),
    ("content binding", "content_binding_codes"),
)


def _content_fact(details: Mapping[str, Any]) -> tuple[str, str] | None:
    check = details.get("content_check")
    if not isinstance(check, Mapping):
        return None
    if check.get("error"):
        return ("content vs signed image", f"not compared: {check['error']}")
    share = 100 * float(check.get("changed_fraction", 0.0))
    if check.get("altered"):
        return ("content vs signed image", f"altered: {share:.1f} % of the picture differs")
    state = (
        "matches (within re-encoding)"
        if check.get("confirmed")
        else "small unexplained differences"
    )
    return ("content vs signed image", state)


def _facts(details: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    facts = []
    for label, key in _FACTS:
        value = details.get(key)
        if value:
            text = ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
            facts.append((label, text))
    content = _content_fact(details)
    if content is not None:
        facts.append(content)
    return tuple(facts)


def _manifest_actions(manifest: Mapping[str, Any]) -> list[Any]:
    found: list[Any] = []
    for assertion in manifest.get("assertions", []) or []:
        if isinstance(assertion, Mapping) and assertion.get("label") in _ACTION_LABELS:
            data = assertion.get("data") or {}
            found.extend(data.get("actions", []) if isinstance(data, Mapping) else [])
    return found


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else []


def credential_view(cred: CredentialReport) -> CredentialView:
    """Extract signer, actions, ingredients and codes from a credential report."""
    manifest = cred.manifest or {}
    actions = _as_list(cred.details.get("actions")) or _manifest_actions(manifest)
    ingredients = _as_list(cred.details.get("ingredients")) or _as_list(manifest.get("ingredients"))
    manifest_json = json.dumps(to_dict(cred.manifest), indent=2) if cred.manifest else None
    return CredentialView(
        state=cred.state,
        signer=cred.signer,
        ai_generated=cred.ai_generated,
        recovered_via=cred.recovered_via,
        codes=tuple(cred.codes),
        actions=tuple(_describe_action(a) for a in actions),
        ingredients=tuple(_ingredient(i) for i in ingredients),
        manifest_json=manifest_json,
        facts=_facts(cred.details),
    )


def _evidence(detection: Detection | None) -> tuple[EvidencePicture, ...]:
    if detection is None:
        return ()
    pictures: list[EvidencePicture] = []
    for score in detection.detectors:
        for name in score.evidence:
            uri = png_file_data_uri(Path(name))
            if uri is not None:
                kind = Path(name).stem.rsplit(".", 1)[-1]
                pictures.append(EvidencePicture(score.name, kind, uri))
    return tuple(pictures)


def build_item(result: CheckResult, file_path: Path) -> ReportItem:
    """Build a report section; reads the thumbnail and evidence files now.

    Args:
        result: The check result.
        file_path: The checked file on disk (``result.path`` may be a display name).
    """
    evidence = _evidence(result.detection)
    check = result.credentials.details.get("content_check") if result.credentials else None
    if isinstance(check, Mapping):
        changed = change_map_data_uri(file_path, check)
        if changed is not None:
            evidence = (EvidencePicture("credentials", "changed since signing", changed), *evidence)
    return ReportItem(
        name=result.path,
        result=result,
        thumbnail=thumbnail_data_uri(file_path, result.modality),
        credential=credential_view(result.credentials) if result.credentials else None,
        evidence=evidence,
        result_json=json.dumps(to_dict(result), indent=2),
    )


def error_item(name: str, message: str) -> ReportItem:
    """A section for a file that could not be checked."""
    return ReportItem(name=name, error=message)
