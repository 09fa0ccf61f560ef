"""A full disk (a tiny tmpfs) never damages the input or leaves a partial output."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from veracity.synth.samples import natural_image


@pytest.fixture
def tiny_mount(tmp_path: Path) -> Iterator[Callable[[int], Path]]:
    """Mount tmpfs folders of a given size (needs root; skipped elsewhere)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    mounted: list[Path] = []

    def mount(kib: int) -> Path:
        folder = tmp_path / f"mnt{len(mounted)}"
        folder.mkdir()
        proc = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        )
        if proc.returncode != 0:
            pytest.skip("tmpfs mounts are not allowed here")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", str(folder)], check=False)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("command", ["embed", "sign"])
@pytest.mark.parametrize("same", [True, False], ids=["in-eq-out", "in-ne-out"])
def test_full_disk_exit_2_input_intact(
    tiny_mount: Callable[[int], Path],
    tmp_path: Path,
    run_cli: Callable[..., subprocess.CompletedProcess[str]],
    command: str,
    same: bool,
) -> None:
    src = tmp_path / "photo.jpg"
    Image.fromarray(natural_image(384, 384, seed=5)).save(src, quality=95)
    if command == "sign":
        assert run_cli("credentials", "init").returncode == 0
    # room for the input and 8 KiB more: the marked/signed copy cannot fit
    mnt = tiny_mount(src.stat().st_size // 1024 + 12 if same else 16)
    if same:
        inp = out = mnt / "photo.jpg"
        shutil.copy(src, inp)
    else:
        inp, out = src, mnt / "out.jpg"
    before = _sha(inp)
    args = ["watermark", "embed"] if command == "embed" else ["credentials", "sign"]
    proc = run_cli(*args, inp, out, "--force")
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert "No space left" in proc.stderr
    assert _sha(inp) == before
    assert sorted(p.name for p in mnt.iterdir()) == (["photo.jpg"] if same else [])
