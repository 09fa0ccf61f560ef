"""Generator-like image synthesisers used to make labelled fakes without any download.

Each generator turns a real RGB image into a synthetic-looking one of the same size by
pushing it through the kind of decoder real image generators use: resampling chains,
transposed convolutions, small trained auto-encoders and a denoising decoder
(diffusion-style). They are the benchmark generators for AI-image detection: detectors
are evaluated leave-one-generator-out, so none of them may be special-cased.

Inference is numpy only; the trained decoders' weights ship in
``veracity/models/synth_decoders`` and are trained by ``training/train_synth_decoders.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import cv2
import numpy as np

from veracity.errors import UsageError
from veracity.models import registry
from veracity.nn.layers import (
    conv2d,
    conv_transpose2d,
    relu,
    upsample_nearest,
    zero_insert,
)

__all__ = ["GENERATORS", "Generator", "generate", "generator_names"]

GenFn = Callable[[np.ndarray, np.random.Generator], np.ndarray]


@dataclasses.dataclass(frozen=True)
class Generator:
    """A named synthesiser.

    Attributes:
        name: Registry name (also the leave-one-out fold name).
        family: What kind of decoder it imitates.
        fn: ``(float32 HxWx3 in [0, 1], rng) -> float32 HxWx3`` of the same even size.
    """

    name: str
    family: str
    fn: GenFn


def _down2(x: np.ndarray) -> np.ndarray:
    h, w = x.shape[:2]
    return cv2.resize(x, (w // 2, h // 2), interpolation=cv2.INTER_AREA)


def _smooth_kernel(rng: np.random.Generator, channels: int = 3) -> np.ndarray:
    """A random 3x3 near-identity refinement kernel with a little channel mixing."""
    k = np.zeros((3, 3, channels, channels), np.float32)
    centre = rng.uniform(0.4, 0.8)
    for c in range(channels):
        k[:, :, c, c] = (1 - centre) / 8
        k[1, 1, c, c] = centre
    k += rng.normal(0, 0.01, k.shape).astype(np.float32)
    return k


def _nearest_up(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Down x2, nearest-neighbour up x2, then a conv refinement (NN-upsample decoders)."""
    up = upsample_nearest(_down2(x), 2)
    return conv2d(up, _smooth_kernel(rng))


def _bilinear_up(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Down x2, bilinear up x2 and a sharpening refinement (bilinear-upsample decoders)."""
    h, w = x.shape[:2]
    up = cv2.resize(_down2(x), (w, h), interpolation=cv2.INTER_LINEAR)
    blur = cv2.GaussianBlur(up, (0, 0), 1.0)
    return up + rng.uniform(0.3, 0.8) * (up - blur)


def _deconv_random(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Down x2 then a random 4x4 stride-2 transposed convolution with uneven phases."""
    low = _down2(x)
    base = np.outer([1, 3, 3, 1], [1, 3, 3, 1]).astype(np.float32) / 16.0
    w = np.zeros((4, 4, 3, 3), np.float32)
    gain = 1.0 + rng.normal(0, 0.08, (4, 4)).astype(np.float32)
    for c in range(3):
        w[:, :, c, c] = base * gain
    out = conv2d(np.pad(zero_insert(low, 2), ((2, 1), (2, 1), (0, 0))), w, pad=0)
    return out[: x.shape[0], : x.shape[1]]


def _weights(name: str) -> dict[str, np.ndarray]:
    weights: dict[str, np.ndarray] = registry.load(f"synth_decoders.{name}")
    return weights


def _encode(x: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
    h = relu(conv2d(x, p["e1.w"], p["e1.b"], mode="constant"))
    return relu(conv2d(h, p["e2.w"], p["e2.b"], stride=2, mode="constant"))


def _ae_deconv(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Trained auto-encoder whose decoder up-samples with a transposed convolution."""
    p = _weights("ae_deconv")
    h = relu(conv_transpose2d(_encode(x, p), p["d1.w"], p["d1.b"]))
    return conv2d(h, p["d2.w"], p["d2.b"], mode="constant")


def _ae_upconv(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Trained auto-encoder whose decoder is nearest up-sampling then convolution."""
    p = _weights("ae_upconv")
    h = upsample_nearest(_encode(x, p), 2)
    h = relu(conv2d(h, p["d1.w"], p["d1.b"], mode="constant"))
    return conv2d(h, p["d2.w"], p["d2.b"], mode="constant")


def _denoiser(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One diffusion-style step: add Gaussian noise, remove it with a trained denoiser."""
    p = _weights("denoiser")
    sigma = rng.uniform(0.04, 0.1)
    noisy = x + rng.normal(0, sigma, x.shape).astype(np.float32)
    h = relu(conv2d(noisy, p["c1.w"], p["c1.b"], mode="constant"))
    h = relu(conv2d(h, p["c2.w"], p["c2.b"], mode="constant"))
    return noisy - conv2d(h, p["c3.w"], p["c3.b"], mode="constant")


GENERATORS: dict[str, Generator] = {
    g.name: g
    for g in (
        Generator("nearest_up", "resampling chain", _nearest_up),
        Generator("bilinear_up", "resampling chain", _bilinear_up),
        Generator("deconv_random", "transposed convolution", _deconv_random),
        Generator("ae_deconv", "trained auto-encoder (transposed conv)", _ae_deconv),
        Generator("ae_upconv", "trained auto-encoder (nearest + conv)", _ae_upconv),
        Generator("denoiser", "trained denoising decoder (diffusion-style)", _denoiser),
    )
}


def generator_names() -> list[str]:
    """Names of every generator, in a fixed order."""
    return list(GENERATORS)


def generate(rgb: np.ndarray, name: str, rng: np.random.Generator | None = None) -> np.ndarray:
    """Synthesise a fake from a uint8 RGB image with generator ``name``.

    The input is cropped to even width and height (decoders halve and double sizes).

    Raises:
        UsageError: Unknown generator name or an image smaller than 8x8.
    """
    if name not in GENERATORS:
        raise UsageError(f"unknown generator {name!r} (known: {', '.join(GENERATORS)})")
    h, w = rgb.shape[0] // 2 * 2, rgb.shape[1] // 2 * 2
    if min(h, w) < 8:
        raise UsageError(f"image of {rgb.shape[1]}x{rgb.shape[0]} is too small to synthesise")
    x = np.ascontiguousarray(rgb[:h, :w, :3], dtype=np.float32) / 255.0
    out = GENERATORS[name].fn(x, rng or np.random.default_rng(0))
    return np.clip(np.rint(out[:h, :w] * 255.0), 0, 255).astype(np.uint8)
