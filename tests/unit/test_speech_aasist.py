"""Round-4 AASIST-L front-end experiment: re-declared network, ONNX export, rule helpers."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _import(folder: str, name: str) -> ModuleType:
    sys.path.insert(0, str(ROOT / folder))
    sys.path.insert(0, str(ROOT / "training"))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(ROOT / folder))
        sys.path.remove(str(ROOT / "training"))


@pytest.mark.parametrize("n", [0, 1, 1000, 64600, 200000])
def test_first_window_tiles_short_clips_and_cuts_long_ones(n: int) -> None:
    feats = _import("training", "aasist_features")
    x = np.arange(n, dtype=np.float32)
    w = feats.first_window(x)
    assert w.shape == (feats.N_SAMPLES,) and w.dtype == np.float32
    if n >= feats.N_SAMPLES:
        assert np.array_equal(w, x[: feats.N_SAMPLES])
    elif n > 0:
        assert np.array_equal(w[:n], x) and np.array_equal(w[n : 2 * n], x[: min(n, len(w) - n)])


def test_sinc_filters_are_band_passes_covering_the_band() -> None:
    pytest.importorskip("torch")
    net = _import("training", "aasist_l")
    fb = net.sinc_filters()
    assert fb.shape == (70, 129)
    resp = np.abs(np.fft.rfft(fb, 1024, axis=1))
    peaks = resp.argmax(axis=1)
    assert np.all(np.diff(peaks) >= 0)  # ordered low to high
    assert peaks[0] < 20 and peaks[-1] > 400


def test_network_shapes_and_onnx_export_match_torch(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    ort = pytest.importorskip("onnxruntime")
    net_mod = _import("training", "aasist_l")
    torch.manual_seed(0)
    net = net_mod.AasistL()
    for p in net.parameters():  # zero-initialised attention weights: give them values
        if p.dim() == 2 and p.shape[1] == 1:
            torch.nn.init.normal_(p)
    net.eval()
    x = np.random.default_rng(2).standard_normal(30000).astype(np.float32) * 0.1
    ref = net_mod.features(net, x)
    assert ref.shape == (net_mod.EMBED_DIM + 2,) and np.isfinite(ref).all()
    out = tmp_path / "a.onnx"
    net_mod.export_onnx(net, out)
    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    emb, logit = sess.run(None, {"wav": net_mod.first_window(x)[None]})
    assert np.allclose(np.concatenate([emb[0], logit[0]]), ref, atol=1e-4)


def _folds(per_family: dict[str, float]) -> dict[str, dict[str, float]]:
    keys = ("clean_clip_eer", "clean_segment_eer", "mp3_64k_clip_eer", "opus_32k_clip_eer")
    return {fam: {k: v for k in keys} for fam, v in per_family.items()}


@pytest.mark.parametrize(
    ("delta", "worst", "ships"),
    [(-0.02, 0.0, True), (-0.005, 0.0, False), (-0.04, 0.03, False), (0.01, 0.01, False)],
)
def test_declared_rule(delta: float, worst: float, ships: bool) -> None:
    a = _import("benchmarks", "speech_real_ablations")
    fams = a.T.FAMILIES
    ctrl = {fam: 0.2 for fam in fams}
    cand = {fam: 0.2 + delta for fam in fams}
    # one family moves by `worst`, the others make up the mean change
    cand[fams[0]] = 0.2 + worst
    rest = (len(fams) * delta - worst) / (len(fams) - 1)
    for fam in fams[1:]:
        cand[fam] = 0.2 + rest
    results = {"shipped recipe (control)": _folds(ctrl), "AASIST-L in the head": _folds(cand)}
    fast = {"fused_x_realtime": 60.0}
    dec = a.decision(results, fast)["AASIST-L in the head"]
    assert dec["ships"] is ships
    assert dec["mean_clip_eer_gain_points"] == pytest.approx(-100 * delta, abs=0.01)
    assert not a.decision(results, {"fused_x_realtime": 40.0})["AASIST-L in the head"]["ships"]
    tab = a.logo_table(results)
    assert len(tab["rows"]) == len(fams) + 1 and len(tab["columns"]) == 1 + 2 * 4


@pytest.mark.parametrize(
    ("gated_delta", "speed_x", "gated_ships"),
    [(-0.02, 60.0, True), (-0.02, 45.0, False), (0.0, 60.0, False)],
)
def test_gated_rule_and_decision_table(
    gated_delta: float, speed_x: float, gated_ships: bool
) -> None:
    a = _import("benchmarks", "speech_real_ablations")
    fams = a.T.FAMILIES
    ctrl = _folds({fam: 0.2 for fam in fams})
    cand = _folds({fam: 0.2 for fam in fams})
    for fam in fams:
        cand[fam]["clean_gated_clip_eer"] = 0.2 + gated_delta
        cand[fam]["clean_gated_fraction"] = 0.1
    results = {"shipped recipe (control)": ctrl, "logistic stack (AASIST-L)": cand}
    # shipped 1 s and AASIST-L 1 s per 60 s: gating on 10 % of the clips costs 1.1 s
    audio = speed_x * 1.1
    sp = {"audio_s": audio, "shipped_cpu_s": 1.0, "aasist_cpu_s": 1.0}
    sp["fused_cpu_s"] = 2.0
    sp["fused_x_realtime"] = audio / 2.0
    sp["shipped_x_realtime"] = audio
    dec = a.decision(results, sp)["logistic stack (AASIST-L)"]
    assert dec["gated_speed_x_realtime"] == pytest.approx(speed_x, abs=0.1)
    assert dec["gated_ships"] is gated_ships
    assert dec["gated_eer_rule_met"] is (gated_delta < -0.01)
    assert not dec["ships"]  # the ungated stack changes nothing here
    tab = a.decision_table({"logistic stack (AASIST-L)": dec})
    assert len(tab["rows"]) == 2 and all(len(r) == len(tab["columns"]) for r in tab["rows"])
    assert tab["rows"][1][-1] == ("yes" if gated_ships else "no")
    assert "10.0 %" in tab["rows"][1][0]
    sp_tab = a.speed_table(sp)
    assert [r[1] for r in sp_tab["rows"]] == ["1.00", "1.00", "2.00"]
    assert sp_tab["rows"][1][2] == f"{a.AASIST_WINDOW_S:.0f}"
