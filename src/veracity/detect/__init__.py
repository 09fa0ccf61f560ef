"""Passive detection: detectors, their registry, fusion and calibration."""

from veracity.detect.api import detect_file
from veracity.detect.base import Detector, EvidenceSink

__all__ = ["Detector", "EvidenceSink", "detect_file"]
