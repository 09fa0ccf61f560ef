"""Build the small real-deepfake face-crop set from fetched repository snapshots.

Every face crop is traced to ``owner/name@commit:path`` with its licence, family
(``face_swap``, ``reenactment`` or ``generated``; ``real`` for genuine faces), source
dataset and label.  Faces are found with the project's own detector
(:func:`veracity.faces.detect.detect_faces`), cropped square around the box with a
30 % margin and written as 256 px JPEG q90.  Video files contribute a few evenly
spaced frames each (no H.264 normalisation: this machine has no H.264 encoder).

Usage::

    python training/build_real_face_dataset.py --mirror /work/.mirror --out /work/data/face/real

The snapshots must already be present (``fetch`` them first); nothing is downloaded.
"""

from __future__ import annotations

import argparse
import dataclasses
import fnmatch
import io
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

CROP_PX = 256
JPEG_Q = 90
MARGIN = 0.3
VIDEO_FRAMES = 6
MIN_FACE = 40


@dataclasses.dataclass(frozen=True)
class Source:
    """One group of files in one repository, all with the same label."""

    repo: str
    pattern: str  # fnmatch glob; alternatives separated by "|"
    label: str  # real | fake
    family: str  # real | face_swap | reenactment | generated
    dataset: str
    licence: str
    commit: str | None = None  # None: the snapshot's HEAD; else a commit the files existed at
    # Parts of the frame (x0, y0, x1, y1 as fractions) whose faces carry this label; a face
    # counts when its box centre lies in one of them (grids, side-by-side comparisons).
    regions: tuple[tuple[float, float, float, float], ...] = ((0.0, 0.0, 1.0, 1.0),)
    largest: bool = False  # keep only the largest face per frame and region
    whole: bool = False  # the file is already a tight face crop: resize it, do not detect
    batch: int = 2  # the build round that added it (``--batch`` builds one round only)


