"""The manipulation kinds of ``veracity synth``: turn one real file into one fake.

Each kind names its modality, its generators and, per generator, the IPTC digital
source type its credential declares: ``trainedAlgorithmicMedia`` for models fitted to
data (the trained decoders; flite and festival voices, built from recordings; the Piper
neural voice),
``algorithmicMedia`` for pure signal processing (resampling chains, espeak-ng formant
synthesis, Griffin-Lim and WORLD vocoding) and ``compositeSynthetic`` for composites
of a real picture (face swaps and self-blends).
"""

from __future__ import annotations

import dataclasses
import functools
import shutil
from typing import Any

import numpy as np

from veracity.errors import ModelError, UnsupportedFormatError, UsageError
from veracity.results import Modality
from veracity.synth.generators import generate, generator_names
from veracity.synth.speech import ESPEAK_VOICES, FLITE_VOICES

__all__ = [
    "KINDS",
    "TRAINED",
    "Kind",
    "Made",
    "available_generators",
    "kind_for",
    "make_aigen",
    "make_audio",
    "pick_generator",
]

TRAINED, ALGORITHMIC, COMPOSITE = (
    "trainedAlgorithmicMedia",
    "algorithmicMedia",
    "compositeSynthetic",
)


@dataclasses.dataclass(frozen=True)
class Kind:
    """A manipulation kind.

    Attributes:
        name: ``aigen``, ``faceswap``, ``selfblend``, ``tts`` or ``vocoder``.
        modality: The modality it reads and writes.
        source_types: Generator name -> IPTC digital source type its outputs declare.
    """

    name: str
    modality: Modality
    source_types: dict[str, str]


_TRAINED_DECODERS = {"ae_deconv", "ae_upconv", "denoiser"}
KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "aigen",
            "image",
            {g: TRAINED if g in _TRAINED_DECODERS else ALGORITHMIC for g in generator_names()},
        ),
        Kind("faceswap", "image", {"classic_swap": COMPOSITE}),
        Kind("selfblend", "image", {"selfblend": COMPOSITE}),
        Kind(
            "tts",
            "audio",
            {"espeak": ALGORITHMIC, "flite": TRAINED, "festival": TRAINED, "piper": TRAINED},
        ),
        Kind("vocoder", "audio", {"griffinlim": ALGORITHMIC, "world": ALGORITHMIC}),
    )
}
AUTO = {"image": "aigen", "audio": "vocoder"}
_TTS_BINARIES = {"espeak": "espeak-ng", "flite": "flite", "festival": "text2wave"}
TEXTS = (
    "The committee met on a grey Tuesday morning to review the harbour budget, and after a "
    "long discussion it agreed to repair the old sea wall before the winter storms arrive.",
    "Most of the village gathered in the square to hear the results, which were read aloud "
    "slowly by the mayor while children ran between the market stalls and the fountain.",
    "Scientists at the observatory reported a faint signal from a distant galaxy, but they "
    "warned that several more weeks of careful measurement would be needed to confirm it.",
)


@dataclasses.dataclass(frozen=True, eq=False)
class Made:
    """One fake, before watermarking and signing.

    Attributes:
        generator: Generator that made it.
        params: Its random choices and settings (JSON-ready).
        rgb: The image (uint8 RGB), for image kinds.
        audio: Mono float samples in [-1, 1], for audio kinds.
        rate: Sample rate of ``audio``.
    """

    generator: str
    params: dict[str, Any]
    rgb: np.ndarray | None = None
    audio: np.ndarray | None = None
    rate: int = 0


def kind_for(requested: str, modality: Modality) -> Kind:
    """The kind to apply to a file of ``modality`` (``auto`` picks one by modality).

    Raises:
        UsageError: Unknown kind.
        UnsupportedFormatError: The kind does not apply to this modality.
    """
    if requested == "auto":
        if modality not in AUTO:
            raise UnsupportedFormatError(
                f"synth does not handle {modality} files yet: no {modality} manipulation is "
                "implemented (extract frames or audio first)"
            )
        requested = AUTO[modality]
    if requested not in KINDS:
        raise UsageError(f"unknown kind {requested!r} (known: {', '.join(KINDS)}, auto)")
    kind = KINDS[requested]
    if kind.modality != modality:
        raise UnsupportedFormatError(f"--kind {kind.name} needs {kind.modality}, not {modality}")
    return kind


