"""Shared helpers for the face-manipulation training and evaluation scripts."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

# Held-out talking-face clips (identity-disjoint from the training clips).
HELDOUT_CLIPS = ("vretalking_face1.mp4", "vretalking_face4.mp4", "sadtalker_RD_Radio34_000.mp4")


def is_heldout_identity(identity: str) -> bool:
    """LFW identity split: one in five identities is held out, by a fixed hash."""
    return int(hashlib.sha256(identity.encode()).hexdigest(), 16) % 5 == 0


def lfw_rows(root: Path) -> list[tuple[Path, str]]:
    """``(image path, identity)`` for every LFW image listed in ``index.csv``."""
    with (root / "index.csv").open(newline="") as fh:
        return [(root / r["path"], r["identity"]) for r in csv.DictReader(fh)]
