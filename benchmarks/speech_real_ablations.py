"""Speech real-spoof head: declared training / feature variants against the shipped recipe.

Each variant is retrained per fold of the leave-one-engine-family-out protocol of
``training/train_speech_real.py`` (same clips, same speaker split, the held-out family
out of training, scaling and threshold-free EER) and scored like the detector (network
head fused with the spectrogram CNN by the per-segment maximum, clip score = mean
segment logit). The control row is the shipped recipe, retrained in the same run.
Variants, declared before the run:

- ``artefact block``: 42 candidate neural-vocoder statistics per segment
  (:func:`artefact_features`: phase coherence and group-delay change along frequency in
  8 bands, sub-band harmonicity in 4 bands, quiet-frame spectral shape), appended.
- ``+ MP3 / Opus copies in training``: the ``mp3_64k`` / ``opus_32k`` versions of the
  training clips join the clean and two augmented ones (test copies stay held out).
- ``family-balanced loss``: every fake family / real corpus the same weight in its class.
- ``network lambda 0.1``: ten times the L2 penalty of the shipped networks.

Writes ``benchmarks/results/speech_real_ablations.json`` (``write_result``, no headline).
Usage: OMP_NUM_THREADS=1 python benchmarks/speech_real_ablations.py [--data DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from veracity.bench.results_file import write_result
from veracity.detect.speech_features import active_segments, frame_signal
from veracity.detect.speech_real import real_logits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

import train_speech_real as T  # noqa: E402

_NB, _N, _HOP = 8, 512, 128
ARTEFACT_DIM = 3 * _NB + 8 + _NB + 2
ARTEFACT_DIR = "features_artefact"


def _artefact_frames(x: np.ndarray) -> np.ndarray:
    """Per 8 ms frame: phase coherence, group-delay change, harmonicity, band powers."""
    frames = frame_signal(x, _N, _HOP, min_len=_N + 2 * _HOP)
    nf = len(frames)
    spec = np.fft.rfft(frames * np.hanning(_N).astype(np.float32), axis=1)
    mag = np.abs(spec) + 1e-9
    c = spec[:, 1:] * np.conj(spec[:, :-1])
    cn = c / (np.abs(c) + 1e-12)
    w = np.sqrt(mag[:, 1:] * mag[:, :-1])
    edges = np.linspace(0, 256, _NB + 1).astype(int)
    out = np.zeros((nf, 2 * _NB + 4 + _NB + 1), np.float32)
    for b in range(_NB):
        sl = slice(edges[b], edges[b + 1])
        out[:, b] = np.abs((cn[:, sl] * w[:, sl]).sum(1)) / (w[:, sl].sum(1) + 1e-12)
        d2 = cn[:, sl][:, 1:] * np.conj(cn[:, sl][:, :-1])
        wb = w[:, sl][:, 1:]
        out[:, _NB + b] = (np.abs(np.angle(d2)) * wb).sum(1) / (wb.sum(1) + 1e-12)
    logm = np.log(mag[:, 1:257])
    for q in range(4):
        part = logm[:, q * 64 : (q + 1) * 64]
        part = part - part.mean(1, keepdims=True)
        cs = np.abs(np.fft.rfft(part, n=64, axis=1))
        out[:, 2 * _NB + q] = np.log(cs[:, 6:21].max(1) + 1e-9) - np.log(cs[:, 1:].mean(1) + 1e-9)
    p = mag[:, 1:257] ** 2
    bandp = np.log(np.stack([p[:, edges[b] : edges[b + 1]].mean(1) for b in range(_NB)], 1))
    out[:, 2 * _NB + 4 : 2 * _NB + 4 + _NB] = bandp
    out[:, -1] = np.log(p.mean(1))
    return out


def artefact_features(x: np.ndarray, segments: list[tuple[int, int]]) -> np.ndarray:
    """Candidate vocoder-artefact statistics per segment: (segments, ARTEFACT_DIM).

    Over the louder half of the frames: mean and std of the magnitude-weighted phase
    coherence along frequency and the mean group-delay change per 1 kHz band, mean and
    std of the cepstral harmonicity peak per 2 kHz band; over the quietest fifth: the
    band spectrum relative to the loud frames', the level spread and spectral flux.
    """
    fr = _artefact_frames(x)
    res = []
    for s, e in segments:
        c = fr[s // _HOP : max(s // _HOP + 1, (e - _N) // _HOP)]
        if len(c) == 0:
            c = fr[-1:]
        coh, gd2, harm = c[:, :_NB], c[:, _NB : 2 * _NB], c[:, 2 * _NB : 2 * _NB + 4]
        bandp, tot = c[:, 2 * _NB + 4 : 2 * _NB + 4 + _NB], c[:, -1]
        loud = tot >= np.percentile(tot, 50)
        quiet = tot <= np.percentile(tot, 20)
        rel = bandp - tot[:, None]
        flux = float(np.mean(np.abs(np.diff(rel[quiet], axis=0)))) if quiet.sum() > 1 else 0.0
        res.append(
            np.concatenate(
                [
                    coh[loud].mean(0),
                    coh[loud].std(0),
                    gd2[loud].mean(0),
                    harm[loud].mean(0),
                    harm[loud].std(0),
                    rel[quiet].mean(0) - rel[loud].mean(0),
                    [np.std(tot[quiet]), flux],
                ]
            )
        )
    return np.asarray(res, np.float32)


def _artefact_block(data: Path, rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Artefact features of every version of every clip (cached per clip), in row order."""
    (data / ARTEFACT_DIR).mkdir(exist_ok=True)
    per_row = []
    for r in rows:
        path = data / ARTEFACT_DIR / f"{r['id']}.npz"
        if not path.exists():
            out = {}
            for v, y in T._versions(data, r):
                out[f"x_{v}"] = artefact_features(y, active_segments(y) or [(0, len(y))])
            T._save(path, out)
        with np.load(path) as z:
            per_row.append({k: z[k] for k in z.files})
    return {f"x_{v}": np.concatenate([p[f"x_{v}"] for p in per_row]) for v in T.VERSIONS}


