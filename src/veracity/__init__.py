"""Veracity: offline media forensics and provenance.

Catch manipulated or synthetic images, video and audio; mark media with robust
invisible watermarks and C2PA Content Credentials; recover credentials after
metadata is stripped.

The public API is importable from here; each name loads its module on first use, so
``import veracity`` does no work (no numpy, no models)::

    import veracity

    result = veracity.check_file("photo.jpg")        # CheckResult: verdict and evidence
    print(veracity.to_json(result))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> (module, attribute in that module)
_EXPORTS: dict[str, tuple[str, str]] = {
    "CheckOptions": ("veracity.check.options", "CheckOptions"),
    "CheckResult": ("veracity.check.result", "CheckResult"),
    "CredentialReport": ("veracity.results", "CredentialReport"),
    "Detection": ("veracity.results", "Detection"),
    "DetectorScore": ("veracity.results", "DetectorScore"),
    "Limits": ("veracity.media.limits", "Limits"),
    "MediaFile": ("veracity.media.handle", "MediaFile"),
    "VeracityError": ("veracity.errors", "VeracityError"),
    "WatermarkReading": ("veracity.results", "WatermarkReading"),
    "check_file": ("veracity.check.api", "check_file"),
    "detect_file": ("veracity.detect.api", "detect_file"),
    "embed_watermark": ("veracity.watermark.api", "embed_file"),
    "read_watermark": ("veracity.watermark.api", "read_watermark"),
    "sign_file": ("veracity.credentials.sign", "sign_file"),
    "to_dict": ("veracity.results", "to_dict"),
    "to_json": ("veracity.results", "to_json"),
    "verify_file": ("veracity.credentials.verify", "verify_file"),
}

__all__ = [
    "CheckOptions",
    "CheckResult",
    "CredentialReport",
    "Detection",
    "DetectorScore",
    "Limits",
    "MediaFile",
    "VeracityError",
    "WatermarkReading",
    "__version__",
    "check_file",
    "detect_file",
    "embed_watermark",
    "read_watermark",
    "sign_file",
    "to_dict",
    "to_json",
    "verify_file",
]

if TYPE_CHECKING:
    from veracity.check.api import check_file
    from veracity.check.options import CheckOptions
    from veracity.check.result import CheckResult
    from veracity.credentials.sign import sign_file
    from veracity.credentials.verify import verify_file
    from veracity.detect.api import detect_file
    from veracity.errors import VeracityError
    from veracity.media.handle import MediaFile
    from veracity.media.limits import Limits
    from veracity.results import (
        CredentialReport,
        Detection,
        DetectorScore,
        WatermarkReading,
        to_dict,
        to_json,
    )
    from veracity.watermark.api import embed_file as embed_watermark
    from veracity.watermark.api import read_watermark


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'veracity' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
