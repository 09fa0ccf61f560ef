"""The neural-TTS / VC speech scorer: features, shipped head, fusion and detector contract."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import soundfile as sf

from veracity.detect import speech_real
from veracity.detect.calibration import load_model
from veracity.detect.catalog import detectors_for
from veracity.detect.speech_features import active_segments
from veracity.detect.synthetic_speech import fuse_logits
from veracity.media.audio import load_audio
from veracity.synth.speech import griffin_lim_resynth, speech_like

TRAINING = Path(__file__).resolve().parents[2] / "training"


def _detector():  # type: ignore[no-untyped-def]
    (detector,) = [d for d in detectors_for("audio") if d.name == "speech_lfcc"]
    return detector


@pytest.mark.parametrize("seconds", [1.0, 3.5, 8.0])
def test_features_shape_finite_and_level_invariant_bands(seconds: float) -> None:
    x = speech_like(seconds, seed=21).astype(np.float32)
    segs = active_segments(x) or [(0, len(x))]
    f = speech_real.real_features(x, segs)
    assert f.shape == (len(segs), speech_real.REAL_FEATURE_DIM) and np.isfinite(f).all()
    g = speech_real.real_features(0.1 * x, segs)
    n = speech_real.FEATURE_DIM
    # Band, fine-structure and (level-normalised) embedding statistics ignore the level.
    assert np.allclose(f[:, n : speech_real.V2_DIM], g[:, n : speech_real.V2_DIM], atol=1e-3)
    assert np.allclose(f[:, speech_real.V2_DIM :], g[:, speech_real.V2_DIM :], atol=2e-2)


def test_no_segments_gives_empty_features() -> None:
    f = speech_real.real_features(np.zeros(100, np.float32), [])
    assert f.shape == (0, speech_real.REAL_FEATURE_DIM)


def test_shipped_head_matches_card_and_scores() -> None:
    head = load_model(speech_real.MODEL_NAME)
    dim = speech_real.REAL_FEATURE_DIM
    assert head["mean"].shape == head["scale"].shape == (dim,)
    assert (head["scale"] > 0).all()
    members, d, hidden = head["w1"].shape
    assert d == dim and head["b1"].shape == head["w2"].shape == (members, hidden)
    assert head["b2"].shape == (members,)
    x = speech_like(4.0, seed=22).astype(np.float32)
    z = speech_real.real_logits(speech_real.real_features(x, active_segments(x)), head)
    assert np.isfinite(z).all()


def test_logits_survive_extreme_features() -> None:
    head = load_model(speech_real.MODEL_NAME)
    bad = np.full((2, speech_real.REAL_FEATURE_DIM), np.nan)
    bad[1] = 1e30
    assert np.isfinite(speech_real.real_logits(bad, head)).all()


def test_fusion_is_the_larger_logit() -> None:
    a = np.array([-3.0, 2.0, 0.5])
    b = np.array([1.0, -4.0, 0.5])
    assert np.array_equal(fuse_logits(a, b), np.array([1.0, 2.0, 0.5]))


@pytest.mark.parametrize("rate", [16000, 22050, 44100])
def test_detector_contract_range_deterministic(tmp_path: Path, rate: int) -> None:
    path = tmp_path / "v.wav"
    sf.write(path, speech_like(5.0, rate, seed=23), rate)
    first = _detector().analyze(load_audio(path), None)
    second = _detector().analyze(load_audio(path), None)
    assert first is not None and second is not None
    assert 0.0 <= first.score <= 1.0 and np.isfinite(first.score)
    assert first.score == second.score and first.details == second.details
    for seg in first.details["segments"]:
        for key in ("score", "score_cnn", "score_neural"):
            assert 0.0 <= seg[key] <= 1.0
        assert seg["score"] >= max(seg["score_cnn"], seg["score_neural"]) - 1e-4


def test_detector_handles_clipping_and_dc(tmp_path: Path) -> None:
    x = np.clip(speech_like(3.0, 16000, seed=24) * 50 + 0.2, -1, 1)
    sf.write(tmp_path / "c.wav", x, 16000)
    result = _detector().analyze(load_audio(tmp_path / "c.wav"), None)
    assert result is None or (0.0 <= result.score <= 1.0 and np.isfinite(result.score))


def test_training_augmentations_keep_length_and_finite() -> None:
    sys.path.insert(0, str(TRAINING))
    try:
        import train_speech_real as t
    finally:
        sys.path.remove(str(TRAINING))
    x = speech_like(2.0, 16000, seed=25).astype(np.float32)
    for name in ("clean", "aug0", "aug1", "mp3_64k", "opus_32k"):
        y = t.version(x, name, seed=3)
        assert abs(len(y) - len(x)) < 2000 and np.isfinite(y).all()
    tel = t.telephone(x)
    spec = np.abs(np.fft.rfft(tel))
    freqs = np.fft.rfftfreq(len(tel), 1 / 16000)
    assert spec[freqs > 4500].sum() < 0.01 * spec.sum()


def test_training_eer_and_fit_on_separable_toy_data() -> None:
    sys.path.insert(0, str(TRAINING))
    try:
        import train_speech_real as t
    finally:
        sys.path.remove(str(TRAINING))
    assert t.eer(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1])) == 0.0
    assert t.eer(np.array([0.9, 0.8, 0.2, 0.1]), np.array([0, 0, 1, 1])) == 1.0
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 1, (200, 5)), rng.normal(1.5, 1, (200, 5))])
    y = np.repeat([0, 1], 200)
    for m in (t.fit(x, y), t.fit_mlp(x, y, hidden=4, seeds=2)):
        z = speech_real.real_logits(x, m)
        assert z.shape == (400,) and t.eer(z, y) < 0.1


@pytest.mark.parametrize(
    ("labels", "groups"),
    [
        ([0, 0, 0, 1, 1, 1, 1], ["a", "a", "b", "x", "x", "x", "y"]),
        ([0, 1, 1, 1], ["a", "x", "y", "y"]),
    ],
)
def test_group_balanced_weights_share_each_class_equally(
    labels: list[int], groups: list[str]
) -> None:
    sys.path.insert(0, str(TRAINING))
    try:
        import train_speech_real as t
    finally:
        sys.path.remove(str(TRAINING))
    y, g = np.array(labels), np.array(groups)
    w = t._class_weights(y, g)
    for cls in (0, 1):
        assert w[y == cls].sum() == pytest.approx(0.5)
        sums = [w[(y == cls) & (g == name)].sum() for name in np.unique(g[y == cls])]
        assert np.allclose(sums, sums[0])
    plain = t._class_weights(y)
    assert plain[y == 1].sum() == pytest.approx(0.5) and len(np.unique(plain[y == 1])) == 1


def _ablations() -> ModuleType:
    """benchmarks/speech_real_ablations.py, imported from its folder."""
    bench = TRAINING.parent / "benchmarks"
    sys.path.insert(0, str(bench))
    try:
        import speech_real_ablations
    finally:
        sys.path.remove(str(bench))
    return speech_real_ablations


@pytest.mark.parametrize("seconds", [0.2, 2.0, 5.5])
def test_ablation_artefact_features_shape_and_finite(seconds: float) -> None:
    a = _ablations()
    x = speech_like(seconds, 16000, seed=5).astype(np.float32)
    segs = active_segments(x) or [(0, len(x))]
    f = a.artefact_features(x, segs)
    assert f.shape == (len(segs), a.ARTEFACT_DIM) and np.isfinite(f).all()
    assert np.allclose(a.artefact_features(0.25 * x, segs)[:, :16], f[:, :16], atol=1e-4)


@pytest.mark.parametrize("seconds", [0.05, 2.0, 5.5])
def test_ablation_hires_lfcc_shape_finite_and_level_invariant(seconds: float) -> None:
    a = _ablations()
    x = speech_like(seconds, 16000, seed=6).astype(np.float32)
    segs = active_segments(x) or [(0, len(x))]
    f = a.hires_lfcc_features(x, segs)
    assert f.shape == (len(segs), a.HIRES_DIM) and np.isfinite(f).all()
    # c0 is left out, so a gain change leaves every coefficient's statistics in place.
    assert np.allclose(a.hires_lfcc_features(0.1 * x, segs), f, atol=1e-3)


def test_network_head_averages_members_and_reads_a_prefix() -> None:
    rng = np.random.default_rng(1)
    one = {
        "mean": np.zeros(3),
        "scale": np.ones(3),
        "w1": rng.normal(size=(1, 3, 2)),
        "b1": np.zeros((1, 2)),
        "w2": np.ones((1, 2)),
        "b2": np.zeros(1),
    }
    two = {**one, "w1": np.concatenate([one["w1"], -one["w1"]]), "b1": np.zeros((2, 2))}
    two["w2"], two["b2"] = np.ones((2, 2)), np.zeros(2)
    x = rng.normal(size=(5, 7))  # extra columns beyond the head's features are ignored
    z1 = speech_real.real_logits(x, one)
    assert z1.shape == (5,)
    # tanh is odd: the mirrored member cancels the first, so the average is 0.
    assert np.allclose(speech_real.real_logits(x, two), 0.0)


def test_griffin_lim_speech_still_scores(tmp_path: Path) -> None:
    x = speech_like(4.0, seed=26)
    y, rate = griffin_lim_resynth(x, 16000, iterations=8)
    sf.write(tmp_path / "g.wav", y, rate)
    result = _detector().analyze(load_audio(tmp_path / "g.wav"), None)
    assert result is not None and 0.0 <= result.details["score_neural"] <= 1.0


@pytest.mark.parametrize(
    ("section", "stem", "speaker"),
    [
        ("LJSpeech/ID", "00001", "ljspeech/LJ"),
        ("Ablation", "3", "ljspeech/LJ"),
        ("LibriTTS", "1221-135767-0014", "libritts/1221"),
        ("VCTK", "p234_019", "vctk/p234"),
        ("LibriTTS", "amused", "styletts2-page/LibriTTS/amused"),
    ],
)
def test_styletts2_page_speakers(section: str, stem: str, speaker: str) -> None:
    sys.path.insert(0, str(TRAINING))
    try:
        import build_real_spoof_dataset as b
    finally:
        sys.path.remove(str(TRAINING))
    assert b._style_speaker(section, stem) == speaker
    assert "style_diffusion" in b.FAMILIES


def test_version_cache_round_trip(tmp_path: Path) -> None:
    from scipy.io import wavfile

    sys.path.insert(0, str(TRAINING))
    try:
        import speech_real_versions as sv
        import train_speech_real as t
    finally:
        sys.path.remove(str(TRAINING))
    x = speech_like(2.0, 16000, seed=27)
    (tmp_path / "wav").mkdir()
    wavfile.write(tmp_path / "wav" / "c1.wav", 16000, (x * 32767).astype(np.int16))
    row = {"id": "c1", "file": "wav/c1.wav"}
    versions = ("clean", "aug0")
    for v in versions:
        (tmp_path / "versions" / v).mkdir(parents=True)
    assert sv._one((tmp_path, row, versions)) == "c1"
    pcm = wavfile.read(tmp_path / "wav" / "c1.wav")[1].astype(np.float32) / 32768.0
    for v in versions:
        y = sv.load_version(tmp_path, "c1", v)
        ref = t.version(pcm, v, sv.clip_seed("c1"))
        assert y.shape == ref.shape and np.abs(y - np.clip(ref, -1, 1)).max() < 2e-4
