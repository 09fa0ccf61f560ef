"""Train and evaluate the real-spoof speech detector (``models/speech_real_head``).

Input: the manifest and 16 kHz clips of ``training/build_real_spoof_dataset.py``.
Every clip gets five versions: ``clean``, two random augmentations (``aug0``, ``aug1``:
one of none / MP3 64k / AAC 64k / Opus 32k / telephone band 300-3400 Hz at 8 kHz /
white noise 15-35 dB SNR, then a random gain of +-10 dB) and the test conditions
``mp3_64k`` and ``opus_32k``. Features per 2 s segment (detector VAD, 1 s hop) come from
:func:`veracity.detect.speech_real.real_features` and are cached beside the manifest.

Model: L2 logistic regression on standardised features, class-balanced, trained on the
clean + augmented versions of its training clips (L-BFGS). Declared before any run:
``LAMBDA = 1e-3``; no selection on test data.

Leave-one-family-out (``logo``): for each family F the model is trained on the
training-split real speakers and the fakes of the other families (fakes of test-split
speakers left out) and tested on the test-split real speakers against every clip of F,
per clip (mean segment logit) and per segment, in each test condition. The current
shipped CNN (``speech_lfcc``) is scored on the same test clips as a baseline.

Usage:
    python training/train_speech_real.py [--data /work/data/speech/real_spoof] [--ship]
``--ship`` fits the final model on every clip and writes ``model.npz`` into the package.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy.io import wavfile
from scipy.optimize import minimize
from scipy.signal import butter, sosfilt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from veracity.detect.speech_features import active_segments
from veracity.detect.speech_real import REAL_FEATURE_DIM, V1_DIM, V2_DIM, spectral_features
from veracity.synth.audio_edits import EDITS, codec_roundtrip, resample

RATE = 16000
LAMBDA = 1e-3
VERSIONS = ("clean", "aug0", "aug1", "mp3_64k", "opus_32k")
LOSSY_VERSIONS = ("lossy0", "lossy1")
TRAIN_VERSIONS = ("clean", "aug0", "aug1")
TEST_CONDITIONS = ("clean", "mp3_64k", "opus_32k")
FAMILIES = ("e2e_vits", "two_stage", "vocoder", "codec", "vc", "style_diffusion")
# The network head, declared before any run (not tuned on the held-out families).
HIDDEN, MLP_LAMBDA, MLP_ITERS, SEEDS = 32, 1e-2, 200, 2
SHIPPED_HEAD = "mlp_emb"
WORKERS = 2
SHARED_LICENCES = ("CC BY 4.0", "public domain (LJ Speech)")
AUGS = ("none", "mp3_64k", "aac_64k", "opus_32k", "telephone", "noise")


def telephone(x: np.ndarray) -> np.ndarray:
    """300-3400 Hz band, through 8 kHz and back."""
    sos = butter(4, [300.0, 3400.0], btype="bandpass", fs=RATE, output="sos")
    y, r = resample(sosfilt(sos, x), RATE, 8000)
    return np.asarray(resample(y, r, RATE)[0])


def augment(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One random everyday degradation and a random gain."""
    kind = AUGS[int(rng.integers(len(AUGS)))]
    y = np.asarray(x, np.float64)
    if kind == "telephone":
        y = telephone(y)
    elif kind == "noise":
        snr = rng.uniform(15, 35)
        y = y + rng.normal(0, np.sqrt(np.mean(y**2)) * 10 ** (-snr / 20), len(y))
    elif kind != "none":
        z, r = EDITS[kind](y, RATE)
        y = np.asarray(resample(z, r, RATE)[0])
    y = y * 10 ** (rng.uniform(-10, 10) / 20)
    return np.clip(y, -1, 1).astype(np.float32)


LOSSY = (
    (".mp3", 64_000),
    (".mp3", 96_000),
    (".mp3", 128_000),
    (".m4a", 64_000),
    (".ogg", 24_000),
    (".ogg", 32_000),
    (".ogg", 48_000),
)


