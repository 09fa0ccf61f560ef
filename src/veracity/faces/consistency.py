"""Inside-versus-outside consistency features of one face (noise, sharpness, JPEG, colour).

Each statistic is measured in the regions of :mod:`veracity.faces.regions` and compared
as a log ratio (or a difference) between the inner face and its rim or surroundings. A
face pasted from another picture keeps that picture's noise floor, its resampling blur
and its compression grid; the surroundings keep the target's. A real face and a
self-blend share one camera, one resampling history and one JPEG grid.
"""

from __future__ import annotations

import cv2
import numpy as np

from veracity.faces.regions import FaceRegions, face_regions

__all__ = ["FEATURE_NAMES", "consistency_features", "features_of_regions", "noise_map"]

_EPS = 1e-3
_MIN_PIXELS = 64
# Immerkaer's noise-estimation kernel: cancels locally linear image structure.
_IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)

# Each feature: (statistic, region, reference region or None for the absolute value).
_SPEC = (
    ("noise_floor", "in", "ring"),
    ("noise_floor", "in", "band"),
    ("noise_median", "in", "ring"),
    ("immerkaer", "in", "ring"),
    ("immerkaer", "in", "band"),
    ("noise_spread", "in", "ring"),
    ("sharpness", "in", "ring"),
    ("sharpness", "in", "band"),
    ("blockiness", "in", "ring"),
    ("blockiness", "in", "band"),
    ("blockiness", "ring", None),
    ("chroma_noise", "in", "ring"),
    ("chroma_noise", "in", "band"),
    ("chroma_shift", "in", "band"),
    ("noise_floor", "in", None),
    ("sharpness", "in", None),
    ("blockiness", "in", None),
    ("shading_agreement", "in", "band"),
    ("residual_corr", "in", "ring"),
    ("residual_corr", "in", "band"),
    ("residual_corr", "in", None),
    ("relative_noise", "in", "ring"),
    ("residual_kurtosis", "in", "ring"),
    ("noise_floor", "in", "skin"),
    ("immerkaer", "in", "skin"),
    ("relative_noise", "in", "skin"),
    ("sharpness", "in", "skin"),
    ("chroma_noise", "in", "skin"),
    ("residual_corr", "in", "skin"),
    ("coarse_noise", "in", "ring"),
    ("coarse_noise", "in", "skin"),
    ("channel_corr", "in", "ring"),
    ("channel_corr", "in", "skin"),
    ("channel_corr", "in", None),
    ("red_blue_corr", "in", "ring"),
    ("red_blue_corr", "in", "skin"),
    ("luma_chroma_corr", "in", "ring"),
    ("luma_chroma_corr", "in", "skin"),
)
FEATURE_NAMES = tuple(f"{s}_{a}_vs_{b}" if b else f"{s}_{a}" for s, a, b in _SPEC)


def _luma_chroma(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb).astype(np.float32)
    return ycc[:, :, 0], ycc[:, :, 1:]


def _residual(channel: np.ndarray) -> np.ndarray:
    """Noise residual: the channel minus its 3x3 median."""
    return channel - cv2.medianBlur(channel, 3)


def noise_map(luma: np.ndarray, block: int = 8) -> np.ndarray:
    """Local noise level: RMS of the median residual over ``block`` x ``block`` boxes."""
    r = _residual(luma.astype(np.float32))
    return np.sqrt(cv2.blur(r * r, (block, block)) + _EPS)


def _log_stat(values: np.ndarray, stat: str) -> float:
    if values.size < _MIN_PIXELS:
        return float("nan")
    if stat == "floor":
        v = float(np.percentile(values, 20))
    elif stat == "mad":
        v = 1.4826 * float(np.median(np.abs(values - np.median(values))))
    elif stat == "spread":
        return float(np.std(np.log(values + _EPS)))
    else:
        v = float(np.median(values))
    return float(np.log(v + _EPS))


