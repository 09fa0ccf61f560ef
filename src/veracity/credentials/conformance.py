"""Classify what c2pa-python's Reader and Veracity's ``verify`` say about one file.

Used by the conformance benchmark (``benchmarks/c2pa_conformance.py``) and its test to
compare both on media signed by other implementations. Classes: ``none`` (no store),
``valid`` (valid or trusted), ``invalid`` (fails validation or cannot be parsed),
``remote`` (only referenced by URL, not fetched), ``unsupported`` (format refused).
"""

from __future__ import annotations

import json
from pathlib import Path

import c2pa

from veracity.errors import UnsupportedFormatError

__all__ = ["sdk_class", "veracity_class"]


def sdk_class(path: Path) -> tuple[str, str]:
    """(class, detail) from c2pa-python's Reader, the format taken from the file name."""
    settings = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
    context = c2pa.Context(settings=c2pa.Settings.from_dict(settings))
    try:
        with c2pa.Reader(str(path), context=context) as reader:
            state = str(json.loads(reader.json()).get("validation_state", "")).lower()
    except c2pa.C2paError.ManifestNotFound:
        return "none", "ManifestNotFound"
    except c2pa.C2paError.NotSupported as exc:
        return "unsupported", str(exc)[:120]
    except c2pa.C2paError as exc:
        text = str(exc)
        return ("remote" if "Remote" in text else "invalid"), text[:120]
    return ("valid" if state in ("valid", "trusted") else "invalid"), state


def veracity_class(path: Path) -> tuple[str, str]:
    """(class, comma-joined codes) from ``verify_file`` (embedded manifest, no recovery)."""
    from veracity.credentials.verify import verify_file

    try:
        report = verify_file(path, recover=False)
    except UnsupportedFormatError as exc:
        return "unsupported", str(exc)[-120:]
    codes = ",".join(report.codes)
    if any(c.startswith("veracity.remoteManifest") for c in report.codes):
        return "remote", codes
    return ("valid" if report.state == "trusted" else report.state), codes
