"""A stage line on a terminal while a video is analysed; nothing when stderr is not one."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from veracity.cli.stages import wants_progress
from videogen import write_video

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, (96, 128, 3), dtype=np.uint8) for _ in range(12)]
    return write_video(tmp_path / "clip.mp4", frames, fps=6)


def _run_with_tty_stderr(*args: str | Path) -> tuple[int, str, str]:
    """Run the CLI with stderr on a pseudo-terminal and stdout on a pipe."""
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "veracity", *map(str, args)],
        stdout=subprocess.PIPE, stderr=slave, env=env,
    )  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    out = proc.stdout.read().decode() if proc.stdout else ""
    rc = proc.wait(timeout=300)
    os.close(master)
    return rc, out, b"".join(chunks).decode(errors="replace")


def test_detect_on_a_video_shows_stages_on_a_terminal(clip: Path) -> None:
    rc, out, err = _run_with_tty_stderr("detect", clip, "--json")
    assert rc == 0, err
    record = json.loads(out)  # stdout holds only the JSON record
    assert record["modality"] == "video"
    assert "clip.mp4" in err and "step 1" in err


def test_no_progress_when_stderr_is_not_a_terminal(clip: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("detect", clip, "--json")
    assert r.returncode == 0 and "step 1" not in r.stderr
    json.loads(r.stdout)


def test_images_get_no_progress(tmp_path: Path) -> None:
    from PIL import Image

    picture = tmp_path / "p.png"
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(picture)
    assert not wants_progress(picture, tty=True)
    assert not wants_progress(tmp_path / "missing.mp4", tty=True)
