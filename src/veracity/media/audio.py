"""Audio decoding: any container PyAV (FFmpeg) reads, mono mix-down, resampling, streaming.

Analysis code works on mono ``float32`` samples at a fixed analysis rate (16 kHz by
default). :class:`AudioClip` describes a decoded file; long files are not held in
memory but streamed again in blocks through :func:`iter_blocks`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

from veracity.errors import CorruptMediaError, LimitExceededError, UnsupportedFormatError
from veracity.media.limits import Limits, check_input_file, default_limits

__all__ = [
    "ANALYSIS_RATE",
    "AudioClip",
    "AudioInfo",
    "declared_duration_s",
    "decode_audio",
    "iter_blocks",
    "load_audio",
    "probe_audio",
    "truncation",
]

ANALYSIS_RATE = 16000
# Files up to this long are decoded into memory by load_audio; longer ones are streamed.
EAGER_SECONDS = 600.0


@dataclasses.dataclass(frozen=True)
class AudioInfo:
    """What the container says about its first audio stream.

    Attributes:
        sample_rate: Native sampling rate in Hz.
        channels: Number of channels.
        duration_s: Duration in seconds (from the container; 0 when unknown).
        codec: FFmpeg codec name (pcm_s16le, flac, mp3, aac, opus, vorbis...).
        container: FFmpeg container name.
    """

    sample_rate: int
    channels: int
    duration_s: float
    codec: str
    container: str


@dataclasses.dataclass(frozen=True)
class AudioClip:
    """A decoded (or streamable) audio file for analysis.

    Attributes:
        path: The source file.
        info: Container facts.
        rate: Rate of ``samples`` (the analysis rate).
        samples: Mono ``float32`` samples at ``rate``, or None when the file is long
            and must be streamed with :func:`iter_blocks`.
        duration_s: Decoded duration in seconds (container estimate when streamed).
    """

    path: Path
    info: AudioInfo
    rate: int
    samples: np.ndarray | None
    duration_s: float


def _open(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path), mode="r", metadata_errors="ignore")
    except av.error.InvalidDataError:
        raise CorruptMediaError(f"{path}: cannot decode audio (damaged or not audio)") from None
    except av.error.FFmpegError as exc:
        raise CorruptMediaError(f"{path}: cannot open audio ({exc})") from None


def _info_from(container: av.container.InputContainer, path: Path) -> AudioInfo:
    if not container.streams.audio:
        raise UnsupportedFormatError(f"{path}: the file has no audio stream")
    stream = container.streams.audio[0]
    rate = int(stream.codec_context.sample_rate or stream.rate or 0)
    channels = int(stream.codec_context.channels or 0)
    if rate <= 0 or channels <= 0:
        raise CorruptMediaError(f"{path}: audio stream has no sample rate or channel count")
    duration = 0.0
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / av.time_base
    return AudioInfo(rate, channels, duration, stream.codec_context.name, container.format.name)


def probe_audio(path: str | os.PathLike[str], limits: Limits | None = None) -> AudioInfo:
    """Read container facts without decoding.

    Raises:
        InputError: Missing, empty, corrupt, or without an audio stream.
        LimitExceededError: Longer than ``limits.max_duration_s``.
    """
    limits = limits or default_limits()
    p = check_input_file(path, limits)
    with _open(p) as container:
        info = _info_from(container, p)
    if info.duration_s > limits.max_duration_s:
        raise LimitExceededError(
            f"{p}: audio is {info.duration_s:.0f} s long, over the limit of "
            f"{limits.max_duration_s:.0f} s"
        )
    return info


def declared_duration_s(path: str | os.PathLike[str], info: AudioInfo) -> float | None:
    """The exact length a file's header declares, or None where it declares none.

    FLAC's stream header counts its samples (FFmpeg reports them as the duration). A WAV
    declares its data chunk's size, but FFmpeg infers its length from the file size, so
    a cut file looks whole to it: the RIFF chunks are read here. None for other formats,
    RF64 (sizes live elsewhere) and headers too damaged to read. Compare with the decoded
    length to tell a truncated file.
    """
    if info.codec == "flac":
        return info.duration_s or None
    if info.container != "wav":
        return None
    with open(path, "rb") as fh:
        head = fh.read(12)
        if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        byte_rate = 0
        for _ in range(64):  # a WAV has a handful of chunks; stop on junk
            chunk = fh.read(8)
            if len(chunk) < 8:
                return None
            size = int.from_bytes(chunk[4:], "little")
            if chunk[:4] == b"fmt ":
                fmt = fh.read(size + (size & 1))
                byte_rate = int.from_bytes(fmt[8:12], "little") if len(fmt) >= 12 else 0
            elif chunk[:4] == b"data":
                return size / byte_rate if byte_rate and size != 0xFFFFFFFF else None
            else:
                fh.seek(size + (size & 1), 1)
    return None


def truncation(
    path: str | os.PathLike[str], info: AudioInfo, decoded_s: float
) -> dict[str, float | str] | None:
    """Facts about a FLAC or WAV cut short of its declared length, or None when whole.

    Returns ``{"declared_s", "decoded_s", "message"}`` when the header declares over
    0.1 s more than ``decoded_s``: analysis of such a file sees only the part that
    decodes, and says so.
    """
    declared = declared_duration_s(path, info)
    if declared is None or declared - decoded_s <= 0.1:
        return None
    message = (
        f"file is truncated: its header declares {declared:.2f} s "
        f"but only {decoded_s:.2f} s decode; only that part was analysed"
    )
    return {"declared_s": round(declared, 3), "decoded_s": round(decoded_s, 3), "message": message}


def _frame_array(frame: av.AudioFrame) -> np.ndarray:
    """Return (samples, channels) float32 for a packed-float frame."""
    data = frame.to_ndarray()
    channels = len(frame.layout.channels)
    return data.reshape(-1, channels).astype(np.float32, copy=False)


def iter_blocks(
    path: str | os.PathLike[str],
    limits: Limits | None = None,
    *,
    rate: int | None = ANALYSIS_RATE,
    mono: bool = True,
    block_s: float = 30.0,
) -> Iterator[np.ndarray]:
    """Decode ``path`` in blocks of about ``block_s`` seconds.

    Args:
        path: Any audio (or video with audio) file FFmpeg reads.
        limits: Size and duration limits.
        rate: Output rate (FFmpeg's resampler), or None for the native rate.
        mono: Mix down to one channel (then blocks are 1-D), else (n, channels).
        block_s: Block length in seconds.

    Yields:
        ``float32`` blocks; the last one may be shorter.

    Raises:
        InputError: Missing, corrupt or unsupported file.
        CorruptMediaError: The file holds NaN or infinite samples.
        LimitExceededError: The decoded stream runs past ``limits.max_duration_s``.
    """
    limits = limits or default_limits()
    p = check_input_file(path, limits)
    with _open(p) as container:
        info = _info_from(container, p)
        out_rate = rate or info.sample_rate
        layout = "mono" if mono else None
        resampler = av.AudioResampler(format="flt", layout=layout, rate=out_rate)
        max_samples = int(limits.max_duration_s * out_rate)
        block = int(block_s * out_rate)
        pending: list[np.ndarray] = []
        have = total = 0
        for frame in _decoded_frames(container, p):
            _check_finite(frame, p)
            for out in resampler.resample(frame):
                arr = _frame_array(out)
                pending.append(arr)
                have += len(arr)
                total += len(arr)
                if total > max_samples:
                    raise LimitExceededError(
                        f"{p}: audio runs past the limit of {limits.max_duration_s:.0f} s"
                    )
                while have >= block:
                    chunk, pending, have = _take(pending, block)
                    yield chunk[:, 0] if mono else chunk
        for out in resampler.resample(None):
            pending.append(_frame_array(out))
        if pending:
            rest = np.concatenate(pending)
            if len(rest):
                yield rest[:, 0] if mono else rest


def _check_finite(frame: av.AudioFrame, p: Path) -> None:
    """Refuse NaN or infinite samples (float WAV/FLAC from broken tools), checked before
    resampling spreads them: every analysis would otherwise yield NaN or garbage."""
    data = frame.to_ndarray()
    if data.dtype.kind == "f" and not np.isfinite(data).all():
        raise CorruptMediaError(
            f"{p}: audio contains NaN or infinite samples (a damaged or badly exported file)"
        )


def _take(pending: list[np.ndarray], n: int) -> tuple[np.ndarray, list[np.ndarray], int]:
    joined = np.concatenate(pending)
    rest = joined[n:]
    return joined[:n], [rest] if len(rest) else [], len(rest)


def _decoded_frames(container: av.container.InputContainer, p: Path) -> Iterator[av.AudioFrame]:
    stream = container.streams.audio[0]
    try:
        for packet in container.demux(stream):
            try:
                yield from packet.decode()
            except av.error.InvalidDataError:
                # A damaged packet: skip it, as players do; a wholly damaged file
                # yields nothing and is reported by the caller.
                continue
    except av.error.FFmpegError as exc:
        raise CorruptMediaError(f"{p}: audio stream is damaged ({exc})") from None


def decode_audio(
    path: str | os.PathLike[str],
    limits: Limits | None = None,
    *,
    rate: int | None = ANALYSIS_RATE,
    mono: bool = True,
) -> tuple[np.ndarray, int]:
    """Decode a whole file into memory.

    Returns:
        ``(samples, rate)``: float32, 1-D when ``mono`` else (n, channels).

    Raises:
        CorruptMediaError: No audio could be decoded.
    """
    limits = limits or default_limits()
    blocks = list(iter_blocks(path, limits, rate=rate, mono=mono, block_s=60.0))
    if not blocks or sum(len(b) for b in blocks) == 0:
        raise CorruptMediaError(f"{path}: no audio samples could be decoded")
    samples = np.concatenate(blocks)
    out_rate = rate or probe_audio(path, limits).sample_rate
    return samples, out_rate


def load_audio(
    path: str | os.PathLike[str], limits: Limits | None = None, *, rate: int = ANALYSIS_RATE
) -> AudioClip:
    """Open an audio file for analysis (mono, ``rate`` Hz).

    Files up to 10 minutes are decoded into ``samples``; longer ones keep ``samples``
    as None and are analysed block by block with :func:`iter_blocks`.

    Raises:
        InputError: Missing, empty, corrupt or unsupported (see :mod:`veracity.errors`).
        LimitExceededError: Over the size or duration limits.
    """
    limits = limits or default_limits()
    p = check_input_file(path, limits)
    info = probe_audio(p, limits)
    if info.duration_s > EAGER_SECONDS:
        return AudioClip(p, info, rate, None, info.duration_s)
    samples, _ = decode_audio(p, limits, rate=rate)
    return AudioClip(p, info, rate, samples, len(samples) / rate)
