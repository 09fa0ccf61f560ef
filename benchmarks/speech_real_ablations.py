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

Round 3 (declared 2026-12-07 before its run, on the set with the vocoder pages' reals):

- ``hi-res LFCC block``: 120 statistics per segment (:func:`hires_lfcc_features`) from
  a 1024-point (64 ms, 15.6 Hz bins) power spectrum every 10 ms: LFCC 1-20 of 60 linear
  filters over 0-8 kHz and LFCC 1-20 of 40 linear filters over 4-8 kHz only (where GAN
  and flow vocoders leave upsampling / aliasing traces), each as mean and std over the
  segment's frames and std of the frame-to-frame change; appended to the shipped
  features. Rule, fixed before the run: it would ship only if the mean clean clip EER
  over the six folds drops by at least 1 point against the control in the same run, no
  family gets worse by more than 2 points, and the detector stays at >= 50x real time.

Round 4 (declared 2026-12-07 before its run, docs/guide/detection-speech.md, on the
shipped head's 1,198 clips, ``--manifest manifest_round2_dedup.jsonl``): AASIST-L
(clovaai/aasist, ASVspoof 2019 LA) as a second front end, its 160-d embedding and two
logits on the first 4.04 s of each version of each clip (``training/aasist_features.py``):

- ``AASIST-L in the head``: the clip's 162 values appended to each of its segments;
- ``logistic stack (AASIST-L)``: per fold, a logistic regression on the control's fused
  clip logit (cross-fitted on two halves of the training clips) and AASIST-L's
  spoof-minus-bona-fide logit; segments: the same weights on the fused segment logit;
- ``AASIST-L alone``: that logit, zero-shot (reference only).

Same rule as round 3. ``--speed ONNX`` also times the shipped detector and AASIST-L
(onnxruntime, one thread) on a 60 s signal, CPU time, best of 3.

Writes ``benchmarks/results/speech_real_ablations.json`` (``write_result``, no headline).
Usage: OMP_NUM_THREADS=1 python benchmarks/speech_real_ablations.py [--data DIR]
    [--manifest manifest.jsonl] [--variants NAME,NAME] [--out FILE] [--speed ONNX]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy.fft import dct, rfft

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


_HR_N, _HR_HOP, _HR_CEPS = 1024, 160, 20
HIRES_DIM = 2 * 3 * _HR_CEPS
HIRES_DIR = "features_hires"


def _linear_filters(n_filters: int, lo_hz: float, hi_hz: float) -> np.ndarray:
    """Triangular filters equally spaced in Hz on the rfft bins: (bins, n_filters)."""
    freqs = np.fft.rfftfreq(_HR_N, 1 / 16000)
    edges = np.linspace(lo_hz, hi_hz, n_filters + 2)
    fb = np.zeros((len(freqs), n_filters), np.float32)
    for i in range(n_filters):
        lo, mid, hi = edges[i : i + 3]
        up = (freqs - lo) / (mid - lo)
        down = (hi - freqs) / (hi - mid)
        fb[:, i] = np.clip(np.minimum(up, down), 0, None)
    return fb


def hires_lfcc_features(x: np.ndarray, segments: list[tuple[int, int]]) -> np.ndarray:
    """Hi-res full-band and 4-8 kHz LFCC statistics per segment: (segments, HIRES_DIM)."""
    x = np.asarray(x, np.float32)
    if len(x) < _HR_N:
        x = np.pad(x, (0, _HR_N - len(x)))
    view = np.lib.stride_tricks.sliding_window_view(x, _HR_N)[::_HR_HOP]
    frames = view * np.hanning(_HR_N).astype(np.float32)
    power = np.abs(rfft(frames, axis=1)) ** 2
    blocks = []
    for fb in (_linear_filters(60, 0.0, 8000.0), _linear_filters(40, 4000.0, 8000.0)):
        ceps = dct(np.log(power @ fb + 1e-10), type=2, norm="ortho", axis=1)
        blocks.append(ceps[:, 1 : _HR_CEPS + 1])
    c = np.concatenate(blocks, axis=1)
    res = []
    for s, e in segments:
        part = c[s // _HR_HOP : max(s // _HR_HOP + 2, (e - _HR_N) // _HR_HOP)]
        if len(part) < 2:
            part = c[-2:] if len(c) >= 2 else np.repeat(c[-1:], 2, axis=0)
        d = np.diff(part, axis=0)
        stats = [part[:, k : k + _HR_CEPS] for k in (0, _HR_CEPS)]
        dd = [d[:, k : k + _HR_CEPS] for k in (0, _HR_CEPS)]
        res.append(
            np.concatenate(
                [
                    np.concatenate([b.mean(0), b.std(0), g.std(0)])
                    for b, g in zip(stats, dd, strict=True)
                ]
            )
        )
    return np.asarray(res, np.float32).reshape(len(segments), HIRES_DIM)


def _one_block(args: tuple[Path, dict[str, Any], str]) -> str:
    data, r, folder = args
    path = data / folder / f"{r['id']}.npz"
    if not path.exists():
        fn = artefact_features if folder == ARTEFACT_DIR else hires_lfcc_features
        out = {}
        for v, y in T._versions(data, r):
            out[f"x_{v}"] = fn(y, active_segments(y) or [(0, len(y))])
        T._save(path, out)
    return r["id"]


def _artefact_block(
    data: Path, rows: list[dict[str, Any]], folder: str = ARTEFACT_DIR
) -> dict[str, np.ndarray]:
    """Artefact (or hi-res LFCC) features of every version of every clip (cached per
    clip), in row order."""
    import multiprocessing as mp

    (data / folder).mkdir(exist_ok=True)
    todo = [r for r in rows if not (data / folder / f"{r['id']}.npz").exists()]
    if todo:
        with mp.get_context("fork").Pool(T.WORKERS) as pool:
            list(pool.imap_unordered(_one_block, [(data, r, folder) for r in todo], chunksize=4))
    per_row = []
    for r in rows:
        path = data / folder / f"{r['id']}.npz"
        with np.load(path) as z:
            per_row.append({k: z[k] for k in z.files})
    return {f"x_{v}": np.concatenate([p[f"x_{v}"] for p in per_row]) for v in T.VERSIONS}


AASIST_DIR = "features_aasist"  # training/aasist_features.py
AASIST_DIM = 162  # 160-d embedding, spoof logit, bona fide logit
AASIST_WINDOW_S = 64600 / 16000  # the one window AASIST-L sees per clip


def _aasist_block(
    data: Path, rows: list[dict[str, Any]], f: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Each segment gets its clip's AASIST-L values of the same version."""
    missing = [r["id"] for r in rows if not (data / AASIST_DIR / f"{r['id']}.npz").exists()]
    if missing:
        sys.exit(
            f"error: no AASIST-L features for {len(missing)} clips (training/aasist_features.py)"
        )
    per_clip = {v: np.zeros((len(rows), AASIST_DIM), np.float32) for v in T.VERSIONS}
    for i, r in enumerate(rows):
        with np.load(data / AASIST_DIR / f"{r['id']}.npz") as z:
            for v in T.VERSIONS:
                per_clip[v][i] = z[f"a_{v}"]
    return {f"x_{v}": per_clip[v][f[f"clip_{v}"]] for v in T.VERSIONS}


VARIANTS: dict[str, dict[str, Any]] = {
    "shipped recipe (control)": {},
    "artefact block": {"artefact": True},
    "+ MP3 / Opus copies in training": {"versions": T.VERSIONS},
    "family-balanced loss": {"balanced": True},
    "network lambda 0.1": {"lam": 0.1},
    "hi-res LFCC block": {"hires": True},
    "AASIST-L in the head": {"aasist": True},
    "logistic stack (AASIST-L)": {"stack": True},
    "AASIST-L alone": {"aasist_alone": True},
}
# the detector's uncertain band, score 0.35..0.65 (veracity.detect.fusion), as a logit
UNCERTAIN_LOGIT = float(np.log(0.65 / 0.35))
CANDIDATES = ("AASIST-L in the head", "logistic stack (AASIST-L)")  # round 4, declared


def _fused_segments(
    f: dict[str, np.ndarray],
    model: dict[str, np.ndarray],
    cols: np.ndarray,
    cond: str,
    keep: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Fused (head, CNN maximum) segment logits of the clips in ``keep``, and their clip ids."""
    clip = f[f"clip_{cond}"]
    m = keep[clip]
    z = real_logits(f[f"x_{cond}"][m][:, cols], model)
    return np.maximum(z, f[f"cnn_{cond}"][m]), clip[m]


def _train_xy(
    f: dict[str, np.ndarray],
    labels: np.ndarray,
    keep: np.ndarray,
    cols: np.ndarray,
    versions: tuple[str, ...],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    clips = np.concatenate([f[f"clip_{v}"][keep[f[f"clip_{v}"]]] for v in versions])
    x = np.concatenate([f[f"x_{v}"][keep[f[f"clip_{v}"]]][:, cols] for v in versions])
    return x, labels[clips], clips


def _aasist_logit(f: dict[str, np.ndarray], cond: str) -> np.ndarray:
    """AASIST-L's spoof-minus-bona-fide logit of each segment's clip (from the block)."""
    a = f[f"aasist_{cond}"]
    return a[:, 0] - a[:, 1]


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
    cols = np.arange(T.REAL_FEATURE_DIM)
    if spec.get("artefact"):
        cols = np.concatenate([cols, T.REAL_FEATURE_DIM + np.arange(ARTEFACT_DIM)])
    if spec.get("hires"):
        start = T.REAL_FEATURE_DIM + ARTEFACT_DIM
        cols = np.concatenate([cols, start + np.arange(HIRES_DIM)])
    if spec.get("aasist"):
        start = T.REAL_FEATURE_DIM + ARTEFACT_DIM + HIRES_DIM
        cols = np.concatenate([cols, start + np.arange(AASIST_DIM)])
    folds: dict[str, Any] = {}
    for held in T.FAMILIES:
        train_clip = ((labels == 0) & (split == "train")) | (
            (labels == 1) & (fam != held) & ~fake_test_spk
        )
        test_clip = ((labels == 0) & (split == "test")) | (fam == held)
        ids = np.flatnonzero(test_clip)
        fold: dict[str, float] = {}
        if spec.get("aasist_alone"):
            for cond in T.TEST_CONDITIONS:
                clip = f[f"clip_{cond}"]
                m = test_clip[clip]
                seg = _aasist_logit(f, cond)[m]
                fold[f"{cond}_clip_eer"] = T.eer(T._clip_scores(seg, clip[m], ids), labels[ids])
                fold[f"{cond}_segment_eer"] = T.eer(seg, labels[clip[m]])
            folds[held] = fold
            continue
        tv = spec.get("versions", T.TRAIN_VERSIONS)
        x, y, clips = _train_xy(f, labels, train_clip, cols, tv)
        groups = np.where(y == 1, fam[clips], corpus[clips]) if spec.get("balanced") else None
        model = T.fit_mlp(x, y, lam=spec.get("lam", T.MLP_LAMBDA), groups=groups)
        stack = _fit_stack(f, labels, train_clip, cols) if spec.get("stack") else None
        for cond in T.TEST_CONDITIONS:
            seg, seg_clip = _fused_segments(f, model, cols, cond, test_clip)
            if stack is not None:
                control = T._clip_scores(seg, seg_clip, ids)
                a = _aasist_logit(f, cond)[test_clip[f[f"clip_{cond}"]]]
                seg = stack[0] * seg + stack[1] * a + stack[2]
                # gated: the stack only where the control's clip score is uncertain
                band = np.abs(control) <= UNCERTAIN_LOGIT
                gated = np.where(band, T._clip_scores(seg, seg_clip, ids), control)
                fold[f"{cond}_gated_clip_eer"] = T.eer(gated, labels[ids])
                fold[f"{cond}_gated_fraction"] = float(band.mean())
                fold["stack_weights"] = [float(w) for w in stack]
            fold[f"{cond}_clip_eer"] = T.eer(T._clip_scores(seg, seg_clip, ids), labels[ids])
            fold[f"{cond}_segment_eer"] = T.eer(seg, labels[seg_clip])
        folds[held] = fold
    return folds


def _fit_stack(
    f: dict[str, np.ndarray], labels: np.ndarray, train_clip: np.ndarray, cols: np.ndarray
) -> tuple[float, float, float]:
    """Weights (a, b, c) of a * fused logit + b * AASIST-L logit + c, on the training clips.

    The fused clip logits of the training clips come from two heads, each trained on the
    other half of the training clips (fixed random halves), so no clip is scored by a head
    that saw it; one row per training clip, clean version, class-balanced.
    """
    tr = np.flatnonzero(train_clip)
    half = np.zeros(len(labels), bool)
    half[tr[np.random.default_rng(0).permutation(len(tr))[: len(tr) // 2]]] = True
    fused = np.zeros(len(labels))
    for side in (True, False):
        fit_on = train_clip & (half != side)
        score_on = train_clip & (half == side)
        x, y, _ = _train_xy(f, labels, fit_on, cols, T.TRAIN_VERSIONS)
        seg, seg_clip = _fused_segments(f, T.fit_mlp(x, y), cols, "clean", score_on)
        sc = np.flatnonzero(score_on)
        fused[sc] = T._clip_scores(seg, seg_clip, sc)
    aasist = np.zeros(len(labels))
    aasist[f["clip_clean"]] = _aasist_logit(f, "clean")
    lr = T.fit(np.stack([fused[tr], aasist[tr]], axis=1), labels[tr])
    w = lr["coef"] / lr["scale"]
    c = float(lr["intercept"][0] - np.sum(w * lr["mean"]))
    return float(w[0]), float(w[1]), c


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
        "note": "Every variant retrained per fold in the same run.",
    }


def logo_table(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per held-out family: clip, 2 s segment, MP3 64k and Opus 32k clip EER per variant."""
    keys = (
        ("clip", "clean_clip_eer"),
        ("segment", "clean_segment_eer"),
        ("MP3", "mp3_64k_clip_eer"),
        ("Opus", "opus_32k_clip_eer"),
    )
    cols = ["held-out family"] + [f"{n}: {k}" for n in results for k, _ in keys]
    rows = []
    for fam in (*T.FAMILIES, "mean of the folds"):
        row = [fam]
        for folds in results.values():
            for _, key in keys:
                v = (
                    np.mean([folds[x][key] for x in T.FAMILIES])
                    if fam == "mean of the folds"
                    else folds[fam][key]
                )
                row.append(_pct(float(v)))
        rows.append(row)
    return {
        "columns": cols,
        "rows": rows,
        "note": "Every variant retrained per fold in the same run.",
    }


def speed(onnx: Path, repeats: int = 3) -> dict[str, float]:
    """CPU s (one thread, best of ``repeats``) of the shipped detector on a 60 s signal and
    of AASIST-L (onnxruntime) on its first 4.04 s."""
    from aasist_features import run, session

    from veracity.bench.timing import best_cpu_s
    from veracity.detect.speech_features import RATE
    from veracity.detect.synthetic_speech import SyntheticSpeechDetector
    from veracity.media.audio import AudioClip, AudioInfo
    from veracity.synth.speech import speech_like

    seconds = 60.0
    x = speech_like(seconds, RATE, seed=11).astype(np.float32)
    clip = AudioClip(Path("bench.wav"), AudioInfo(RATE, 1, seconds, "pcm", "wav"), RATE, x, seconds)
    det = SyntheticSpeechDetector()
    det.analyze(clip)
    sess = session(onnx)
    run(sess, x)
    shipped = best_cpu_s(lambda: det.analyze(clip), repeats)
    aasist = best_cpu_s(lambda: run(sess, x), repeats)
    return {
        "audio_s": seconds,
        "shipped_cpu_s": shipped,
        "shipped_x_realtime": seconds / shipped,
        "aasist_cpu_s": aasist,
        "fused_cpu_s": shipped + aasist,
        "fused_x_realtime": seconds / (shipped + aasist),
    }


def _rule_met(changes: list[float]) -> bool:
    """The declared EER rule on per-family clip EER changes against the control: the mean
    falls by more than 1 point and no family rises by more than 2."""
    return bool(-float(np.mean(changes)) > 0.01 and max(changes) <= 0.02)


def decision(results: dict[str, dict[str, Any]], sp: dict[str, float] | None) -> dict[str, Any]:
    """The declared rule for each round-4 candidate against the control of the same run."""
    ctrl = results.get("shipped recipe (control)")
    out: dict[str, Any] = {}
    if ctrl is None:
        return out
    for name in CANDIDATES:
        if name not in results:
            continue
        d = [results[name][x]["clean_clip_eer"] - ctrl[x]["clean_clip_eer"] for x in T.FAMILIES]
        mean_gain = -float(np.mean(d))
        worst = float(max(d))
        fast = sp is not None and sp["fused_x_realtime"] >= 50
        out[name] = {
            "mean_clip_eer_gain_points": round(100 * mean_gain, 2),
            "worst_family_change_points": round(100 * worst, 2),
            "eer_rule_met": _rule_met(d),
            "speed_x_realtime": None if sp is None else round(sp["fused_x_realtime"], 1),
            "ships": _rule_met(d) and fast,
        }
        if "clean_gated_clip_eer" in results[name][T.FAMILIES[0]]:
            g = [
                results[name][x]["clean_gated_clip_eer"] - ctrl[x]["clean_clip_eer"]
                for x in T.FAMILIES
            ]
            frac = float(np.mean([results[name][x]["clean_gated_fraction"] for x in T.FAMILIES]))
            gated = {
                "gated_mean_clip_eer_gain_points": round(-100 * float(np.mean(g)), 2),
                "gated_worst_family_change_points": round(100 * float(max(g)), 2),
                "gated_fraction_of_test_clips": round(frac, 3),
            }
            gated["gated_eer_rule_met"] = _rule_met(g)
            if sp is not None:
                x_rt = sp["audio_s"] / (sp["shipped_cpu_s"] + frac * sp["aasist_cpu_s"])
                gated["gated_speed_x_realtime"] = round(x_rt, 1)
                gated["gated_ships"] = _rule_met(g) and x_rt >= 50
            out[name].update(gated)
    return out


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def decision_table(dec: dict[str, Any]) -> dict[str, Any]:
    """The declared rule per candidate (and its uncertain-band gated form) as a table."""
    rows = []
    for name, d in dec.items():
        speed_x = d["speed_x_realtime"]
        rows.append(
            [
                name,
                f"{-d['mean_clip_eer_gain_points']:+.2f}",
                f"{d['worst_family_change_points']:+.2f}",
                _yes(d["eer_rule_met"]),
                "not measured" if speed_x is None else f"{speed_x:.1f}",
                _yes(d["ships"]),
            ]
        )
        if "gated_mean_clip_eer_gain_points" in d:
            gx = d.get("gated_speed_x_realtime")
            frac = 100 * d["gated_fraction_of_test_clips"]
            rows.append(
                [
                    f"{name}, gated (AASIST-L on the {frac:.1f} % uncertain clips)",
                    f"{-d['gated_mean_clip_eer_gain_points']:+.2f}",
                    f"{d['gated_worst_family_change_points']:+.2f}",
                    _yes(d["gated_eer_rule_met"]),
                    "not measured" if gx is None else f"{gx:.1f}",
                    _yes(bool(d.get("gated_ships", False))),
                ]
            )
    return {
        "columns": [
            "candidate (against the control of the same run)",
            "mean clip EER change (points)",
            "worst family change (points)",
            "EER rule met (< -1, worst <= +2)",
            "fused x real time (>= 50)",
            "ships",
        ],
        "rows": rows,
        "note": "Rule declared before the run; speed: one core, CPU time, best of 3.",
    }


def speed_table(sp: dict[str, float]) -> dict[str, Any]:
    """CPU seconds and real-time factor of the shipped detector and of it plus AASIST-L."""
    return {
        "columns": ["detector (60 s audio, one core)", "CPU s", "x real time"],
        "rows": [
            ["shipped", f"{sp['shipped_cpu_s']:.2f}", f"{sp['shipped_x_realtime']:.0f}"],
            [
                "AASIST-L alone (onnxruntime, one 4.04 s window; x real time of the window)",
                f"{sp['aasist_cpu_s']:.2f}",
                f"{AASIST_WINDOW_S / sp['aasist_cpu_s']:.0f}",
            ],
            [
                "shipped + AASIST-L (fused)",
                f"{sp['fused_cpu_s']:.2f}",
                f"{sp['fused_x_realtime']:.0f}",
            ],
        ],
        "note": "Same run; 2-core machine shared with other jobs.",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("/work/data/speech/real_spoof"))
    ap.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks/results/speech_real_ablations.json"
    )
    ap.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated names")
    ap.add_argument("--manifest", default="manifest.jsonl", help="manifest name in --data")
    ap.add_argument("--speed", type=Path, help="AASIST-L ONNX file: also time the detector")
    args = ap.parse_args()
    chosen = args.variants.split(",")
    unknown = sorted(set(chosen) - set(VARIANTS))
    if unknown:
        ap.error(f"unknown variant(s): {', '.join(unknown)}")
    if not (args.data / args.manifest).is_file():
        sys.exit(f"error: no real-spoof set at {args.data} (training/build_real_spoof_dataset.py)")
    rows = T.load_manifest(args.data, args.manifest)
    f = T.features(args.data, rows)
    specs = {n: VARIANTS[n] for n in VARIANTS if n in chosen}
    blocks = []
    for key, folder, dim in (
        ("artefact", ARTEFACT_DIR, ARTEFACT_DIM),
        ("hires", HIRES_DIR, HIRES_DIM),
    ):
        if any(s.get(key) for s in specs.values()):
            blocks.append(_artefact_block(args.data, rows, folder))
        else:  # columns kept in place, never read
            blocks.append(
                {f"x_{v}": np.zeros((len(f[f"x_{v}"]), dim), np.float32) for v in T.VERSIONS}
            )
    if any(s.get("aasist") or s.get("stack") or s.get("aasist_alone") for s in specs.values()):
        ab = _aasist_block(args.data, rows, f)
    else:
        ab = {f"x_{v}": np.zeros((len(f[f"x_{v}"]), AASIST_DIM), np.float32) for v in T.VERSIONS}
    blocks.append(ab)
    for v in T.VERSIONS:
        f[f"aasist_{v}"] = ab[f"x_{v}"]
    for v in T.VERSIONS:
        for b in blocks:
            assert len(b[f"x_{v}"]) == len(f[f"x_{v}"]), v
        f[f"x_{v}"] = np.concatenate([f[f"x_{v}"], *(b[f"x_{v}"] for b in blocks)], axis=1)
    results: dict[str, dict[str, Any]] = {}
    for name, spec in specs.items():
        t0 = time.process_time()
        results[name] = run_variant(f, rows, spec)
        clean = [results[name][fam]["clean_clip_eer"] for fam in T.FAMILIES]
        print(
            f"{name}: " + " ".join(_pct(v) for v in clean),
            f"(mean {_pct(float(np.mean(clean)))}; {time.process_time() - t0:.0f} s CPU)",
            flush=True,
        )
    tables = {"variants": table(results), "logo": logo_table(results)}
    for tab in tables.values():
        print("\n| " + " | ".join(tab["columns"]) + " |")
        print("|---" * len(tab["columns"]) + "|")
        for row in tab["rows"]:
            print("| " + " | ".join(str(c) for c in row) + " |")
    payload: dict[str, Any] = {"variants": results, "manifest": args.manifest, "clips": len(rows)}
    sp = speed(args.speed) if args.speed else None
    if sp is not None:
        payload["speed"] = sp
        print("\nspeed:", {k: round(v, 3) for k, v in sp.items()})
    dec = decision(results, sp)
    if dec:
        payload["decision"] = dec
        tables["decision"] = decision_table(dec)
        print("decision:", dec)
    if sp is not None:
        tables["speed"] = speed_table(sp)
    out = write_result(
        args.out.stem,
        {**payload, "tables": tables},
        script="benchmarks/speech_real_ablations.py",
        directory=args.out.parent,
    )
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
