"""Video watermark: the image mark on every frame, read from an average of sampled frames.

Every frame carries the same keyed tile (the image codec's, so the same payload, key and
p-value). Moving content averages out over frames while the static mark adds up, so the
detector reads the mean of frames sampled evenly over the whole video; this survives
re-encoding, cropping and scaling of the video like the image mark survives them for one
frame. Audio is copied untouched, the display rotation is kept and the video is
re-encoded with H.264 (CRF from ``--quality``).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from veracity.errors import CorruptMediaError
from veracity.media.handle import MediaFile
from veracity.media.limits import default_limits
from veracity.media.output import atomic_output
from veracity.media.video import VideoOptions, open_video
from veracity.results import Modality, WatermarkReading
from veracity.watermark.image import framing
from veracity.watermark.image.codec import TARGET_PSNR, detect_pixels, embed_pixels
from veracity.watermark.image.file_codec import check_markable, check_output

__all__ = ["VideoWatermarkCodec"]

OUTPUT_SUFFIXES = (".mp4", ".mov", ".mkv")
_READ_FRAMES = 24  # frames averaged by the detector, spread over the whole video


def crf_for(quality: int) -> int:
    """H.264 constant rate factor for a 1-100 quality (95 -> 18, visually lossless)."""
    return int(np.clip(round(18 + (95 - quality) * 0.25), 0, 51))


class VideoWatermarkCodec:
    """Keyed 64-bit video watermark (the image mark on every frame)."""

    modality: Modality = "video"
    payload_bits: int = framing.PAYLOAD_BITS

    def embed_file(
        self, src: Path, dst: Path, payload: bytes, key: str, *, quality: int, force: bool
    ) -> None:
        """Write a marked H.264 copy of ``src`` to ``dst`` (.mp4, .mov or .mkv), atomically.

        Raises:
            UsageError: Unknown output extension or bad quality.
            OutputExistsError: ``dst`` exists and ``force`` is false.
            InputError: ``src`` cannot be decoded, is too long or its frames too small.
        """
        check_output(dst, OUTPUT_SUFFIXES, quality, force, "video")
        info = open_video(src, default_limits()).info
        check_markable(src, info.width, info.height, "frames are")
        with atomic_output(dst, force=force) as tmp:
            _transcode(src, tmp, payload, key, crf_for(quality), info.rotation)

    def detect_media(self, media: MediaFile, key: str) -> WatermarkReading:
        """Read the mark of an opened input (streamed from its path)."""
        return self.detect_file(media.path, key)

    def detect_file(self, src: Path, key: str) -> WatermarkReading:
        """Read the mark from the mean of frames sampled over the whole video."""
        video = open_video(src, default_limits())
        duration = max(video.info.duration_s, 1e-3)
        options = VideoOptions(sample_fps=_READ_FRAMES / duration, max_frames=_READ_FRAMES)
        total: np.ndarray | None = None
        count = 0
        for frame in video.frames(options):
            if total is not None and frame.rgb.shape != total.shape:
                continue  # a resolution change mid-stream: keep the first size
            total = frame.rgb.astype(np.float32) if total is None else total + frame.rgb
            count += 1
        if total is None:
            raise CorruptMediaError(f"{src}: no video frame could be decoded")
        # Not rounded: after H.264 the mark in the mean frame is a fraction of a grey level
        # (rounding lost one of 10 benchmark clips at CRF 28, half size).
        reading = detect_pixels(total / np.float32(count), key)
        details = {**reading.details, "frames_averaged": count}
        return WatermarkReading(
            reading.detected,
            reading.payload,
            reading.p_value,
            reading.confidence,
            "video",
            details,
        )


def _transcode(src: Path, dst: Path, payload: bytes, key: str, crf: int, rotation: int) -> None:
    try:
        with av.open(str(src), metadata_errors="ignore") as inp, av.open(str(dst), "w") as out:
            v_in = inp.streams.video[0]
            a_in = inp.streams.audio[0] if inp.streams.audio else None
            v_out = _video_stream(out, v_in, crf, rotation)
            audio = _AudioPass(out, a_in, dst.suffix) if a_in is not None else None
            streams = [s for s in (v_in, a_in) if s is not None]
            for packet in inp.demux(*streams):
                if packet.stream is a_in:
                    if audio is not None:
                        audio.write(packet)
                    continue
                for frame in packet.decode():
                    out.mux(v_out.encode(_marked(frame, payload, key)))
            out.mux(v_out.encode(None))
            if audio is not None:
                audio.flush()
    except av.FFmpegError as exc:
        raise CorruptMediaError(f"{src}: cannot re-encode the video ({exc})") from None


# Audio codecs each output container can hold as they are; others are re-encoded to AAC
# (e.g. Opus from a WebM or phone recording cannot go into .mov).
_COPYABLE: dict[str, frozenset[str]] = {
    ".mp4": frozenset({"aac", "mp3", "opus", "flac", "alac", "ac3", "eac3"}),
    ".mov": frozenset({"aac", "mp3", "alac", "ac3", "eac3", "pcm_s16le", "pcm_s24le"}),
}


class _AudioPass:
    """The source's audio in the output: packets copied, or re-encoded when the container
    cannot hold the codec."""

    def __init__(self, out: Any, a_in: Any, suffix: str) -> None:
        self._out = out
        copyable = _COPYABLE.get(suffix.lower())
        self._copy = copyable is None or a_in.codec_context.name in copyable
        if self._copy:
            self._stream = out.add_stream_from_template(a_in)
        else:
            rate = a_in.codec_context.sample_rate or 48000
            self._stream = out.add_stream("aac", rate=rate)
            self._stream.layout = a_in.codec_context.layout
            self._resampler = av.AudioResampler(
                format="fltp", layout=self._stream.layout, rate=rate
            )

    def write(self, packet: Any) -> None:
        """Copy or re-encode one demuxed packet."""
        if self._copy:
            if packet.dts is not None:
                packet.stream = self._stream
                self._out.mux(packet)
            return
        for frame in packet.decode():
            self._encode(frame)

    def _encode(self, frame: Any) -> None:
        for resampled in self._resampler.resample(frame):
            resampled.pts = None  # the encoder counts samples; AAC priming is its own
            self._out.mux(self._stream.encode(resampled))

    def flush(self) -> None:
        """Drain the re-encoder (nothing to do when copying)."""
        if not self._copy:
            self._encode(None)
            self._out.mux(self._stream.encode(None))


def _video_stream(out: Any, v_in: Any, crf: int, rotation: int) -> Any:
    rate = v_in.average_rate or Fraction(30)
    stream = out.add_stream("libx264", rate=rate)
    stream.width = v_in.codec_context.width
    stream.height = v_in.codec_context.height
    stream.pix_fmt = "yuv420p"
    stream.options = {"crf": str(crf), "preset": "veryfast"}
    stream.codec_context.time_base = v_in.time_base or Fraction(1, 1000)
    if rotation:
        stream.set_display_rotation(rotation)
    return stream


def _marked(frame: Any, payload: bytes, key: str) -> Any:
    rgb = frame.to_ndarray(format="rgb24")
    # Fixed strength: the texture-adaptive one weakened the mark on smooth frames, and
    # H.264 at CRF 35 or CRF 28 at half size then lost it (9/10 -> 6/10 and 4/10 clips).
    marked = av.VideoFrame.from_ndarray(
        embed_pixels(rgb, payload, key, psnr=TARGET_PSNR), format="rgb24"
    )
    marked.pts, marked.time_base = frame.pts, frame.time_base
    return marked
