"""Cache AASIST-L features (160-d embedding + 2 logits) of every version of every clip.

For the round-4 front-end experiment of ``benchmarks/speech_real_ablations.py``: the
ONNX export of :mod:`aasist_l` (``training/aasist_l.py WEIGHTS --onnx OUT``) is run with
onnxruntime on one thread over the first 64,600 samples (4.04 s) of each of the five
versions (clean, aug0, aug1, mp3_64k, opus_32k) of each clip of a manifest; one
``DATA/features_aasist/<id>.npz`` per clip with ``a_<version>`` (162,) float32.

Usage: OMP_NUM_THREADS=1 python training/aasist_features.py --onnx aasist_l.onnx
    [--data /work/data/speech/real_spoof] [--manifest manifest_round2_dedup.jsonl]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_speech_real as T

AASIST_DIR = "features_aasist"
N_SAMPLES = 64600


def first_window(x: np.ndarray) -> np.ndarray:
    """The first N_SAMPLES samples, a shorter clip tiled to that length (no torch)."""
    x = np.asarray(x, np.float32)
    if len(x) == 0:
        x = np.zeros(1, np.float32)
    if len(x) < N_SAMPLES:
        x = np.tile(x, N_SAMPLES // len(x) + 1)
    return x[:N_SAMPLES]


def session(onnx: Path):  # type: ignore[no-untyped-def]
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = so.inter_op_num_threads = 1
    return ort.InferenceSession(str(onnx), so, providers=["CPUExecutionProvider"])


def run(sess, x: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    emb, logit = sess.run(None, {"wav": first_window(x)[None]})
    return np.concatenate([emb[0], logit[0]]).astype(np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--onnx", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=Path("/work/data/speech/real_spoof"))
    ap.add_argument("--manifest", default="manifest_round2_dedup.jsonl")
    args = ap.parse_args()
    rows = T.load_manifest(args.data, args.manifest)
    sess = session(args.onnx)
    (args.data / AASIST_DIR).mkdir(exist_ok=True)
    t0 = time.process_time()
    done = 0
    for i, r in enumerate(rows):
        out = args.data / AASIST_DIR / f"{r['id']}.npz"
        if out.exists():
            continue
        T._save(out, {f"a_{v}": run(sess, y) for v, y in T._versions(args.data, r)})
        done += 1
        if i % 100 == 0:
            print(f"{i}/{len(rows)} {time.process_time() - t0:.0f} s CPU", flush=True)
    print(f"{done} clips in {time.process_time() - t0:.0f} s CPU")


if __name__ == "__main__":
    main()