def _sharpness(luma: np.ndarray) -> np.ndarray:
    """Per-pixel log ratio of fine (<1 px) to middle (1-3 px) detail energy, smoothed."""
    g1 = cv2.GaussianBlur(luma, (0, 0), 1.0)
    g3 = cv2.GaussianBlur(luma, (0, 0), 3.0)
    fine = cv2.blur((luma - g1) ** 2, (8, 8))
    mid = cv2.blur((g1 - g3) ** 2, (8, 8))
    return np.log((fine + _EPS) / (mid + _EPS))


def _blockiness(luma: np.ndarray, mask: np.ndarray) -> float:
    """Log ratio of steps across 8x8 block borders to steps inside blocks (both axes)."""
    num = den = 0.0
    for axis in (0, 1):
        d = np.abs(np.diff(luma, axis=axis))
        m = mask[:-1, :] & mask[1:, :] if axis == 0 else mask[:, :-1] & mask[:, 1:]
        pos = np.arange(d.shape[axis]) % 8 == 7
        border = pos[:, None] if axis == 0 else pos[None, :]
        on, off = m & border, m & ~border
        if on.sum() < 8 or off.sum() < _MIN_PIXELS:
            return float("nan")
        num += float(d[on].mean())
        den += float(d[off].mean())
    return float(np.log((num + _EPS) / (den + _EPS)))


def _shading_agreement(luma: np.ndarray, inner: np.ndarray, band: np.ndarray) -> float:
    """Cosine between the luma-gradient directions fitted on the inner face and its rim."""
    smooth = cv2.GaussianBlur(luma, (0, 0), 4.0)
    grads = []
    for mask in (inner, band):
        ys, xs = np.nonzero(mask)
        a = np.stack([xs, ys, np.ones_like(xs)], axis=1).astype(np.float64)
        coef, *_ = np.linalg.lstsq(a, smooth[ys, xs].astype(np.float64), rcond=None)
        grads.append(coef[:2])
    n0, n1 = float(np.linalg.norm(grads[0])), float(np.linalg.norm(grads[1]))
    if n0 < 1e-6 or n1 < 1e-6:
        return 0.0
    return float(grads[0] @ grads[1] / (n0 * n1))


def _residual_corr(r: np.ndarray, mask: np.ndarray) -> float:
    """Lag-1 correlation of the noise residual (both axes): resampling makes it larger."""
    num = den = 0.0
    for a, b in ((r[:, :-1], r[:, 1:]), (r[:-1, :], r[1:, :])):
        m = mask[: a.shape[0], : a.shape[1]] & mask[-a.shape[0] :, -a.shape[1] :]
        if m.sum() < _MIN_PIXELS:
            return float("nan")
        num += float((a[m] * b[m]).mean())
        den += float(np.sqrt((a[m] ** 2).mean() * (b[m] ** 2).mean()))
    return num / max(den, _EPS)


def _kurtosis(values: np.ndarray) -> float:
    if values.size < _MIN_PIXELS:
        return float("nan")
    v = values - values.mean()
    return float(np.log((v**4).mean() / max(float((v**2).mean()) ** 2, _EPS) + _EPS))


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    den = float(np.sqrt((a**2).mean() * (b**2).mean()))
    return float((a * b).mean()) / max(den, _EPS)


def _channel_stats(residuals: list[np.ndarray], mask: np.ndarray) -> dict[str, float]:
    """Correlations between the noise residuals of R, G, B and of Y, Cr, Cb.

    Demosaicing and the camera's colour pipeline tie the channels' noise together; a
    face warped and colour-transferred from another picture carries other ties.
    """
    if mask.sum() < _MIN_PIXELS:
        nan = float("nan")
        return {"channel_corr": nan, "red_blue_corr": nan, "luma_chroma_corr": nan}
    r, g, b, y, cr, cb = (res[mask] for res in residuals)
    return {
        "channel_corr": (_corr(r, g) + _corr(b, g)) / 2,
        "red_blue_corr": _corr(r, b),
        "luma_chroma_corr": (abs(_corr(y, cr)) + abs(_corr(y, cb))) / 2,
    }


