"""Did a recovered copy change since it was signed?  Compare it with the manifest's thumbnail.

A durable watermark survives local edits by design, so recovering a manifest through it
(or through the fingerprint) proves where a picture came from, not that it is unchanged.
Before a recovered credential may vouch for the pixels, the copy is aligned to the
thumbnail the signed manifest carries (ORB keypoints, one similarity transform: crops and
rescales), both are low-passed to the scale where re-encoding leaves no trace, a per-channel
gain and offset absorbs tone changes, and the residual is averaged over an 8 px grid at
256 px. Blocks whose residual stands far above both an absolute floor and the picture's own
benign level are changed; a copy with enough changed blocks is altered, and the block map
says where. In flat blocks (little texture in the stored block hash) re-encoding leaves a
residual close to the copy's picture-wide level, so a flat block whose residual is an
outlier against that level (a faint fill or patch, 1-2 % of the area) leaves the copy
unconfirmed even when it is too faint to call altered. Where the block hash carries the
fine low-pass signature (:mod:`.lowpass`, mean colour per 8 px block at 512 px), each
block's tone-matched colour change relative to the copy's noise level, gradient and
texture is a further test: a 2x2 cluster over its doubt level leaves the copy unconfirmed,
and blocks far over it are mapped as changed. Where it also carries the grain reference
(:mod:`.grain`, fine high-pass energy per 8 px block), a 4x4 cluster of blocks that lost far
more grain than the picture's blocks of the same stored grain level (a smooth fill over a
region that was flat already) leaves the copy unconfirmed too. Where it carries the
grain-phase reference (:mod:`.grainphase`, the sign pattern of that grain), a 4x4 cluster
of blocks whose grain pattern agrees far less with the stored one than their peers' does
(a region copied from a few pixels away, with the same grain energy and colour) leaves the
copy unconfirmed as well. The thresholds were set on benign re-encodes (JPEG 50-95, WebP, resizes, crops)
and local edits of 1-25 % of the area: see ``benchmarks/altered_credentials.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from veracity.credentials.blockhash import BlockHash, texture_change
from veracity.credentials.frame import covered_by, warp_into
from veracity.credentials.grain import grain_drop
from veracity.credentials.grainphase import phase_frame, phase_scores
from veracity.credentials.keypoints import fit_similarity, grey
from veracity.credentials.lowpass import lowpass_change, window_peak

__all__ = ["Alteration", "compare_to_reference"]

_SIDE = 256  # working resolution of the comparison (long edge, px)
_BLOCK = 8  # grid cell at the working resolution (px)
_BLUR = 1.2  # Gaussian sigma at the working resolution: removes codec and resampling noise
_ABS_FLOOR = 3.5  # contrast-relative block residual under which nothing counts as changed
_REL_FACTOR = 10.0  # ... and over this many times the picture's lower-quartile block residual
_MIN_BLOCKS = 3  # changed blocks (each ~0.1-0.2 % of the area) that make a copy altered
_STRONG = 8.0  # one block this far over its contrast is an edit on its own
_DOUBT = 1.3  # a block over this (benign copies stayed under 1.13) leaves the copy unconfirmed
_TEXTURE_DOUBT = (
    1.4  # texture change (octaves, 2x2 mean; benign <= 1.29) that leaves a copy unconfirmed
)
_TEXTURE_CHANGED = 3.0  # ... and that marks a block changed
# A flat block (stored texture energy under this many 8-bit levels) whose residual exceeds
# this many times the copy's median block residual leaves the copy unconfirmed. Set on
# BSDS500 train (200 photos x 10 re-encodes: 6 of 1,993 confirmed copies lose it; the
# faintest 1-2 % fills and patches that passed before are at 3.9 and more).
_FLAT_ENERGY = 2.0
_FLAT_OUTLIER = 3.0
_NOISE_FLOOR = 0.1  # floor of the median residual the outlier ratio divides by
# Low-pass signature (mean of the squared noise-relative colour change over 2x2 blocks of
# 8 px at 512 px): benign copies of BSDS500 train (200 photos x 10) peaked at 5.4; a 2x2
# block (16 px) of the comparison grid over _LOWPASS_CHANGED is mapped changed (no benign
# copy there had 3 such blocks).
_LOWPASS_DOUBT = 6.0
_LOWPASS_CHANGED = 10.0
# Grain reference (robust z of each 8 px block's grain loss against its peers at the same
# stored grain level, averaged over 4x4 blocks): on BSDS500 train (200 photos x 10
# re-encodes) the copies the other tests confirmed peaked at 7.2 (6 over 4.5); the 1 %
# Telea inpaintings that passed every other test were at 5.5-8.3. A window over
# _GRAIN_CHANGED (no benign copy reached 7.2) maps its blocks changed.
_GRAIN_WINDOW = 4
_GRAIN_DOUBT = 4.5
_GRAIN_CHANGED = 10.0
# Grain phase (robust z of a 4x4 window's fall in sign agreement below its peers at the same
# stored grain level, less the local trend): on BSDS500 train (200 photos x 10 re-encodes)
# the copies the other tests confirmed peaked at 5.87 (3 of 1,988 over 5.5), the face JPEG 75
# controls at 5.40; the 2 % sky copy-move that passed every other test scored 7.7.
_PHASE_DOUBT = 5.5
_CLIP_LOW, _CLIP_HIGH = 5, 250  # channel values taken as clipped
_MIN_VALID = 0.75  # a block is compared when this share of it lies inside the copy
_TEXTURE_C = 2.0  # residual scale added to a block's own contrast (8-bit levels)
_MIN_INLIERS = 12


@dataclass(frozen=True)
class Alteration:
    """The outcome of comparing a copy with the signed image's thumbnail.

    Attributes:
        altered: True when the copy's content changed beyond re-encoding.
        confirmed: True when every block matches the signed image within the re-encoding
            tolerance (neither altered nor in doubt).
        changed_fraction: share of the compared area in changed blocks.
        compared_fraction: share of the signed image the copy still shows (crops lower it).
        block_scores: residual per grid block (8-bit levels; NaN where not compared).
        changed: boolean block map of the changed blocks.
        aligned: how the copy was aligned ("keypoints" or "resize").
        residual_peak: the largest block residual (relative to local contrast).
        texture_peak: the largest texture change against the stored block hash (octaves),
            or None when the manifest carries no block hash.
        outlier_peak: the largest residual of a flat block over the copy's median block
            residual, or None when the manifest carries no block hash (flat is measured there).
        lowpass_peak: the largest 2x2 low-pass score, or None without the low-pass signature.
        grain_peak: the largest 4x4 grain-loss score, or None without the grain reference.
        phase_peak: the largest 4x4 grain-phase score, or None without the grain-phase
            reference.
    """

    altered: bool
    confirmed: bool
    changed_fraction: float
    compared_fraction: float
    block_scores: np.ndarray
    changed: np.ndarray
    aligned: str
    residual_peak: float = 0.0
    texture_peak: float | None = None
    outlier_peak: float | None = None
    lowpass_peak: float | None = None
    grain_peak: float | None = None
    phase_peak: float | None = None

    def to_json(self) -> dict[str, object]:
        """A JSON-ready summary (the block map as rows of 0/1)."""
        return {
            "altered": self.altered,
            "confirmed": self.confirmed,
            "changed_fraction": round(self.changed_fraction, 4),
            "compared_fraction": round(self.compared_fraction, 4),
            "changed_blocks": int(self.changed.sum()),
            "grid": list(self.changed.shape),
            "changed_map": self.changed.astype(int).tolist(),
            "aligned": self.aligned,
            "residual_peak": round(self.residual_peak, 3),
            "texture_peak": None if self.texture_peak is None else round(self.texture_peak, 3),
            "outlier_peak": None if self.outlier_peak is None else round(self.outlier_peak, 3),
            "lowpass_peak": None if self.lowpass_peak is None else round(self.lowpass_peak, 3),
            "grain_peak": None if self.grain_peak is None else round(self.grain_peak, 3),
            "phase_peak": None if self.phase_peak is None else round(self.phase_peak, 3),
            "method": "thumbnail comparison (8 px blocks at 256 px)"
            + ("" if self.texture_peak is None else " + stored block hash (texture)")
            + ("" if self.lowpass_peak is None else " + stored low-pass signature (colour)")
            + ("" if self.grain_peak is None else " + stored grain reference")
            + ("" if self.phase_peak is None else " + stored grain phase"),
        }


def _fit(rgb: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    h, w = rgb.shape[:2]
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(np.ascontiguousarray(rgb[:, :, :3]), size, interpolation=interp), scale


def _similarity(query: np.ndarray, reference: np.ndarray) -> np.ndarray | None:
    """2x3 transform mapping query pixels onto reference pixels, or None."""
    fit = fit_similarity(
        query, reference, features=1500, reprojection=3.0, min_matches=_MIN_INLIERS
    )
    if fit.matrix is None or fit.inliers < _MIN_INLIERS:
        return None
    return _refined(query, reference, fit.matrix)


def _refined(query: np.ndarray, reference: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Sub-pixel refinement of a keypoint fit by intensity alignment (ECC).

    Keypoints leave ~0.5 px of error, which shows as residual along every strong edge;
    ECC on the blurred luma brings it well under that. A refinement that fails to
    converge, or wanders more than 2 px from the keypoint fit, is ignored.
    """
    h, w = reference.shape[:2]
    q = cv2.GaussianBlur(grey(query).astype(np.float32), (0, 0), 1.0)
    r = cv2.GaussianBlur(grey(reference).astype(np.float32), (0, 0), 1.0)
    warp = matrix.astype(np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 1e-4)
    try:
        # ECC finds the warp w with reference(w(x)) ~ query(x): query -> reference, as here
        _, refined = cv2.findTransformECC(q, r, warp, cv2.MOTION_AFFINE, criteria, None, 1)  # type: ignore[call-overload]
    except cv2.error:
        return matrix
    better = refined.astype(np.float64)
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], dtype=np.float64).T
    moved = float(np.abs((better - matrix) @ corners).max())
    return better if moved <= 2.0 else matrix


