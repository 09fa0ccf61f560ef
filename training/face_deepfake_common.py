"""Shared pieces of the ``face-deepfake`` detector: crop sets, frozen CLIP features, LOSO.

A *source* is the repository a crop came from (``repo`` in the manifests); the
leave-one-source-out protocol holds out one whole repository (its fakes and its reals)
at a time.  The self-blend crops (``LFW (self-blend)``) and the real-only sources are
always on the training side; the real-only sources are rotated out too, so every real
crop is scored by a model that never saw its source.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from clip_probe_fit import Probe, auc, fit_probe
from common import stable_hash

from veracity.detect.face_deepfake import SPEC, THRESHOLD_FPR

SBI_SOURCE = "LFW (self-blend)"
FAMILIES = ("face_swap", "reenactment", "generated")
# The crop folders of build_real_face_dataset.py (batches 2 and 3), the default ``--data``
# of the benchmark, the training script and the shortcut check.
DATA_FOLDERS = (Path("/work/data/face/v2"), Path("/work/data/face/v3"))


def add_data_argument(ap: argparse.ArgumentParser, note: str = "") -> None:
    """The ``--data`` option shared by the benchmark, training script and shortcut check."""
    ap.add_argument(
        "--data",
        type=Path,
        nargs="+",
        default=list(DATA_FOLDERS),
        help=f"crop folders of build_real_face_dataset.py (one per --batch){note}",
    )


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


def check_copies(rows: Sequence[dict[str, str]]) -> None:
    """Every re-encoded copy (a row with ``aug``) names a pooled original of its own source.

    Leave-one-source-out holds out by ``repo``; a copy trains a fold only if its ``repo``
    is not the held-out one, so a copy must carry its original's ``repo`` (and label and
    family) for a held-out source's crops never to train, through their copies, the fold
    that scores them.  Raises ``ValueError`` naming the first copy that does not.
    """
    originals = {r["path"]: r for r in rows if "aug" not in r}
    for r in rows:
        if "aug" not in r:
            continue
        o = originals.get(r.get("of", ""))
        if o is None:
            raise ValueError(f"re-encoded copy {r['path']}: original {r.get('of')} not pooled")
        for key in ("repo", "label", "family"):
            if r[key] != o[key]:
                raise ValueError(
                    f"re-encoded copy {r['path']}: {key} {r[key]!r} != original's {o[key]!r}"
                )


INNER_FOLDS = 5


def source_folds(sources: Sequence[str], k: int = INNER_FOLDS) -> dict[str, int]:
    """A fixed fold (0..k-1) per source name, from its hash (no self-blend source)."""
    return {s: stable_hash(s, 12) % k for s in sorted(set(sources) - {SBI_SOURCE})}


def fit(
    x: np.ndarray,
    y: np.ndarray,
    src: np.ndarray,
    l2: float = L2,
    fpr: float = THRESHOLD_FPR,
) -> Probe:
    """Probe plus a bias that puts 0 logit at ``fpr`` of real crops from *unseen* sources.

    The training sources are split into ``INNER_FOLDS`` source folds; for each fold a probe
    fitted without it scores that fold's real crops, and the bias shift is the
    ``1 - fpr`` quantile of these pooled out-of-source real logits (the self-blend
    source always trains and never calibrates).  In-sample real logits run low, so a
    threshold set on them flagged 16 % of real faces from sources absent from training;
    this one anticipates the unseen source.  Only the rows passed in take part.
    """
    probe = fit_probe(x, y, l2)
    fold = source_folds(src.tolist())
    fo = np.array([fold.get(s, -1) for s in src])
    held: list[np.ndarray] = []
    for k in range(INNER_FOLDS):
        te = (fo == k) & (y == 0)
        tr = fo != k
        if not te.any() or y[tr].min() == y[tr].max():
            continue
        held.append(fit_probe(x[tr], y[tr], l2).logit(x[te]))
    real = np.concatenate(held) if held else probe.logit(x[y == 0])
    shift = float(np.quantile(real, 1.0 - fpr))
    return Probe(probe.mean, probe.scale, probe.w, probe.b - shift)


def loso(
    data: CropSet, l2: float = L2, train: np.ndarray | None = None
) -> tuple[np.ndarray, dict[str, Probe]]:
    """Out-of-source logits for every non-self-blend crop (NaN for self-blend rows).

    ``train`` (a row mask, default all rows) limits the rows a fold may fit on, so that
    two recipes (e.g. an older crop set against a larger one) are scored on the same
    held-out sources and test crops: the folds are always those of every source in
    ``data``.  Returns the logits and, per held-out source, the probe that scored it.
    """
    src = data.col("repo")
    allowed = np.ones(len(src), bool) if train is None else np.asarray(train, bool)
    out = np.full(len(data.rows), np.nan)
    probes: dict[str, Probe] = {}
    for held in sorted(set(src) - {SBI_SOURCE}):
        te = src == held
        tr = allowed & ~te
        probes[held] = fit(data.feats[tr], data.y[tr], src[tr], l2)
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
