"""Load a file into the object the detectors of its modality expect."""

from __future__ import annotations

from typing import Any

from veracity.media.handle import MediaFile

__all__ = ["load_for_detection"]


def load_for_detection(media: MediaFile) -> Any:
    """Image -> LoadedImage (first frame if animated); audio and video by their modules."""
    if media.modality == "image":
        return media.image(allow_animated=True)
    if media.modality == "audio":
        from veracity.media.audio import load_audio

        return load_audio(media.path, media.limits)
    from veracity.media.video import open_video

    return open_video(media.path, media.limits)
