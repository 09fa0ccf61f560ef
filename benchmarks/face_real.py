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
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "training"))

from clip_probe_fit import Probe, auc
from face_deepfake_common import (
    FAMILIES,
    SBI_SOURCE,
    CropSet,
    family_table,
    load_set,
    loso,
)

from veracity.bench.results_file import Headline, write_result

CLIP_FRAMES = 4
BLEND_THRESHOLD = 0.5


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


def clip_scores(
    clips: list[dict[str, Any]], folder: Path, probes: dict[str, Probe]
) -> list[dict[str, Any]]:
    """Per-track mean logits of the held-out probe and of face-blend."""
    from veracity.backbones import load_clip
    from veracity.detect.face_blend import FaceBlendDetector
    from veracity.detect.face_deepfake import SPEC, face_crop
    from veracity.faces.analyze import MIN_FACE_PX
    from veracity.faces.detect import FaceDetector
    from veracity.media.image import LoadedImage

    det, blend, backbone = FaceDetector(), FaceBlendDetector(), load_clip(SPEC)
    out = []
    for c in clips:
        if c["repo"] not in probes:
            continue
        crops, blends = [], []
        for rgb in clip_frames(folder / "clips" / c["file"]):
            faces = [f for f in det.detect(rgb) if f.size >= MIN_FACE_PX]
            if not faces:
                continue
            face = max(faces, key=lambda f: f.size)
            crops.append(face_crop(rgb, face.box))
            s = blend.analyze(LoadedImage(rgb, None, False, 8, "PNG", "RGB"))
            if s is not None:
                blends.append(logit_of(float(s.score)))
        if not crops:
            continue
        z = probes[c["repo"]].logit(backbone.embed(crops))
        out.append(
            {
                "file": c["file"],
                "repo": c["repo"],
                "family": c["family"],
                "label": c["label"],
                "frames": len(crops),
                "deepfake_logit": float(np.mean(z)),
                "blend_logit": float(np.mean(blends)) if blends else None,
            }
        )
    return out


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
    ours, base = result["face_deepfake_loso"], result["face_blend_shipped"]
    names = {
        "face_swap": "face swap",
        "reenactment": "reenactment / talking head",
        "generated": "generated",
    }
    crops = [
        [
            names[f],
            ours[f]["fake_n"],
            ours[f]["real_n"],
            ours[f]["auc"],
            base[f]["auc"],
            ours[f]["tpr"],
            base[f]["tpr"],
        ]
        for f in FAMILIES
    ]
    crops.append(
        [
            "real FPR at 0.5 (unseen sources)",
            "-",
            ours["real"]["real_n"],
            ours["real"]["fpr"],
            base["real"]["fpr"],
            "-",
            "-",
        ]
    )
    tables: dict[str, Any] = {
        "crops": {
            "columns": [
                "family",
                "fakes",
                "reals",
                "AUC face-deepfake",
                "AUC face-blend",
                "TPR@0.5 face-deepfake",
                "TPR@0.5 face-blend",
            ],
            "rows": crops,
            "note": (
                "Leave one source repository out; threshold from out-of-source real crops of "
                "the training sources; targets AUC >= 0.90 per family "
                f"({met(all((ours[f]['auc'] or 0) >= 0.9 for f in FAMILIES))}), "
                f"FPR <= 5 % ({met(ours['real']['fpr'] <= 0.05)})."
            ),
        }
    }
    video = result.get("video")
    if video:
        v, b = video["new"], video["face_blend_frame_mean"]
        tables["video"] = {
            "columns": [
                "family",
                "fake tracks",
                "real tracks",
                "AUC face-deepfake",
                "AUC face-blend",
            ],
            "rows": [
                [names[f], v[f]["fake_n"], v["real_n"], v[f]["auc"], b[f]["auc"]] for f in FAMILIES
            ],
            "note": f"Real-track FPR at 0.5: {fmt(v['real_fpr'], True)}.",
        }
    return tables


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("/work/data/face/v2"))
    ap.add_argument("--sbi", type=Path, default=Path("/work/data/face/sbi"))
    ap.add_argument("--cache", type=Path, default=Path("/work/data/face/feats.npz"))
    ap.add_argument("--no-video", action="store_true")
    ap.add_argument("--write", action="store_true", help="write benchmarks/results/face_real.json")
    args = ap.parse_args(argv)

    data = load_set([args.data, args.sbi], args.cache)
    t0 = time.process_time()
    z, probes = loso(data)
    t_fit = time.process_time() - t0
    t0 = time.process_time()
    zb = blend_scores(data)
    t_blend = time.process_time() - t0
    held = data.col("repo") != SBI_SOURCE
    rows = [r for r, k in zip(data.rows, held, strict=True) if k]
    ours = family_table(z[held], rows, 0.0)
    base = family_table(zb[held], rows, logit_of(BLEND_THRESHOLD))
    counts = {
        f"{f}/{lab}": int(sum(1 for r in data.rows if r["family"] == f and r["label"] == lab))
        for f, lab in {(r["family"], r["label"]) for r in data.rows}
    }
    print(f"crops: {counts}")
    print("Face crops, leave one source out (256 px JPEG q90); baseline face-blend (shipped)")
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
    src_tab = per_source(data, z, zb)
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

    video: dict[str, Any] | None = None
    if not args.no_video and (args.data / "clips.jsonl").is_file():
        clips = [json.loads(x) for x in (args.data / "clips.jsonl").read_text().splitlines()]
        t0 = time.process_time()
        tracks = clip_scores(clips, args.data, probes)
        t_video = time.process_time() - t0
        video = {
            "new": video_table(tracks, "deepfake_logit"),
            "face_blend_frame_mean": video_table(tracks, "blend_logit"),
            "tracks": len(tracks),
            "cpu_s": round(t_video, 1),
        }
        print(
            f"Per-track video AUC (360x360 H.264 CRF 23, {CLIP_FRAMES} frames, mean logit), "
            f"{len(tracks)} tracks"
        )
        for f in FAMILIES:
            a, b = video["new"][f], video["face_blend_frame_mean"][f]
            print(
                f"  {f:12s} fake {a['fake_n']:3d} real {video['new']['real_n']:3d} "
                f"AUC new {fmt(a['auc'])} face-blend {fmt(b['auc'])}"
            )
        print(f"  real track FPR new {fmt(video['new']['real_fpr'], True)}")

    result = {
        "protocol": "leave one source repository out; crops 256 px JPEG q90; threshold 0.5",
        "counts": counts,
        "face_deepfake_loso": ours,
        "face_blend_shipped": base,
        "per_source": src_tab,
        "video": video,
        "cpu_s": {"loso_fits": round(t_fit, 1), "face_blend_scoring": round(t_blend, 1)},
    }
    result["tables"] = doc_tables(result)
    if args.write:
        sw, ree, gen = (ours[f] for f in FAMILIES)
        nums = (
            f"face-deepfake, leave one source out: crop AUC swap {fmt(sw['auc'])} "
            f"(n={sw['fake_n']}), talking head {fmt(ree['auc'])} (n={ree['fake_n']}), "
            f"generated {fmt(gen['auc'])} (n={gen['fake_n']}) vs {ours['real']['real_n']} reals; "
            f"real FPR {fmt(ours['real']['fpr'], True)}; shipped face-blend on the same crops "
            f"{fmt(base['face_swap']['auc'])} / {fmt(base['reenactment']['auc'])} / "
            f"{fmt(base['generated']['auc'])}"
        )
        if video is not None:
            v = video["new"]
            nums += (
                f"; per-track video AUC {fmt(v['face_swap']['auc'])} / "
                f"{fmt(v['reenactment']['auc'])} / {fmt(v['generated']['auc'])}"
            )
        headline = Headline(
            capability="Face swaps and generated faces (real deepfakes)",
            state="partial: below the 0.90 target; small sets (indicative)",
            numbers=nums,
            order=21,
        )
        path = write_result(
            "face_real", result, script="benchmarks/face_real.py", headline=headline
        )
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
