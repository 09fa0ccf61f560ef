"""Every synthesised file leaves marked and labelled: watermark, then a signed credential.

There is deliberately no way to skip either step: ``veracity synth`` makes fakes for
evaluation, and a fake that escapes the benchmark folder must still say what it is, to
a watermark reader (even after the metadata is stripped) and to a C2PA verifier.
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from veracity.credentials import ManifestSpec, SigningIdentity, sign_file
from veracity.errors import ConfigError
from veracity.media.audio_out import save_audio
from veracity.media.image import save_image
from veracity.synth.makers import TRAINED, Made
from veracity.watermark.api import detect_file, embed_file
from veracity.watermark.catalog import codec_registry

__all__ = ["TOOL", "Signer", "finish", "payload_for", "signer"]

TOOL = "Veracity synth"


@dataclasses.dataclass(frozen=True)
class Signer:
    """The identity that signs synthesised files, and a note on where it came from."""

    identity: SigningIdentity
    note: str


@contextlib.contextmanager
def signer() -> Iterator[Signer]:
    """The user's identity when one exists, else a throwaway one that is never stored.

    A throwaway signer is not in any trust list, so its credentials verify as ``valid``
    (not ``trusted``); that is enough for ``check`` to report the declared AI origin.
    """
    from veracity.credentials import init_identity, load_identity

    try:
        own: SigningIdentity | None = load_identity()
    except ConfigError:
        own = None
    if own is not None:
        yield Signer(own, "signed with your identity")
        return
    with tempfile.TemporaryDirectory(prefix="veracity-synth-id-") as tmp:
        init_identity(Path(tmp), common_name="Veracity synth (throwaway signer)")
        yield Signer(
            load_identity(Path(tmp)),
            "signed with a throwaway identity ('veracity credentials init' makes a lasting one)",
        )


def payload_for(modality: str, rng: np.random.Generator) -> str:
    """A random watermark payload (hex) that fits the modality's codec."""
    bits = codec_registry().get(modality).payload_bits
    value = int.from_bytes(rng.bytes((bits + 7) // 8), "big") >> (-bits % 8)
    return f"{value:0{(bits + 3) // 4}x}"


def finish(made: Made, dst: Path, payload: str, source_type: str, sign: Signer) -> bool:
    """Watermark ``made`` with ``payload`` and sign it into ``dst`` (atomically).

    The mark is read back before signing; when it does not read back (some small or
    flat images), nothing is written and False is returned: no fake leaves unmarked.

    Args:
        made: The fake (image or audio).
        dst: Output path; its suffix picks the format (.jpg, .png or .wav).
        payload: Watermark payload in hex.
        source_type: IPTC digital source type name the credential declares.
        sign: Signing identity.
    """
    with tempfile.TemporaryDirectory(prefix="veracity-synth-") as tmp:
        raw = Path(tmp) / ("raw.png" if made.rgb is not None else "raw.wav")
        if made.rgb is not None:
            save_image(made.rgb, raw)
        else:
            save_audio(raw, np.asarray(made.audio), made.rate)
        marked = Path(tmp) / f"marked{dst.suffix}"
        embed_file(raw, marked, payload_hex=payload, quality=95)
        reading = detect_file(marked)
        if not reading.detected or reading.payload != payload:
            return False
        spec = ManifestSpec(
            title=dst.name,
            tool=TOOL,
            ai_generated=source_type == TRAINED,
            source_type=source_type,
        )
        sign_file(marked, dst, identity=sign.identity, spec=spec)
    return True
