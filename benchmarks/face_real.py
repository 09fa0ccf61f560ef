"""Face detectors on real deepfakes: leave one source out, per family, crops and clips.

Reads the crops written by ``training/build_real_face_dataset.py`` (256 px JPEG q90, one
group per origin file, ``repo`` = source) and the self-blend crops of
``training/face_selfblend_crops.py``.  For each source repository in turn the
``face-deepfake`` probe is refitted without that source (its fakes *and* its reals) and
scores the held-out crops; the pooled out-of-source scores give, per fake family
(face swap, reenactment / talking head, generated), the AUC against every real crop and
the real-face FPR at the default threshold.  The shipped ``face-blend`` detector, trained
on self-blends of LFW only, scores the same crops in the same run (the baseline).

Clips (``clips.jsonl``: 360 x 360 H.264 CRF 23, normalised by the dataset script) get a
per-track score: the mean logit of the largest face in 8 evenly spaced frames, for the
probe that did not see the clip's source and for ``face-blend``.

Writes ``benchmarks/results/face_real.json`` through ``write_result`` (headline row 21).

Usage::

    python benchmarks/face_real.py --data /work/data/face/v2 --sbi /work/data/face/sbi \\
        --cache /work/data/face/feats.npz
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "training"))

from clip_probe_fit import Probe, auc
from face_deepfake_common import (
    FAMILIES,
    SBI_SOURCE,
    CropSet,
    add_data_argument,
    check_copies,
    family_table,
    load_set,
    loso,
)

from veracity.bench.results_file import Headline, write_result

CLIP_FRAMES = 4
BLEND_THRESHOLD = 0.5
FPR_TARGET = 0.05
INCUMBENT = "all_data"  # the recipe of the shipped weights (since 2026-12-07)
RECIPE_NAMES = {
    "baseline": "v2 sources (shipped before)",
    "all_data": "v2 + v3 sources",
    "all_data_reencode": "v2 + v3 + re-encoded copies",
}


def logit_of(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def blend_scores(data: CropSet) -> np.ndarray:
    """face-blend logits of every crop (NaN where it abstains)."""
    from veracity.detect.face_blend import FaceBlendDetector
    from veracity.media.image import load_image

    det = FaceBlendDetector()
    out = np.full(len(data.rows), np.nan)
    for i, r in enumerate(data.rows):
        if r["repo"] == SBI_SOURCE:
            continue
        s = det.analyze(load_image(Path(r["path"])))
        if s is not None:
            out[i] = logit_of(float(s.score))
    return out


def clip_frames(path: Path, n: int = CLIP_FRAMES) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as box:
        frames = [f.to_ndarray(format="rgb24") for f in box.decode(video=0)]
    if not frames:
        return []
    picks = sorted(set(np.linspace(0, len(frames) - 1, n).astype(int).tolist()))
    return [frames[i] for i in picks]


@dataclass
class ClipCache:
    """Per-frame CLIP features and face-blend logits of clips, keyed ``path#frame``."""

    feats: dict[str, np.ndarray] = field(default_factory=dict)
    blend: dict[str, float] = field(default_factory=dict)
    faceless: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, path: Path) -> ClipCache:
        if not path.is_file():
            return cls()
        with np.load(path) as z:
            return cls(
                dict(zip(z["keys"].tolist(), z["feats"], strict=True)),
                dict(zip(z["blend_keys"].tolist(), z["blend"].tolist(), strict=True)),
                set(z["faceless"].tolist()),
            )

    def save(self, path: Path) -> None:
        keys, bkeys = sorted(self.feats), sorted(self.blend)
        np.savez(
            path,
            keys=np.array(keys, dtype=str),
            feats=np.stack([self.feats[k] for k in keys]).astype(np.float32),
            blend_keys=np.array(bkeys, dtype=str),
            blend=np.array([self.blend[k] for k in bkeys], dtype=float),
            faceless=np.array(sorted(self.faceless), dtype=str),
        )

    def frames(self, clip: str) -> list[str]:
        return sorted(k for k in self.feats if k.rsplit("#", 1)[0] == clip)


def clip_embeddings(clips: list[dict[str, Any]], folder: Path, cache: Path) -> list[dict[str, Any]]:
    """Per clip: CLIP features of the largest face in ``CLIP_FRAMES`` frames, face-blend mean.

    Cached by clip path (``cache``), so several recipes and reruns score the same frames.
    """
    store = ClipCache.load(cache)
    out, dirty = [], False
    for c in clips:
        path = str(folder / "clips" / c["file"])
        if path not in store.faceless and not store.frames(path):
            _embed_clip(Path(path), store)
            dirty = True
        keys = store.frames(path)
        if not keys:
            continue
        blends = [store.blend[k] for k in keys if k in store.blend]
        out.append(
            {
                **c,
                "feats": np.stack([store.feats[k] for k in keys]),
                "blend_logit": float(np.mean(blends)) if blends else None,
            }
        )
    if dirty:
        store.save(cache)
    return out


