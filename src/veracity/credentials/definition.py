"""``credentials sign --manifest FILE``: a c2pa-python ``Builder`` manifest definition (JSON).

The file is what c2patool's ``-m manifest.json`` and ``c2pa.Builder(json)`` take: an
object with ``title``, ``assertions`` (``{label, data}``), ``claim_generator_info`` and
the other definition fields. Veracity checks its shape first (one clear error instead of
the native library's), then merges it with what it adds itself: its own actions when the
definition states none, and, for durable signing, the soft binding, fingerprint and block
hash assertions (those labels are Veracity's; a definition may not set them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import c2pa

from veracity.credentials.manifest import (
    BLOCKHASH_LABEL,
    FINGERPRINT_LABEL,
    ManifestSpec,
    build_definition,
)
from veracity.errors import UsageError

__all__ = ["load_definition", "merge_definition"]

_RESERVED = ("c2pa.soft-binding", FINGERPRINT_LABEL, BLOCKHASH_LABEL)
_LIST_FIELDS = ("assertions", "claim_generator_info", "ingredients", "redactions")
_TEXT_FIELDS = ("title", "format", "instance_id", "claim_generator", "label", "vendor")


def _fail(path: Path, why: str) -> UsageError:
    return UsageError(f"{path}: not a usable manifest definition: {why}")


def _check_shape(path: Path, doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise _fail(path, f"the top level must be a JSON object, not {type(doc).__name__}")
    for key in _LIST_FIELDS:
        if key in doc and not isinstance(doc[key], list):
            raise _fail(path, f'"{key}" must be a list')
    for key in _TEXT_FIELDS:
        if key in doc and not isinstance(doc[key], str):
            raise _fail(path, f'"{key}" must be a string')
    for i, assertion in enumerate(doc.get("assertions", [])):
        if not isinstance(assertion, dict) or not isinstance(assertion.get("label"), str):
            raise _fail(path, f'assertion {i} must be an object with a string "label"')
        if "data" not in assertion:
            raise _fail(path, f'assertion {i} ("{assertion["label"]}") has no "data"')
        if assertion["label"].startswith(_RESERVED):
            raise _fail(path, f'assertion label "{assertion["label"]}" is set by Veracity')
    return doc


def load_definition(path: str | Path) -> dict[str, Any]:
    """Read and check a manifest definition file.

    Raises:
        UsageError: Unreadable file, invalid JSON, a wrong shape, or one c2pa refuses.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{p}: cannot read the manifest definition ({exc})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(p, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    definition = _check_shape(p, doc)
    try:
        c2pa.Builder(definition).close()
    except c2pa.C2paError as exc:
        raise _fail(p, " ".join(str(exc).split())[:300]) from None
    return definition


def merge_definition(user: dict[str, Any], spec: ManifestSpec) -> dict[str, Any]:
    """The definition to sign: the user's, plus what Veracity states for ``spec``.

    The user's fields win, except the reserved durable assertions, which come from
    ``spec``; Veracity's ``c2pa.actions`` are added only when the user states none.
    """
    ours = build_definition(spec)
    merged = {**ours, **{k: v for k, v in user.items() if k != "assertions"}}
    mine = list(user.get("assertions", []))
    labels = {str(a["label"]) for a in mine}
    extra = [
        a
        for a in ours["assertions"]
        if a["label"].startswith(_RESERVED)
        or (
            a["label"] == "c2pa.actions"
            and not any(label.startswith("c2pa.actions") for label in labels)
        )
    ]
    if spec.author and "stds.schema-org.CreativeWork" not in labels:
        extra += [a for a in ours["assertions"] if a["label"] == "stds.schema-org.CreativeWork"]
    merged["assertions"] = [*mine, *extra]
    return merged
