"""Fixtures shared by the real-face tests (``test_face_real_*.py``): the scripts under test,
loaded from ``training/`` and ``benchmarks/``, a bare git mirror of a tiny repository, and a
face detector that always finds one given box."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
Box = tuple[float, float, float, float]


def _load(rel: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(Path(rel).stem, ROOT / rel)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def face_builder() -> ModuleType:
    return _load("training/build_real_face_dataset.py")


@pytest.fixture(scope="module")
def face_bench() -> ModuleType:
    return _load("benchmarks/face_real.py")


@pytest.fixture(scope="module")
def face_common() -> ModuleType:
    sys.path.insert(0, str(ROOT / "training"))
    import face_deepfake_common

    return face_deepfake_common


@pytest.fixture(scope="module")
def face_reencode() -> ModuleType:
    return _load("training/face_reencode_copies.py")


@pytest.fixture(scope="module")
def face_shortcut() -> ModuleType:
    return _load("training/face_shortcut_check.py")


@pytest.fixture
def git_mirror(tmp_path: Path) -> Callable[[dict[str, Image.Image]], tuple[Path, str]]:
    """Factory: commit ``files`` to a repository ``o/r``; returns its mirror root and commit."""

    def make(files: dict[str, Image.Image]) -> tuple[Path, str]:
        repo = tmp_path / "work"
        for name, img in files.items():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            img.save(repo / name)
        git = ["git", "-C", str(repo), "-c", "user.email=t@t", "-c", "user.name=t"]
        subprocess.run([*git, "init", "-q"], check=True)
        subprocess.run([*git, "add", "."], check=True)
        subprocess.run([*git, "commit", "-qm", "x"], check=True)
        mirror = tmp_path / "mirror"
        (mirror / "o+r").mkdir(parents=True)
        subprocess.run(
            ["git", "clone", "-q", "--bare", str(repo), str(mirror / "o+r" / "repo")], check=True
        )
        commit = subprocess.run(
            [*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True
        ).stdout.strip()
        return mirror, commit

    return make


@pytest.fixture
def one_face(monkeypatch: pytest.MonkeyPatch) -> Callable[[Box, float], None]:
    """Factory: make ``veracity.faces.detect.detect_faces`` find one face (``box``, ``size``)."""
    from veracity.faces import detect

    def patch(box: Box, size: float) -> None:
        face = SimpleNamespace(box=box, size=size)
        monkeypatch.setattr(detect, "detect_faces", lambda rgb: [face])

    return patch
