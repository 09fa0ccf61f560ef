"""Offline synthetic-speech generators for training and testing the speech detector.

Text-to-speech through the Debian engines (espeak-ng, flite, festival's text2wave)
and vocoder re-synthesis of real speech (WORLD through pyworld, Griffin-Lim in
numpy). Every function returns mono ``float64`` samples and their rate. A missing
engine raises :class:`~veracity.errors.ModelError` naming the package to install.
"""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType, SimpleNamespace

import numpy as np

from veracity.errors import InputError, ModelError
from veracity.media.audio import decode_audio

__all__ = [
    "ESPEAK_VOICES",
    "FLITE_VOICES",
    "griffin_lim_resynth",
    "speech_like",
    "tts",
    "world_resynth",
]

ESPEAK_VOICES = ("en", "en-us", "en+f2", "en+f4", "en+m3", "en+m5", "en-gb-scotland", "en+klatt")
FLITE_VOICES = ("kal16", "slt", "rms", "awb", "kal")
_PACKAGES = {"espeak-ng": "espeak-ng", "flite": "flite", "text2wave": "festival"}


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ModelError(
            f"{name} is not installed; install it with `apt-get install -y {_PACKAGES[name]}`"
        )
    return path


def _command(engine: str, voice: str, text_file: Path, wav: Path) -> list[str]:
    if engine == "espeak":
        return [_binary("espeak-ng"), "-v", voice, "-f", str(text_file), "-w", str(wav)]
    if engine == "flite":
        return [_binary("flite"), "-voice", voice, "-f", str(text_file), "-o", str(wav)]
    if engine == "festival":
        return [_binary("text2wave"), str(text_file), "-o", str(wav)]
    raise InputError(f"unknown TTS engine {engine!r} (espeak, flite, festival)")


def tts(text: str, engine: str, voice: str = "") -> tuple[np.ndarray, int]:
    """Synthesise ``text`` with a Debian TTS engine.

    Args:
        text: English text.
        engine: ``espeak``, ``flite`` or ``festival``.
        voice: Engine voice (see :data:`ESPEAK_VOICES`, :data:`FLITE_VOICES`).

    Raises:
        ModelError: The engine binary is not installed or failed.
    """
    with tempfile.TemporaryDirectory() as tmp:
        text_file, wav = Path(tmp) / "in.txt", Path(tmp) / "out.wav"
        text_file.write_text(text, encoding="utf-8")
        proc = subprocess.run(
            _command(engine, voice, text_file, wav), capture_output=True, timeout=120, check=False
        )
        if proc.returncode != 0 or not wav.exists() or wav.stat().st_size < 100:
            message = proc.stderr.decode("utf-8", "replace").strip()[:200]
            raise ModelError(f"{engine} failed (exit {proc.returncode}): {message}")
        x, rate = decode_audio(wav, rate=None)
    return x.astype(np.float64), rate


def _import_pyworld() -> ModuleType:
    """Import pyworld; its ``__init__`` still needs ``pkg_resources`` (gone in setuptools 81)."""
    try:
        import pkg_resources  # noqa: F401
    except ImportError:
        shim = ModuleType("pkg_resources")
        shim.get_distribution = lambda name: SimpleNamespace(  # type: ignore[attr-defined]
            version=importlib.metadata.version(name)
        )
        sys.modules.setdefault("pkg_resources", shim)
    try:
        import pyworld
    except ImportError:
        raise ModelError("pyworld is not installed; `pip install pyworld`") from None
    return pyworld


def world_resynth(x: np.ndarray, rate: int) -> tuple[np.ndarray, int]:
    """Analyse with WORLD (DIO, CheapTrick, D4C) and synthesise again.

    Raises:
        ModelError: pyworld is not installed (``pip install pyworld``).
    """
    pyworld = _import_pyworld()
    x = np.ascontiguousarray(x, dtype=np.float64)
    f0, t = pyworld.dio(x, rate, frame_period=5.0)
    f0 = pyworld.stonemask(x, f0, t, rate)
    sp = pyworld.cheaptrick(x, f0, t, rate)
    ap = pyworld.d4c(x, f0, t, rate)
    y = pyworld.synthesize(f0, sp, ap, rate, frame_period=5.0)
    return y[: len(x)], rate


