"""Invisible watermarks for images, audio and video."""

from veracity.watermark.api import detect_file, embed_file
from veracity.watermark.base import DEFAULT_KEY, WatermarkCodec

__all__ = ["DEFAULT_KEY", "WatermarkCodec", "detect_file", "embed_file"]
