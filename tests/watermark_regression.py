"""The watermark regression set: embed, attack and read images, audio and video.

``readings(folder)`` returns one JSON-ready reading per case (``to_dict`` of the
:class:`~veracity.results.WatermarkReading`, p-values and details included). It uses
only the file-level API (``embed_file``/``detect_file``) and generated media, so the
same code runs against any checkout: ``tests/data/watermark_readings.json`` holds the
readings of ``main`` before the watermark package was reorganised (#26), and
``test_watermark_regression.py`` asserts the current code reads them bit for bit.

Record them again (only when a change *means* to alter readings)::

    PYTHONPATH=src python tests/watermark_regression.py tests/data/watermark_readings.json
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from veracity.results import to_dict
from veracity.synth.audio_edits import EDITS
from veracity.synth.samples import natural_image, speech_like, write_mp4, write_wav
from veracity.watermark.api import detect_file, embed_file

IMAGE_SIZES = [(256, 256), (240, 320), (300, 400), (384, 512), (500, 300), (480, 640)]
AUDIO_CLIPS = [(8.0, 16000), (9.0, 44100), (12.0, 22050)]  # seconds, rate
VIDEO_CLIPS = [(24, 208, 0), (36, 256, 1)]  # frames, size, seed
AUDIO_ATTACKS = ["none", "mp3_64k", "resample_22k", "noise_20dB", "gain_-10dB", "speed_1.02"]
CUSTOM_KEY = "regression-secret"


def _jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _resize(rgb: np.ndarray, f: float) -> np.ndarray:
    h, w = rgb.shape[:2]
    img = Image.fromarray(rgb).resize((round(w * f), round(h * f)), Image.Resampling.BICUBIC)
    return np.asarray(img)


def _crop(rgb: np.ndarray, f: float) -> np.ndarray:
    h, w = rgb.shape[:2]
    dy, dx = round(h * f), round(w * f)
    return np.ascontiguousarray(rgb[dy : h - dy // 2, dx // 2 : w - dx])


def _rotate(rgb: np.ndarray, degrees: float) -> np.ndarray:
    img = Image.fromarray(rgb).rotate(degrees, Image.Resampling.BICUBIC, fillcolor=(128, 128, 128))
    return np.asarray(img)


def _noise(rgb: np.ndarray, sigma: float) -> np.ndarray:
    rng = np.random.default_rng(rgb.size)
    return np.clip(rgb + rng.normal(0, sigma, rgb.shape), 0, 255).astype(np.uint8)


IMAGE_ATTACKS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "none": lambda x: x,
    "jpeg_70": lambda x: _jpeg(x, 70),
    "jpeg_40": lambda x: _jpeg(x, 40),
    "resize_0.6": lambda x: _resize(x, 0.6),
    "crop_15": lambda x: _crop(x, 0.15),
    "rotate_3": lambda x: _rotate(x, 3.0),
    "noise_8": lambda x: _noise(x, 8.0),
}


def _read(path: Path, key: str) -> dict[str, Any]:
    reading: dict[str, Any] = to_dict(detect_file(path, key=key))
    return reading


def image_readings(folder: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for i, (h, w) in enumerate(IMAGE_SIZES):
        key = CUSTOM_KEY if i % 3 == 2 else "veracity-public"
        src = folder / f"img{i}.png"
        Image.fromarray(natural_image(h, w, seed=100 + i)).save(src)
        marked = folder / f"img{i}-wm.png"
        embed_file(src, marked, payload_hex=f"{0x0123456789ABCDEF * (i + 1) % 2**64:016x}", key=key)
        rgb = np.asarray(Image.open(marked).convert("RGB"))
        for name, attack in IMAGE_ATTACKS.items():
            attacked = folder / f"img{i}-{name}.png"
            Image.fromarray(attack(rgb)).save(attacked)
            out[f"image{i}/{name}"] = _read(attacked, key)
        out[f"image{i}/unmarked"] = _read(src, key)
        out[f"image{i}/wrong-key"] = _read(marked, key + "-other")
    return out


def audio_readings(folder: Path) -> dict[str, dict[str, Any]]:
    from veracity.media.audio import decode_audio

    out: dict[str, dict[str, Any]] = {}
    for i, (seconds, rate) in enumerate(AUDIO_CLIPS):
        src = write_wav(folder / f"aud{i}.wav", speech_like(seconds, rate, seed=200 + i), rate)
        marked = folder / f"aud{i}-wm.wav"
        embed_file(src, marked, payload_hex=f"{0xC0FFEE00 + i:08x}")
        x, r = decode_audio(marked, rate=None)
        for name in AUDIO_ATTACKS:
            y, r2 = EDITS[name](np.asarray(x, np.float64), r)
            peak = max(1.0, float(np.max(np.abs(y))))
            attacked = write_wav(folder / f"aud{i}-{name}.wav", (y / peak).astype(np.float32), r2)
            out[f"audio{i}/{name}"] = _read(attacked, "veracity-public")
        excerpt = write_wav(folder / f"aud{i}-cut.wav", x[int(1.3 * r) : int(7.5 * r)], r)
        out[f"audio{i}/excerpt_6s"] = _read(excerpt, "veracity-public")
        out[f"audio{i}/unmarked"] = _read(src, "veracity-public")
    return out


def video_readings(folder: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for i, (frames, size, seed) in enumerate(VIDEO_CLIPS):
        src = write_mp4(folder / f"vid{i}.mp4", frames=frames, size=size, seed=seed)
        marked = folder / f"vid{i}-wm.mp4"
        embed_file(src, marked, payload_hex=f"{0xFEEDFACE12345678 + i:016x}", quality=80)
        out[f"video{i}/none"] = _read(marked, "veracity-public")
        out[f"video{i}/unmarked"] = _read(src, "veracity-public")
    return out


def _audio_ecc() -> Any:
    try:
        from veracity.watermark.audio import framing as payload  # after #26
    except ImportError:
        from veracity.watermark import audio_ecc as payload  # main before #26
    return payload


def _image_ecc() -> Any:
    try:
        from veracity.watermark.image import framing as payload  # after #26
    except ImportError:
        from veracity.watermark.image import ecc as payload  # main before #26
    return payload


def _soft(coded: np.ndarray, rng: np.random.Generator, noise: float, case: int) -> np.ndarray:
    """Noisy soft values; every 4th case rounded coarsely (ties in the trellis), every
    10th with a NaN or infinity in it."""
    soft = coded + rng.normal(0, noise, coded.shape)
    if case % 4 == 1:
        soft = np.round(soft)
    if case % 10 == 3:
        soft[rng.integers(len(soft))] = [np.nan, np.inf, -np.inf][case % 3]
    return soft


def ecc_readings(n: int = 120) -> dict[str, dict[str, Any]]:
    """Decoder outputs on noisy, tied and non-finite soft inputs (image and audio codes)."""
    image, audio = _image_ecc(), _audio_ecc()
    rng = np.random.default_rng(7)
    out: dict[str, dict[str, Any]] = {}
    for case in range(n):
        noise = 0.3 + 1.7 * case / n
        payload = rng.bytes(8)
        soft = _soft(image.encode(payload), rng, noise, case)
        decoded, ok = image.decode(soft)
        out[f"ecc-image/{case}"] = {"payload": decoded.hex(), "crc_ok": bool(ok)}
        short = payload[:4]
        coded = 1.0 - 2.0 * audio.encode_payload(short).astype(np.float64)
        soft = _soft(coded, rng, noise, case)
        decoded, ok = audio.decode_payload(soft)
        listed = audio.list_decode(soft, 8)[0]
        out[f"ecc-audio/{case}"] = {
            "payload": decoded.hex(),
            "crc_ok": bool(ok),
            "list8": None if listed is None else [listed[0].hex(), listed[1]],
        }
    return out


def readings(folder: Path) -> dict[str, dict[str, Any]]:
    """Every case of the regression set, keyed ``modality<i>/<attack>``."""
    # Video before audio: after the audio edits (MP3 encoding), main's video readings
    # in the same process differ in the last digits (process-wide state outside our code).
    return {
        **image_readings(folder),
        **video_readings(folder),
        **audio_readings(folder),
        **ecc_readings(),
    }


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        found = readings(Path(tmp))
    Path(sys.argv[1]).write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
    print(f"{len(found)} readings written to {sys.argv[1]}")