# Grids whose panels carry coloured borders or captions that reveal the label (Celeb-DF
# demo.png, GHOST example1.png) are left out: the crops would show them.
# Chosen by looking at each file: inputs (real people) and outputs (swaps) only where
# the file shows one or the other, never side-by-side grids that mix both.
SOURCES: tuple[Source, ...] = (
    Source(
        "DariusAf/MesoNet",
        "test_images/df/*.jpg",
        "fake",
        "face_swap",
        "MesoNet Deepfake set (internet deepfake videos)",
        "Apache-2.0",
    ),
    Source(
        "DariusAf/MesoNet",
        "test_images/real/*.jpg",
        "real",
        "real",
        "MesoNet Deepfake set (internet videos)",
        "Apache-2.0",
    ),
    Source(
        "neuralchen/SimSwap",
        "docs/img/result_whole_swap_multispecific_512.jpg",
        "fake",
        "face_swap",
        "SimSwap demo output (multi-specific swap of demo_file/multi_people.jpg)",
        "CC-BY-NC-4.0",
    ),
    Source(
        "neuralchen/SimSwap",
        "demo_file/multi_people.jpg",
        "real",
        "real",
        "SimSwap demo input (real counterpart of the swap)",
        "CC-BY-NC-4.0",
    ),
    Source(
        "neuralchen/SimSwap",
        "crop_224/*.jpg",
        "real",
        "real",
        "SimSwap identity crops (celebrity photos)",
        "CC-BY-NC-4.0",
    ),
    Source(
        "KwaiVGI/LivePortrait",
        "assets/examples/driving/*.mp4",
        "real",
        "real",
        "LivePortrait driving videos (real people)",
        "MIT",
    ),
    Source(
        "yoyo-nb/Thin-Plate-Spline-Motion-Model",
        "assets/driving.mp4",
        "real",
        "real",
        "TPSMM driving video",
        "MIT",
    ),
    Source(
        "alexkyllo/fake-faces",
        "app/fakefaceapp/public/fake*.jpg",
        "fake",
        "generated",
        "140k Real and Fake Faces (StyleGAN fakes), app examples",
        "MIT",
        "3b6ab9d8c90b7026e3f22da9bd935ca5c87660bb",
    ),
    Source(
        "alexkyllo/fake-faces",
        "app/fakefaceapp/public/real*.jpg",
        "real",
        "real",
        "140k Real and Fake Faces (FFHQ reals), app examples",
        "MIT",
        "3b6ab9d8c90b7026e3f22da9bd935ca5c87660bb",
    ),
    Source(
        "alexkyllo/fake-faces",
        "figures/crop-failures/*/false-negatives/fakefaces/*.jpg",
        "fake",
        "generated",
        "140k Real and Fake Faces (StyleGAN fakes), crop-failure figures",
        "MIT",
    ),
    Source(
        "alexkyllo/fake-faces",
        "figures/crop-failures/dlib/false-positives/fairface/*.jpg",
        "real",
        "real",
        "FairFace (real photos), crop-failure figures",
        "MIT",
    ),
    # --- added in the second session (issue 21): more swaps, talking heads, GAN faces ---
    Source(
        "iperov/DeepFaceLab",
        "doc/head_replace_[0-9]_2.jpg",
        "fake",
        "face_swap",
        "DeepFaceLab head/face replacement examples (result)",
        "GPL-3.0",
        largest=True,
    ),
    Source(
        "iperov/DeepFaceLab",
        "doc/head_replace_[0-9]_1.jpg",
        "real",
        "real",
        "DeepFaceLab head replacement examples (original)",
        "GPL-3.0",
        largest=True,
    ),
    Source(
        "iperov/DeepFaceLab",
        "doc/deage_0_2.jpg",
        "fake",
        "face_swap",
        "DeepFaceLab de-ageing example (result)",
        "GPL-3.0",
        largest=True,
    ),
    Source(
        "iperov/DeepFaceLab",
        "doc/deage_0_1.jpg",
        "real",
        "real",
        "DeepFaceLab de-ageing example (original)",
        "GPL-3.0",
        largest=True,
    ),
    Source(
        "iperov/DeepFaceLab",
        "doc/political_speech[0-9].jpg",
        "fake",
        "face_swap",
        "DeepFaceLab political-speech deepfakes",
        "GPL-3.0",
        largest=True,
    ),
    Source(
        "iperov/DeepFaceLab",
        "doc/replace_the_face.jpg",
        "fake",
        "face_swap",
        "DeepFaceLab face-replacement showcase grid",
        "GPL-3.0",
    ),
    Source(
        "iperov/DeepFaceLive",
        "doc/celebs/*/*.png",
        "fake",
        "face_swap",
        "DeepFaceLive celebrity face models (swapped stills)",
        "GPL-3.0",
        largest=True,
    ),
    Source(
        "iperov/DeepFaceLive",
        "doc/celebs/*/*_[0-9].mp4",
        "fake",
        "face_swap",
        "DeepFaceLive celebrity face models, live swap (right half of the comparison)",
        "GPL-3.0",
        regions=((0.5, 0.0, 1.0, 1.0),),
        largest=True,
    ),
    Source(
        "iperov/DeepFaceLive",
        "doc/celebs/*/*_[0-9].mp4",
        "real",
        "real",
        "DeepFaceLive comparisons, original stream (left half)",
        "GPL-3.0",
        regions=((0.0, 0.0, 0.5, 1.0),),
        largest=True,
    ),
    Source(
        "iperov/DeepFaceLive",
        "doc/windows/*_output.jpg",
        "fake",
        "face_swap",
        "DeepFaceLive output window",
        "GPL-3.0",
        largest=True,
    ),
    Source(
        "iperov/DeepFaceLive",
        "doc/windows/final_frame.jpg",
        "fake",
        "face_swap",
        "DeepFaceLive merged frame",
        "GPL-3.0",
        largest=True,
    ),
    Source(
        "iperov/DeepFaceLive",
        "doc/user_faq/deepware_result.png",
        "fake",
        "face_swap",
        "DeepFaceLive swap shown to a detector",
        "GPL-3.0",
        regions=((0.0, 0.0, 1.0, 0.6),),
        largest=True,
    ),
    Source(
        "iperov/DeepFaceLive",
        "doc/insight_faceswap_example.gif",
        "fake",
        "face_swap",
        "DeepFaceLive InsightFace swapper example",
        "GPL-3.0",
        largest=True,
    ),
    Source(
        "iperov/DeepFaceLive",
        "build/samples/photos/*.jpg",
        "real",
        "real",
        "DeepFaceLive sample photos (real people)",
        "GPL-3.0",
        largest=True,
    ),
    Source(
        "iperov/DeepFaceLive",
        "build/samples/*.mp4",
        "real",
        "real",
        "DeepFaceLive sample input videos (real people)",
        "GPL-3.0",
        largest=True,
    ),
    Source(
        "ai-forever/ghost",
        "examples/results/result.png",
        "fake",
        "face_swap",
        "GHOST face swap result",
        "Apache-2.0",
        largest=True,
    ),
    Source(
        "ai-forever/ghost",
        "examples/images/*.jpg",
        "real",
        "real",
        "GHOST example source photos",
        "Apache-2.0",
        largest=True,
    ),
    Source(
        "ai-forever/ghost",
        "examples/images/training/*.png",
        "real",
        "real",
        "GHOST training example crops",
        "Apache-2.0",
        largest=True,
    ),
    Source(
        "ai-forever/ghost",
        "examples/videos/*.mp4",
        "real",
        "real",
        "GHOST example target videos",
        "Apache-2.0",
        largest=True,
    ),
    Source(
        "facefusion/facefusion",
        ".github/preview.png",
        "fake",
        "face_swap",
        "FaceFusion UI preview (output panel)",
        "OpenRAIL-AS",
        regions=((0.54, 0.0, 1.0, 0.25),),
        largest=True,
    ),
    Source(
        "ondyari/FaceForensics",
        "images/ex_deepfakes.png",
        "fake",
        "face_swap",
        "FaceForensics++ Deepfakes example frame",
        "FaceForensics terms (research)",
        largest=True,
    ),
    Source(
        "ondyari/FaceForensics",
        "images/ex_deepfakedetection.png",
        "fake",
        "face_swap",
        "Google DeepFakeDetection example frame (in FaceForensics)",
        "FaceForensics terms (research)",
        largest=True,
    ),
    Source(
        "ondyari/FaceForensics",
        "images/ex_neuraltextures.png",
        "fake",
        "reenactment",
        "FaceForensics++ NeuralTextures example frame",
        "FaceForensics terms (research)",
        largest=True,
    ),
    Source(
        "ondyari/FaceForensics",
        "images/ex_original*.png",
        "real",
        "real",
        "FaceForensics++ / DFD original frames",
        "FaceForensics terms (research)",
        largest=True,
    ),
    Source(
        "yuezunli/celeb-deepfakeforensics",
        "src/cover.png",
        "fake",
        "face_swap",
        "Celeb-DF cover (fake panels)",
        "Celeb-DF terms (research)",
        regions=((0.5, 0.0, 1.0, 1.0), (0.0, 0.5, 0.5, 1.0)),
        largest=True,
    ),
    Source(
        "yuezunli/celeb-deepfakeforensics",
        "src/cover.png",
        "real",
        "real",
        "Celeb-DF cover (real panel)",
        "Celeb-DF terms (research)",
        regions=((0.0, 0.0, 0.5, 0.5),),
        largest=True,
    ),
    Source(
        "erprogs/GenConViT",
        "sample_train_data/*/fake/*.jpg",
        "fake",
        "face_swap",
        "DFDC face crops (GenConViT sample data)",
        "DFDC terms (research); repo GPL-3.0",
        whole=True,
    ),
    Source(
        "erprogs/GenConViT",
        "sample_train_data/*/real/*.jpg",
        "real",
        "real",
        "DFDC real face crops (GenConViT sample data)",
        "DFDC terms (research); repo GPL-3.0",
        whole=True,
    ),
    Source(
        "erprogs/GenConViT",
        "sample_prediction_data/00[0-9][0-9]_fake.mp4.mp4",
        "fake",
        "face_swap",
        "Deepfake videos in GenConViT's prediction samples (named _fake)",
        "repo GPL-3.0; source dataset not stated",
        largest=True,
    ),
    Source(
        "harlanhong/CVPR2022-DaGAN",
        "assets/visual_vox1.png",
        "fake",
        "reenactment",
        "DaGAN VoxCeleb comparison (generated columns)",
        "CC-BY-NC-4.0",
        regions=((0.4, 0.0, 1.0, 1.0),),
    ),
    Source(
        "harlanhong/CVPR2022-DaGAN",
        "assets/visual_vox1.png",
        "real",
        "real",
        "DaGAN VoxCeleb comparison (source and driving columns)",
        "CC-BY-NC-4.0",
        regions=((0.0, 0.0, 0.4, 1.0),),
    ),
    Source(
        "harlanhong/CVPR2022-DaGAN",
        "assets/driving.mp4",
        "real",
        "real",
        "DaGAN driving video (VoxCeleb)",
        "CC-BY-NC-4.0",
        largest=True,
    ),
    Source(
        "tencent-ailab/V-Express",
        "test_samples/emo/*/gt.mp4",
        "fake",
        "reenactment",
        "EMO talking-head outputs (V-Express test samples)",
        "repo licence not stated",
        largest=True,
    ),
    Source(
        "tencent-ailab/V-Express",
        "test_samples/vasa-1/*/gt.mp4",
        "fake",
        "reenactment",
        "VASA-1 talking-head outputs (V-Express test samples)",
        "repo licence not stated",
        largest=True,
    ),
    Source(
        "tencent-ailab/V-Express",
        "scripts/prepare_dataset/*.mp4",
        "real",
        "real",
        "HDTF clip (V-Express data-preparation example)",
        "repo licence not stated",
        largest=True,
    ),
    Source(
        "ali-vilab/dreamtalk",
        "output_video/*male_face.mp4",
        "fake",
        "reenactment",
        "DreamTalk talking-head outputs",
        "MIT",
        largest=True,
    ),
    Source(
        "ali-vilab/dreamtalk",
        "data/style_clip/video/*.mp4",
        "real",
        "real",
        "MEAD style clips (DreamTalk inputs)",
        "MIT (repo); MEAD terms",
        largest=True,
    ),
    Source(
        "wyhsirius/LIA",
        "data/*/driving*.mp4",
        "real",
        "real",
        "LIA driving videos (VoxCeleb/TED)",
        "CC-BY-NC-4.0",
        largest=True,
    ),
    Source(
        "yzhou359/MakeItTalk",
        "examples/*.jpg",
        "real",
        "real",
        "MakeItTalk example photos (real people; some paintings/cartoons removed by detector)",
        "CC-BY-NC-4.0",
        largest=True,
    ),
    Source(
        "NVlabs/stylegan",
        "stylegan-teaser.png",
        "fake",
        "generated",
        "StyleGAN (FFHQ) teaser grid",
        "CC-BY-NC-4.0",
    ),
    Source(
        "NVlabs/stylegan2",
        "docs/stylegan2-teaser-1024x256.png",
        "fake",
        "generated",
        "StyleGAN2 (FFHQ) teaser",
        "NVIDIA Source Code License-NC",
    ),
    Source(
        "NVlabs/ffhq-dataset",
        "ffhq-teaser.png",
        "real",
        "real",
        "FFHQ teaser (real Flickr faces)",
        "CC-BY-NC-SA-4.0 (dataset), per-image Flickr licences",
    ),
    Source(
        "eladrich/pixel2style2pixel",
        "docs/*_outputs.jpg",
        "fake",
        "generated",
        "pSp StyleGAN inversions/frontalisations (generated)",
        "MIT",
    ),
    Source(
        "eladrich/pixel2style2pixel",
        "docs/encoding_inputs.jpg",
        "real",
        "real",
        "pSp encoding inputs (CelebA-HQ, real)",
        "MIT",
    ),
    # --- added in the third session (issue 21): more talking heads, swaps and GAN faces.
    # Built as their own folder (``--batch 3``).  Left out after looking at each file:
    # ICCV2023-MCNET's comparison (green arrows mark only the generated columns, insets
    # only the driving one), AniPortrait's reference stills (several are themselves
    # AI-generated) and its anime clip, V-Express's short_case clips (of unclear origin),
    # LivePortrait's doc figures (statues and paintings) and SimSwap's VGGFace2-HQ row
    # (super-resolved, neither real capture nor a deepfake).
    Source(
        "EndlessSora/DeeperForensics-1.0",
        "supports/m2m.png",
        "fake",
        "face_swap",
        "DeeperForensics-1.0 DF-VAE many-to-many swaps (rows 2-5)",
        "DeeperForensics terms (research); repo licence not stated",
        regions=((0.0, 0.2, 1.0, 1.0),),
        batch=3,
    ),
    Source(
        "EndlessSora/DeeperForensics-1.0",
        "supports/m2m.png",
        "real",
        "real",
        "DeeperForensics-1.0 source actors (top row)",
        "DeeperForensics terms (research); repo licence not stated",
        regions=((0.0, 0.0, 1.0, 0.2),),
        batch=3,
    ),
    Source(
        "EndlessSora/DeeperForensics-1.0",
        "supports/first_figure.png",
        "fake",
        "face_swap",
        "DeeperForensics-1.0 overview, manipulation panel (swapped column)",
        "DeeperForensics terms (research); repo licence not stated",
        regions=((0.545, 0.05, 0.67, 0.9),),
        batch=3,
    ),
    Source(
        "EndlessSora/DeeperForensics-1.0",
        "supports/first_figure.png",
        "real",
        "real",
        "DeeperForensics-1.0 overview, manipulation panel (source and target columns)",
        "DeeperForensics terms (research); repo licence not stated",
        regions=((0.34, 0.05, 0.54, 0.9),),
        batch=3,
    ),
    Source(
        "neuralchen/SimSwap",
        "docs/img/results1.PNG",
        "fake",
        "face_swap",
        "SimSwap results figure (result columns)",
        "CC-BY-NC-4.0",
        regions=((0.333, 0.0, 0.5, 1.0), (0.833, 0.0, 1.0, 1.0)),
        batch=3,
    ),
    Source(
        "neuralchen/SimSwap",
        "docs/img/results1.PNG",
        "real",
        "real",
        "SimSwap results figure (source and target columns)",
        "CC-BY-NC-4.0",
        regions=((0.0, 0.0, 0.333, 1.0), (0.5, 0.0, 0.833, 1.0)),
        batch=3,
    ),
    Source(
        "neuralchen/SimSwap",
        "docs/img/total.PNG",
        "fake",
        "face_swap",
        "SimSwap source x target grid (swapped cells)",
        "CC-BY-NC-4.0",
        regions=((0.09, 0.12, 1.0, 1.0),),
        batch=3,
    ),
    Source(
        "neuralchen/SimSwap",
        "docs/img/total.PNG",
        "real",
        "real",
        "SimSwap source x target grid (source row, target column)",
        "CC-BY-NC-4.0",
        regions=((0.09, 0.0, 1.0, 0.12), (0.0, 0.12, 0.09, 1.0)),
        batch=3,
    ),
    Source(
        "tencent-ailab/V-Express",
        "assets/demo/talk_tys_fix_face_post_processing.gif",
        "fake",
        "reenactment",
        "V-Express talking-head output (demo GIF)",
        "repo licence not stated",
        largest=True,
        batch=3,
    ),
    Source(
        "Zejun-Yang/AniPortrait",
        "asset/Aragaki.mp4|asset/num18.mp4",  # reference | output | driving
        "fake",
        "reenactment",
        "AniPortrait face reenactment (middle panel)",
        "Apache-2.0",
        regions=((0.333, 0.0, 0.667, 1.0),),
        largest=True,
        batch=3,
    ),
    Source(
        "Zejun-Yang/AniPortrait",
        "asset/Aragaki.mp4|asset/num18.mp4",
        "real",
        "real",
        "AniPortrait driving videos (right panel, real people)",
        "Apache-2.0",
        regions=((0.667, 0.0, 1.0, 1.0),),
        largest=True,
        batch=3,
    ),
    Source(
        "Zejun-Yang/AniPortrait",
        "asset/cxk.mp4|asset/kara.mp4|asset/lyl.mp4|asset/solo.mp4|asset/zl.mp4",
        "fake",
        "reenactment",
        "AniPortrait self- and audio-driven outputs (right panel)",
        "Apache-2.0",
        regions=((0.5, 0.0, 1.0, 1.0),),
        largest=True,
        batch=3,
    ),
    Source(
        "Zejun-Yang/AniPortrait",
        "asset/cxk.mp4",
        "real",
        "real",
        "AniPortrait self-driven demo, original video (left panel)",
        "Apache-2.0",
        regions=((0.0, 0.0, 0.5, 1.0),),
        largest=True,
        batch=3,
    ),
    Source(
        "yerfor/GeneFace",
        "assets/zozo_radnerf_torso_smo.mp4",
        "fake",
        "reenactment",
        "GeneFace NeRF talking-head output",
        "MIT",
        largest=True,
        batch=3,
    ),
    Source(
        "yerfor/GeneFace",
        "deep_3drecon/datasets/examples/*.jpg|deep_3drecon/datasets/examples/*.png",
        "real",
        "real",
        "Deep3DFaceRecon example photos (real people, in GeneFace)",
        "MIT",
        largest=True,
        batch=3,
    ),
    Source(
        "ajay-sainy/Wav2Lip-GFPGAN",
        "showcase/kim_lip_synced.mp4",
        "fake",
        "reenactment",
        "Wav2Lip + GFPGAN lip-sync output (removed from the repo later)",
        "repo licence not stated",
        "9514f3981e52147a1435d3de51d70fc2f541d40d",
        largest=True,
        batch=3,
    ),
    Source(
        "ajay-sainy/Wav2Lip-GFPGAN",
        "inputs/kim_7s_raw.mp4",
        "real",
        "real",
        "Wav2Lip-GFPGAN input video (real counterpart of the lip-sync)",
        "repo licence not stated",
        largest=True,
        batch=3,
    ),
    Source(
        "genforce/interfacegan",
        "docs/assets/*.gif",
        "fake",
        "generated",
        "InterFaceGAN attribute edits of PGGAN/StyleGAN faces (animated)",
        "MIT",
        largest=True,
        batch=3,
    ),
    Source(
        "genforce/interfacegan",
        "docs/assets/teaser.jpg",
        "fake",
        "generated",
        "InterFaceGAN teaser (synthesised face and its edits)",
        "MIT",
        batch=3,
    ),
    Source(
        "NVlabs/stylegan3",
        "docs/stylegan3-teaser-1920x1006.png",
        "fake",
        "generated",
        "StyleGAN3 teaser (FFHQ-U samples, right column)",
        "NVIDIA Source Code License",
        regions=((0.88, 0.0, 1.0, 1.0),),
        batch=3,
    ),
    Source(
        "mit-han-lab/data-efficient-gans",
        "imgs/low-shot-interp.jpg",
        "fake",
        "generated",
        "DiffAugment StyleGAN2 100-shot Obama interpolation (top row)",
        "BSD-2-Clause",
        regions=((0.0, 0.0, 1.0, 0.19),),
        batch=3,
    ),
    Source(
        "tanshuai0219/EDTalk",
        "res/demo_EDTalk_[AV].mp4|res/demo_EDTalk_[AV]_using_weights.mp4"
        "|res/demo_EDTalk_lip_pose.mp4|res/demo_EDTalk_lip_pose_V.mp4"
        "|res/demo_EDTalk_lip_pose_V_lei.mp4|res/results_by_facesr/RD_Radio51_000.mp4"
        "|res/results_by_facesr/demo_lip_pose5.mp4",
        "fake",
        "reenactment",
        "EDTalk talking-head outputs (256 px; the 512 px and GIF copies left out)",
        "Apache-2.0",
        largest=True,
        batch=3,
    ),
    Source(
        "tanshuai0219/EDTalk",
        "test_data/*.mp4|test_data/identity_source.jpg|test_data/leijun.png",
        "real",
        "real",
        "EDTalk driving videos and identity photos (real people; uncrop_face.jpg, which "
        "carries a magazine watermark, left out)",
        "Apache-2.0",
        largest=True,
        batch=3,
    ),
    Source(
        "haofanwang/inswapper",
        "result.png",
        "fake",
        "face_swap",
        "inswapper (InsightFace inswapper_128) result on data/mans1.jpeg",
        "repo licence not stated",
        batch=3,
    ),
    Source(
        "haofanwang/inswapper",
        "data/*.jpeg",
        "real",
        "real",
        "inswapper example inputs (real photos; mans1 is the swap's counterpart)",
        "repo licence not stated",
        batch=3,
    ),
)


