"""Cache aligned 128-px face crops and their 468 mesh landmarks for training/evaluation.

Usage: python training/prepare_faces.py FACES_DIR VIDEOS_DIR OUT.npz
Reads real faces only; writes one compressed npz (never commit it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import HELDOUT_CLIPS, is_heldout_identity, lfw_rows

from veracity.faces.align import CROP_SIZE, aligned_crop, alignment_matrix, transform_points
from veracity.faces.detect import FaceDetector
from veracity.faces.landmarks import MeshLandmarker
from veracity.media.video import VideoOptions, open_video


def crop_one(rgb, detector, mesh):
    faces = detector.detect(rgb)
    if not faces or faces[0].size < 40:
        return None
    face = faces[0]
    lms = mesh.landmarks(rgb, face.points)
    if lms is None:
        return None
    matrix = alignment_matrix(face.points, CROP_SIZE)
    return aligned_crop(rgb, face.points, CROP_SIZE), transform_points(lms, matrix)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("faces", type=Path)
    ap.add_argument("videos", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--frame-step", type=int, default=3)
    args = ap.parse_args()
    detector, mesh = FaceDetector(), MeshLandmarker()
    crops, lms, groups, heldout, source = [], [], [], [], []
    for path, identity in lfw_rows(args.faces):
        rgb = cv2.imread(str(path))
        if rgb is None:
            continue
        got = crop_one(np.ascontiguousarray(rgb[:, :, ::-1]), detector, mesh)
        if got is None:
            continue
        crops.append(got[0])
        lms.append(got[1])
        groups.append(identity)
        heldout.append(is_heldout_identity(identity))
        source.append(0)
    print("lfw crops", len(crops), flush=True)
    for clip in sorted(args.videos.glob("*.mp4")):
        with open_video(clip, options=VideoOptions(sample_fps=30.0 / args.frame_step)) as video:
            for frame in video.frames():
                got = crop_one(frame.rgb, detector, mesh)
                if got is None:
                    continue
                crops.append(got[0])
                lms.append(got[1])
                groups.append(clip.name)
                heldout.append(clip.name in HELDOUT_CLIPS)
                source.append(1)
    print("total crops", len(crops), flush=True)
    np.savez_compressed(
        args.out,
        crops=np.stack(crops),
        landmarks=np.stack(lms).astype(np.float32),
        groups=np.array(groups),
        heldout=np.array(heldout),
        source=np.array(source),
    )


if __name__ == "__main__":
    main()
