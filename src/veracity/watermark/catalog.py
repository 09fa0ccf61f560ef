"""The codec registry: one codec per modality, registered explicitly."""

from __future__ import annotations

from veracity.registry import Registry
from veracity.watermark.base import WatermarkCodec

__all__ = ["codec_registry"]

_REGISTRY: Registry[WatermarkCodec] | None = None


def _build() -> Registry[WatermarkCodec]:
    registry: Registry[WatermarkCodec] = Registry("watermark codec", WatermarkCodec)
    # Codecs register here by modality name ("image", "audio", "video").
    from veracity.watermark.audio import AudioWatermarkCodec
    from veracity.watermark.image.file_codec import ImageCodec
    from veracity.watermark.video import VideoWatermarkCodec

    registry.register("image", ImageCodec)
    registry.register("audio", AudioWatermarkCodec)
    registry.register("video", VideoWatermarkCodec)
    return registry


def codec_registry() -> Registry[WatermarkCodec]:
    """Return the process-wide codec registry."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = _build()
    return _REGISTRY
