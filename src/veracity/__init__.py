"""Veracity: offline media forensics and provenance.

Catch manipulated or synthetic images, video and audio; mark media with robust
invisible watermarks and C2PA Content Credentials; recover credentials after
metadata is stripped.
"""

from veracity.errors import VeracityError
from veracity.results import Detection, DetectorScore, WatermarkReading, to_dict, to_json

__version__ = "0.1.0"

__all__ = [
    "Detection",
    "DetectorScore",
    "VeracityError",
    "WatermarkReading",
    "__version__",
    "to_dict",
    "to_json",
]
