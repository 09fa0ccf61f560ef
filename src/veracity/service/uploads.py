"""Receiving uploads safely: size limit, fixed on-disk names, sanitised display names."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import BinaryIO

from veracity.errors import LimitExceededError

__all__ = ["display_name", "save_upload"]

_CHUNK = 1 << 20
_SAFE_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,5}$")


def display_name(client_name: str | None) -> str:
    """The client's file name reduced to a harmless label (never used as a path).

    Directory parts (``/`` and ``\\``) and control characters are dropped and the
    length is capped; the result is still escaped wherever it is shown.
    """
    name = (client_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:200] or "upload"


def save_upload(stream: BinaryIO, folder: Path, client_name: str | None, limit: int) -> Path:
    """Copy an upload into ``folder`` under a fixed name, refusing more than ``limit`` bytes.

    Only a short alphanumeric extension of the client's name is kept (some readers pick
    a format by extension); the name itself never reaches the file system.

    Raises:
        LimitExceededError: The upload is larger than ``limit``.
    """
    suffix = Path(display_name(client_name)).suffix
    target = folder / ("upload" + (suffix.lower() if _SAFE_SUFFIX.match(suffix) else ""))
    written = 0
    with target.open("wb") as out:
        while block := stream.read(_CHUNK):
            written += len(block)
            if written > limit:
                raise LimitExceededError(f"upload is larger than the limit of {limit} bytes")
            out.write(block)
    return target
