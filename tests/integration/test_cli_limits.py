"""Input limits from the command line and the config file: a clear refusal, exit 2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from veracity.media.limits import Limits, default_limits


@pytest.fixture
def media(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    png = tmp_path / "a.png"
    Image.fromarray(rng.integers(0, 255, (200, 300, 3), dtype=np.uint8)).save(png)
    wav = tmp_path / "a.wav"
    sf.write(wav, (0.1 * rng.standard_normal(16000 * 3)).astype("float32"), 16000)
    return {"png": png, "wav": wav}


@pytest.mark.parametrize(
    ("args", "kind", "message"),
    [
        (
            ["detect", "--max-megapixels", "0.05"],
            "png",
            "300x200 image exceeds the limit of 50000 pixels",
        ),
        (
            ["detect", "--max-file-mb", "0.01"],
            "png",
            "file is {size} bytes, over the limit of 10485",
        ),
        (
            ["--max-file-mb", "0.01", "check"],
            "png",
            "file is {size} bytes, over the limit of 10485",
        ),
        (
            ["watermark", "detect", "--max-file-mb", "0.01"],
            "png",
            "file is {size} bytes, over the limit of 10485",
        ),
        (["detect", "--max-duration", "1"], "wav", "audio is 3 s long, over the limit of 1 s"),
    ],
)
def test_limit_flags_refuse_with_one_line(run_cli, media, args, kind, message) -> None:
    r = run_cli(*args, media[kind])
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    message = message.format(size=media[kind].stat().st_size)
    assert r.stderr.strip().splitlines() == [f"veracity: error: {media[kind]}: {message}"]


def test_signing_over_the_limit_writes_nothing(run_cli, media, tmp_path: Path) -> None:
    out = tmp_path / "signed.png"
    r = run_cli("credentials", "sign", media["png"], out, "--max-file-mb", "0.01")
    assert r.returncode == 2 and "over the limit" in r.stderr
    assert not out.exists()


def test_config_file_sets_the_limit_and_a_flag_overrides_it(run_cli, media, tmp_path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[global]\nmax-file-mb = 0.01\n")
    refused = run_cli("--config", config, "watermark", "detect", media["png"])
    assert refused.returncode == 2 and "over the limit of 10485" in refused.stderr
    allowed = run_cli("--config", config, "watermark", "detect", media["png"], "--max-file-mb", "5")
    assert allowed.returncode == 0, allowed.stderr


def test_within_the_limits_runs_and_the_default_is_restored(media) -> None:
    from veracity.cli import main

    assert main(["detect", "--json", "--max-file-mb", "5", str(media["png"])]) == 0
    assert default_limits() == Limits()  # flags apply to that command only
