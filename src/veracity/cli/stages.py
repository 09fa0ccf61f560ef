"""A live stage line on the terminal while one long file (video, long audio) is analysed.

Written to stderr only, and only when stderr is a terminal, so ``--json`` on stdout and
logs stay clean. Images and short audio finish in a second or two and get none.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["LONG_AUDIO_S", "stage_progress", "wants_progress"]

LONG_AUDIO_S = 30.0  # audio at least this long gets a progress line


def wants_progress(path: str | os.PathLike[str], *, tty: bool | None = None) -> bool:
    """True for a video, or audio of at least 30 s, when stderr is a terminal."""
    if not (sys.stderr.isatty() if tty is None else tty):
        return False
    from veracity.errors import VeracityError
    from veracity.media.probe import sniff_modality

    try:
        modality = sniff_modality(path)
        if modality == "video":
            return True
        if modality == "audio":
            from veracity.media.audio import probe_audio

            return (probe_audio(path).duration_s or 0.0) >= LONG_AUDIO_S
    except (VeracityError, OSError):
        return False  # the command itself reports the problem
    return False


class _Stderr:
    """Writes to the current ``sys.stderr`` (tqdm printed nothing when handed it directly
    under a pseudo-terminal in our tests)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


@contextlib.contextmanager
def stage_progress(
    path: str | os.PathLike[str], *, enabled: bool = True
) -> Iterator[Callable[[str], None] | None]:
    """Yield a stage callback that updates a tqdm line on stderr, or None when not wanted."""
    if not enabled or not wants_progress(path):
        yield None
        return
    from tqdm import tqdm

    # a terminal that reports no size (0 columns) would get an empty line from tqdm
    width = shutil.get_terminal_size((100, 20)).columns or 100
    bar = tqdm(
        desc=Path(path).name, total=None, file=_Stderr(), leave=False, ncols=width,
        bar_format="{desc}: {postfix} [{elapsed}]",
    )  # fmt: skip
    done: list[str] = []

    def stage(name: str) -> None:
        done.append(name)
        bar.set_postfix_str(f"{name} (step {len(done)})", refresh=True)

    try:
        yield stage
    finally:
        bar.close()
