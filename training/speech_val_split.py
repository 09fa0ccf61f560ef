"""Speaker-disjoint validation split carved out of the training speakers (hash-based).

Test clips are never touched. Real speakers (and the vocoded clips that follow them) go to
validation when a salted hash of the speaker is 0 mod 5. For each TTS engine with several
training voices the voice with the smallest salted hash is held out; an engine with a
single voice (festival) holds out texts instead: the k-th clip of that voice (clips are
written text by text) goes to validation when the salted hash of k is 0 mod 5.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

SALT = "val:"


def _hash(text: str) -> int:
    return int(hashlib.sha256((SALT + text).encode()).hexdigest()[:8], 16)


def clip_splits(clips: Path) -> np.ndarray:
    """Split of every clip: "train", "val" or "test" (test exactly as in the clips file)."""
    with np.load(clips) as npz:
        speaker, method, split = npz["speaker"], npz["method"], npz["split"]
    out = split.astype("<U5").copy()
    train = split == "train"
    vocoded = np.isin(method, ("real", "world", "griffinlim"))
    for i in np.flatnonzero(train & vocoded):
        if _hash(str(speaker[i])) % 5 == 0:
            out[i] = "val"
    for engine in np.unique(method[train & ~vocoded]):
        rows = np.flatnonzero(train & (method == engine))
        voices = sorted({str(v) for v in speaker[rows]}, key=_hash)
        if len(voices) > 1:
            out[rows[speaker[rows] == voices[0]]] = "val"
            continue
        for k, i in enumerate(rows):
            if _hash(f"{engine}:text{k}") % 5 == 0:
                out[i] = "val"
    return out


def segment_splits(clips: Path, clip_index: np.ndarray) -> np.ndarray:
    """Split of every segment, from the index of its clip."""
    return clip_splits(clips)[clip_index]