@dataclass(frozen=True)
class _Alignment:
    warped: np.ndarray  # the copy in the comparison frame
    valid: np.ndarray  # pixels of that frame the copy covers
    how: str
    copy: np.ndarray  # the copy as given
    matrix: np.ndarray  # copy px -> comparison px


def _aligned(query: np.ndarray, reference: np.ndarray) -> _Alignment:
    """The query warped into the frame of ``reference`` (already at the comparison size)."""
    h, w = reference.shape[:2]
    # Keypoints at twice the comparison size, so the transform is accurate to < 1 px there.
    fine_q, sq = _fit(query, 2 * _SIDE)
    fine_r, sr = _fit(reference, 2 * _SIDE)
    matrix = _similarity(fine_q, fine_r)
    how = "keypoints"
    if matrix is None:
        qh, qw = fine_q.shape[:2]
        if abs(qw / qh - w / h) > 0.02:
            raise ValueError("the copy cannot be aligned with the signed image")
        matrix = np.array([[w / qw, 0, 0], [0, h / qh, 0]], dtype=np.float64)
        how = "resize"
    else:
        matrix = matrix.astype(np.float64) / sr  # fine reference px -> comparison px
    warped = cv2.warpAffine(fine_q, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    ones = np.full(fine_q.shape[:2], 255, np.uint8)
    valid = cv2.warpAffine(ones, matrix, (w, h), flags=cv2.INTER_NEAREST, borderValue=0) > 0
    to_copy = matrix.copy()
    to_copy[:, :2] *= sq  # copy px -> fine copy px -> comparison px
    return _Alignment(warped, valid, how, np.ascontiguousarray(query[:, :, :3]), to_copy)


def _tone_matched(query: np.ndarray, reference: np.ndarray, valid: np.ndarray) -> np.ndarray:
    out = np.empty_like(query)
    for c in range(3):
        q = query[:, :, c][valid]
        r = reference[:, :, c][valid]
        keep = np.ones(q.shape, bool)
        for _ in range(2):  # refit without the worst residuals, so edits do not bend it
            gain, offset = np.polyfit(q[keep], r[keep], 1)
            resid = np.abs(gain * q + offset - r)
            keep = resid <= np.quantile(resid, 0.8)
        out[:, :, c] = gain * query[:, :, c] + offset
    return out


def _contrast(rgb: np.ndarray, gh: int, gw: int) -> np.ndarray:
    """Mean gradient magnitude per grid block (8-bit levels per pixel)."""
    grey = rgb.mean(axis=2)
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    grad = np.sqrt(gx * gx + gy * gy)[: gh * _BLOCK, : gw * _BLOCK]
    return grad.reshape(gh, _BLOCK, gw, _BLOCK).mean(axis=(1, 3)) / 8.0


def _to_frame(stored: BlockHash, align: _Alignment, side: tuple[int, int]) -> np.ndarray:
    """2x3 transform of the copy's pixels onto the block hash's frame."""
    fh, fw = stored.frame
    return np.diag([fw / side[1], fh / side[0]]) @ align.matrix


def _frame(
    stored: BlockHash, align: _Alignment, side: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """The copy warped into the block hash's frame, and the frame pixels it covers."""
    to_frame = _to_frame(stored, align, side)
    return (
        warp_into(align.copy, to_frame, stored.frame),
        covered_by(align.copy, to_frame, stored.frame),
    )


def _phase_frame(
    stored: BlockHash, align: _Alignment, side: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """The copy warped into the block hash's frame for the grain-phase test (``stored``
    carries it): the same transform as :func:`_frame`, on pixel centres (a cv2 resize by k
    moves them by (k - 1) / 2 px) and refined on the stored grain signs."""
    assert stored.phase is not None
    fh, fw = stored.frame
    to_frame = _to_frame(stored, align, side)
    to_frame[:, 2] += ((fw / side[1] - 1) / 2, (fh / side[0] - 1) / 2)
    return phase_frame(stored.phase, align.copy, to_frame, stored.frame)


def _texture(stored: BlockHash, frame: np.ndarray, compared: np.ndarray) -> np.ndarray:
    """Texture change per grid block against the stored block hash (NaN where not compared)."""
    gh = min(compared.shape[0], stored.grid[0])
    gw = min(compared.shape[1], stored.grid[1])
    out = np.full(compared.shape, np.nan)
    out[:gh, :gw] = texture_change(stored, frame, compared[:gh, :gw])
    # an edit covers several blocks; one odd block is resampling noise: average 2x2
    padded = np.nan_to_num(out, nan=0.0).astype(np.float32)
    return np.where(compared, cv2.blur(padded, (2, 2), borderType=cv2.BORDER_REPLICATE), np.nan)


def _residual_scores(
    reference: np.ndarray, align: _Alignment
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Contrast-relative residual per grid block, the compared-block mask, and the valid map."""
    # the blur below spreads the black border of the warp ~3 sigma inwards: keep clear of it
    valid = cv2.erode(align.valid.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    ref = cv2.GaussianBlur(reference.astype(np.float32), (0, 0), _BLUR)
    cur = cv2.GaussianBlur(align.warped.astype(np.float32), (0, 0), _BLUR)
    if valid.sum() < 0.05 * valid.size:
        raise ValueError("the copy shows too little of the signed image to compare")
    cur = _tone_matched(cur, ref, valid)
    resid = np.abs(cur - ref).mean(axis=2)
    resid[~valid] = 0.0
    h, w = resid.shape
    gh, gw = h // _BLOCK, w // _BLOCK
    r = resid[: gh * _BLOCK, : gw * _BLOCK].reshape(gh, _BLOCK, gw, _BLOCK)
    v = valid[: gh * _BLOCK, : gw * _BLOCK].reshape(gh, _BLOCK, gw, _BLOCK)
    counts = v.sum(axis=(1, 3))
    compared = counts >= _MIN_VALID * _BLOCK * _BLOCK
    # Sub-pixel misalignment and resampling leave residuals along strong edges; texture
    # masks them, so each block's residual is measured against its own local contrast.
    # The lower of the two contrasts: an edge present in both masks its own misalignment,
    # while a flat fill pasted over texture (or texture over flat) is not masked.
    texture = np.minimum(_contrast(ref, gh, gw), _contrast(cur, gh, gw))
    mean = r.sum(axis=(1, 3)) / np.maximum(counts, 1)
    return np.where(compared, mean / (_TEXTURE_C + texture), np.nan), compared, valid


def _clipped(reference: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """Grid blocks of the reference (at the comparison size) with a clipped channel."""
    gh, gw = grid
    cut = reference[: gh * _BLOCK, : gw * _BLOCK]
    hit = ((cut >= _CLIP_HIGH) | (cut <= _CLIP_LOW)).any(axis=2)
    return np.asarray(hit.reshape(gh, _BLOCK, gw, _BLOCK).any(axis=(1, 3)))


def _flat_outlier(
    stored: BlockHash, scores: np.ndarray, compared: np.ndarray, reference: np.ndarray
) -> float:
    """Largest residual of a flat block relative to the copy's median block residual.

    Re-encoding and resizing spread their residual over the whole picture, and in flat
    regions it stays near the picture-wide level; a local fill or patch is a localised
    outlier there. Textured blocks are left out (misalignment along edges varies too much),
    and so are blocks on the rim of the compared area (the warp's edge leaks into them) and
    blocks with a clipped channel (a tone change moves them unlike the rest).
    """
    gh = min(compared.shape[0], stored.grid[0])
    gw = min(compared.shape[1], stored.grid[1])
    inner = cv2.erode(
        compared[:gh, :gw].astype(np.uint8),
        np.ones((3, 3), np.uint8),
        borderType=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    flat = (inner > 0) & (stored.energy()[:gh, :gw] < _FLAT_ENERGY)
    flat &= ~_clipped(reference, (gh, gw))
    if not flat.any():
        return 0.0
    noise = max(float(np.nanmedian(scores[compared])), _NOISE_FLOOR)
    return float(np.nanmax(scores[:gh, :gw][flat])) / noise


def _lowpass(
    stored: BlockHash, frame: np.ndarray, covered: np.ndarray, grid: tuple[int, int]
) -> tuple[float, np.ndarray]:
    """Peak of the low-pass test and its map of changed blocks on the comparison grid
    (``stored`` carries the low-pass signature)."""
    assert stored.lowpass is not None
    energy = np.repeat(np.repeat(stored.energy(), 2, axis=0), 2, axis=1)  # 16 px -> 8 px grid
    change = lowpass_change(stored.lowpass, frame, covered, energy)
    gh, gw = min(grid[0], change.shape[0] // 2), min(grid[1], change.shape[1] // 2)
    pairs = change[: 2 * gh, : 2 * gw].reshape(gh, 2, gw, 2).mean(axis=(1, 3))
    changed = np.zeros(grid, bool)
    changed[:gh, :gw] = np.nan_to_num(pairs) > _LOWPASS_CHANGED
    return window_peak(change), changed


def _grain(
    stored: BlockHash, frame: np.ndarray, covered: np.ndarray, grid: tuple[int, int]
) -> tuple[float, np.ndarray]:
    """Peak of the grain test (4x4 windows of 8 px blocks) and its map of changed blocks on
    the comparison grid (``stored`` carries the grain reference)."""
    assert stored.grain is not None
    drop = grain_drop(stored.grain, frame, covered)
    compared = np.isfinite(drop)
    k = _GRAIN_WINDOW
    window = cv2.blur(
        np.nan_to_num(drop).astype(np.float32), (k, k), borderType=cv2.BORDER_CONSTANT
    )
    full = cv2.blur(compared.astype(np.float32), (k, k), borderType=cv2.BORDER_CONSTANT) > 0.999
    changed = np.zeros(grid, bool)
    if not full.any():
        return 0.0, changed
    # a window's value sits at its centre block: spread a changed window over its k x k blocks
    hit = (full & (window > _GRAIN_CHANGED)).astype(np.uint8)
    grown = cv2.dilate(
        hit, np.ones((k, k), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=0
    )
    mapped = (grown > 0) & compared
    gh, gw = min(grid[0], mapped.shape[0] // 2), min(grid[1], mapped.shape[1] // 2)
    changed[:gh, :gw] = mapped[: 2 * gh, : 2 * gw].reshape(gh, 2, gw, 2).mean(axis=(1, 3)) >= 0.5
    return float(window[full].max()), changed


def compare_to_reference(
    copy_rgb: np.ndarray, reference_rgb: np.ndarray, stored: BlockHash | None = None
) -> Alteration:
    """Compare a copy with the signed image (its thumbnail) and map what changed.

    Args:
        copy_rgb: The copy's pixels.
        reference_rgb: The manifest's thumbnail of the signed image.
        stored: The block hash stored at signing, when the manifest carries one: adds the
            texture test (inpainted or smoothed regions).

    Raises:
        ValueError: when the copy cannot be aligned with the reference.
    """
    reference, _ = _fit(reference_rgb, _SIDE)
    align = _aligned(copy_rgb, reference)
    scores, compared, _ = _residual_scores(reference, align)
    benign = float(np.nanquantile(scores, 0.25)) if compared.any() else 0.0
    threshold = max(_ABS_FLOOR, _REL_FACTOR * benign)
    changed = compared & (np.nan_to_num(scores) > threshold)
    texture_peak = outlier_peak = lowpass_peak = grain_peak = phase_peak = 0.0
    if stored is not None:
        frame, covered = _frame(stored, align, reference.shape[:2])
        texture = _texture(stored, frame, compared)
        changed |= compared & (np.nan_to_num(texture) > _TEXTURE_CHANGED)
        texture_peak = float(np.nanmax(texture)) if compared.any() else 0.0
        outlier_peak = _flat_outlier(stored, scores, compared, reference) if compared.any() else 0.0
        if stored.lowpass is not None:
            lowpass_peak, lowpass_changed = _lowpass(stored, frame, covered, compared.shape)
            # a tone change that clips moves clipped blocks unlike the rest: not mapped
            changed |= compared & lowpass_changed & ~_clipped(reference, compared.shape)
        if stored.grain is not None:
            grain_peak, grain_changed = _grain(stored, frame, covered, compared.shape)
            changed |= compared & grain_changed
            if stored.phase is not None:
                fine, fine_covered = _phase_frame(stored, align, reference.shape[:2])
                phase = phase_scores(stored.phase, stored.grain.log_energy(), fine, fine_covered)
                phase_peak = float(np.nanmax(phase)) if np.isfinite(phase).any() else 0.0
    n_compared = int(compared.sum())
    peak = float(np.nanmax(scores)) if compared.any() else 0.0
    altered = int(changed.sum()) >= _MIN_BLOCKS or peak > _STRONG
    doubt = peak > _DOUBT or texture_peak > _TEXTURE_DOUBT or outlier_peak > _FLAT_OUTLIER
    doubt |= lowpass_peak > _LOWPASS_DOUBT or grain_peak > _GRAIN_DOUBT
    doubt |= phase_peak > _PHASE_DOUBT
    return Alteration(
        altered=altered,
        confirmed=not altered and not doubt,
        changed_fraction=float(changed.sum() / max(n_compared, 1)),
        compared_fraction=float(n_compared / compared.size),
        block_scores=scores,
        changed=changed,
        aligned=align.how,
        residual_peak=peak,
        texture_peak=texture_peak if stored is not None else None,
        outlier_peak=outlier_peak if stored is not None else None,
        lowpass_peak=lowpass_peak if stored is not None and stored.lowpass is not None else None,
        grain_peak=grain_peak if stored is not None and stored.grain is not None else None,
        phase_peak=phase_peak
        if stored is not None and stored.grain is not None and stored.phase is not None
        else None,
    )