def git(mirror: Path, repo: str, *args: str) -> bytes:
    gitdir = mirror / repo.replace("/", "+") / "repo"
    return subprocess.run(
        ["git", f"--git-dir={gitdir}", *args], check=True, capture_output=True
    ).stdout


def list_files(mirror: Path, src: Source) -> tuple[str, list[str]]:
    commit = git(mirror, src.repo, "rev-parse", src.commit or "HEAD").decode().strip()
    names = git(mirror, src.repo, "ls-tree", "-r", "--name-only", commit).decode().splitlines()
    globs = src.pattern.split("|")
    return commit, sorted(n for n in names if any(fnmatch.fnmatch(n, g) for g in globs))


VIDEO_EXT = (".mp4", ".mov", ".avi", ".gif", ".webp")
CLIP_PX = 360
CLIP_CRF = 23
CLIP_SECONDS = 10.0
MAX_SHORT = 720


def decode_all(data: bytes, limit_s: float = CLIP_SECONDS) -> tuple[list[np.ndarray], float]:
    """Every RGB frame of a clip (up to ``limit_s``) and its frame rate (PyAV)."""
    import av

    with av.open(io.BytesIO(data)) as box:
        stream = box.streams.video[0]
        rate = float(stream.average_rate or 25)
        frames = []
        for frame in box.decode(stream):
            rgb = frame.to_ndarray(format="rgb24")
            short = min(rgb.shape[:2])
            if short > MAX_SHORT:  # bound memory: 10 s of 1080p would be ~2 GB of RGB
                scale = MAX_SHORT / short
                size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
                rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
            frames.append(rgb)
            if len(frames) >= limit_s * rate:
                break
    return frames, rate


