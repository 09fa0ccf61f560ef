"""The audio watermark codec: keyed 32-bit payload, repeated every 4.1 s, blind detection.

Embedding mixes the file down to 16 kHz mono, computes the watermark signal there
(:mod:`veracity.watermark.audio.embed`), resamples that signal to the file's rate and
adds it to every channel, so the original's rate, channels and bandwidth are kept.
Detection streams the file in overlapping 9.2 s windows, reads each one blindly
(:mod:`veracity.watermark.audio.detect`) and reports the marked segments.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np

from veracity.errors import CorruptMediaError, InputError, LimitExceededError
from veracity.media.audio import (
    declared_duration_s,
    decode_audio,
    iter_blocks,
    probe_audio,
    truncation,
)
from veracity.media.audio_out import save_audio
from veracity.media.handle import MediaFile
from veracity.media.limits import Limits, default_limits
from veracity.results import Modality, WatermarkReading
from veracity.watermark.audio.detect import WindowReading, read_window
from veracity.watermark.audio.embed import watermark_signal
from veracity.watermark.audio.layout import BLOCK_FRAMES, FINE_HOP, FS, fine_power, layout_for_key

__all__ = ["AudioWatermarkCodec", "detect_blocks"]

BLOCK_SAMPLES = BLOCK_FRAMES * FINE_HOP
MIN_EMBED_S = 5.0
MAX_EMBED_S = 3600.0
P_DETECT = 1e-6
# Windows overlap by 5.12 s (a sub-span of the reading), so any 5 s spliced excerpt
# lies whole inside one window.
WINDOW_BLOCKS = 2.25  # window length, in blocks
HOP_BLOCKS = 1.0  # window hop, in blocks


def _resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    if src == dst:
        return x
    ratio = Fraction(dst, src)
    # Imported here: scipy.signal costs ~1 s at start-up, and image-only runs never need it.
    from scipy.signal import resample_poly

    return resample_poly(x, ratio.numerator, ratio.denominator, axis=0)


def _windows(blocks: Iterator[np.ndarray]) -> Iterator[tuple[int, np.ndarray]]:
    """Overlapping windows of 2.25 blocks (hop one block); a short file is one window."""
    width, hop = round(WINDOW_BLOCKS * BLOCK_SAMPLES), round(HOP_BLOCKS * BLOCK_SAMPLES)
    buf = np.zeros(0, np.float32)
    buf_start = next_start = 0
    last_end = 0
    for chunk in blocks:
        buf = np.concatenate([buf, chunk])
        while next_start + width <= buf_start + len(buf):
            lo = next_start - buf_start
            yield next_start, buf[lo : lo + width]
            last_end = next_start + width
            next_start += hop
        keep_from = max(0, next_start - hop - buf_start)
        buf, buf_start = buf[keep_from:], buf_start + keep_from
    end = buf_start + len(buf)
    if end > last_end:
        start = max(0, end - width)
        yield start, buf[start - buf_start :]


@dataclasses.dataclass
class AudioWatermarkCodec:
    """Dither-modulated tile-energy watermark for audio (see module docstring)."""

    modality: Modality = "audio"
    payload_bits: int = 32
    limits: Limits = dataclasses.field(default_factory=default_limits)

    def embed_file(
        self, src: Path, dst: Path, payload: bytes, key: str, *, quality: int, force: bool
    ) -> None:
        """Write a marked copy of ``src`` to ``dst`` (format chosen by extension).

        Raises:
            InputError: Too short (< 5 s) or silent.
            CorruptMediaError: A FLAC or WAV file that decodes shorter than its header
                declares (a cut download).
            LimitExceededError: Longer than one hour.
        """
        info = probe_audio(src, self.limits)
        if info.duration_s > MAX_EMBED_S:
            raise LimitExceededError(
                f"{src}: {info.duration_s:.0f} s is too long to watermark in one pass "
                f"(limit {MAX_EMBED_S:.0f} s); split it first"
            )
        x, rate = decode_audio(src, self.limits, rate=None, mono=False)
        declared = declared_duration_s(src, info)
        if declared is not None and declared - len(x) / rate > 0.1:
            # FLAC and WAV declare their length; a marked copy of the part that decodes
            # would silently lose the rest.
            raise CorruptMediaError(
                f"{src}: file is truncated: its header declares {declared:.2f} s "
                f"but only {len(x) / rate:.2f} s decode"
            )
        if len(x) < MIN_EMBED_S * rate:
            raise InputError(
                f"{src}: {len(x) / rate:.2f} s is too short to carry a watermark "
                f"(needs at least {MIN_EMBED_S:.0f} s)"
            )
        if float(np.max(np.abs(x))) < 1e-4:
            raise InputError(f"{src}: audio is silent; there is nothing to carry a watermark")
        mono = _resample(x.mean(axis=1).astype(np.float64), rate, FS)
        mark = _resample(watermark_signal(mono, payload[:4], key), FS, rate)[: len(x)]
        if len(mark) < len(x):
            mark = np.pad(mark, (0, len(x) - len(mark)))
        bits = 24 if "24" in info.codec else 32 if "f32" in info.codec else 16
        save_audio(dst, x + mark[:, None], rate, bits=bits, force=force)

    def detect_media(self, media: MediaFile, key: str) -> WatermarkReading:
        """Read the mark of an opened input (streamed from its path)."""
        return self.detect_file(media.path, key)

    def detect_file(self, src: Path, key: str) -> WatermarkReading:
        """Read the mark of ``src`` blindly, window by window (streamed)."""
        info = probe_audio(src, self.limits)
        decoded = [0]

        def counted() -> Iterator[np.ndarray]:
            for block in iter_blocks(src, self.limits, rate=FS, block_s=60.0):
                decoded[0] += len(block)
                yield block

        reading = detect_blocks(counted(), key)
        if reading is None:
            raise InputError(f"{src}: audio is shorter than 1 s; no watermark can be read")
        cut = truncation(src, info, decoded[0] / FS)
        if cut is None:
            return reading
        return dataclasses.replace(reading, details={**reading.details, "truncated": cut})


def detect_blocks(blocks: Iterator[np.ndarray], key: str) -> WatermarkReading | None:
    """Read the mark from 16 kHz mono blocks; None when there is under 1 s of audio."""
    layout = layout_for_key(key)
    readings: list[tuple[int, int, WindowReading]] = []
    for start, window in _windows(blocks):
        if len(window) < FS:
            continue
        power = fine_power(window.astype(np.float32))
        reading = read_window(power, layout, p_needed=P_DETECT)
        readings.append((start, start + len(window), reading))
    return _summarise(readings) if readings else None


def _summarise(readings: list[tuple[int, int, WindowReading]]) -> WatermarkReading:
    n = len(readings)
    hits = [(s, e, r) for s, e, r in readings if r.payload is not None and r.p_value * n < P_DETECT]
    best = min(readings, key=lambda item: item[2].p_value)[2]
    p_file = min(1.0, best.p_value * n)
    if not hits:
        return WatermarkReading(
            False, None, p_file, _confidence(p_file), "audio", {"windows": n, "segments": []}
        )
    payload = Counter(r.payload for _, _, r in hits).most_common(1)[0][0]
    assert payload is not None
    segments = _merge([(s, e) for s, e, r in hits if r.payload == payload])
    details = {
        "windows": n,
        "windows_marked": len(hits),
        "segments": [{"start_s": s / FS, "end_s": e / FS} for s, e in segments],
        "speed_estimate": best.scale,
        "sync_score": best.sync_score,
    }
    return WatermarkReading(True, payload.hex(), p_file, _confidence(p_file), "audio", details)


def _confidence(p_value: float) -> float:
    return float(-math.log10(max(p_value, 1e-300)))


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged
