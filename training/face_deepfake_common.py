"""Shared pieces of the ``face-deepfake`` detector: crop sets, frozen CLIP features, LOSO.

A *source* is the repository a crop came from (``repo`` in the manifests); the
leave-one-source-out protocol holds out one whole repository (its fakes and its reals)
at a time.  The self-blend crops (``LFW (self-blend)``) and the real-only sources are
always on the training side; the real-only sources are rotated out too, so every real
crop is scored by a model that never saw its source.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from clip_probe_fit import Probe, auc, fit_probe

from veracity.detect.face_deepfake import SPEC, THRESHOLD_FPR

SBI_SOURCE = "LFW (self-blend)"
FAMILIES = ("face_swap", "reenactment", "generated")
L2 = 1.0


@dataclass(frozen=True)
class CropSet:
    """Rows of the manifests with their features, aligned by index."""

    rows: list[dict[str, str]]
    feats: np.ndarray

    @property
    def y(self) -> np.ndarray:
        return np.array([r["label"] == "fake" for r in self.rows], dtype=float)

    def col(self, key: str) -> np.ndarray:
        return np.array([r[key] for r in self.rows])


def load_rows(folder: Path) -> list[dict[str, str]]:
    """Manifest rows, each with ``path`` set to the crop file."""
    rows = [json.loads(line) for line in (folder / "manifest.jsonl").read_text().splitlines()]
    for r in rows:
        r["path"] = str(folder / r["file"])
        r.setdefault("repo", r["origin"].split("@")[0])
    return rows


def features(paths: Sequence[str], cache: Path, batch: int = 8) -> np.ndarray:
    """Frozen CLIP features of crop files, cached by path in an .npz."""
    from veracity.backbones import load_clip

    have: dict[str, np.ndarray] = {}
    if cache.is_file():
        with np.load(cache) as z:
            have = dict(zip(z["paths"].tolist(), z["feats"], strict=True))
    todo = [p for p in paths if p not in have]
    if todo:
        clip = load_clip(SPEC)
        for i in range(0, len(todo), batch):
            part = todo[i : i + batch]
            imgs = [np.asarray(Image.open(p).convert("RGB")) for p in part]
            for p, f in zip(part, clip.embed(imgs), strict=True):
                have[p] = f.astype(np.float32)
            if (i // batch) % 20 == 0:
                print(f"  features {i + len(part)}/{len(todo)}", flush=True)
        keys = sorted(have)
        np.savez(cache, paths=np.array(keys), feats=np.stack([have[k] for k in keys]))
    return np.stack([have[p] for p in paths])


def load_set(folders: Sequence[Path], cache: Path) -> CropSet:
    rows = [r for f in folders for r in load_rows(f)]
    return CropSet(rows, features([r["path"] for r in rows], cache))


def threshold_logit(probe: Probe, x_real: np.ndarray, fpr: float = THRESHOLD_FPR) -> float:
    """The logit above which ``fpr`` of these real crops would be called fake."""
    return float(np.quantile(probe.logit(x_real), 1.0 - fpr))


def fit(x: np.ndarray, y: np.ndarray, groups: np.ndarray, l2: float = L2) -> Probe:
    """Probe plus a calibrated bias: 0 logit sits at ``THRESHOLD_FPR`` of real crops.

    The threshold comes from out-of-group scores (5 group folds inside the training
    data), so it reflects real faces from sources the probe did not see.
    """
    uniq = np.unique(groups)
    fold = {g: i % 5 for i, g in enumerate(sorted(uniq, key=lambda s: hash_str(s)))}
    fo = np.array([fold[g] for g in groups])
    oof = np.zeros(len(y))
    for k in range(5):
        tr, te = fo != k, fo == k
        if y[tr].min() == y[tr].max() or not te.any():
            continue
        oof[te] = fit_probe(x[tr], y[tr], l2).logit(x[te])
    probe = fit_probe(x, y, l2)
    real_oof = oof[y == 0]
    shift = float(np.quantile(real_oof, 1.0 - THRESHOLD_FPR))
    return Probe(probe.mean, probe.scale, probe.w, probe.b - shift)


def fit_fast(x: np.ndarray, y: np.ndarray, l2: float = L2) -> Probe:
    """One fit; the bias puts 0 logit at ``THRESHOLD_FPR`` of the *training* real crops.

    In-sample real scores run low, so the FPR on unseen sources comes out higher than
    the target; the leave-one-source-out benchmark measures exactly that.
    """
    probe = fit_probe(x, y, l2)
    shift = float(np.quantile(probe.logit(x[y == 0]), 1.0 - THRESHOLD_FPR))
    return Probe(probe.mean, probe.scale, probe.w, probe.b - shift)


def hash_str(s: str) -> int:
    import hashlib

    return int(hashlib.sha256(s.encode()).hexdigest()[:12], 16)


def loso(data: CropSet, l2: float = L2) -> tuple[np.ndarray, dict[str, Probe]]:
    """Out-of-source logits for every non-self-blend crop (NaN for self-blend rows).

    Returns the logits and, per held-out source, the probe that scored it.
    """
    src = data.col("repo")
    out = np.full(len(data.rows), np.nan)
    probes: dict[str, Probe] = {}
    for held in sorted(set(src) - {SBI_SOURCE}):
        te = src == held
        tr = ~te
        probes[held] = fit_fast(data.feats[tr], data.y[tr], l2)
        out[te] = probes[held].logit(data.feats[te])
    return out, probes


def family_table(
    scores: np.ndarray, rows: list[dict[str, str]], threshold: float
) -> dict[str, dict[str, float | int | None]]:
    """Per fake family: AUC against every real crop, TPR at the threshold; plus real FPR."""
    fam = np.array([r["family"] for r in rows])
    lab = np.array([r["label"] for r in rows])
    ok = ~np.isnan(scores)
    real = scores[(lab == "real") & ok]
    table: dict[str, dict[str, float | int | None]] = {}
    for f in FAMILIES:
        fake = scores[(fam == f) & ok]
        table[f] = {
            "fake_n": int(fake.size),
            "real_n": int(real.size),
            "auc": auc(fake, real) if fake.size and real.size else None,
            "tpr": float(np.mean(fake >= threshold)) if fake.size else None,
        }
    table["real"] = {"real_n": int(real.size), "fpr": float(np.mean(real >= threshold))}
    return table