@functools.cache
def _frame_tools() -> tuple[Any, Any]:
    from veracity.detect.face_blend import FaceBlendDetector
    from veracity.faces.detect import FaceDetector

    return FaceDetector(), FaceBlendDetector()


def _embed_clip(path: Path, store: ClipCache) -> None:
    from veracity.backbones import load_clip
    from veracity.detect.face_deepfake import SPEC, face_crop
    from veracity.faces.analyze import MIN_FACE_PX
    from veracity.media.image import LoadedImage

    det, blend = _frame_tools()
    crops, keys = [], []
    for i, rgb in enumerate(clip_frames(path)):
        faces = [f for f in det.detect(rgb) if f.size >= MIN_FACE_PX]
        if not faces:
            continue
        face = max(faces, key=lambda f: f.size)
        crops.append(face_crop(rgb, face.box))
        keys.append(f"{path}#{i}")
        s = blend.analyze(LoadedImage(rgb, None, False, 8, "PNG", "RGB"))
        if s is not None:
            store.blend[keys[-1]] = logit_of(float(s.score))
    if not crops:
        store.faceless.add(str(path))
        return
    for k, f in zip(keys, load_clip(SPEC).embed(crops), strict=True):
        store.feats[k] = f.astype(np.float32)


def clip_scores(tracks: list[dict[str, Any]], probes: dict[str, Probe]) -> list[dict[str, Any]]:
    """Per-track mean logit of the probe that did not see the clip's source."""
    return [
        {
            **{k: v for k, v in t.items() if k != "feats"},
            "frames": len(t["feats"]),
            "deepfake_logit": float(np.mean(probes[t["repo"]].logit(t["feats"]))),
        }
        for t in tracks
        if t["repo"] in probes
    ]


def video_table(tracks: list[dict[str, Any]], key: str) -> dict[str, Any]:
    real = np.array([t[key] for t in tracks if t["label"] == "real" and t[key] is not None])
    table: dict[str, Any] = {"real_n": int(real.size)}
    for fam in FAMILIES:
        fake = np.array([t[key] for t in tracks if t["family"] == fam and t[key] is not None])
        table[fam] = {
            "fake_n": int(fake.size),
            "auc": auc(fake, real) if fake.size and real.size else None,
        }
    thr = 0.0
    table["real_fpr"] = float(np.mean(real >= thr)) if real.size else None
    return table


def per_source(data: CropSet, z: np.ndarray, zb: np.ndarray) -> dict[str, Any]:
    src, y = data.col("repo"), data.y
    out: dict[str, Any] = {}
    for s in sorted(set(src) - {SBI_SOURCE}):
        m = src == s
        fam = sorted({r["family"] for r, k in zip(data.rows, m, strict=True) if k} - {"real"})
        pos, neg = z[m & (y == 1)], z[m & (y == 0)]
        bpos, bneg = zb[m & (y == 1)], zb[m & (y == 0)]
        bpos, bneg = bpos[~np.isnan(bpos)], bneg[~np.isnan(bneg)]
        out[s] = {
            "families": fam,
            "fake_n": int(pos.size),
            "real_n": int(neg.size),
            "auc_within": auc(pos, neg) if pos.size and neg.size else None,
            "blend_auc_within": auc(bpos, bneg) if bpos.size and bneg.size else None,
            "tpr": float(np.mean(pos >= 0)) if pos.size else None,
            "real_fpr": float(np.mean(neg >= 0)) if neg.size else None,
        }
    return out


def fmt(v: float | None, pct: bool = False) -> str:
    if v is None:
        return "-"
    return f"{100 * v:.1f} %" if pct else f"{v:.3f}"


def met(ok: bool) -> str:
    return "met" if ok else "not met"


