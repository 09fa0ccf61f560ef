"""Shared helpers for the training and evaluation scripts."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

# Held-out talking-face clips (identity-disjoint from the training clips).
HELDOUT_CLIPS = ("vretalking_face1.mp4", "vretalking_face4.mp4", "sadtalker_RD_Radio34_000.mp4")


def stable_hash(text: str, hex_digits: int = 64) -> int:
    """A hash of ``text`` that is the same in every process and run: the first
    ``hex_digits`` hex digits of its SHA-256 as an integer (splits, folds, seeds)."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:hex_digits], 16)


def is_heldout_identity(identity: str) -> bool:
    """LFW identity split: one in five identities is held out, by a fixed hash."""
    return stable_hash(identity) % 5 == 0


def lfw_rows(root: Path) -> list[tuple[Path, str]]:
    """``(image path, identity)`` for every LFW image listed in ``index.csv``."""
    with (root / "index.csv").open(newline="") as fh:
        return [(root / r["path"], r["identity"]) for r in csv.DictReader(fh)]
