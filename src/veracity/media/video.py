"""Streaming video decoding with PyAV: constant memory, rotation-aware, VFR-safe sampling.

:func:`open_video` probes a file and returns a :class:`Video` handle. Nothing is kept
in memory between frames: every call to :meth:`Video.frames` re-opens the container
and yields sampled frames one at a time, so several detectors can read the same handle
and a ten-minute 1080p file costs no more memory than a ten-second one.

Frames are chosen by presentation time, not by index, so variable-frame-rate files are
sampled evenly in time. Display-matrix rotation (phone videos) is applied to every
frame, and the reported size is the displayed size.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np

from veracity.errors import CorruptMediaError, LimitExceededError, UnsupportedFormatError
from veracity.media.limits import Limits, default_limits

__all__ = ["Frame", "Video", "VideoInfo", "VideoOptions", "open_video"]


@dataclasses.dataclass(frozen=True)
class VideoInfo:
    """Facts about the video stream of a file.

    Attributes:
        width: Displayed width (after rotation).
        height: Displayed height (after rotation).
        fps: Average frame rate reported by the container (0 if unknown).
        duration_s: Duration in seconds (0 if unknown).
        rotation: Display rotation in degrees counter-clockwise (0, 90, 180, 270).
        codec: Decoder name.
        has_audio: Whether the file also has an audio stream.
        frame_count: Frame count from the container, or an estimate from duration x fps.
    """

    width: int
    height: int
    fps: float
    duration_s: float
    rotation: int
    codec: str
    has_audio: bool
    frame_count: int


@dataclasses.dataclass(frozen=True)
class VideoOptions:
    """How frames are sampled.

    Attributes:
        sample_fps: Frames per second of presentation time to yield (None: every frame).
        max_frames: Stop after this many yielded frames (None: no limit).
        max_side: Downscale yielded frames so the longer side is at most this (None: keep).
    """

    sample_fps: float | None = 10.0
    max_frames: int | None = None
    max_side: int | None = None


@dataclasses.dataclass(frozen=True, eq=False)
class Frame:
    """One decoded, rotated RGB frame.

    Attributes:
        index: Index among decoded frames (0-based).
        time_s: Presentation time in seconds.
        rgb: ``(H, W, 3)`` uint8 array in display orientation.
        scale: Factor applied to the original display size (1.0 when not downscaled).
    """

    index: int
    time_s: float
    rgb: np.ndarray
    scale: float = 1.0


def _next_sample_time(grid: float, t: float, step: float) -> float:
    """The first point of the sampling grid after time ``t`` (VFR-safe)."""
    if step <= 0:
        return t
    skipped = max(0, int((t - grid) // step))
    grid += skipped * step
    while grid <= t + 1e-6:
        grid += step
    return grid


def _rotation_of(stream: Any, first: Any | None) -> int:
    angle = 0.0
    if first is not None:
        angle = float(first.rotation or 0)
    if angle == 0.0:
        tag = stream.metadata.get("rotate")
        if tag is not None:
            try:
                angle = -float(tag)  # the legacy tag is clockwise
            except ValueError:
                angle = 0.0
    return round(angle / 90.0) % 4 * 90


def _av_error(path: Path, exc: Exception) -> CorruptMediaError:
    return CorruptMediaError(f"{path}: cannot decode video ({exc.__class__.__name__}: {exc})")


class Video:
    """A probed video file; iterate sampled frames with :meth:`frames`.

    Use :func:`open_video` to create one. The handle holds no open decoder between calls
    and may be used as a context manager for symmetry with other media handles.
    """

    def __init__(self, path: Path, info: VideoInfo, options: VideoOptions) -> None:
        self.path = path
        self.info = info
        self.options = options
        self.decode_errors = 0

    def __enter__(self) -> Video:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing stays open between iterations; present for the context-manager protocol."""

    def frames(self, options: VideoOptions | None = None) -> Iterator[Frame]:
        """Yield sampled frames in presentation order.

        Args:
            options: Sampling options; defaults to the handle's options.

        Raises:
            CorruptMediaError: No frame at all could be decoded.
        """
        opts = options or self.options
        step = 1.0 / opts.sample_fps if opts.sample_fps else 0.0
        k_rot = self.info.rotation // 90
        next_t, yielded, decoded = None, 0, 0
        for index, av_frame in enumerate(self._decode()):
            decoded += 1
            t = float(av_frame.time) if av_frame.time is not None else index / max(self.info.fps, 1)
            if next_t is not None and t + 1e-6 < next_t:
                continue
            next_t = _next_sample_time(next_t if next_t is not None else t, t, step)
            yield self._convert(index, t, av_frame, k_rot, opts)
            yielded += 1
            if opts.max_frames is not None and yielded >= opts.max_frames:
                return
        if decoded == 0:
            raise CorruptMediaError(f"{self.path}: no video frame could be decoded")

    def _convert(
        self, index: int, t: float, av_frame: Any, k_rot: int, opts: VideoOptions
    ) -> Frame:
        w, h = av_frame.width, av_frame.height
        scale = 1.0
        if opts.max_side and max(w, h) > opts.max_side:
            scale = opts.max_side / max(w, h)
            w, h = max(2, round(w * scale)), max(2, round(h * scale))
        rgb = av_frame.to_ndarray(format="rgb24", width=w, height=h)
        if k_rot:
            rgb = np.ascontiguousarray(np.rot90(rgb, k_rot))
        return Frame(index=index, time_s=t, rgb=rgb, scale=scale)

    def _decode(self) -> Iterator[Any]:
        try:
            container = av.open(str(self.path), metadata_errors="ignore")
        except (av.FFmpegError, OSError) as exc:
            raise _av_error(self.path, exc) from None
        with container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            packets = container.demux(stream)
            while True:
                try:
                    packet = next(packets)
                    decoded = packet.decode()
                except StopIteration:
                    return
                except av.FFmpegError:
                    # A damaged packet: count it and go on; truncated files end here.
                    self.decode_errors += 1
                    if self.decode_errors > 50:
                        return
                    continue
                yield from decoded