def doc_tables(result: dict[str, Any]) -> dict[str, Any]:
    """The docs' tables (``data.tables``), built from this run's numbers."""
    recipes, base = result["recipes"], result["face_blend_shipped"]
    shipped = result["shipped_recipe"]
    names = {
        "face_swap": "face swap",
        "reenactment": "reenactment / talking head",
        "generated": "generated",
    }
    heads = [f"AUC {RECIPE_NAMES.get(k, k)}" for k in recipes]
    crops = [
        [
            names[f],
            recipes[shipped]["crops"][f]["fake_n"],
            recipes[shipped]["crops"][f]["real_n"],
            *(r["crops"][f]["auc"] for r in recipes.values()),
            base[f]["auc"],
            recipes[shipped]["crops"][f]["tpr"],
        ]
        for f in FAMILIES
    ]
    crops.append(
        [
            "mean of the three",
            "-",
            "-",
            *(mean_auc(r["crops"]) for r in recipes.values()),
            mean_auc(base),
            "-",
        ]
    )
    crops.append(
        [
            "real FPR at 0.5 (unseen sources)",
            "-",
            recipes[shipped]["crops"]["real"]["real_n"],
            *(r["crops"]["real"]["fpr"] for r in recipes.values()),
            base["real"]["fpr"],
            "-",
        ]
    )
    ours = recipes[shipped]["crops"]
    tables: dict[str, Any] = {
        "crops": {
            "columns": [
                "family",
                "fakes",
                "reals",
                *heads,
                "AUC face-blend",
                f"TPR@0.5 {RECIPE_NAMES.get(shipped, shipped)}",
            ],
            "rows": crops,
            "note": (
                "Leave one source repository out, the same folds and test crops for every "
                f"recipe; shipped: {RECIPE_NAMES.get(shipped, shipped)}; targets AUC >= 0.90 "
                f"per family ({met(all((ours[f]['auc'] or 0) >= 0.9 for f in FAMILIES))}), "
                f"FPR <= 5 % ({met(ours['real']['fpr'] <= FPR_TARGET)})."
            ),
        }
    }
    video = result.get("video")
    if video:
        b = video["face_blend_frame_mean"]
        v = recipes[shipped]["video"]
        rows = [
            [
                names[f],
                v[f]["fake_n"],
                v["real_n"],
                *(r["video"][f]["auc"] for r in recipes.values()),
                b[f]["auc"],
            ]
            for f in FAMILIES
        ]
        rows.append(
            [
                "mean of the three",
                "-",
                "-",
                *(mean_auc(r["video"]) for r in recipes.values()),
                mean_auc(b),
            ]
        )
        tables["video"] = {
            "columns": ["family", "fake tracks", "real tracks", *heads, "AUC face-blend"],
            "rows": rows,
            "note": "Real-track FPR at 0.5: "
            + ", ".join(
                f"{RECIPE_NAMES.get(k, k)} {fmt(r['video']['real_fpr'], True)}"
                for k, r in recipes.items()
            )
            + ".",
        }
    return tables


@dataclass(frozen=True)
class Recipe:
    """One training recipe: a name and the rows (a mask over the pooled set) it may fit on."""

    name: str
    train: np.ndarray


def mean_auc(table: dict[str, Any]) -> float | None:
    """Mean AUC over the three families (None if a family has none)."""
    vals = [table[f]["auc"] for f in FAMILIES]
    return None if any(v is None for v in vals) else float(np.mean(vals))


def ship_rule(base: dict[str, Any], cand: dict[str, Any]) -> dict[str, Any]:
    """The pre-set rule: mean crop AUC and mean video AUC both up, unseen-source FPR <= 5 %."""
    crop_b, crop_c = mean_auc(base["crops"]), mean_auc(cand["crops"])
    vid_b = mean_auc(base["video"]) if base.get("video") else None
    vid_c = mean_auc(cand["video"]) if cand.get("video") else None
    fpr = cand["crops"]["real"]["fpr"]
    ok = (
        crop_b is not None
        and crop_c is not None
        and crop_c > crop_b
        and vid_b is not None
        and vid_c is not None
        and vid_c > vid_b
        and fpr <= FPR_TARGET
    )
    return {
        "crop_mean_auc": [crop_b, crop_c],
        "video_mean_auc": [vid_b, vid_c],
        "fpr": fpr,
        "passes": bool(ok),
    }


