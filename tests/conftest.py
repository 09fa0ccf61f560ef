"""Shared fixtures: a CLI runner that uses this checkout's sources, and sample media."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from veracity.synth.samples import natural_image

SRC = Path(__file__).resolve().parents[1] / "src"


def _cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep every test (and the CLI it spawns) away from the user's real config and store."""
    monkeypatch.setenv("VERACITY_HOME", str(tmp_path_factory.mktemp("veracity-home")))


@pytest.fixture
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``veracity ARGS...`` in a subprocess; returns the completed process."""

    def run(
        *args: str | os.PathLike[str], timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "veracity", *map(str, args)]
        return subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, env=_cli_env(), check=False
        )

    return run


@pytest.fixture
def sample_rgb() -> np.ndarray:
    return natural_image(256, 256, seed=1)