def _coarse_noise(luma: np.ndarray) -> np.ndarray:
    """Noise map of the half-size luma, brought back to full size (resampling blur shows)."""
    h, w = luma.shape
    half = cv2.resize(luma, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    return cv2.resize(noise_map(half, 4), (w, h), interpolation=cv2.INTER_NEAREST)


def _mean_log(values: np.ndarray) -> float:
    return float(np.log(values.mean() + _EPS)) if values.size >= _MIN_PIXELS else float("nan")


def _region_stats(reg: FaceRegions) -> dict[str, dict[str, float]]:
    """Every statistic in every region: ``stats[statistic][region]``."""
    luma, chroma = _luma_chroma(reg.rgb)
    res = _residual(luma)
    nmap = noise_map(luma)
    maps = {
        "immerkaer": np.abs(cv2.filter2D(luma, -1, _IMMERKAER)),
        "chroma_noise": np.abs(_residual(chroma[:, :, 0])) + np.abs(_residual(chroma[:, :, 1])),
        "abs_residual": np.abs(res),
    }
    sharp = _sharpness(luma)
    coarse = _coarse_noise(luma)
    chans = [_residual(reg.rgb[:, :, c].astype(np.float32)) for c in range(3)]
    chans += [res, _residual(chroma[:, :, 0]), _residual(chroma[:, :, 1])]
    regions = {"in": reg.inner, "band": reg.band, "ring": reg.ring, "skin": reg.skin}
    stats: dict[str, dict[str, float]] = {}
    for k, m in regions.items():
        row = {
            "noise_floor": _log_stat(nmap[m], "floor"),
            "noise_median": _log_stat(nmap[m], "median"),
            "noise_spread": _log_stat(nmap[m], "spread"),
            "immerkaer": _mean_log(maps["immerkaer"][m]),
            "chroma_noise": _mean_log(maps["chroma_noise"][m]),
            "sharpness": float(np.median(sharp[m])) if m.sum() >= _MIN_PIXELS else float("nan"),
            "blockiness": _blockiness(luma, m),
            "residual_corr": _residual_corr(res, m),
            "residual_kurtosis": _kurtosis(res[m]),
            # Sensor noise grows with brightness (shot noise): noise / sqrt(brightness).
            "coarse_noise": _log_stat(coarse[m], "floor"),
            **_channel_stats(chans, m),
            "relative_noise": _mean_log(maps["abs_residual"][m])
            - 0.5 * float(np.log(luma[m].mean() + 1.0) if m.any() else np.nan),
        }
        for name, value in row.items():
            stats.setdefault(name, {})[k] = value
    shift = np.linalg.norm(chroma[reg.inner].mean(axis=0) - chroma[reg.band].mean(axis=0))
    stats["chroma_shift"] = {"in": float(shift) / 16.0, "band": 0.0}
    stats["shading_agreement"] = {"in": _shading_agreement(luma, reg.inner, reg.band), "band": 0.0}
    return stats


def features_of_regions(reg: FaceRegions) -> np.ndarray:
    """The :data:`FEATURE_NAMES` vector of one face's regions (float32).

    A statistic that cannot be measured (e.g. a face at the image border leaves no ring)
    is NaN; the scorer replaces it by its training mean.
    """
    stats = _region_stats(reg)
    values = [stats[s][a] - (stats[s][b] if b else 0.0) for s, a, b in _SPEC]
    out = np.asarray(values, dtype=np.float32)
    out[~np.isfinite(out)] = np.nan
    return out


def consistency_features(rgb: np.ndarray, points5: np.ndarray) -> np.ndarray | None:
    """Features of the face at ``points5`` in the uint8 RGB image; None if it does not fit."""
    reg = face_regions(rgb, points5)
    return None if reg is None else features_of_regions(reg)
