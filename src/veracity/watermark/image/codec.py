"""Embedding and blind detection on pixel arrays.

Embedding adds a key-derived periodic tile to the luminance, scaled by a perceptual
mask and normalised to a target PSNR. Detection whitens the image, recovers the
tile lattice from the autocorrelation, folds all tiles into one, aligns it with the
key's sync chips and soft-decodes the payload (Viterbi + CRC-16).
"""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np

from veracity.results import WatermarkReading
from veracity.watermark.image import framing
from veracity.watermark.image.candidates import dedupe, fallback, view_candidates
from veracity.watermark.image.comb import axis_lattices, comb_lattices, comb_power
from veracity.watermark.image.lattice import (
    MAX_PERIOD,
    MIN_PERIOD,
    Lattice,
    autocorrelation,
    half_power,
    polish_many,
)
from veracity.watermark.image.masking import activity_mask, luminance
from veracity.watermark.image.native import COMPILED
from veracity.watermark.image.pattern import (
    CANON,
    GRID,
    KeyPattern,
    chip_grid,
    key_pattern,
    render_tile,
)
from veracity.watermark.image.refine import REACHABLE, refine, sync_for, syncs_for
from veracity.watermark.image.sync import (
    N_VARIANTS,
    SyncResult,
)
from veracity.watermark.image.views import (
    LUMA_WEIGHTS,
    MARK_DIRECTION,
    colour_weights,
    downscaled,
    working_plane,
)
from veracity.watermark.image.whiten import whiten

__all__ = ["MIN_SIDE", "TARGET_PSNR", "detect_pixels", "embed_pixels", "target_psnr"]

TARGET_PSNR = 42.3  # without texture adaptation (see target_psnr)
# Texture-adaptive strength: the per-image PSNR falls by _PSNR_SLOPE dB per doubling of
# the luma high-pass std above _TEX_PIVOT grey levels (rises below it), within
# [_PSNR_LO, _PSNR_HI]. Mean over 100 BSDS500 photos: 42.4 dB at 481x321, 43.6 at 512x512.
_TEX_PIVOT = 12.0
_PSNR_PIVOT = 42.7
_PSNR_SLOPE = 4.0
_PSNR_LO = 40.0
_PSNR_HI = 44.5
# Small images have few tiles and no margin to give away: the upper limit rises from
# TARGET_PSNR at sqrt(area) <= 224 px to _PSNR_HI at >= 384 px (measured: at 200 px and
# 44.5 dB one of 10 synthetic images did not read back).
_SMALL_SIDES = (224.0, 384.0)
MIN_SIDE = 200  # the 96 px tile must fit twice; measured: 200 px reads back, 190 px never
_HP_SIGMA = 1.5  # whitening: residual = luma - Gaussian(luma, sigma)
_FLAT_MAX = 1.8  # largest mark amplitude (grey levels) on flat areas
_DETECT_P = 1e-2  # a CRC-valid payload also needs a sync p-value below this
_LATTICES = 4  # autocorrelation candidates of each view
_COMB_UNROTATED = 3  # then comb candidates near 0 degrees ...
# ... and at any angle: none. (Tracing which stage and candidate read each mark, on 1,840
# readings of the benchmark's attacks and again on 2,400 of photos 100-159 at 512 px and
# native size, 2026-12-06: the axis search at the embedder's scale never read beyond its
# first candidate, and the any-angle comb candidates found nothing the other stages
# missed; each candidate costs an unmarked image ~2 ms. The colour view's ranks 2-4 read
# 3 of the benchmark's 2,100 native readings, so all four stay.)
_COMB_ANY = 0
_AXIS = 1  # ... and axis-aligned at the embedder's scale (crops)
_AXIS_RANGE = 1.5  # a crop keeping >= 44 % of the area enlarges the working period <= 1.5x
_AXIS_DOWN = 3  # ... and axis-aligned ones at smaller periods (a downscaled copy) ...
_DOWN_RANGE = 0.45  # ... down to this fraction of the embedder's period
_REFINE_Z = 5.0  # refine the best lattice when its sync peak is at least this strong
# Every lattice the detector may try, for the p-value's union bound: which candidate gets
# refined, and where the descent goes, depend on the key's sync score, so the bound counts
# every lattice reachable from every candidate: the embedder's own period unturned (tried
# first), both views' candidates, the comb's and the two axis searches'.
_N_LATTICES = 1 + 2 * _LATTICES + _COMB_UNROTATED + _COMB_ANY + _AXIS + _AXIS_DOWN
_MAX_CANDIDATES = _N_LATTICES * (1 + REACHABLE)
_MIN_CHIP = 3.0  # pixels per chip at embedding, at least
_CHIP_DIV = 160.0  # chip = sqrt(area) / _CHIP_DIV: about 32 x 32 chips over a 512 px side
_CHANNEL_DITHER = np.array([0.0, 1.0 / 3.0, -1.0 / 3.0], dtype=np.float32)


