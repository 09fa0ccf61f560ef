"""Shared fixtures: a CLI runner that uses this checkout's sources, and sample media."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def _cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


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


def natural_image(height: int = 256, width: int = 256, seed: int = 0) -> np.ndarray:
    """A photo-like uint8 RGB image: smooth shapes, edges, texture and 1/f noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    img = np.zeros((height, width, 3))
    for c in range(3):
        img[:, :, c] = 90 + 60 * np.sin(xx / (23 + 7 * c) + c) * np.cos(yy / (31 - 5 * c))
    for _ in range(6):
        cy, cx = rng.uniform(0, height), rng.uniform(0, width)
        r = rng.uniform(0.08, 0.3) * min(height, width)
        mask = (yy - cy) ** 2 + (xx - cx) ** 2 < r**2
        img[mask] = rng.uniform(20, 235, size=3)
    spectrum = np.fft.fft2(rng.normal(size=(height, width)))
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.fftfreq(width)[None, :]
    pink = np.real(np.fft.ifft2(spectrum / np.maximum(np.hypot(fy, fx), 1.0 / max(height, width))))
    pink = pink / (pink.std() + 1e-9) * 12
    img += pink[:, :, None]
    return np.clip(img, 0, 255).astype(np.uint8)


@pytest.fixture
def sample_rgb() -> np.ndarray:
    return natural_image(256, 256, seed=1)
