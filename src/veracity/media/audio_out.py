"""Writing audio files: WAV/FLAC through soundfile, MP3/Ogg Opus/M4A AAC through PyAV."""

from __future__ import annotations

import os
from pathlib import Path

import av
import numpy as np
import soundfile as sf

from veracity.errors import UnsupportedFormatError
from veracity.media.output import atomic_output

__all__ = ["AUDIO_SAVE_FORMATS", "save_audio"]

# extension -> (PyAV container, codec, bitrate) for lossy outputs
_LOSSY: dict[str, tuple[str, str, int]] = {
    ".mp3": ("mp3", "libmp3lame", 192_000),
    ".ogg": ("ogg", "libopus", 128_000),
    ".opus": ("ogg", "libopus", 128_000),
    ".m4a": ("ipod", "aac", 192_000),
}
_LOSSLESS = {".wav": "WAV", ".flac": "FLAC"}
AUDIO_SAVE_FORMATS = tuple(sorted([*_LOSSY, *_LOSSLESS]))


def _subtype(fmt: str, bits: int) -> str:
    if fmt == "FLAC":
        return "PCM_24" if bits > 16 else "PCM_16"
    return {16: "PCM_16", 24: "PCM_24", 32: "FLOAT"}.get(bits, "PCM_16")


def _write_lossy(tmp: Path, samples: np.ndarray, rate: int, ext: str, bitrate: int | None) -> None:
    container_fmt, codec, default_rate = _LOSSY[ext]
    bitrate = bitrate or default_rate
    out_rate = 48000 if codec == "libopus" else rate
    layout = "mono" if samples.shape[1] == 1 else "stereo"
    data = samples[:, :2] if samples.shape[1] > 2 else samples
    with av.open(str(tmp), mode="w", format=container_fmt) as container:
        stream = container.add_stream(codec, rate=out_rate, layout=layout)
        stream.bit_rate = bitrate
        resampler = av.AudioResampler(format=stream.format.name, layout=layout, rate=out_rate)
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(data.reshape(1, -1), dtype=np.float32), format="flt", layout=layout
        )
        frame.sample_rate = rate
        for resampled in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(resampled):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def save_audio(
    path: str | os.PathLike[str],
    samples: np.ndarray,
    rate: int,
    *,
    bits: int = 16,
    bitrate: int | None = None,
    force: bool = False,
) -> Path:
    """Write ``samples`` ((n,) or (n, channels) float in [-1, 1]) atomically.

    The format follows the extension: .wav and .flac keep every channel (``bits``
    16, 24 or 32-float); .mp3, .ogg/.opus and .m4a are lossy (``bitrate`` in bit/s,
    a default when None) and keep at most two.

    Raises:
        UnsupportedFormatError: Unknown extension.
        OutputExistsError: ``path`` exists and ``force`` is false.
    """
    target = Path(path)
    ext = target.suffix.lower()
    if ext not in _LOSSY and ext not in _LOSSLESS:
        raise UnsupportedFormatError(
            f"{target}: cannot write audio as {ext or 'no extension'} "
            f"(use one of {', '.join(AUDIO_SAVE_FORMATS)})"
        )
    data = np.clip(np.asarray(samples, dtype=np.float64), -1.0, 1.0)
    if data.ndim == 1:
        data = data[:, None]
    with atomic_output(target, force=force) as tmp:
        if ext in _LOSSLESS:
            fmt = _LOSSLESS[ext]
            sf.write(str(tmp), data, rate, format=fmt, subtype=_subtype(fmt, bits))
        else:
            _write_lossy(tmp, data, rate, ext, bitrate)
    return target
