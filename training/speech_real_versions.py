"""Cache every version of every clip of the real-spoof set as 16 kHz int16 PCM.

The versions are those of ``training/train_speech_real.py`` (same seeds, so the same
augmentation per clip): ``clean``, ``aug0``/``aug1`` (one random degradation and gain),
the test conditions ``mp3_64k``/``opus_32k`` and, with ``--lossy``, ``lossy0``/``lossy1``
(a random codec round trip, then a degradation and gain). They are written once, per clip, to
``DATA/versions/<version>/<id>.npy``, so a new clip (a new source added to the manifest)
costs only its own versions and every feature extractor reads the same audio.

Usage: python training/speech_real_versions.py [--data /work/data/speech/real_spoof] [--workers 2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy.io import wavfile

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import stable_hash
from train_speech_real import LOSSY_VERSIONS, VERSIONS, load_manifest, version

ALL_VERSIONS = VERSIONS + LOSSY_VERSIONS


def clip_seed(clip_id: str) -> int:
    return stable_hash(clip_id, 8)


def _one(args: tuple[Path, dict[str, Any], tuple[str, ...]]) -> str:
    data, r, versions = args
    todo = [v for v in versions if not (data / "versions" / v / f"{r['id']}.npy").exists()]
    if not todo:
        return r["id"]
    _, pcm = wavfile.read(data / r["file"])
    x = pcm.astype(np.float32) / 32768.0
    seed = clip_seed(r["id"])
    for v in todo:
        y = np.clip(version(x, v, seed), -1.0, 1.0)
        out = data / "versions" / v / f"{r['id']}.npy"
        tmp = out.with_suffix(".tmp.npy")
        np.save(tmp, np.round(y * 32767).astype(np.int16))
        tmp.replace(out)
    return r["id"]


def load_version(data: Path, clip_id: str, name: str) -> np.ndarray:
    """One cached version as float32 in [-1, 1]."""
    return np.load(data / "versions" / name / f"{clip_id}.npy").astype(np.float32) / 32767.0


def build(data: Path, workers: int, versions: tuple[str, ...] = VERSIONS) -> None:
    import multiprocessing as mp

    for v in versions:
        (data / "versions" / v).mkdir(parents=True, exist_ok=True)
    rows = load_manifest(data)
    with mp.get_context("fork").Pool(workers) as pool:
        for i, _ in enumerate(
            pool.imap_unordered(_one, [(data, r, versions) for r in rows], chunksize=4)
        ):
            if i % 100 == 0:
                print(f"{i}/{len(rows)}", flush=True)
    print(f"versions of {len(rows)} clips in {data / 'versions'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("/work/data/speech/real_spoof"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--lossy", action="store_true", help="also the lossy0/lossy1 versions")
    args = ap.parse_args()
    build(args.data, args.workers, ALL_VERSIONS if args.lossy else VERSIONS)


if __name__ == "__main__":
    main()