def _period_for(height: int, width: int) -> int:
    chip = max(_MIN_CHIP, math.sqrt(height * width) / _CHIP_DIV)
    return round(GRID * chip)


def _check_rgb(rgb: np.ndarray, *, allow_float: bool = False) -> None:
    dtypes = (np.uint8, np.float32) if allow_float else (np.uint8,)
    if rgb.dtype not in dtypes or rgb.ndim != 3 or rgb.shape[2] != 3:
        kinds = "a uint8 or float32" if allow_float else "a uint8"
        raise ValueError(f"expected {kinds} array of shape (H, W, 3)")


def embed_pixels(
    rgb: np.ndarray,
    payload: bytes,
    key: str,
    *,
    grey: bool = False,
    psnr: float | None = None,
) -> np.ndarray:
    """Return a watermarked copy of an RGB image.

    Args:
        rgb: ``uint8`` array (H, W, 3), both sides at least ``MIN_SIDE``.
        payload: Exactly 8 bytes (64 bits).
        key: Secret key; the same key is needed to read the mark.
        grey: The image is greyscale (three equal channels): mark the grey level alone,
            so the channels stay equal and the file can be written back as one channel
            at the target PSNR.
        psnr: Fixed target PSNR in dB; default: texture-adaptive (:func:`target_psnr`).

    Raises:
        ValueError: Wrong dtype/shape, image too small, or payload not 8 bytes.
    """
    _check_rgb(rgb)
    h, w = rgb.shape[:2]
    if min(h, w) < MIN_SIDE:
        raise ValueError(f"image is {w}x{h}; the watermark needs at least {MIN_SIDE} px per side")
    pattern = key_pattern(key)
    period = _period_for(h, w)
    tile = render_tile(chip_grid(pattern, framing.encode(payload)), period).astype(np.float32)
    reps = (-(-h // period), -(-w // period))
    luma = luminance(rgb)
    wave = np.tile(tile, reps)[:h, :w] * activity_mask(luma)
    base = rgb.astype(np.float32)
    mode = _GREY if grey else _COLOUR
    if psnr is None:
        psnr = _psnr_for_texture(texture(luma), h * w)
    gain = _gain_for_psnr(base, wave, mode, psnr)
    return _quantise(base, gain * wave, mode)


# How a luma change is spread over R, G, B, and the rounding offsets per channel.
_Mode = tuple[np.ndarray, np.ndarray]
_COLOUR: _Mode = (MARK_DIRECTION, _CHANNEL_DITHER)
_GREY: _Mode = (np.ones(3, dtype=np.float32), np.zeros(3, dtype=np.float32))


def _quantised_levels(
    base: np.ndarray, delta: np.ndarray, mode: _Mode, out: np.ndarray | None = None
) -> np.ndarray:
    """The marked channel levels as whole float32 numbers in [0, 255]."""
    # Rounding the three channels with staggered offsets keeps luma steps of ~1/3 level.
    direction, dither = mode
    # In place, in the order of ``base + delta * direction + dither``: the same float32
    # result as the expression without its temporaries. The per-channel steps run one
    # channel plane at a time: numpy broadcasts over a last axis of 3 about 4x slower.
    if out is None:
        out = np.empty(base.shape, np.float32)
    for c in range(3):
        np.multiply(delta, direction[c], out=out[:, :, c])
    np.add(base, out, out=out)
    for c in range(3):
        plane = out[:, :, c]
        np.add(plane, dither[c], out=plane)
    np.rint(out, out=out)
    return np.clip(out, 0, 255, out=out)


def _quantise(base: np.ndarray, delta: np.ndarray, mode: _Mode = _COLOUR) -> np.ndarray:
    return _quantised_levels(base, delta, mode).astype(np.uint8)


def texture(luma: np.ndarray) -> float:
    """Fine-texture level: std of the detector's luma high-pass, at the detector's scale."""
    plane = downscaled(luma.astype(np.float32, copy=False))
    return float(np.std(plane - cv2.GaussianBlur(plane, (0, 0), _HP_SIGMA)))


def target_psnr(rgb: np.ndarray) -> float:
    """The PSNR at which :func:`embed_pixels` marks ``rgb``: lower on fine texture.

    ``_PSNR_PIVOT - _PSNR_SLOPE * log2(texture / _TEX_PIVOT)`` dB within
    ``[_PSNR_LO, _PSNR_HI]``: busy photos mask a stronger mark, and need one (their own
    texture drowns the mark at the detector); smooth ones read with a wide margin. The
    upper limit is lower on small images (``_SMALL_SIDES``).
    """
    return _psnr_for_texture(texture(luminance(rgb)), rgb.shape[0] * rgb.shape[1])


def _psnr_for_texture(tex: float, area: int) -> float:
    lo_side, hi_side = _SMALL_SIDES
    room = float(np.clip((math.sqrt(area) - lo_side) / (hi_side - lo_side), 0.0, 1.0))
    hi = TARGET_PSNR + room * (_PSNR_HI - TARGET_PSNR)
    t = _PSNR_PIVOT - _PSNR_SLOPE * math.log2(max(tex, 1e-3) / _TEX_PIVOT)
    return float(np.clip(t, _PSNR_LO, hi))


def _gain_for_psnr(
    base: np.ndarray, wave: np.ndarray, mode: _Mode = _COLOUR, psnr: float = TARGET_PSNR
) -> float:
    """Gain so that the quantised result has PSNR close to ``psnr``."""
    target_mse = 255.0**2 / 10 ** (psnr / 10)
    gain = math.sqrt(target_mse / max(float(np.mean(wave * wave)), 1e-12))
    step = 1 if base.shape[0] * base.shape[1] <= 1 << 20 else 7  # prime: no aliasing with chips
    base, wave = base[::step, ::step], wave[::step, ::step]
    err = np.empty(base.shape, np.float32)
    for _ in range(3):
        # The levels are whole numbers in [0, 255], so their difference from ``base`` is
        # the one the uint8 result would give, without the round trip through uint8.
        np.subtract(_quantised_levels(base, gain * wave, mode, out=err), base, out=err)
        mse = float(np.mean(np.square(err, out=err)))
        gain *= math.sqrt(target_mse / max(mse, 1e-9)) ** 0.9
    return min(gain, _FLAT_MAX)  # the mask is 1.0 on flat areas


def _p_sync(z: float, n_lattices: int) -> float:
    """Bonferroni bound over every alignment searched of the sub-Gaussian tail of z."""
    candidates = n_lattices * N_VARIANTS * CANON * CANON
    return min(1.0, candidates * 0.5 * math.erfc(z / math.sqrt(2.0)))


def p_value(z: float, crc_ok: bool) -> float:
    """Probability that an unmarked image gives sync statistic ``z`` (and a valid CRC).

    Union bound over the lattice candidates: each searches ``8 x CANON^2`` alignments, and
    each decoded word passes the CRC-16 by chance with probability ``2^-16``.
    """
    if not crc_ok:
        return _p_sync(z, _MAX_CANDIDATES)
    return _MAX_CANDIDATES * 2.0**-framing.CRC_BITS * _p_sync(z, 1)


def detect_pixels(rgb: np.ndarray, key: str) -> WatermarkReading:
    """Read the mark from an RGB image without the original.

    Stages (each stops at the first CRC-valid payload): the luma view, the colour view,
    harmonic-comb candidates, then a refinement of the best lattice (see README).

    Args:
        rgb: ``uint8`` array (H, W, 3), or ``float32`` on the same 0-255 scale (a mean of
            video frames, whose fractions of a grey level carry the mark).
        key: The key the mark was embedded with.

    Returns:
        A reading whose ``payload`` is 16 hex digits when ``detected``; ``p_value`` is the
        probability that an unmarked image yields so strong a reading (see README).
    """
    _check_rgb(rgb, allow_float=True)
    luma = working_plane(rgb, LUMA_WEIGHTS)
    h, w = luma.shape
    max_period = min(MAX_PERIOD, min(h, w) / 2 - 4)
    if max_period <= MIN_PERIOD:
        return WatermarkReading(False, None, 1.0, 0.0, "image", {"reason": "image too small"})
    # Likely periods if the image was not resized: the embedder's choice for this size,
    # and the smallest tile (used for every image up to about 480 x 480).
    f = w / rgb.shape[1]
    own = _period_for(*rgb.shape[:2]) * f
    priors = sorted({own, GRID * _MIN_CHIP * f})
    search = _Search(key_pattern(key), max_period, priors, own)
    luma_view, best = search.view(luma, None, "luma")
    if best[0].detected:
        return best[0]
    # Second view: the channels combined against the host's texture (lossless copies).
    best = search.view(working_plane(rgb, colour_weights(rgb)), best, "colour")[1]
    if best[0].detected:
        return best[0]
    # Both autocorrelations missed: harmonic-comb candidates (costlier, rarely needed).
    best = search.comb(luma_view, best)
    if best[0].detected or best[0].confidence < _REFINE_Z:
        return best[0]
    lattice, sync = refine(best[3], search.pattern, best[1], best[2], _HP_SIGMA)
    view = str(best[0].details.get("view", "luma")) + "-refined"
    reading = _decode(sync, search.pattern, lattice, view)
    return reading if reading.confidence > best[0].confidence else best[0]


@dataclasses.dataclass(frozen=True)
class _Search:
    """What every stage of one detection shares: the key's pattern and the period range."""

    pattern: KeyPattern
    max_period: float
    priors: list[float]
    own: float  # the embedder's period for this image size, if it was not resized

    def view(self, plane: np.ndarray, best: Attempt | None, name: str) -> tuple[_View, Attempt]:
        """Whiten one view, find its autocorrelation candidates and try them."""
        h, w = plane.shape
        residual, power = whiten(plane)
        spectrum = half_power(residual)
        max_lag = int(min(1.5 * self.max_period, min(h, w) // 2 - 1))
        acf = autocorrelation(spectrum, (h, w), max_lag)
        exact = [self.own] if best is None else []  # first view only
        tried = view_candidates(acf, power, (h, w), self.max_period, self.priors, exact, _LATTICES)
        # The C fold reads float32 as it is; numpy's bincount wants float64 (converted once).
        folding = residual if COMPILED else residual.astype(np.float64)
        view = _View(residual, folding, acf, spectrum, tried)
        lattices = tried if tried or best is not None else fallback(self.priors)
        return view, _try_lattices(view.folding, self.pattern, lattices, best, name)

    def comb(self, view: _View, best: Attempt) -> Attempt:
        """Try the comb and axis-aligned candidates not tried on ``view`` already."""
        p_lo = min(self.priors)
        power = comb_power(view.spectrum)
        width = view.residual.shape[1]
        p_hi = min(self.max_period, _AXIS_RANGE * p_lo)
        found = axis_lattices(power, width, p_lo, p_hi, _AXIS)
        d_lo = max(MIN_PERIOD, _DOWN_RANGE * p_lo)
        found += axis_lattices(power, width, d_lo, p_lo - 1.0, _AXIS_DOWN)
        found += polish_many(
            view.acf, comb_lattices(power, self.max_period, _COMB_ANY, _COMB_UNROTATED)
        )
        candidates = dedupe(found, view.tried)
        return _try_lattices(view.folding, self.pattern, candidates, best, "luma-comb")


@dataclasses.dataclass(frozen=True)
class _View:
    """One whitened view of the image and what its search found."""

    residual: np.ndarray  # float32: the spectra (ACF, comb) are taken of this
    folding: np.ndarray  # what the folds read: the same, in float64 for the numpy fold
    acf: np.ndarray
    spectrum: np.ndarray  # its half-plane power spectrum (lattice.half_power)
    tried: list[Lattice]  # the autocorrelation candidates already tried


# A reading, the lattice and alignment behind it, and the residual (view) it came from.
Attempt = tuple[WatermarkReading, Lattice, SyncResult, np.ndarray]


def _try_lattices(
    residual: np.ndarray,
    pattern: KeyPattern,
    lattices: list[Lattice],
    best: Attempt | None,
    view: str,
) -> Attempt:
    """Fold, align and decode each lattice in turn; stop at the first detection.

    The first lattice is searched alone (it usually reads a marked copy); the others'
    sync searches run as one batch, decoded in order.
    """
    if not lattices:
        if best is None:
            raise ValueError("no lattice to try")
        return best  # nothing new to try in this stage
    syncs = [sync_for(residual, pattern, lattices[0], _HP_SIGMA)]
    first = _decode(syncs[0], pattern, lattices[0], view)
    if not first.detected and len(lattices) > 1:
        syncs += syncs_for(residual, pattern, lattices[1:], _HP_SIGMA)
    for k, (lattice, sync) in enumerate(zip(lattices, syncs, strict=False)):
        reading = first if k == 0 else _decode(sync, pattern, lattice, view)
        if best is None or reading.confidence > best[0].confidence:
            best = (reading, lattice, sync, residual)
        if reading.detected:
            break
    assert best is not None
    return best


def _decode(sync: SyncResult, pattern: KeyPattern, lattice: Lattice, view: str) -> WatermarkReading:
    payload, crc_ok = b"", False
    # Below _REFINE_Z the sync peak cannot reach the detection threshold (z >= 6.75), so
    # the Viterbi decoder is skipped; the p-value is then p_sync alone (conservative).
    if sync.z >= _REFINE_Z:
        chips = sync.chips[pattern.data_pos[:, 0], pattern.data_pos[:, 1]] * pattern.data_sign
        soft = np.bincount(pattern.data_bit, weights=chips, minlength=framing.CODED_BITS)
        payload, crc_ok = framing.decode(soft)
    detected = crc_ok and _p_sync(sync.z, _MAX_CANDIDATES) < _DETECT_P
    details = {
        "sync_z": round(sync.z, 3),
        "crc_ok": crc_ok,
        "period_px": round(lattice.period, 2),
        "angle_deg": round(lattice.angle_deg, 2),
        "variant": sync.variant,
        "view": view,
    }
    return WatermarkReading(
        detected,
        payload.hex() if detected else None,
        p_value(sync.z, crc_ok),
        sync.z,
        "image",
        details,
    )