@functools.cache
def _pyworld_ok() -> bool:
    try:
        import pyworld  # noqa: F401
    except ImportError:  # also a pyworld that cannot import its own dependencies
        return False
    return True


def _tts_available(engine: str) -> bool:
    """A Debian engine's binary is on PATH, or Piper's wheels are installed."""
    if engine == "piper":
        from veracity.synth.neural_tts import piper_available

        return piper_available()
    return shutil.which(_TTS_BINARIES[engine]) is not None


def available_generators(kind: Kind) -> list[str]:
    """Generators of ``kind`` that can run here (TTS binaries installed, pyworld importable)."""
    names = list(kind.source_types)
    if kind.name == "tts":
        names = [n for n in names if _tts_available(n)]
    if kind.name == "vocoder" and not _pyworld_ok():
        names.remove("world")
    return names


def pick_generator(kind: Kind, requested: str | None, rng: np.random.Generator) -> str:
    """``requested`` when given (checked), else a random available generator of ``kind``.

    Raises:
        UsageError: ``requested`` is not a generator of ``kind``.
        ModelError: No generator of ``kind`` can run here.
    """
    if requested is not None:
        if requested not in kind.source_types:
            known = ", ".join(kind.source_types)
            raise UsageError(f"--kind {kind.name} has no generator {requested!r} (known: {known})")
        return requested
    names = available_generators(kind)
    if not names:
        raise ModelError(f"no {kind.name} generator can run here (install espeak-ng or flite)")
    return names[int(rng.integers(len(names)))]


def make_aigen(rgb: np.ndarray, generator: str, rng: np.random.Generator) -> Made:
    """Re-synthesise an image through one of the generator-like decoders."""
    return Made(
        generator,
        {"size": [int(rgb.shape[1]), int(rgb.shape[0])]},
        rgb=generate(rgb, generator, rng),
    )


def _match_level(y: np.ndarray, like: np.ndarray) -> np.ndarray:
    peak = float(np.max(np.abs(like))) or 0.5
    return (y / (float(np.max(np.abs(y))) + 1e-12) * min(peak, 0.98)).astype(np.float32)


def _tts(generator: str, rate: int, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, Any]]:
    from veracity.synth.audio_edits import resample
    from veracity.synth.neural_tts import PIPER_VOICES, piper_tts
    from veracity.synth.speech import tts

    voices = {
        "espeak": ESPEAK_VOICES,
        "flite": FLITE_VOICES,
        "festival": ("",),
        "piper": PIPER_VOICES,
    }[generator]
    voice = voices[int(rng.integers(len(voices)))]
    text = TEXTS[int(rng.integers(len(TEXTS)))]
    if generator == "piper":
        y, engine_rate = piper_tts(text, voice)
    else:
        y, engine_rate = tts(text, generator, voice)
    y, _ = resample(y, engine_rate, rate)
    return y, {"voice": voice, "text": text, "engine_rate": engine_rate}


def make_audio(
    x: np.ndarray, rate: int, kind: Kind, generator: str, rng: np.random.Generator
) -> Made:
    """Speak a text (``tts``) or re-synthesise ``x`` (``vocoder``) at ``x``'s sample rate."""
    from veracity.synth.speech import griffin_lim_resynth, world_resynth

    params: dict[str, Any] = {"rate": rate}
    if kind.name == "tts":
        y, extra = _tts(generator, rate, rng)
        params.update(extra)
    elif generator == "world":
        y, _ = world_resynth(x, rate)
    else:
        seed = int(rng.integers(2**31))
        y, _ = griffin_lim_resynth(x, rate, seed=seed)
        params["phase_seed"] = seed
    return Made(generator, params, audio=_match_level(np.asarray(y, np.float64), x), rate=rate)
