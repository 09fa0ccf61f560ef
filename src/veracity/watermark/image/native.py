"""The optional C loops of the image watermark detector (``_kernels``, built by setup.py).

Without a C compiler the package still installs, and the detector uses numpy paths that
give the same bits, more slowly: :data:`COMPILED` says which one runs.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["COMPILED", "kernels"]


def _load() -> ModuleType | None:
    try:
        return importlib.import_module("veracity.watermark.image._kernels")
    except ImportError:  # pragma: no cover - depends on the build
        return None


kernels = _load()

COMPILED = kernels is not None