VARIANTS: dict[str, dict[str, Any]] = {
    "shipped recipe (control)": {},
    "artefact block": {"artefact": True},
    "+ MP3 / Opus copies in training": {"versions": T.VERSIONS},
    "family-balanced loss": {"balanced": True},
    "network lambda 0.1": {"lam": 0.1},
}


def run_variant(
    f: dict[str, np.ndarray], rows: list[dict[str, Any]], spec: dict[str, Any]
) -> dict[str, Any]:
    """Leave-one-family-out of one variant: EERs of the CNN-fused head per fold."""
    labels = np.array([r["label"] for r in rows])
    fam = np.array([r["family"] for r in rows])
    corpus = np.array([r["engine"] for r in rows])
    split = np.array([r["split"] for r in rows])
    test_spk = {r["speaker"] for r in rows if r["label"] == 0 and r["split"] == "test"}
    fake_test_spk = np.array([r["speaker"] in test_spk for r in rows])
    width = T.REAL_FEATURE_DIM + (ARTEFACT_DIM if spec.get("artefact") else 0)
    folds: dict[str, Any] = {}
    for held in T.FAMILIES:
        train_clip = ((labels == 0) & (split == "train")) | (
            (labels == 1) & (fam != held) & ~fake_test_spk
        )
        test_clip = ((labels == 0) & (split == "test")) | (fam == held)
        tv = spec.get("versions", T.TRAIN_VERSIONS)
        clips = np.concatenate([f[f"clip_{v}"][train_clip[f[f"clip_{v}"]]] for v in tv])
        x = np.concatenate([f[f"x_{v}"][train_clip[f[f"clip_{v}"]], :width] for v in tv])
        y = labels[clips]
        groups = np.where(y == 1, fam[clips], corpus[clips]) if spec.get("balanced") else None
        model = T.fit_mlp(x, y, lam=spec.get("lam", T.MLP_LAMBDA), groups=groups)
        ids = np.flatnonzero(test_clip)
        fold: dict[str, float] = {}
        for cond in T.TEST_CONDITIONS:
            clip = f[f"clip_{cond}"]
            m = test_clip[clip]
            seg = np.maximum(real_logits(f[f"x_{cond}"][m, :width], model), f[f"cnn_{cond}"][m])
            fold[f"{cond}_clip_eer"] = T.eer(T._clip_scores(seg, clip[m], ids), labels[ids])
            fold[f"{cond}_segment_eer"] = T.eer(seg, labels[clip[m]])
        folds[held] = fold
    return folds


def _pct(v: float) -> str:
    return f"{100 * v:.1f} %"


def table(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    rows = []
    for name, folds in results.items():
        per = [folds[fam]["clean_clip_eer"] for fam in T.FAMILIES]

        def mean(key: str, folds: dict[str, Any] = folds) -> str:
            return _pct(float(np.mean([folds[fam][key] for fam in T.FAMILIES])))

        rows.append(
            [
                name,
                *(_pct(v) for v in per),
                _pct(float(np.mean(per))),
                mean("clean_segment_eer"),
                mean("mp3_64k_clip_eer"),
                mean("opus_32k_clip_eer"),
            ]
        )
    return {
        "columns": [
            "variant (CNN-fused, clean clip EER per held-out family)",
            *T.FAMILIES,
            "mean clip",
            "mean 2 s segment",
            "mean MP3 64k",
            "mean Opus 32k",
        ],
        "rows": rows,
        "note": "Every variant retrained per fold in the same run; none shipped.",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("/work/data/speech/real_spoof"))
    ap.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks/results/speech_real_ablations.json"
    )
    args = ap.parse_args()
    if not (args.data / "manifest.jsonl").is_file():
        sys.exit(f"error: no real-spoof set at {args.data} (training/build_real_spoof_dataset.py)")
    rows = T.load_manifest(args.data)
    f = T.features(args.data, rows)
    art = _artefact_block(args.data, rows)
    for v in T.VERSIONS:
        assert len(art[f"x_{v}"]) == len(f[f"x_{v}"]), v
        f[f"x_{v}"] = np.concatenate([f[f"x_{v}"], art[f"x_{v}"]], axis=1)
    results: dict[str, dict[str, Any]] = {}
    for name, spec in VARIANTS.items():
        t0 = time.process_time()
        results[name] = run_variant(f, rows, spec)
        clean = [results[name][fam]["clean_clip_eer"] for fam in T.FAMILIES]
        print(
            f"{name}: " + " ".join(_pct(v) for v in clean),
            f"(mean {_pct(float(np.mean(clean)))}; {time.process_time() - t0:.0f} s CPU)",
            flush=True,
        )
    tab = table(results)
    print("\n| " + " | ".join(tab["columns"]) + " |")
    print("|---" * len(tab["columns"]) + "|")
    for row in tab["rows"]:
        print("| " + " | ".join(str(c) for c in row) + " |")
    out = write_result(
        args.out.stem,
        {"variants": results, "tables": {"variants": tab}},
        script="benchmarks/speech_real_ablations.py",
        directory=args.out.parent,
    )
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
