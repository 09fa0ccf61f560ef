"""Small generated videos for the video and face tests (PyAV, no external data)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def moving_frames(n: int, width: int, height: int, seed: int = 0) -> list[np.ndarray]:
    """``n`` frames of a bright square moving over a textured background."""
    rng = np.random.default_rng(seed)
    base = rng.integers(40, 200, size=(height, width, 3), dtype=np.uint8)
    frames = []
    for i in range(n):
        f = base.copy()
        x = (i * 3) % max(1, width - 12)
        f[4:12, x : x + 8] = 255
        frames.append(f)
    return frames


def write_video(
    path: Path,
    frames: list[np.ndarray],
    fps: int = 30,
    *,
    times: list[float] | None = None,
    rotation: int | None = None,
    audio: bool = False,
) -> Path:
    """Encode ``frames`` as H.264 MP4; ``times`` gives variable frame timing in seconds."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height = frames[0].shape[1], frames[0].shape[0]
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        if rotation is not None:
            stream.set_display_rotation(rotation)
        a_stream = out.add_stream("aac", rate=16000) if audio else None
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            t = times[i] if times is not None else i / fps
            frame.pts, frame.time_base = round(t * 1000), Fraction(1, 1000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
        if a_stream is not None:
            _write_tone(out, a_stream, len(frames) / fps)
    return path


def _write_tone(out: av.container.OutputContainer, stream: av.AudioStream, seconds: float) -> None:
    samples = int(16000 * seconds)
    tone = (0.1 * np.sin(np.arange(samples) * 2 * np.pi * 440 / 16000)).astype(np.float32)
    for start in range(0, samples, 1024):
        chunk = tone[start : start + 1024][None, :]
        frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
        frame.sample_rate = 16000
        frame.pts = start
        out.mux(stream.encode(frame))
    out.mux(stream.encode(None))


def write_audio_only_mp4(path: Path, seconds: float = 1.0) -> Path:
    """An MP4 (video-looking brand) holding only an AAC track."""
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=16000)
        _write_tone(out, stream, seconds)
    return path
