"""Leave-one-generator-family-out on real generators: CLIP probe alone and fused with spectral/NPR.

Usage:
    python benchmarks/aigen_real.py --data /work/data/img/real_aigen \
        --feats /work/data/img/feats_resize.npz [--write]

Folds, splits and the fit are those of ``training/clip_probe_fit.py``: each generator
family is held out whole; the probe is fitted on the other families and the training real
photos (sources balanced), Platt-scaled on a calibration split of that training data and
its bias shifted by the left-out-source rule (training data only). Tests: the held-out
family against held-out photos of the training sources, and every photo of the sources
never trained on (per source). The old detectors (aigen_spectral, aigen_npr, shipped
weights) score the same images; the fused score is the log-odds mean of
``veracity.detect.fusion`` with the shipped weights. The shipped fit (all families) is
scored on the unseen sources too. Prints tables; ``--write`` writes
``benchmarks/results/aigen_real.json`` through ``veracity.bench.results_file``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "training"))

from aigen_clip_features import variant
from clip_probe_fit import (
    FAMILIES,
    HELD_OUT_REAL,
    TARGET_FPR,
    Calibrated,
    auc,
    fit_calibrated,
    load_rows,
    masks,
    source_shift,
)

from veracity.bench.results_file import Headline, write_result
from veracity.detect.clip_probe import FUSION_WEIGHT
from veracity.detect.npr import NprDetector
from veracity.detect.spectral import SpectralDetector
from veracity.media.image import LoadedImage

VARIANTS = ("eval", "jpeg75", "half")
OLD = ("aigen_spectral", "aigen_npr")


def old_scores(data: Path, rows: list[dict[str, str]], name: str) -> dict[str, np.ndarray]:
    """Spectral/NPR scores per row for one variant, cached beside the data (rows only grow)."""
    cache = data / f"old_scores_{name}.npz"
    have: dict[str, np.ndarray] = dict(np.load(cache)) if cache.is_file() else {}
    done = len(have.get(OLD[0], ()))
    if done == len(rows):
        return have
    dets = [SpectralDetector(), NprDetector()]
    out: dict[str, list[float]] = {d.name: list(have.get(d.name, ())) for d in dets}
    weights: dict[str, float] = {}
    for r in rows[done:]:
        rgb = variant(np.asarray(Image.open(data / r["file"]).convert("RGB")), name, 0)
        media = LoadedImage(rgb, None, False, 8, "JPEG", "RGB")
        for d in dets:
            s = d.analyze(media, None)
            assert s is not None
            out[d.name].append(s.score)
            weights[d.name] = float(s.details.get("fusion_weight", 1.0))
    arrays = {k: np.array(v) for k, v in out.items()} | {
        f"w_{k}": np.array([w]) for k, w in weights.items()
    }
    np.savez(cache, **arrays)
    return arrays


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def fused(clip_p: np.ndarray, old: dict[str, np.ndarray], idx: np.ndarray) -> np.ndarray:
    z = FUSION_WEIGHT * logit(clip_p)
    total = FUSION_WEIGHT
    for name in OLD:
        w = float(old[f"w_{name}"][0])
        z, total = z + w * logit(old[name][idx]), total + w
    return 1 / (1 + np.exp(-z / total))


def _r(x: float) -> float:
    return round(float(x), 4)


def unseen_rates(
    cal: Calibrated, f: dict[str, np.ndarray], m: dict[str, np.ndarray], old: dict[str, Any]
) -> dict[str, dict[str, float]]:
    """FPR at 0.5 per unseen real source (and all together), probe alone and fused."""
    src = np.array(m["source"])
    out: dict[str, dict[str, float]] = {}
    for name in (*HELD_OUT_REAL, "all"):
        sel = m["real_unseen"] & ((src == name) if name != "all" else True)
        ui = np.flatnonzero(sel)
        pu = cal.prob(f["eval"][ui])
        out[name] = {
            "n": len(ui),
            "clip_fpr": _r((pu >= 0.5).mean()),
            "fused_fpr": _r((fused(pu, old, ui) >= 0.5).mean()),
        }
    return out


_STATE: dict[str, Any] = {}
_WHAT = {
    "web_photos": "ML72 web photos",
    "exif_samples": "camera / phone EXIF samples",
    "kodak24": "Kodak PhotoCD film scans",
    "old_photos": "scanned old prints",
    "photoprism": "photo-library test photos (phones, cameras)",
    "all": "all five",
}


def tables(data: dict[str, Any]) -> dict[str, Any]:
    """The guide's tables (``data.tables``), built from the file's own numbers."""

    def trio(d: dict[str, float]) -> str:
        return f"{d['clip_auc']:.3f} / {d['fused_auc']:.3f} / {d['old_fused_auc']:.3f}"

    logo = []
    for r in [*data["folds"], {"family": "mean", "n_fake": "", **data["mean"]}]:
        u = r["unseen"]["all"]
        logo.append(
            [
                r["family"],
                r["n_fake"],
                trio(r["eval"]),
                f"{r['eval']['clip_fpr']:.3f} / {r['eval']['fused_fpr']:.3f}",
                f"{r['eval']['fused_tpr']:.3f}",
                trio(r["jpeg75"]),
                trio(r["half"]),
                f"{u['clip_fpr']:.3f} / {u['fused_fpr']:.3f}",
            ]
        )
    unseen = [
        [
            s,
            _WHAT.get(s, s),
            d["n"],
            f"{d['clip_fpr']:.3f} / {d['fused_fpr']:.3f}",
            f"{data['shipped_fit']['unseen'][s]['clip_fpr']:.3f} / "
            f"{data['shipped_fit']['unseen'][s]['fused_fpr']:.3f}",
        ]
        for s, d in data["mean"]["unseen"].items()
    ]
    return {
        "logo": {
            "columns": [
                "held-out family",
                "n fake",
                "AUC clip / fused / old",
                "FPR clip / fused",
                "TPR fused",
                "JPEG 75 AUC clip / fused / old",
                "half-size AUC clip / fused / old",
                "unseen-real FPR clip / fused",
            ],
            "rows": logo,
        },
        "unseen": {
            "columns": [
                "unseen source",
                "what it is",
                "n tiles",
                "FPR clip / fused (folds)",
                "FPR clip / fused (shipped)",
            ],
            "rows": unseen,
        },
    }


def add_tables(path: Path) -> None:
    """Add ``data.tables`` to an existing results file from its own data (metadata kept)."""
    doc = json.loads(path.read_text())
    doc["data"]["tables"] = tables(doc["data"])
    tmp = path.with_suffix(".partial")
    tmp.write_text(json.dumps(doc, indent=2) + "\n")
    os.replace(tmp, path)


def _fit(held: str) -> tuple[float, dict[str, float], Calibrated]:
    """Calibrated fit without family ``held`` ("" = the shipped fit on every family)."""
    f, m, y, l2, target = (_STATE[k] for k in ("f", "m", "y", "l2", "target"))
    fam = m["family"]
    train = m["real_train"] | ((fam != "real") & (fam != held))
    delta, left_out = source_shift(f, train, y, m, l2, target)
    return delta, left_out, fit_calibrated(f, train, y, m, l2).shifted(delta)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--feats", type=Path, required=True)
    ap.add_argument("--l2", type=float, default=0.05)
    ap.add_argument("--target-fpr", type=float, default=TARGET_FPR)
    ap.add_argument("--jobs", type=int, default=2, help="folds fitted in parallel processes")
    ap.add_argument("--write", action="store_true", help="write benchmarks/results/aigen_real.json")
    ap.add_argument(
        "--tables-only", type=Path, help="add data.tables to this results file, then stop"
    )
    args = ap.parse_args()
    if args.tables_only:
        add_tables(args.tables_only)
        return
    rows = load_rows(args.data)
    f = dict(np.load(args.feats))
    m = masks(rows)
    fam, y = m["family"], (m["family"] != "real").astype(int)
    old = {v: old_scores(args.data, rows, v) for v in VARIANTS}
    _STATE.update(f=f, m=m, y=y, l2=args.l2, target=args.target_fpr)
    with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        fits = dict(zip((*FAMILIES, ""), pool.map(_fit, (*FAMILIES, "")), strict=True))
    folds = []
    for held in FAMILIES:
        delta, left_out, cal = fits[held]
        row: dict[str, Any] = {
            "family": held,
            "n_fake": int((fam == held).sum()),
            "shift": _r(delta),
            "left_out_source_fpr": left_out,
        }
        fi, ri = np.flatnonzero(fam == held), np.flatnonzero(m["real_test"])
        for v in VARIANTS:
            pf, pr = cal.prob(f[v][fi]), cal.prob(f[v][ri])
            ff, fr = fused(pf, old[v], fi), fused(pr, old[v], ri)
            of = fused(np.full(len(fi), 0.5), old[v], fi)
            orr = fused(np.full(len(ri), 0.5), old[v], ri)
            row[v] = {
                "clip_auc": _r(auc(pf, pr)),
                "clip_fpr": _r((pr >= 0.5).mean()),
                "fused_auc": _r(auc(ff, fr)),
                "fused_fpr": _r((fr >= 0.5).mean()),
                "fused_tpr": _r((ff >= 0.5).mean()),
                "old_fused_auc": _r(auc(of, orr)),
            }
        row["unseen"] = unseen_rates(cal, f, m, old["eval"])
        folds.append(row)
        print(held, "shift", row["shift"], "unseen", row["unseen"]["all"], flush=True)

    print(
        "\n| held-out family | n | "
        + " | ".join(f"{v} AUC clip / fused / old | {v} FPR clip / fused" for v in VARIANTS)
        + " | unseen-real FPR clip / fused |"
    )
    print("|---" * (2 + 2 * len(VARIANTS) + 1) + "|")
    for r in folds:
        cells = []
        for v in VARIANTS:
            d = r[v]
            cells += [
                f"{d['clip_auc']:.3f} / {d['fused_auc']:.3f} / {d['old_fused_auc']:.3f}",
                f"{d['clip_fpr']:.3f} / {d['fused_fpr']:.3f}",
            ]
        u = r["unseen"]["all"]
        print(
            f"| {r['family']} | {r['n_fake']} | "
            + " | ".join(cells)
            + f" | {u['clip_fpr']:.3f} / {u['fused_fpr']:.3f} |"
        )
    mean: dict[str, Any] = {
        v: {k: _r(np.mean([r[v][k] for r in folds])) for k in folds[0][v]} for v in VARIANTS
    }
    mean["unseen"] = {
        s: {
            "n": folds[0]["unseen"][s]["n"],
            **{
                k: _r(np.mean([r["unseen"][s][k] for r in folds]))
                for k in ("clip_fpr", "fused_fpr")
            },
        }
        for s in folds[0]["unseen"]
    }

    # the shipped fit: every family, the same calibration rule
    delta, left_out, final = fits[""]
    ri = np.flatnonzero(m["real_test"])
    shipped = {
        "shift": _r(delta),
        "left_out_source_fpr": left_out,
        "real_test_fpr_clip": _r((final.prob(f["eval"][ri]) >= 0.5).mean()),
        "real_test_fpr_fused": _r(
            (fused(final.prob(f["eval"][ri]), old["eval"], ri) >= 0.5).mean()
        ),
        "unseen": unseen_rates(final, f, m, old["eval"]),
    }

    print(
        "\n| unseen real source | n | FPR clip / fused (LOGO mean) | FPR clip / fused (shipped fit) |"
    )
    print("|---|---|---|---|")
    for s, d in mean["unseen"].items():
        e = shipped["unseen"][s]
        print(
            f"| {s} | {d['n']} | {d['clip_fpr']:.3f} / {d['fused_fpr']:.3f} "
            f"| {e['clip_fpr']:.3f} / {e['fused_fpr']:.3f} |"
        )
    me, mj, mh = mean["eval"], mean["jpeg75"], mean["half"]
    mu = mean["unseen"]["all"]
    print(
        f"\nmean AUC clip {me['clip_auc']:.3f} fused {me['fused_auc']:.3f} old {me['old_fused_auc']:.3f}; "
        f"FPR fused {me['fused_fpr']:.3f}; TPR fused {me['fused_tpr']:.3f}; "
        f"JPEG75 {mj['fused_auc']:.3f}; half {mh['fused_auc']:.3f}; unseen FPR fused {mu['fused_fpr']:.3f}"
    )
    if not args.write:
        return
    n_real = {k: int(m[k].sum()) for k in ("real_train", "real_test", "real_unseen")}
    n_sources = sorted(set(m["source"][m["real_train"]]))
    unseen_ok = mu["fused_fpr"] <= 0.05
    headline = Headline(
        capability="AI-generated images (real generators)",
        state=(
            "strong on held-out families, few false alarms on unseen photo sources; "
            "modest recall at the default threshold"
            if unseen_ok
            else "strong on held-out families; false alarms on unseen photo sources"
        ),
        numbers=(
            "leave-one-family-out over SD 1.x, SDXL, FLUX, other diffusion, GANs, web mix: "
            f"mean AUC {me['fused_auc']:.3f} (JPEG 75 {mj['fused_auc']:.3f}, half size "
            f"{mh['fused_auc']:.3f}); real FPR {100 * me['fused_fpr']:.1f} %, "
            f"{100 * mu['fused_fpr']:.1f} % on {len(HELD_OUT_REAL)} photo sources never trained on; "
            f"recall at 0.5 {100 * me['fused_tpr']:.0f} %"
        ),
        order=20,
    )
    data = {
        "protocol": (
            "leave-one-generator-family-out; centre 320 native tile + JPEG q90 (eval), q75 "
            "(jpeg75), 0.5 resize + q90 (half); threshold 0.5; calibration shift from "
            "left-out training real sources (target FPR per source); unseen real sources "
            "never trained on"
        ),
        "l2": args.l2,
        "target_fpr": args.target_fpr,
        "fusion_weight": FUSION_WEIGHT,
        "n_real": n_real,
        "train_real_sources": n_sources,
        "unseen_real_sources": list(HELD_OUT_REAL),
        "folds": folds,
        "mean": mean,
        "shipped_fit": shipped,
    }
    data["tables"] = tables(data)
    path = write_result("aigen_real", data, script="benchmarks/aigen_real.py", headline=headline)
    print("wrote", path)


if __name__ == "__main__":
    main()