def is_video(path: str, data: bytes) -> bool:
    """Videos and animated images (a one-frame GIF/WebP counts as a still)."""
    if not path.lower().endswith(VIDEO_EXT):
        return False
    if path.lower().endswith((".gif", ".webp")):
        try:
            return getattr(Image.open(io.BytesIO(data)), "n_frames", 1) > 1
        except OSError:
            return True
    return True


def frames_of(data: bytes, path: str) -> list[np.ndarray]:
    """RGB frames of an image (one) or a video (a few, evenly spaced)."""
    if is_video(path, data):
        frames, _ = decode_all(data)
        if not frames:
            return []
        picks = np.linspace(0, len(frames) - 1, VIDEO_FRAMES).astype(int)
        return [frames[int(i)] for i in sorted(set(picks.tolist()))]
    return [np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))]


def region_view(rgb: np.ndarray, region: tuple[float, float, float, float]) -> np.ndarray:
    """The part of a frame that a region names."""
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = region
    return rgb[round(y0 * h) : round(y1 * h), round(x0 * w) : round(x1 * w)]


def write_clip(frames: list[np.ndarray], rate: float, dest: Path) -> None:
    """Normalise a clip: centre square, 360 x 360, H.264 CRF 23, yuv420p (PyAV/libx264)."""
    import av

    tmp = dest.with_suffix(".part.mp4")
    with av.open(str(tmp), "w") as box:
        stream = box.add_stream("libx264", rate=round(rate) or 25)
        stream.width = stream.height = CLIP_PX
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(CLIP_CRF), "preset": "veryfast"}
        for rgb in frames:
            h, w = rgb.shape[:2]
            side = min(h, w)
            sq = rgb[
                (h - side) // 2 : (h - side) // 2 + side, (w - side) // 2 : (w - side) // 2 + side
            ]
            sq = cv2.resize(
                np.ascontiguousarray(sq), (CLIP_PX, CLIP_PX), interpolation=cv2.INTER_AREA
            )
            for packet in stream.encode(av.VideoFrame.from_ndarray(sq, format="rgb24")):
                box.mux(packet)
        for packet in stream.encode():
            box.mux(packet)
    tmp.replace(dest)


