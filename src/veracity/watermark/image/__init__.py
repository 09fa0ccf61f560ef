"""Robust keyed image watermark (64-bit payload); see :mod:`.codec`."""

from veracity.watermark.image.codec import detect_pixels, embed_pixels

__all__ = ["detect_pixels", "embed_pixels"]
