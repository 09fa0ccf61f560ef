"""Held-out evaluation of the face-blend model (identity-disjoint from training).

Usage: python training/eval_faces.py CACHE.npz FACES_DIR VIDEOS_DIR MODEL.onnx WORK_DIR
WORK_DIR receives the generated evaluation videos (pseudo-fakes and swaps of real
people): keep it outside the repository and delete it afterwards.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import av
import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import HELDOUT_CLIPS, is_heldout_identity, lfw_rows

from veracity.bench.metrics import auc_groups
from veracity.faces.analyze import score_faces
from veracity.faces.detect import FaceDetector
from veracity.faces.landmarks import MeshLandmarker
from veracity.faces.model import FaceBlendModel
from veracity.faces.video_analysis import analyze_video, track_score
from veracity.media.video import VideoOptions, open_video
from veracity.synth.classic_swap import classic_swap
from veracity.synth.selfblend import jpeg_roundtrip, self_blend

MAX_FRAMES = 120  # first ~4-5 s of each held-out clip (CPU budget)


def eval_crops(cache, model, n, rng) -> None:
    d = np.load(cache)
    idx = np.flatnonzero(d["heldout"] & (d["source"] == 0))
    idx = rng.choice(idx, size=min(n, len(idx)), replace=False)
    all_crops, all_lms = d["crops"], d["landmarks"]  # each access decompresses: once only
    reals, fakes = [], []
    for i in idx:
        crop, lms = all_crops[i], all_lms[i]
        reals.append(jpeg_roundtrip(crop, 90))
        fakes.append(jpeg_roundtrip(self_blend(crop, lms, rng).image, 90))
    pr = model.predict(np.stack(reals)).probability
    pf = model.predict(np.stack(fakes)).probability
    print(
        f"[crops] held-out LFW identities: {len(idx)} real vs {len(idx)} self-blended, "
        f"JPEG90: AUC {auc_groups(pr, pf):.4f}  (acc@0.5 {((pr < 0.5).mean() + (pf >= 0.5).mean()) / 2:.3f})",
        flush=True,
    )


def face_landmarks(rgb, detector, mesh):
    faces = detector.detect(rgb)
    if not faces or faces[0].size < 40:
        return None
    return mesh.landmarks(rgb, faces[0].points)


def eval_lfw_swaps(faces_dir, model, n, rng) -> None:
    detector, mesh = FaceDetector(), MeshLandmarker()
    rows = [(p, ident) for p, ident in lfw_rows(faces_dir) if is_heldout_identity(ident)]
    order = rng.permutation(len(rows))
    reals, swaps, tries = [], [], 0
    for a, b in zip(order[0::2], order[1::2], strict=False):
        if len(swaps) >= n or rows[a][1] == rows[b][1]:
            continue
        tries += 1
        ta = cv2.imread(str(rows[a][0]))[:, :, ::-1].copy()
        sb = cv2.imread(str(rows[b][0]))[:, :, ::-1].copy()
        la, lb = face_landmarks(ta, detector, mesh), face_landmarks(sb, detector, mesh)
        if la is None or lb is None:
            continue
        fake = jpeg_roundtrip(classic_swap(ta, la, sb, lb), 90)
        real = jpeg_roundtrip(ta, 90)
        got_r, got_f = score_faces(real, detector, model), score_faces(fake, detector, model)
        if got_r.scored and got_f.scored:
            reals.append(got_r.scored[0].probability)
            swaps.append(got_f.scored[0].probability)
    print(
        f"[images] held-out LFW classic swaps (landmark affine + Reinhard colour + Poisson), "
        f"full pipeline, JPEG90: {len(reals)} real vs {len(swaps)} swapped: "
        f"AUC {auc_groups(reals, swaps):.4f}",
        flush=True,
    )


def read_frames(path: Path) -> tuple[list[np.ndarray], float]:
    video = open_video(path)
    frames = [f.rgb for f in video.frames(VideoOptions(sample_fps=None, max_frames=MAX_FRAMES))]
    return frames, video.info.fps


def write_video(path: Path, frames, fps: float) -> None:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=round(fps))
        stream.width, stream.height = frames[0].shape[1], frames[0].shape[0]
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "20", "preset": "veryfast"}
        for rgb in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        out.mux(stream.encode(None))


def make_videos(videos_dir: Path, work: Path, rng) -> dict[str, list[Path]]:
    """Re-encode held-out clips (real), their swaps and per-frame self-blends (fake)."""
    detector, mesh = FaceDetector(), MeshLandmarker()
    clips = {name: read_frames(videos_dir / name) for name in HELDOUT_CLIPS}
    lms = {n: [face_landmarks(f, detector, mesh) for f in fr] for n, (fr, _) in clips.items()}
    out: dict[str, list[Path]] = {"real": [], "swap": [], "sbi": []}
    for name, (frames, fps) in clips.items():
        out["real"].append(work / f"real_{name}")
        write_video(out["real"][-1], frames, fps)
        blended = [
            f if lm is None else self_blend(f, lm, rng).image
            for f, lm in zip(frames, lms[name], strict=True)
        ]
        out["sbi"].append(work / f"sbi_{name}")
        write_video(out["sbi"][-1], blended, fps)
        for src in clips:
            if src == name:
                continue
            k = next(i for i in range(len(clips[src][0])) if lms[src][i] is not None and i >= 25)
            swapped = [
                f if lm is None else classic_swap(f, lm, clips[src][0][k], lms[src][k])
                for f, lm in zip(frames, lms[name], strict=True)
            ]
            out["swap"].append(work / f"swap_{name}_from_{src}")
            write_video(out["swap"][-1], swapped, fps)
    return out


def video_scores(paths, model, segment_s: float = 2.0):
    """Per-frame, per-segment and per-video scores (largest track), plus cue summaries."""
    detector = FaceDetector()
    frames, segments, whole, cues = [], [], [], []
    for path in paths:
        t0 = time.time()
        found = analyze_video(open_video(path), model, detector)
        track = found.tracks[0]
        frames.extend(track.probabilities.tolist())
        whole.append(found.score)
        for start in np.arange(track.times[0], track.times[-1] - segment_s / 2, segment_s):
            sel = (track.times >= start) & (track.times < start + segment_s)
            segments.append(track_score(track.probabilities[sel]))
        cues.append(
            (
                path.name,
                found.score,
                track.flicker,
                track.blink.per_minute if track.blink else None,
                (track.pulse.bpm, track.pulse.snr_db) if track.pulse else None,
                round(time.time() - t0, 2),
            )
        )
    return frames, segments, whole, cues


def existing_videos(work: Path) -> dict[str, list[Path]] | None:
    """Videos made by an earlier run in ``work`` (same seed and clips), if complete."""
    found = {k: sorted(work.glob(f"{k}_*.mp4")) for k in ("real", "swap", "sbi")}
    expected = {"real": len(HELDOUT_CLIPS), "sbi": len(HELDOUT_CLIPS)}
    expected["swap"] = len(HELDOUT_CLIPS) * (len(HELDOUT_CLIPS) - 1)
    return found if all(len(found[k]) == n for k, n in expected.items()) else None


def eval_videos(videos_dir, work, model, rng, reuse: bool) -> None:
    made = (existing_videos(work) if reuse else None) or make_videos(videos_dir, work, rng)
    res = {k: video_scores(v, model) for k, v in made.items()}
    for fake in ("swap", "sbi"):
        for level, i in (("frame", 0), ("2s-segment", 1), ("video", 2)):
            print(
                f"[video] held-out clips, real vs {fake}, {level}-level: "
                f"{len(res['real'][i])} vs {len(res[fake][i])}: "
                f"AUC {auc_groups(res['real'][i], res[fake][i]):.4f}"
            )
    for kind, r in res.items():
        for row in r[3]:
            print(
                f"[cues] {kind}: name={row[0]} score={row[1]:.3f} flicker={row[2]:.3f} "
                f"blinks/min={row[3]} pulse(bpm,snr)={row[4]} seconds={row[5]}"
            )
    real_flicker = [c[2] for c in res["real"][3]]
    swap_flicker = [c[2] for c in res["swap"][3]]
    flicker_auc = auc_groups(real_flicker, swap_flicker)
    print(f"[cues] flicker alone, real vs swap video AUC {flicker_auc:.4f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("cache", type=Path)
    ap.add_argument("faces", type=Path)
    ap.add_argument("videos", type=Path)
    ap.add_argument("model", type=Path)
    ap.add_argument("work", type=Path)
    ap.add_argument("--n-crops", type=int, default=800)
    ap.add_argument("--n-swaps", type=int, default=300)
    ap.add_argument("--reuse-videos", action="store_true", help="reuse WORK's videos if complete")
    ap.add_argument("--skip", default="", help="comma list of crops,swaps,videos to skip")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    model = FaceBlendModel(str(args.model))
    skip = set(args.skip.split(","))
    if "crops" not in skip:
        eval_crops(args.cache, model, args.n_crops, np.random.default_rng(1))
    if "swaps" not in skip:
        eval_lfw_swaps(args.faces, model, args.n_swaps, np.random.default_rng(2))
    if "videos" not in skip:
        eval_videos(args.videos, args.work, model, np.random.default_rng(3), args.reuse_videos)


if __name__ == "__main__":
    main()
