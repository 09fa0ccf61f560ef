"""Decoding and writing media with size and time limits."""

from veracity.media.limits import Limits
from veracity.media.probe import sniff_modality

__all__ = ["Limits", "sniff_modality"]
