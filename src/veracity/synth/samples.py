"""Small synthetic sample media for tests and the demo: photo-like images, speech-like audio.

Nothing here downloads anything; every sample is generated from a seed.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from veracity.media.output import atomic_output

__all__ = ["drawn_face", "natural_image", "speech_like", "write_mp4", "write_wav"]


def _pink_noise(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    spectrum = np.fft.fft2(rng.normal(size=(height, width)))
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.fftfreq(width)[None, :]
    pink = np.real(np.fft.ifft2(spectrum / np.maximum(np.hypot(fy, fx), 1.0 / max(height, width))))
    return pink / (pink.std() + 1e-9)


def natural_image(height: int = 256, width: int = 256, seed: int = 0) -> np.ndarray:
    """A photo-like uint8 RGB image: smooth shapes, edges, texture and 1/f noise.

    Args:
        height: Rows.
        width: Columns.
        seed: Random seed; the same seed gives the same image.

    Returns:
        An array of shape (height, width, 3), dtype uint8.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    img = np.zeros((height, width, 3))
    for c in range(3):
        img[:, :, c] = 90 + 60 * np.sin(xx / (23 + 7 * c) + c) * np.cos(yy / (31 - 5 * c))
    for _ in range(6):
        cy, cx = rng.uniform(0, height), rng.uniform(0, width)
        r = rng.uniform(0.08, 0.3) * min(height, width)
        mask = (yy - cy) ** 2 + (xx - cx) ** 2 < r**2
        img[mask] = rng.uniform(20, 235, size=3)
    img += _pink_noise(height, width, rng)[:, :, None] * 12
    return np.clip(img, 0, 255).astype(np.uint8)


def drawn_face(
    height: int = 256, width: int = 256, seed: int = 0, *, shift: tuple[float, float] = (0, 0)
) -> np.ndarray:
    """A drawn frontal face on a photo-like background, found by the shipped face finder.

    Shaded skin oval, hair, brows, eyes with iris and pupil, nose and lips, lightly
    blurred and noisy: enough for YuNet to find a face (score about 0.9) and the face
    detectors to score it, without shipping or downloading a photo of anyone.

    Args:
        height: Rows.
        width: Columns.
        seed: Random seed (background, skin tone, noise).
        shift: ``(dx, dy)`` offset of the face centre in pixels (for moving-face clips).

    Returns:
        An array of shape (height, width, 3), dtype uint8.
    """
    rng = np.random.default_rng(seed)
    img = natural_image(height, width, seed=seed).astype(np.float32) * 0.5 + 50
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    side = min(height, width)
    cx, cy = width / 2 + shift[0], height * 0.52 + shift[1]
    ax, ay = side * 0.30, side * 0.40

    def ellipse(x: float, y: float, rx: float, ry: float, colour: tuple[float, ...]) -> None:
        img[((xx - x) / rx) ** 2 + ((yy - y) / ry) ** 2 < 1] = colour

    ellipse(cx, cy - side * 0.06, ax * 1.1, ay * 1.05, (50, 35, 25))  # hair
    d = ((xx - cx) / ax) ** 2 + ((yy - cy) / ay) ** 2
    skin = np.array((225, 180, 150), np.float32) * rng.uniform(0.85, 1.05)
    shaded = skin * np.clip(1.05 - 0.35 * d, 0.5, 1.1)[..., None]
    img[d < 1] = shaded[d < 1]
    eye_y = cy - ay * 0.18
    for s in (-1, 1):
        ex = cx + s * ax * 0.42
        ellipse(ex, eye_y - ay * 0.22, ax * 0.25, ay * 0.04, (70, 50, 40))  # brow
        ellipse(ex, eye_y, ax * 0.2, ay * 0.07, (245, 245, 245))
        ellipse(ex, eye_y, ax * 0.09, ay * 0.07, (60, 40, 30))
        ellipse(ex, eye_y, ax * 0.04, ay * 0.035, (10, 10, 10))
        ellipse(cx + s * ax * 0.08, cy + ay * 0.17, ax * 0.03, ay * 0.02, (120, 80, 70))
    ellipse(cx, cy + ay * 0.15, ax * 0.12, ay * 0.06, (190, 140, 115))  # nose
    ellipse(cx, cy + ay * 0.45, ax * 0.33, ay * 0.07, (170, 80, 80))  # lips
    ellipse(cx, cy + ay * 0.45, ax * 0.30, ay * 0.015, (90, 30, 35))
    import cv2

    img = cv2.GaussianBlur(img, (0, 0), side / 200) + rng.normal(0, 3, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def speech_like(seconds: float = 2.0, sample_rate: int = 16000, seed: int = 0) -> np.ndarray:
    """A speech-like mono float32 signal: voiced syllables with moving formants and pauses.

    A glottal pulse train (pitch wandering around 120-200 Hz) is shaped by three formant
    resonances that move from syllable to syllable, with short unvoiced noise bursts and
    silences between syllables. It is not intelligible, but it has speech's spectral shape.

    Args:
        seconds: Duration.
        sample_rate: Samples per second.
        seed: Random seed.

    Returns:
        A float32 array in [-1, 1].
    """
    rng = np.random.default_rng(seed)
    n = int(seconds * sample_rate)
    t = np.arange(n) / sample_rate
    f0 = 150 + 30 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6)) + 10 * rng.standard_normal()
    phase = np.cumsum(f0 / sample_rate)
    source = (np.mod(phase, 1.0) < 0.08).astype(np.float64) - 0.08
    syllable = 0.22
    envelope = np.clip(np.sin(np.pi * np.mod(t, syllable) / syllable), 0, None) ** 0.6
    envelope *= (np.floor(t / syllable) % 5 != 4).astype(np.float64)
    spectrum = np.fft.rfft(source * envelope)
    freqs = np.fft.rfftfreq(n, 1 / sample_rate)
    shaped = np.zeros_like(spectrum)
    for formant, width in (
        (rng.uniform(500, 800), 90),
        (rng.uniform(1100, 1800), 120),
        (2600, 200),
    ):
        shaped += spectrum / (1 + ((freqs - formant) / width) ** 2)
    signal = np.fft.irfft(shaped, n)
    signal += 0.02 * rng.standard_normal(n) * (envelope < 0.05)
    return (0.8 * signal / (np.abs(signal).max() + 1e-9)).astype(np.float32)


def write_wav(
    path: str | os.PathLike[str],
    samples: np.ndarray,
    sample_rate: int = 16000,
    *,
    force: bool = False,
) -> Path:
    """Write mono float samples as 16-bit PCM WAV atomically; returns the path."""
    import soundfile as sf

    with atomic_output(path, force=force) as tmp:
        sf.write(str(tmp), samples, sample_rate, subtype="PCM_16", format="WAV")
    return Path(path)


def write_mp4(
    path: str | os.PathLike[str],
    *,
    frames: int = 24,
    size: int = 128,
    fps: int = 12,
    seed: int = 0,
    force: bool = False,
) -> Path:
    """Write a tiny H.264 MP4 of a slowly panning photo-like scene atomically."""
    with atomic_output(path, force=force) as tmp:
        _encode_mp4(tmp, natural_image(size, size * 2, seed=seed), frames, size, fps)
    return Path(path)


def _encode_mp4(path: Path, scene: np.ndarray, frames: int, size: int, fps: int) -> None:
    import av

    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width = size
        stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "23", "preset": "veryfast"}
        for i in range(frames):
            x = (i * size) // max(frames, 1)
            frame = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(scene[:, x : x + size]), "rgb24"
            )
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