def lossy(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random lossy codec round trip, then one random degradation and gain.

    Every training clip passes a codec, so lossless reals and codec-coded fakes (MP3
    demo pages) cannot be told apart by codec traces alone.
    """
    ext, rate = LOSSY[int(rng.integers(len(LOSSY)))]
    z, r = codec_roundtrip(np.asarray(x, np.float64), RATE, ext, rate)
    return augment(np.asarray(resample(z, r, RATE)[0], np.float32), rng)


def version(x: np.ndarray, name: str, seed: int) -> np.ndarray:
    """The named version of a clean 16 kHz clip."""
    if name == "clean":
        return x
    if name.startswith("lossy"):
        return lossy(x, np.random.default_rng(seed * 11 + int(name[5:])))
    if name.startswith("aug"):
        return augment(x, np.random.default_rng(seed * 7 + int(name[3:])))
    z, r = EDITS[name](np.asarray(x, np.float64), RATE)
    return np.asarray(resample(z, r, RATE)[0], np.float32)


def load_manifest(data: Path, name: str = "manifest.jsonl") -> list[dict[str, Any]]:
    with open(data / name) as f:
        return [json.loads(line) for line in f]


FEATURE_DIR = "features_v2"
EMBED_DIR = "features_emb"


def _versions(data: Path, r: dict[str, Any]) -> Any:
    """(version name, float32 samples) of every version of one clip, cached copies first."""
    from speech_real_versions import clip_seed

    _, pcm = wavfile.read(data / r["file"])
    x = pcm.astype(np.float32) / 32768.0
    for v in VERSIONS:
        cached = data / "versions" / v / f"{r['id']}.npy"
        if cached.exists():
            yield v, np.load(cached).astype(np.float32) / 32767.0
        else:
            yield v, version(x, v, clip_seed(r["id"]))


def _save(out_file: Path, out: dict[str, np.ndarray]) -> None:
    tmp = out_file.with_suffix(".tmp.npz")
    np.savez(tmp, **out)
    tmp.replace(out_file)


def _clip_features(args: tuple[Path, dict[str, Any]]) -> str:
    """Features (and baseline CNN logits) of every version of one clip, cached per clip."""
    data, r = args
    out_file = data / FEATURE_DIR / f"{r['id']}.npz"
    if out_file.exists():
        return r["id"]
    from veracity.detect.speech_cnn import cnn_logits

    out: dict[str, np.ndarray] = {}
    for v, y in _versions(data, r):
        segs = active_segments(y) or [(0, len(y))]
        out[f"x_{v}"] = spectral_features(y, segs)
        if v in TEST_CONDITIONS:
            out[f"cnn_{v}"] = cnn_logits(y, segs)
    _save(out_file, out)
    return r["id"]


def _clip_embed(args: tuple[Path, dict[str, Any]]) -> str:
    """Speech-embedding features of every version of one clip, cached per clip."""
    data, r = args
    out_file = data / EMBED_DIR / f"{r['id']}.npz"
    if out_file.exists():
        return r["id"]
    from veracity.detect.speech_embed import embed_features

    out = {
        f"x_{v}": embed_features(y, active_segments(y) or [(0, len(y))])
        for v, y in _versions(data, r)
    }
    _save(out_file, out)
    return r["id"]


def _cached(data: Path, rows: list[dict[str, Any]], folder: str, fn: Any, workers: int) -> None:
    import multiprocessing as mp

    (data / folder).mkdir(exist_ok=True)
    todo = [r for r in rows if not (data / folder / f"{r['id']}.npz").exists()]
    if todo:
        with mp.get_context("fork").Pool(workers) as pool:
            for i, _ in enumerate(pool.imap_unordered(fn, [(data, r) for r in todo], chunksize=4)):
                if i % 100 == 0:
                    print(f"{folder} {i}/{len(todo)}", flush=True)


def features(
    data: Path, rows: list[dict[str, Any]], workers: int = WORKERS
) -> dict[str, np.ndarray]:
    """Segment features of every version of every clip, with the clip index per segment.

    Per-clip results are cached under ``DATA/features_v2`` (spectral features, CNN
    logits) and ``DATA/features_emb`` (speech-embedding features); versions come from the cache
    of ``training/speech_real_versions.py`` when it has them (else they are made here).
    """
    _cached(data, rows, FEATURE_DIR, _clip_features, workers)
    _cached(data, rows, EMBED_DIR, _clip_embed, workers)
    per_row = [dict(np.load(data / FEATURE_DIR / f"{r['id']}.npz")) for r in rows]
    for p, r in zip(per_row, rows, strict=True):
        with np.load(data / EMBED_DIR / f"{r['id']}.npz") as e:
            for v in VERSIONS:
                p[f"x_{v}"] = np.concatenate([p[f"x_{v}"][:, :V2_DIM], e[f"x_{v}"]], axis=1)
    out: dict[str, np.ndarray] = {}
    for v in VERSIONS:
        out[f"x_{v}"] = np.concatenate([p[f"x_{v}"] for p in per_row])
        out[f"clip_{v}"] = np.concatenate(
            [np.full(len(p[f"x_{v}"]), i) for i, p in enumerate(per_row)]
        )
    for v in TEST_CONDITIONS:
        out[f"cnn_{v}"] = np.concatenate([p[f"cnn_{v}"] for p in per_row])
    return out


def fit(x: np.ndarray, y: np.ndarray, lam: float = LAMBDA) -> dict[str, np.ndarray]:
    """Class-balanced L2 logistic regression on standardised features."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    z = np.clip((x - mean) / scale, -20, 20)
    w_cls = np.where(y == 1, 0.5 / max(1, y.sum()), 0.5 / max(1, (1 - y).sum()))

    def loss(p: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = p[:-1], p[-1]
        s = z @ w + b
        ls = np.logaddexp(0, s) - y * s
        prob = 1 / (1 + np.exp(-np.clip(s, -30, 30)))
        g = w_cls * (prob - y)
        val = float(np.sum(w_cls * ls) + 0.5 * lam * w @ w)
        return val, np.concatenate([z.T @ g + lam * w, [g.sum()]])

    res = minimize(
        loss, np.zeros(z.shape[1] + 1), jac=True, method="L-BFGS-B", options={"maxiter": 500}
    )
    return {
        "mean": mean.astype(np.float64),
        "scale": scale.astype(np.float64),
        "coef": res.x[:-1].astype(np.float64),
        "intercept": np.array([res.x[-1]], np.float64),
    }


def _class_weights(y: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """Row weights: each class sums to 0.5; within a class, each group sums equally."""
    if groups is None:
        return np.where(y == 1, 0.5 / max(1, y.sum()), 0.5 / max(1, (1 - y).sum()))
    w = np.zeros(len(y))
    for cls in (0, 1):
        in_cls = y == cls
        names = np.unique(groups[in_cls])
        for g in names:
            m = in_cls & (groups == g)
            w[m] = 0.5 / len(names) / m.sum()
    return w


def fit_mlp(
    x: np.ndarray,
    y: np.ndarray,
    hidden: int = HIDDEN,
    lam: float = MLP_LAMBDA,
    seeds: int = SEEDS,
    groups: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Class-balanced one-hidden-layer tanh network(s) on standardised features (L-BFGS).

    ``seeds`` networks from different random starts; :func:`real_logits` averages them.
    With ``groups`` (one label per row, e.g. the engine family), every group gets the
    same total weight within its class, so a large family cannot dominate the loss.
    """
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    z = np.nan_to_num(np.clip((x - mean) / scale, -20, 20)).astype(np.float32)
    d = z.shape[1]
    w_cls = _class_weights(y, groups)
    shapes = [(d, hidden), (hidden,), (hidden,), (1,)]
    sizes = [int(np.prod(sh)) for sh in shapes]

    def unpack(p: np.ndarray) -> list[np.ndarray]:
        out, k = [], 0
        for sh, n in zip(shapes, sizes, strict=True):
            out.append(p[k : k + n].reshape(sh))
            k += n
        return out

    def loss(p: np.ndarray) -> tuple[float, np.ndarray]:
        w1, b1, w2, b2 = unpack(p)
        h = np.tanh(z @ w1.astype(np.float32) + b1.astype(np.float32)).astype(np.float64)
        s = h @ w2 + b2[0]
        ls = np.logaddexp(0, s) - y * s
        prob = 1 / (1 + np.exp(-np.clip(s, -30, 30)))
        g = w_cls * (prob - y)
        gh = np.outer(g, w2) * (1 - h**2)
        val = float(np.sum(w_cls * ls) + 0.5 * lam * (np.sum(w1**2) + w2 @ w2))
        grads = [
            (z.T @ gh.astype(np.float32)).astype(np.float64) + lam * w1,
            gh.sum(axis=0),
            h.T @ g + lam * w2,
            np.array([g.sum()]),
        ]
        return val, np.concatenate([gr.ravel() for gr in grads])

    members = []
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        p0 = np.concatenate(
            [
                rng.normal(0, 1 / np.sqrt(d), d * hidden),
                np.zeros(hidden),
                rng.normal(0, 1 / np.sqrt(hidden), hidden),
                np.zeros(1),
            ]
        )
        res = minimize(loss, p0, jac=True, method="L-BFGS-B", options={"maxiter": MLP_ITERS})
        members.append(unpack(res.x))
    return {
        "mean": mean.astype(np.float64),
        "scale": scale.astype(np.float64),
        "w1": np.stack([m[0] for m in members]),
        "b1": np.stack([m[1] for m in members]),
        "w2": np.stack([m[2] for m in members]),
        "b2": np.stack([m[3] for m in members]).ravel(),
    }


def eer(scores: np.ndarray, labels: np.ndarray) -> float:
    """Equal error rate (0..1) of scores where higher means label 1."""
    s = np.asarray(scores, np.float64)
    y = np.asarray(labels).astype(bool)
    if y.all() or (~y).all():
        return float("nan")
    thr = np.unique(s)
    pos, neg = np.sort(s[y]), np.sort(s[~y])
    fnr = np.searchsorted(pos, thr, side="left") / len(pos)
    fpr = 1 - np.searchsorted(neg, thr, side="left") / len(neg)
    k = int(np.argmin(np.abs(fnr - fpr)))
    return float((fnr[k] + fpr[k]) / 2)


def _clip_scores(seg: np.ndarray, clip: np.ndarray, ids: np.ndarray) -> np.ndarray:
    return np.array([seg[clip == i].mean() for i in ids])


# previous: the first head's recipe (V1 features, LR); lr / mlp: V1 + fine-structure
# features; *_emb: also the pretrained speech-embedding features (all columns).
HEADS = ("previous", "lr", "mlp", "lr_emb", "mlp_emb")
DEFAULT_HEADS = ("previous", "lr", "lr_emb", "mlp_emb")  # evaluated by default


def fit_head(name: str, x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """Fit one of :data:`HEADS` on segment features ``x`` (all REAL_FEATURE_DIM columns)."""
    cols = {"previous": V1_DIM, "lr": V2_DIM, "mlp": V2_DIM}.get(name, REAL_FEATURE_DIM)
    return fit(x[:, :cols], y) if name in ("previous", "lr", "lr_emb") else fit_mlp(x[:, :cols], y)


def _evaluate(
    f: dict[str, np.ndarray],
    labels: np.ndarray,
    test_clip: np.ndarray,
    page_real: np.ndarray,
    models: dict[str, dict[str, np.ndarray]],
) -> dict[str, Any]:
    """Clip / segment / page-real EER of every scorer on the clips in ``test_clip``."""
    from veracity.detect.speech_real import real_logits

    ids = np.flatnonzero(test_clip)
    page_ids = ids[(labels[ids] == 1) | page_real[ids]]
    out: dict[str, Any] = {
        "test_real_clips": int(((labels == 0) & test_clip).sum()),
        "test_fake_clips": int(((labels == 1) & test_clip).sum()),
    }
    for cond in TEST_CONDITIONS:
        clip = f[f"clip_{cond}"]
        m = test_clip[clip]
        seg_labels, seg_clip = labels[clip[m]], clip[m]
        cnn = f[f"cnn_{cond}"][m]
        scorers = {"cnn": cnn}
        for h, model in models.items():
            z = real_logits(f[f"x_{cond}"][m], model)
            scorers[h] = z
            scorers[f"{h}_fused"] = np.maximum(cnn, z)
        res: dict[str, Any] = {"segments": int(m.sum())}
        for name, seg in scorers.items():
            res[name] = {
                "clip_eer": eer(_clip_scores(seg, seg_clip, ids), labels[ids]),
                "segment_eer": eer(seg, seg_labels),
                "pagereal_clip_eer": eer(_clip_scores(seg, seg_clip, page_ids), labels[page_ids]),
            }
        out[cond] = res
    return out


def logo(
    data: Path,
    train_versions: tuple[str, ...] | None = None,
    heads: tuple[str, ...] = DEFAULT_HEADS,
    manifest: str = "manifest.jsonl",
    subsets: dict[str, set[str]] | None = None,
) -> dict[str, Any]:
    """Leave-one-family-out evaluation of every head; returns the result table.

    Per fold, condition and scorer (``cnn`` alone, each head alone, each head fused with
    the CNN by the per-segment maximum as in the detector): clip EER (mean segment logit),
    2 s segment EER and clip EER against the demo pages' own reals only. ``subsets``
    (name: clip ids) also scores each fold's models on only those of its test clips, under
    ``fold["subsets"][name]`` (e.g. the test clips of an earlier manifest, so two data
    sets can be compared on the same test clips).
    """
    train_versions = train_versions or TRAIN_VERSIONS
    rows = load_manifest(data, manifest)
    f = features(data, rows)
    labels = np.array([r["label"] for r in rows])
    fam = np.array([r["family"] for r in rows])
    split = np.array([r["split"] for r in rows])
    ids_all = np.array([r["id"] for r in rows])
    test_speakers = {r["speaker"] for r in rows if r["label"] == 0 and r["split"] == "test"}
    fake_test_spk = np.array([r["speaker"] in test_speakers for r in rows])
    page_real = np.array([r["label"] == 0 and r["licence"] not in SHARED_LICENCES for r in rows])
    out: dict[str, Any] = {
        "manifest": manifest,
        "clips": len(rows),
        "families": {
            str(k): int(v) for k, v in zip(*np.unique(fam, return_counts=True), strict=True)
        },
        "test_page_real_clips": int((page_real & (split == "test")).sum()),
        "folds": {},
    }
    for held in FAMILIES:
        train_clip = ((labels == 0) & (split == "train")) | (
            (labels == 1) & (fam != held) & ~fake_test_spk
        )
        test_clip = ((labels == 0) & (split == "test")) | (fam == held)
        xs, ys = [], []
        for v in train_versions:
            m = train_clip[f[f"clip_{v}"]]
            xs.append(f[f"x_{v}"][m])
            ys.append(labels[f[f"clip_{v}"][m]])
        xtr, ytr = np.concatenate(xs), np.concatenate(ys)
        models = {h: fit_head(h, xtr, ytr) for h in heads}
        fold: dict[str, Any] = {"train_clips": int(train_clip.sum()), "train_segments": len(ytr)}
        fold.update(_evaluate(f, labels, test_clip, page_real, models))
        if subsets:
            fold["subsets"] = {
                name: _evaluate(
                    f, labels, test_clip & np.isin(ids_all, list(keep)), page_real, models
                )
                for name, keep in subsets.items()
            }
        out["folds"][held] = fold
        summary = {
            k: round(100 * v["clip_eer"], 1)
            for k, v in fold["clean"].items()
            if isinstance(v, dict)
        }
        print(held, json.dumps(summary), flush=True)
    return out


def ship(data: Path, dest: Path, head: str, manifest: str = "manifest.jsonl") -> None:
    """Fit ``head`` on every clip of ``manifest`` (clean + augmented) and write the model."""
    rows = load_manifest(data, manifest)
    f = features(data, rows)
    labels = np.array([r["label"] for r in rows])
    x = np.concatenate([f[f"x_{v}"] for v in TRAIN_VERSIONS])
    y = np.concatenate([labels[f[f"clip_{v}"]] for v in TRAIN_VERSIONS])
    model = fit_head(head, x, y)
    assert model["mean"].shape[0] in (V1_DIM, V2_DIM, REAL_FEATURE_DIM)
    dest.mkdir(parents=True, exist_ok=True)
    np.savez(dest / "model.npz", **{k: v.astype(np.float32) for k, v in model.items()})
    print(f"wrote {dest / 'model.npz'} ({head}) from {len(x)} segments ({int(y.sum())} synthetic)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("/work/data/speech/real_spoof"))
    ap.add_argument("--ship", action="store_true")
    ap.add_argument("--head", choices=HEADS, default=SHIPPED_HEAD)
    ap.add_argument("--train-versions", default=",".join(TRAIN_VERSIONS))
    ap.add_argument("--json", type=Path, help="also write the LOGO result table here")
    ap.add_argument("--manifest", default="manifest.jsonl", help="manifest file in --data")
    args = ap.parse_args()
    if args.ship:
        dest = Path(__file__).resolve().parents[1] / "src/veracity/models/speech_real_head"
        ship(args.data, dest, args.head, args.manifest)
    else:
        result = logo(args.data, tuple(args.train_versions.split(",")), manifest=args.manifest)
        if args.json:
            args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