def _stft(x: np.ndarray, n: int, hop: int) -> np.ndarray:
    win = np.hanning(n + 1)[:n]
    pad = np.concatenate([np.zeros(n // 2), x, np.zeros(n)])
    frames = (len(x) + hop - 1) // hop + 1
    idx = np.arange(n)[None, :] + hop * np.arange(frames)[:, None]
    return np.fft.rfft(pad[idx] * win, axis=1)


def _istft(spec: np.ndarray, n: int, hop: int, length: int) -> np.ndarray:
    win = np.hanning(n + 1)[:n]
    frames = np.fft.irfft(spec, n=n, axis=1) * win
    out = np.zeros(hop * len(spec) + n)
    norm = np.zeros_like(out)
    for i, frame in enumerate(frames):
        out[i * hop : i * hop + n] += frame
        norm[i * hop : i * hop + n] += win**2
    out = out / np.maximum(norm, 1e-8)
    return out[n // 2 : n // 2 + length]


def griffin_lim_resynth(
    x: np.ndarray, rate: int, *, iterations: int = 32, seed: int = 0
) -> tuple[np.ndarray, int]:
    """Keep the STFT magnitude of ``x``, discard its phase, and recover one by Griffin-Lim."""
    n = 1024 if rate > 16000 else 512
    hop = n // 4
    mag = np.abs(_stft(x, n, hop))
    rng = np.random.default_rng(seed)
    phase = np.exp(2j * np.pi * rng.random(mag.shape))
    y = _istft(mag * phase, n, hop, len(x))
    for _ in range(iterations):
        spec = _stft(y, n, hop)
        y = _istft(mag * np.exp(1j * np.angle(spec)), n, hop, len(x))
    return y, rate


def speech_like(duration_s: float, rate: int = 16000, seed: int = 0) -> np.ndarray:
    """A deterministic speech-like test signal (no recording needed).

    Voiced syllables (a glottal pulse train with a wandering pitch, shaped by three
    parallel formant resonances) alternate with short noise bursts and pauses, over a
    -55 dB noise floor. It is a
    stand-in for speech in tests, not a substitute for real recordings.
    """
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    n = int(duration_s * rate)
    out = np.zeros(n)
    pos = 0
    while pos < n:
        length = int(rng.uniform(0.12, 0.35) * rate)
        seg = np.zeros(length)
        if rng.random() < 0.85:
            f0 = rng.uniform(90, 220) * (1 + 0.1 * np.sin(np.linspace(0, 3, length)))
            phase = np.cumsum(f0 / rate)
            seg[np.flatnonzero(np.diff(np.floor(phase), prepend=0) > 0)] = 1.0
            source = seg + 0.02 * rng.normal(size=length)
            seg = np.zeros(length)
            formants = rng.uniform([300, 900, 2200], [800, 2000, 3200])
            for formant, gain in zip(formants, (1.0, 0.5, 0.25), strict=True):
                r = np.exp(-np.pi * 200 / rate)
                a = [1, -2 * r * np.cos(2 * np.pi * formant / rate), r * r]
                seg += gain * lfilter([1 - r], a, source)
        else:
            seg = 0.3 * rng.normal(size=length) * (rng.random() < 0.5)
        env = np.hanning(length) ** 0.25 * rng.uniform(0.5, 1.0)
        end = min(n, pos + length)
        out[pos:end] = (seg * env)[: end - pos]
        pos = end + int(rng.uniform(0.0, 0.04) * rate)
    out = out / (np.max(np.abs(out)) + 1e-12)
    out += 10 ** (-55 / 20) * rng.normal(size=n)  # a recording's noise floor
    return 0.25 * out / np.max(np.abs(out))
