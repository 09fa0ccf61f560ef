"""Build the C2PA manifest definition (JSON for ``c2pa.Builder``) Veracity signs.

Pure functions: no I/O, so the definitions are golden-tested.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
from typing import Any

from veracity import __version__

__all__ = [
    "AI_SOURCE_TYPES",
    "AUDIO_WATERMARK_ALG",
    "BLOCKHASH_LABEL",
    "FINGERPRINT_ALG",
    "FINGERPRINT_LABEL",
    "IPTC",
    "PARENT_LABEL",
    "VIDEO_WATERMARK_ALG",
    "WATERMARK_ALG",
    "WATERMARK_ALGS",
    "ManifestSpec",
    "build_definition",
]

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
AI_SOURCE_TYPES = frozenset(
    IPTC + name
    for name in (
        "trainedAlgorithmicMedia",
        "compositeWithTrainedAlgorithmicMedia",
        "algorithmicMedia",
        "compositeSynthetic",
    )
)
# Soft-binding algorithm names (reverse-domain, as C2PA asks for unregistered algorithms).
WATERMARK_ALG = "io.github.veracity.watermark.image.v1"
AUDIO_WATERMARK_ALG = "io.github.veracity.watermark.audio.v1"
VIDEO_WATERMARK_ALG = "io.github.veracity.watermark.video.v1"
WATERMARK_ALGS = (WATERMARK_ALG, AUDIO_WATERMARK_ALG, VIDEO_WATERMARK_ALG)
FINGERPRINT_ALG = "io.github.veracity.pdq"
FINGERPRINT_LABEL = "io.github.veracity.fingerprint"
PARENT_LABEL = "parent"
BLOCKHASH_LABEL = "io.github.veracity.blockhash"


@dataclasses.dataclass(frozen=True)
class ManifestSpec:
    """What to state in a manifest.

    Attributes:
        title: Asset title (usually the file name).
        author: Person credited as author (schema.org CreativeWork), or None.
        tool: Software agent named in the actions.
        ai_generated: Declare the content as made by a trained model.
        source_type: IPTC digital source type name for ``c2pa.created`` when not AI.
        has_parent: An edited file: ``c2pa.opened`` the parent ingredient, then ``c2pa.edited``.
        manifest_id: Id carried by the watermark (8 bytes; 4 for audio), or None when not
            durable.
        watermark_alg: Soft-binding algorithm of that watermark (image, audio or video).
        fingerprints: PDQ digests of the signed content and its enrolled crops.
        block_hash: Block-wise perceptual hash of the signed image (assertion data from
            :meth:`veracity.credentials.blockhash.BlockHash.to_assertion`), or None.
        when: ISO 8601 time of the actions (default: now).
    """

    title: str
    author: str | None = None
    tool: str = "Veracity"
    ai_generated: bool = False
    source_type: str = "digitalCreation"
    has_parent: bool = False
    manifest_id: bytes | None = None
    watermark_alg: str = WATERMARK_ALG
    fingerprints: tuple[bytes, ...] = ()
    block_hash: dict[str, Any] | None = None
    when: str | None = None


def _agent(spec: ManifestSpec) -> dict[str, str]:
    return {"name": spec.tool, "version": __version__}


def _actions(spec: ManifestSpec, when: str) -> list[dict[str, Any]]:
    agent = _agent(spec)
    if spec.has_parent:
        edited: dict[str, Any] = {"action": "c2pa.edited", "softwareAgent": agent, "when": when}
        if spec.ai_generated:
            edited["digitalSourceType"] = IPTC + "compositeWithTrainedAlgorithmicMedia"
        actions = [
            {
                "action": "c2pa.opened",
                "when": when,
                "parameters": {"ingredientIds": [PARENT_LABEL]},
            },
            edited,
        ]
    else:
        source = "trainedAlgorithmicMedia" if spec.ai_generated else spec.source_type
        actions = [
            {
                "action": "c2pa.created",
                "digitalSourceType": IPTC + source,
                "softwareAgent": agent,
                "when": when,
            }
        ]
    if spec.manifest_id is not None:
        actions.append({"action": "c2pa.watermarked", "softwareAgent": agent, "when": when})
    return actions


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def build_definition(spec: ManifestSpec) -> dict[str, Any]:
    """Return the manifest definition for ``c2pa.Builder``."""
    when = spec.when or datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    assertions: list[dict[str, Any]] = [
        {"label": "c2pa.actions", "data": {"actions": _actions(spec, when)}}
    ]
    if spec.author:
        assertions.append(
            {
                "label": "stds.schema-org.CreativeWork",
                "data": {
                    "@context": "https://schema.org",
                    "@type": "CreativeWork",
                    "author": [{"@type": "Person", "name": spec.author}],
                },
            }
        )
    if spec.manifest_id is not None:
        assertions.append(
            {
                "label": "c2pa.soft-binding",
                "data": {
                    "alg": spec.watermark_alg,
                    "blocks": [{"scope": {}, "value": _b64(spec.manifest_id)}],
                },
            }
        )
    if spec.fingerprints:
        values = [_b64(d) for d in spec.fingerprints]
        assertions.append(
            {"label": FINGERPRINT_LABEL, "data": {"alg": FINGERPRINT_ALG, "values": values}}
        )
    if spec.block_hash is not None:
        assertions.append({"label": BLOCKHASH_LABEL, "data": spec.block_hash})
    return {
        "claim_generator_info": [{"name": "Veracity", "version": __version__}],
        "title": spec.title,
        "assertions": assertions,
    }