def pick_recipe(out: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The recipe to ship and the rule's verdicts: each candidate against the incumbent.

    The incumbent is ``INCUMBENT`` (the shipped weights' recipe); the recipes listed after
    it are candidates, the ones before it (older recipes) are reported only.  The first
    candidate that passes the rule is shipped; otherwise the incumbent stays.
    """
    names = list(out)
    shipped, rules = INCUMBENT, {}
    for name in names[names.index(INCUMBENT) + 1 :]:
        rules[name] = ship_rule(out[INCUMBENT], out[name]) | {"against": INCUMBENT}
        if rules[name]["passes"] and shipped == INCUMBENT:
            shipped = name
    return shipped, rules


def print_crops(name: str, ours: dict[str, Any], base: dict[str, Any]) -> None:
    print(f"[{name}] face crops, leave one source out; baseline face-blend (shipped)")
    print(
        f"{'family':12s} {'n_fake':>6s} {'n_real':>6s} {'AUC new':>8s} {'AUC blend':>9s} "
        f"{'TPR new':>8s} {'TPR blend':>9s}"
    )
    for f in FAMILIES:
        a, b = ours[f], base[f]
        print(
            f"{f:12s} {a['fake_n']:6d} {a['real_n']:6d} {fmt(a['auc']):>8s} "
            f"{fmt(b['auc']):>9s} {fmt(a['tpr'], True):>8s} {fmt(b['tpr'], True):>9s}"
        )
    print(
        f"real FPR at default threshold: new {fmt(ours['real']['fpr'], True)} "
        f"(n={ours['real']['real_n']}), face-blend {fmt(base['real']['fpr'], True)} "
        f"(n={base['real']['real_n']})"
    )


def print_sources(src_tab: dict[str, Any]) -> None:
    print(
        f"{'held-out source':40s} {'fam':24s} {'fake':>5s} {'real':>5s} {'AUC':>6s} "
        f"{'blend':>6s} {'TPR':>7s} {'FPR':>7s}"
    )
    for s, v in src_tab.items():
        print(
            f"{s:40s} {','.join(v['families']) or 'real only':24s} {v['fake_n']:5d} "
            f"{v['real_n']:5d} {fmt(v['auc_within']):>6s} {fmt(v['blend_auc_within']):>6s} "
            f"{fmt(v['tpr'], True):>7s} {fmt(v['real_fpr'], True):>7s}"
        )


def print_video(name: str, v: dict[str, Any], b: dict[str, Any], n: int) -> None:
    print(f"[{name}] per-track video AUC (360x360 H.264 CRF 23, {CLIP_FRAMES} frames), {n} tracks")
    for f in FAMILIES:
        print(
            f"  {f:12s} fake {v[f]['fake_n']:3d} real {v['real_n']:3d} "
            f"AUC new {fmt(v[f]['auc'])} face-blend {fmt(b[f]['auc'])}"
        )
    print(f"  real track FPR new {fmt(v['real_fpr'], True)}")


def pooled(args: argparse.Namespace) -> tuple[CropSet, np.ndarray, np.ndarray]:
    """All crops (test folders + self-blends, then re-encoded copies), test and baseline masks."""
    data = load_set([*args.data, args.sbi], args.cache)
    rows, feats = list(data.rows), data.feats
    if args.aug is not None:
        aug = load_set([args.aug], args.aug_cache)
        rows, feats = rows + aug.rows, np.concatenate([feats, aug.feats])
        check_copies(rows)
    test = np.array(["aug" not in r for r in rows])
    base_dirs = {str(d) for d in (*args.baseline_data, args.sbi)}
    base = np.array([str(Path(r["path"]).parent) in base_dirs for r in rows]) & test
    return CropSet(rows, feats), test, base


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_argument(ap, "; all are tested")
    ap.add_argument(
        "--baseline-data",
        type=Path,
        nargs="+",
        default=[Path("/work/data/face/v2")],
        help="the folders the baseline recipe trains on (the weights shipped before 2026-12-07: batch 2)",
    )
    ap.add_argument("--sbi", type=Path, default=Path("/work/data/face/sbi"))
    ap.add_argument("--cache", type=Path, default=Path("/work/data/face/feats.npz"))
    ap.add_argument(
        "--aug",
        type=Path,
        default=None,
        help="re-encoded copies (training/face_reencode_copies.py): a third recipe trains on "
        "them too; they are never scored",
    )
    ap.add_argument("--aug-cache", type=Path, default=Path("/work/data/face/feats_aug.npz"))
    ap.add_argument("--clip-cache", type=Path, default=Path("/work/data/face/clipfeats.npz"))
    ap.add_argument("--no-video", action="store_true")
    ap.add_argument("--write", action="store_true", help="write benchmarks/results/face_real.json")
    args = ap.parse_args(argv)

    data, test, base_mask = pooled(args)
    recipes = [Recipe("baseline", base_mask), Recipe("all_data", test)]
    if args.aug is not None:
        recipes.append(Recipe("all_data_reencode", np.ones(len(test), bool)))
    held = test & (data.col("repo") != SBI_SOURCE)
    rows = [r for r, k in zip(data.rows, held, strict=True) if k]
    test_set = CropSet(rows, data.feats[held])
    t0 = time.process_time()
    zb = blend_scores(test_set)
    t_blend = time.process_time() - t0
    blend_tab = family_table(zb, rows, logit_of(BLEND_THRESHOLD))
    counts = {
        f"{f}/{lab}": int(
            sum(1 for r in data.rows if r["family"] == f and r["label"] == lab and "aug" not in r)
        )
        for f, lab in {(r["family"], r["label"]) for r in data.rows}
    }
    print(f"crops: {counts}; re-encoded copies: {int((~test).sum())}")

    tracks: list[dict[str, Any]] = []
    blend_video: dict[str, Any] = {}
    folders = [d for d in args.data if (d / "clips.jsonl").is_file()]
    t0 = time.process_time()
    if not args.no_video:
        for d in folders:
            clips = [json.loads(x) for x in (d / "clips.jsonl").read_text().splitlines()]
            tracks += clip_embeddings(clips, d, args.clip_cache)
    t_video = time.process_time() - t0

    out: dict[str, Any] = {}
    cpu: dict[str, float] = {
        "face_blend_scoring": round(t_blend, 1),
        "clip_frames": round(t_video, 1),
    }
    for rec in recipes:
        t0 = time.process_time()
        z, probes = loso(data, train=rec.train)
        cpu[f"loso_fits_{rec.name}"] = round(time.process_time() - t0, 1)
        entry: dict[str, Any] = {
            "train_crops": int(rec.train.sum()),
            "crops": family_table(z[held], rows, 0.0),
            "per_source": per_source(test_set, z[held], zb),
        }
        print_crops(rec.name, entry["crops"], blend_tab)
        print_sources(entry["per_source"])
        if tracks:
            scored = clip_scores(tracks, probes)
            entry["video"] = video_table(scored, "deepfake_logit")
            entry["video"]["tracks"] = len(scored)
            blend_video = video_table(scored, "blend_logit")
            print_video(rec.name, entry["video"], blend_video, len(scored))
        out[rec.name] = entry

    shipped, rules = pick_recipe(out)
    for name, rule in rules.items():
        print(f"ship rule {name} vs {rule['against']}: {rule}")
    print(f"recipe to ship: {shipped}")
    video: dict[str, Any] | None = None
    if tracks:
        video = {
            "new": out[shipped]["video"],
            "face_blend_frame_mean": blend_video,
            "tracks": out[shipped]["video"]["tracks"],
        }
    result = {
        "protocol": (
            "leave one source repository out over every test folder; each recipe is fitted "
            "on its own training rows minus the held-out source, same folds, same threshold "
            "rule (bias from out-of-source real crops of the training side); crops 256 px "
            "JPEG q90; threshold 0.5"
        ),
        "test_folders": [str(d) for d in args.data],
        "baseline_folders": [str(d) for d in args.baseline_data],
        "counts": counts,
        "recipes": out,
        "ship_rule": rules,
        "shipped_recipe": shipped,
        "face_deepfake_loso": out[shipped]["crops"],
        "face_blend_shipped": blend_tab,
        "per_source": out[shipped]["per_source"],
        "video": video,
        "cpu_s": cpu,
    }
    result["tables"] = doc_tables(result)
    if args.write:
        path = write_result(
            "face_real", result, script="benchmarks/face_real.py", headline=headline(result)
        )
        print(f"wrote {path}")
    return 0


def headline(result: dict[str, Any]) -> Headline:
    ours, base = result["face_deepfake_loso"], result["face_blend_shipped"]
    sw, ree, gen = (ours[f] for f in FAMILIES)
    nums = (
        f"face-deepfake, leave one source out: crop AUC swap {fmt(sw['auc'])} "
        f"(n={sw['fake_n']}), talking head {fmt(ree['auc'])} (n={ree['fake_n']}), "
        f"generated {fmt(gen['auc'])} (n={gen['fake_n']}) vs {ours['real']['real_n']} reals; "
        f"real FPR {fmt(ours['real']['fpr'], True)}; shipped face-blend on the same crops "
        f"{fmt(base['face_swap']['auc'])} / {fmt(base['reenactment']['auc'])} / "
        f"{fmt(base['generated']['auc'])}"
    )
    if result["video"] is not None:
        v = result["video"]["new"]
        nums += (
            f"; per-track video AUC {fmt(v['face_swap']['auc'])} / "
            f"{fmt(v['reenactment']['auc'])} / {fmt(v['generated']['auc'])}"
        )
    return Headline(
        capability="Face swaps and generated faces (real deepfakes)",
        state="partial: below the 0.90 target; small sets (indicative)",
        numbers=nums,
        order=21,
    )


if __name__ == "__main__":
    sys.exit(main())
