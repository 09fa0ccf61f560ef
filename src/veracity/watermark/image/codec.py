"""Embedding and blind detection on pixel arrays.

Embedding adds a key-derived periodic tile to the luminance, scaled by a perceptual
mask and normalised to a target PSNR. Detection whitens the image, recovers the
tile lattice from the autocorrelation, folds all tiles into one, aligns it with the
key's sync chips and soft-decodes the payload (Viterbi + CRC-16).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from veracity.results import WatermarkReading
from veracity.watermark.image import ecc
from veracity.watermark.image.lattice import MAX_PERIOD, MIN_PERIOD, autocorrelation, find_lattice
from veracity.watermark.image.masking import activity_mask, luminance
from veracity.watermark.image.pattern import CANON, GRID, chip_grid, key_pattern, render_tile
from veracity.watermark.image.whiten import whiten
from veracity.watermark.image.sync import N_VARIANTS, chip_kernel_fft, fold, search_offset

__all__ = ["MIN_SIDE", "TARGET_PSNR", "detect_pixels", "embed_pixels"]

TARGET_PSNR = 42.3
MIN_SIDE = 128
_WORK_AREA = 512 * 512  # detection runs on a copy downscaled to about this many pixels
_HP_SIGMA = 1.5  # whitening: residual = luma - Gaussian(luma, sigma)
_FLAT_MAX = 1.8  # largest mark amplitude (grey levels) on flat areas
_DETECT_P = 1e-6  # a CRC-valid payload also needs a sync p-value below this
_LATTICES = 3
_MIN_CHIP = 3.0  # pixels per chip at embedding, at least
_CHIP_DIV = 160.0  # chip = sqrt(area) / _CHIP_DIV: about 32 x 32 chips over a 512 px side
_CHANNEL_DITHER = np.array([0.0, 1.0 / 3.0, -1.0 / 3.0], dtype=np.float32)


def _period_for(height: int, width: int) -> int:
    chip = max(_MIN_CHIP, math.sqrt(height * width) / _CHIP_DIV)
    return int(round(GRID * chip))


def _check_rgb(rgb: np.ndarray) -> None:
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError("expected a uint8 array of shape (H, W, 3)")


def embed_pixels(rgb: np.ndarray, payload: bytes, key: str) -> np.ndarray:
    """Return a watermarked copy of an RGB image.

    Args:
        rgb: ``uint8`` array (H, W, 3), both sides at least ``MIN_SIDE``.
        payload: Exactly 8 bytes (64 bits).
        key: Secret key; the same key is needed to read the mark.

    Raises:
        ValueError: Wrong dtype/shape, image too small, or payload not 8 bytes.
    """
    _check_rgb(rgb)
    h, w = rgb.shape[:2]
    if min(h, w) < MIN_SIDE:
        raise ValueError(f"image is {w}x{h}; the watermark needs at least {MIN_SIDE} px per side")
    pattern = key_pattern(key)
    period = _period_for(h, w)
    tile = render_tile(chip_grid(pattern, ecc.encode(payload)), period).astype(np.float32)
    reps = (-(-h // period), -(-w // period))
    wave = np.tile(tile, reps)[:h, :w] * activity_mask(luminance(rgb))
    base = rgb.astype(np.float32)
    gain = _gain_for_psnr(base, wave)
    return _quantise(base, gain * wave)


def _quantise(base: np.ndarray, delta: np.ndarray) -> np.ndarray:
    # Rounding the three channels with staggered offsets keeps luma steps of ~1/3 level.
    out = base + delta[:, :, None] + _CHANNEL_DITHER
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _gain_for_psnr(base: np.ndarray, wave: np.ndarray) -> float:
    """Gain so that the quantised result has PSNR close to ``TARGET_PSNR``."""
    target_mse = 255.0**2 / 10 ** (TARGET_PSNR / 10)
    gain = math.sqrt(target_mse / max(float(np.mean(wave * wave)), 1e-12))
    step = 1 if base.shape[0] * base.shape[1] <= 1 << 20 else 7  # prime: no aliasing with chips
    sub = (slice(None, None, step), slice(None, None, step))
    for _ in range(3):
        mse = float(np.mean((_quantise(base[sub], gain * wave[sub]) - base[sub]) ** 2))
        gain *= math.sqrt(target_mse / max(mse, 1e-9)) ** 0.9
    return min(gain, _FLAT_MAX)  # the mask is 1.0 on flat areas


def _working_luma(rgb: np.ndarray) -> np.ndarray:
    luma = luminance(rgb)
    h, w = luma.shape
    if h * w > _WORK_AREA:
        f = math.sqrt(_WORK_AREA / (h * w))
        luma = cv2.resize(luma, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    return luma


def _residual(luma: np.ndarray) -> np.ndarray:
    res = luma - cv2.GaussianBlur(luma, (0, 0), _HP_SIGMA)
    lim = 4.0 * float(np.median(np.abs(res))) * 1.4826 + 1.0
    return np.clip(res, -lim, lim)


def _p_sync(z: float, n_lattices: int) -> float:
    """Bonferroni bound over every alignment searched of the sub-Gaussian tail of z."""
    candidates = n_lattices * N_VARIANTS * CANON * CANON
    return min(1.0, candidates * 0.5 * math.erfc(z / math.sqrt(2.0)))


def detect_pixels(rgb: np.ndarray, key: str) -> WatermarkReading:
    """Read the mark from an RGB image without the original.

    Returns:
        A reading whose ``payload`` is 16 hex digits when ``detected``; ``p_value`` is the
        probability that an unmarked image yields so strong a reading (see README).
    """
    _check_rgb(rgb)
    luma = _working_luma(rgb)
    h, w = luma.shape
    max_period = min(MAX_PERIOD, min(h, w) / 2 - 4)
    if max_period <= MIN_PERIOD:
        return WatermarkReading(False, None, 1.0, 0.0, "image", {"reason": "image too small"})
    residual = whiten(luma)
    acf = autocorrelation(residual, int(min(1.5 * max_period, min(h, w) // 2 - 1)))
    pattern = key_pattern(key)
    best: WatermarkReading | None = None
    for lattice in find_lattice(acf, max_period, top=_LATTICES):
        tile = fold(residual, lattice)
        sync = search_offset(tile, pattern, chip_kernel_fft(_HP_SIGMA * CANON / lattice.period))
        reading = _decode(sync, pattern, lattice)
        if best is None or reading.confidence > best.confidence:
            best = reading
        if reading.detected:
            break
    assert best is not None
    return best


def _decode(sync, pattern, lattice) -> WatermarkReading:  # type: ignore[no-untyped-def]
    chips = sync.chips[pattern.data_pos[:, 0], pattern.data_pos[:, 1]] * pattern.data_sign
    soft = np.bincount(pattern.data_bit, weights=chips, minlength=ecc.CODED_BITS)
    payload, crc_ok = ecc.decode(soft)
    p_sync = _p_sync(sync.z, _LATTICES)
    detected = crc_ok and p_sync < _DETECT_P
    p_value = p_sync * (2.0**-ecc.CRC_BITS if crc_ok else 1.0)
    details = {
        "sync_z": round(sync.z, 3),
        "crc_ok": crc_ok,
        "period_px": round(lattice.period, 2),
        "angle_deg": round(lattice.angle_deg, 2),
        "variant": sync.variant,
    }
    return WatermarkReading(detected, payload.hex() if detected else None, p_value, sync.z, "image", details)
