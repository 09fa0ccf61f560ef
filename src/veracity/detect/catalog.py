"""The detector registry, filled by explicit registration functions."""

from __future__ import annotations

from collections.abc import Sequence

from veracity.detect.base import Detector
from veracity.errors import UsageError
from veracity.registry import Registry
from veracity.results import Modality

__all__ = ["ALIASES", "check_detector_names", "detector_registry", "detectors_for"]

_REGISTRY: Registry[Detector] | None = None

# Renamed detectors: old name -> new name, accepted by --detectors and the config for a
# release after a rename (a rename is the detector's ``name`` plus one line here).
ALIASES: dict[str, str] = {}


def _build() -> Registry[Detector]:
    registry: Registry[Detector] = Registry("detector", Detector)
    # Each detector family registers itself here by an explicit import; importing a
    # module loads no model (models load on first use).
    from veracity.detect.npr import NprDetector
    from veracity.detect.spectral import SpectralDetector

    registry.register(SpectralDetector.name, SpectralDetector)
    registry.register(NprDetector.name, NprDetector)

    from veracity.detect.clip_probe import ClipProbeDetector

    registry.register(ClipProbeDetector.name, ClipProbeDetector)

    _register_faces(registry)

    from veracity.detect.synthetic_speech import SyntheticSpeechDetector

    registry.register("speech_lfcc", SyntheticSpeechDetector)
    for old, new in ALIASES.items():
        registry.alias(old, new)
    return registry


def _register_faces(registry: Registry[Detector]) -> None:
    from veracity.detect.face_blend import FaceBlendDetector
    from veracity.detect.face_consistency import FaceConsistencyDetector
    from veracity.detect.face_consistency_video import FaceConsistencyVideoDetector
    from veracity.detect.face_deepfake import FaceDeepfakeDetector
    from veracity.detect.face_video import FaceVideoDetector

    registry.register(FaceBlendDetector.name, FaceBlendDetector)
    registry.register(FaceConsistencyDetector.name, FaceConsistencyDetector)
    registry.register(FaceConsistencyVideoDetector.name, FaceConsistencyVideoDetector)
    registry.register(FaceDeepfakeDetector.name, FaceDeepfakeDetector)
    registry.register(FaceVideoDetector.name, FaceVideoDetector)


def detector_registry() -> Registry[Detector]:
    """Return the process-wide registry with every built-in detector registered."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = _build()
    return _REGISTRY


def detectors_for(modality: Modality, *, include_optional: bool = False) -> list[Detector]:
    """Instantiate (once) and return the registered detectors for ``modality``.

    Detectors whose class sets ``default = False`` are opt-in: they run only when named
    (``--detectors``), i.e. with ``include_optional``.
    """
    registry = detector_registry()
    found = [registry.get(name) for name in registry.names()]
    return [
        d
        for d in found
        if d.modality == modality and (include_optional or getattr(d, "default", True))
    ]


def check_detector_names(names: Sequence[str]) -> None:
    """Refuse detector names that are not registered.

    Raises:
        UsageError: A name is unknown; the message lists the valid ones.
    """
    registry = detector_registry()
    known = registry.names()
    unknown = [n for n in names if n not in registry]
    if unknown:
        raise UsageError(
            f"unknown detector {', '.join(map(repr, unknown))} (valid: {', '.join(sorted(known))})"
        )
