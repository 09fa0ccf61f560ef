"""The one input policy: what every command decodes, it first checks the same way.

``check_media`` applies :class:`~veracity.media.limits.Limits` (byte size, pixel count,
duration) and refuses files that do not decode whole: a truncated image, a video whose
container or first frame does not decode (including one with no frame at all), and a
WAV or FLAC whose header declares more than decodes. Commands that only copy a file
(``credentials sign``) call it so that they refuse exactly what the analysing commands
refuse. Formats without a picture or sound for us (PDF, SVG, JPEG XL) and formats not
recognised here are left to the caller.
"""

from __future__ import annotations

import os
from pathlib import Path

from veracity.errors import CorruptMediaError, UnsupportedFormatError
from veracity.media.limits import Limits, check_input_file, default_limits
from veracity.media.probe import sniff_format

__all__ = ["check_media"]

_UNDECODED_IMAGE_BRANDS = frozenset({"heic", "heix", "mif1", "avis"})


def check_media(path: str | os.PathLike[str], limits: Limits | None = None) -> str | None:
    """Decode ``path`` under ``limits``; return its modality, or None if not media.

    Raises:
        InputError: Missing, empty, over a limit (LimitExceededError), corrupt or
            truncated (CorruptMediaError).
    """
    limits = limits or default_limits()
    p = check_input_file(path, limits)
    with p.open("rb") as fh:
        found = sniff_format(fh.read(64))
    if found is None:
        return None
    modality = found[0]
    if modality == "image":
        from veracity.media.image import load_image

        try:
            load_image(p, limits, allow_animated=True)
        except UnsupportedFormatError:
            # HEIF-family files (heic, heix, mif1) sign and verify through c2pa even
            # where Pillow has no decoder for them; they are left to the caller.
            if found[1] in _UNDECODED_IMAGE_BRANDS:
                return None
            raise
    elif modality == "video":
        from veracity.media.probe import sniff_modality

        modality = sniff_modality(p)
        if modality == "video":
            from veracity.media.video import open_video

            open_video(p, limits)
    if modality == "audio":
        _check_audio(p, limits)
    return modality


def _check_audio(p: Path, limits: Limits) -> None:
    from veracity.media.audio import iter_blocks, probe_audio, truncation

    info = probe_audio(p, limits)
    decoded = sum(len(b) for b in iter_blocks(p, limits, rate=None, mono=True, block_s=60.0))
    if decoded == 0:
        raise CorruptMediaError(f"{p}: no audio samples could be decoded")
    cut = truncation(p, info, decoded / info.sample_rate)
    if cut is not None:
        raise CorruptMediaError(
            f"{p}: file is truncated: its header declares {cut['declared_s']:.2f} s "
            f"but only {cut['decoded_s']:.2f} s decode"
        )
