"""Contract test over every registered detector, on inputs each one actually scores.

Image detectors get drawn faces on photo-like backgrounds at odd sizes (the face
detectors need a face; the others score any picture), video detectors get clips of a
moving drawn face, the speech detector speech-like audio. Every case asserts: a
:class:`DetectorScore` under the registered name, a finite score in [0, 1], and the
same score when the same input is analysed again. No case may abstain.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from veracity.detect.catalog import detector_registry
from veracity.media.audio import load_audio
from veracity.media.image import LoadedImage
from veracity.media.video import open_video
from veracity.results import DetectorScore
from veracity.synth.samples import drawn_face, speech_like, write_wav
from videogen import write_video

IMAGE_CASES = [(160, 160), (257, 311), (120, 90), (480, 640)]
VIDEO_CASES = [(24, 160, 160), (30, 144, 176)]  # frames, height, width
AUDIO_CASES = [(2.0, 16000), (3.0, 22050)]  # seconds, sample rate


def _registered() -> list[tuple[str, str]]:
    registry = detector_registry()
    return [(name, registry.get(name).modality) for name in registry.names()]


def _cases() -> list[Any]:
    table = {"image": IMAGE_CASES, "video": VIDEO_CASES, "audio": AUDIO_CASES}
    return [
        pytest.param(name, modality, case, id=f"{name}-{'x'.join(map(str, case))}")
        for name, modality in _registered()
        for case in table[modality]
    ]


@functools.cache
def _media_file(modality: str, case: tuple[float, ...], folder: Path) -> Path:
    if modality == "video":
        n, h, w = map(int, case)
        frames = [drawn_face(h, w, seed=1, shift=(i * 0.7, 2 * np.sin(i / 3))) for i in range(n)]
        return write_video(folder / f"face-{n}-{h}x{w}.mp4", frames, fps=12)
    seconds, rate = case
    return write_wav(
        folder / f"speech-{seconds}-{rate}.wav", speech_like(seconds, int(rate)), int(rate)
    )


def _media(modality: str, case: tuple[float, ...], folder: Path) -> Any:
    if modality == "image":
        h, w = map(int, case)
        return LoadedImage(drawn_face(h, w, seed=h), None, False, 8, "PNG", "RGB")
    path = _media_file(modality, case, folder)
    return open_video(path) if modality == "video" else load_audio(path)


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("contract-media")


def test_every_modality_has_detectors() -> None:
    modalities = [m for _, m in _registered()]
    assert {"image", "video", "audio"} <= set(modalities)
    assert len(_cases()) == sum(
        len({"image": IMAGE_CASES, "video": VIDEO_CASES, "audio": AUDIO_CASES}[m])
        for m in modalities
    )


@pytest.mark.parametrize(("name", "modality", "case"), _cases())
def test_detector_contract(
    name: str, modality: str, case: tuple[float, ...], media_dir: Path
) -> None:
    detector = detector_registry().get(name)
    first = detector.analyze(_media(modality, case, media_dir), None)
    again = detector.analyze(_media(modality, case, media_dir), None)
    assert isinstance(first, DetectorScore), f"{name} abstained on its contract input"
    assert isinstance(again, DetectorScore)
    assert first.name == name
    assert math.isfinite(first.score) and 0.0 <= first.score <= 1.0
    assert again.score == first.score  # deterministic
