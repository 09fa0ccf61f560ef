"""`credentials sign` applies the input policy every other command applies (issue 23.5/23.7)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from veracity.synth.samples import natural_image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from videogen import moving_frames, write_video

Run = Callable[..., subprocess.CompletedProcess[str]]


def _bomb(path: Path) -> Path:
    # 20000 x 20000 of one colour: a few hundred KiB of PNG, 400 Mpx decoded
    img = Image.new("L", (20000, 20000))
    img.save(path, format="PNG", optimize=False, compress_level=9)
    return path


def _truncated_jpeg(path: Path) -> Path:
    buf = io.BytesIO()
    Image.fromarray(natural_image(256, 256, seed=4)).save(buf, format="JPEG", quality=90)
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    return path


def _truncated_flac(path: Path) -> Path:
    rng = np.random.default_rng(1)
    sf.write(path, (0.1 * rng.standard_normal(16000 * 3)).astype(np.float32), 16000)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _truncated_mp4(path: Path) -> Path:
    write_video(path, moving_frames(30, 96, 64))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _zero_frame_mp4(path: Path) -> Path:
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        out.start_encoding()  # a header and an empty track, no frame
    return path


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("bomb.png", _bomb),
        ("cut.jpg", _truncated_jpeg),
        ("cut.flac", _truncated_flac),
        ("cut.mp4", _truncated_mp4),
        ("empty.mp4", _zero_frame_mp4),
    ],
)
def test_sign_refuses_what_other_commands_refuse(
    tmp_path: Path, run_cli: Run, name: str, make: Callable[[Path], Path]
) -> None:
    src = make(tmp_path / name)
    assert run_cli("credentials", "init").returncode == 0
    out = tmp_path / f"signed{src.suffix}"
    proc = run_cli("credentials", "sign", src, out)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_sign_non_utf8_file_name(tmp_path: Path, run_cli: Run) -> None:
    raw = os.fsencode(str(tmp_path)) + b"/caf\xe9.jpg"
    Image.fromarray(natural_image(64, 64, seed=2)).save(raw.decode("utf-8", "surrogateescape"))
    src = Path(os.fsdecode(raw))
    assert run_cli("credentials", "init").returncode == 0
    out = Path(os.fsdecode(os.fsencode(str(tmp_path)) + b"/sign\xe9d.jpg"))
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"))
    cli = [sys.executable, "-m", "veracity", "credentials"]
    proc = subprocess.run([*cli, "sign", src, out], capture_output=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert b"surrogate" not in proc.stderr
    verify = subprocess.run(
        [*cli, "verify", out, "--json"], capture_output=True, env=env, check=False
    )
    assert verify.returncode in (0, 1), verify.stderr
    assert b'"state": "trusted"' in verify.stdout or b'"state": "valid"' in verify.stdout
