"""The detector interface.

A detector takes decoded media of one modality and returns a calibrated
:class:`~veracity.results.DetectorScore`. It may write evidence pictures through the
:class:`EvidenceSink` it is given.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from veracity.results import DetectorScore, Modality

__all__ = ["Detector", "EvidenceSink"]


class EvidenceSink:
    """Writes evidence files for one analysed input into a directory.

    Args:
        directory: Where files go (created on first write).
        stem: Prefix for every file name, usually the input's file name.
    """

    def __init__(self, directory: Path, stem: str) -> None:
        self.directory = directory
        self.stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem)

    def path(self, detector: str, kind: str, suffix: str = ".png") -> Path:
        """Return the path for evidence ``kind`` of ``detector``, creating the directory."""
        self.directory.mkdir(parents=True, exist_ok=True)
        return self.directory / f"{self.stem}.{detector}.{kind}{suffix}"


@runtime_checkable
class Detector(Protocol):
    """What every registered detector provides.

    Attributes:
        name: Unique registry name (e.g. ``"spectral"``).
        modality: The modality it analyses.
    """

    name: str
    modality: Modality

    def analyze(self, media: Any, evidence: EvidenceSink | None = None) -> DetectorScore | None:
        """Score ``media`` (a LoadedImage, a video handle or an audio clip).

        Returns None to abstain when the detector does not apply (e.g. no face found);
        abstentions are left out of fusion.
        """
        ...