def _probe(path: Path, limits: Limits) -> VideoInfo:
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.FFmpegError as exc:
        raise _av_error(path, exc) from None
    with container:
        if not container.streams.video:
            kinds = sorted({s.type for s in container.streams})
            what = "audio only" if "audio" in kinds else "no media streams"
            raise UnsupportedFormatError(f"{path}: the file has no video stream ({what})")
        stream = container.streams.video[0]
        first = _first_frame(path, container, stream)
        rotation = _rotation_of(stream, first)
        fps = float(stream.average_rate or stream.guessed_rate or 0)
        duration = _duration(container, stream)
        w, h = first.width, first.height
        count = int(stream.frames or round(duration * fps))
        has_audio = bool(container.streams.audio)
        codec = stream.codec_context.name
    if rotation in (90, 270):
        w, h = h, w
    _check_limits(path, w, h, duration, limits)
    return VideoInfo(w, h, fps, duration, rotation, codec, has_audio, count)


def _first_frame(path: Path, container: Any, stream: Any) -> Any:
    try:
        for av_frame in container.decode(stream):
            return av_frame
    except av.FFmpegError as exc:
        raise _av_error(path, exc) from None
    raise CorruptMediaError(f"{path}: the video stream has no decodable frame")


def _duration(container: Any, stream: Any) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / 1e6
    return 0.0


def _check_limits(path: Path, w: int, h: int, duration: float, limits: Limits) -> None:
    if w * h > limits.max_pixels:
        raise LimitExceededError(f"{path}: frame size {w}x{h} is over the pixel limit")
    if duration > limits.max_duration_s:
        raise LimitExceededError(
            f"{path}: video is {duration:.0f} s long, over the limit of "
            f"{limits.max_duration_s:.0f} s"
        )


def open_video(
    path: str | os.PathLike[str],
    limits: Limits | None = None,
    options: VideoOptions | None = None,
) -> Video:
    """Probe a video file and return a streaming handle.

    Args:
        path: Video file (any container/codec FFmpeg in PyAV decodes).
        limits: Size and duration limits.
        options: Default sampling options for :meth:`Video.frames`.

    Raises:
        UnsupportedFormatError: The file has no video stream (e.g. audio only).
        CorruptMediaError: The container or its first frame cannot be decoded.
        LimitExceededError: The frames are too large or the video too long.
    """
    p = Path(path)
    info = _probe(p, limits or default_limits())
    return Video(p, info, options or VideoOptions())
