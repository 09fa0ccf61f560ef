"""Size and time limits applied to every input."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from veracity.errors import InputError, LimitExceededError

__all__ = ["Limits", "check_input_file", "default_limits", "set_default_limits"]


@dataclasses.dataclass(frozen=True)
class Limits:
    """Upper bounds on what Veracity agrees to decode.

    Attributes:
        max_file_bytes: Largest input file accepted.
        max_pixels: Largest decoded image (width x height); guards decompression bombs.
        min_side: Smallest accepted image width or height.
        max_duration_s: Longest audio or video stream analysed.
    """

    max_file_bytes: int = 2 * 1024**3
    max_pixels: int = 8192 * 8192
    min_side: int = 16
    max_duration_s: float = 4 * 3600.0


_configured: Limits | None = None


def default_limits() -> Limits:
    """The limits used where a caller passes none: :class:`Limits()` unless configured."""
    return _configured if _configured is not None else Limits()


def set_default_limits(limits: Limits | None) -> None:
    """Make ``limits`` the process-wide default (``None``: back to :class:`Limits()`).

    The CLI calls this once from ``--max-file-mb`` / ``--max-megapixels`` /
    ``--max-duration`` (or the config file) before any command runs.
    """
    global _configured
    _configured = limits


def check_input_file(path: str | os.PathLike[str], limits: Limits) -> Path:
    """Check that ``path`` is a readable, non-empty regular file within the size limit."""
    p = Path(path)
    if str(path) == "-":
        raise InputError("'-': reading from standard input is not supported; pass a file path")
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot access ({exc.strerror})") from None
    if p.is_dir():
        raise InputError(f"{p}: is a directory, expected a media file")
    if not os.access(p, os.R_OK):
        raise InputError(f"{p}: permission denied")
    if st.st_size == 0:
        raise InputError(f"{p}: file is empty (0 bytes)")
    if st.st_size > limits.max_file_bytes:
        raise LimitExceededError(
            f"{p}: file is {st.st_size} bytes, over the limit of {limits.max_file_bytes}"
        )
    return p
