"""Load a file into the object the detectors of its modality expect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from veracity.media.image import load_image
from veracity.media.limits import Limits
from veracity.results import Modality

__all__ = ["load_for_detection"]


def load_for_detection(path: Path, modality: Modality, limits: Limits) -> Any:
    """Image -> LoadedImage (first frame if animated); audio and video by their modules."""
    if modality == "image":
        return load_image(path, limits, allow_animated=True)
    if modality == "audio":
        from veracity.media.audio import load_audio

        return load_audio(path, limits)
    from veracity.media.video import open_video

    return open_video(path, limits)