def square_crop(rgb: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """Square crop around ``box`` (x, y, w, h) with a margin, padded at the edges, 256 px."""
    x, y, w, h = box
    side = max(w, h) * (1 + 2 * MARGIN)
    cx, cy = x + w / 2, y + h / 2
    x0, y0 = round(cx - side / 2), round(cy - side / 2)
    s = round(side)
    pad = max(0, -x0, -y0, x0 + s - rgb.shape[1], y0 + s - rgb.shape[0])
    padded = np.pad(rgb, ((pad, pad), (pad, pad), (0, 0)), mode="edge") if pad else rgb
    crop = padded[y0 + pad : y0 + pad + s, x0 + pad : x0 + pad + s]
    return cv2.resize(crop, (CROP_PX, CROP_PX), interpolation=cv2.INTER_AREA)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--out", type=Path, default=Path("/work/data/face/real"))
    ap.add_argument(
        "--batch", type=int, default=None, help="build only the sources of this round (2 or 3)"
    )
    args = ap.parse_args(argv)
    from veracity.faces.detect import detect_faces

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "clips").mkdir(exist_ok=True)
    rows: list[dict[str, object]] = []
    clips: list[dict[str, object]] = []
    for src in SOURCES:
        if args.batch is not None and src.batch != args.batch:
            continue
        commit, names = list_files(args.mirror, src)
        for name in names:
            try:
                data = git(args.mirror, src.repo, "show", f"{commit}:{name}")
            except subprocess.CalledProcessError:  # over the snapshot's size limit: absent
                print(f"absent {src.repo}:{name}", file=sys.stderr)
                continue
            base = {
                "origin": f"{src.repo}@{commit}:{name}",
                "repo": src.repo,
                "licence": src.licence,
                "family": src.family,
                "dataset": src.dataset,
                "label": src.label,
            }
            try:
                frames = frames_of(data, name)
            except Exception as exc:
                print(f"skip {src.repo}:{name}: {exc}", file=sys.stderr)
                continue
            stem0 = f"{src.repo.replace('/', '+')}+{name.replace('/', '+')}"
            for ri, region in enumerate(src.regions):
                # label in the name: two sources may take different regions of one file
                whole = len(src.regions) == 1 and region == (0.0, 0.0, 1.0, 1.0)
                tag = "" if whole else f"{src.label}{ri}"
                stem = f"{stem0}{('+' + tag) if tag else ''}"
                if is_video(name, data) and len(src.regions) == 1:
                    all_frames, rate = decode_all(data)
                    dest = args.out / "clips" / f"{stem}.mp4"
                    write_clip([region_view(f, region) for f in all_frames], rate, dest)
                    clips.append(
                        {
                            **base,
                            "file": dest.name,
                            "region": list(region),
                            "frames": len(all_frames),
                            "group": f"{src.repo}:{name}",
                        }
                    )
                for fi, rgb in enumerate(frames):
                    if src.whole:
                        crop = cv2.resize(rgb, (CROP_PX, CROP_PX), interpolation=cv2.INTER_AREA)
                        found = [(0, crop)]
                    else:
                        h, w = rgb.shape[:2]
                        x0, y0, x1, y1 = region
                        faces = [
                            f
                            for f in detect_faces(rgb)
                            if f.size >= MIN_FACE
                            and x0 * w <= f.box[0] + f.box[2] / 2 < x1 * w
                            and y0 * h <= f.box[1] + f.box[3] / 2 < y1 * h
                        ]
                        if src.largest and faces:
                            faces = [max(faces, key=lambda f: f.size)]
                        found = [(k, square_crop(rgb, f.box)) for k, f in enumerate(faces)]
                    for k, crop in found:
                        dest = args.out / f"{stem}+f{fi}+{k}.jpg"
                        Image.fromarray(crop).save(dest, quality=JPEG_Q)
                        # one group per origin file: frames of a clip never cross a split
                        rows.append(
                            {
                                **base,
                                "file": dest.name,
                                "frame": fi,
                                "face": k,
                                "group": f"{src.repo}:{name}",
                            }
                        )
    (args.out / "clips.jsonl").write_text("".join(json.dumps(c) + "\n" for c in clips))
    manifest = args.out / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    by: dict[tuple[str, str], int] = {}
    for r in rows:
        by[(r["family"], r["label"])] = by.get((r["family"], r["label"]), 0) + 1
    for (fam, lab), n in sorted(by.items()):
        print(f"{fam:12s} {lab:5s} {n:4d}")
    print(f"{len(rows)} crops -> {manifest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
