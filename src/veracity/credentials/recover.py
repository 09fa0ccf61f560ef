"""Find the manifest of a stripped copy: watermark id first, then PDQ fingerprint.

A :class:`Lookup` answers the two questions recovery asks (which manifest carries this
watermark id; which manifests have a fingerprint near this one) from a local store or a
remote Soft Binding Resolution service.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

import c2pa
import numpy as np

from veracity.credentials.durable import (
    FINGERPRINT_MAX_DISTANCE,
    MIN_PDQ_QUALITY,
    WATERMARK_CONFIRM_DISTANCE,
    best_distance,
    watermark_functions,
)
from veracity.credentials.durable import (
    fingerprint as durable_fingerprint,
)
from veracity.credentials.engine import manifest_thumbnail, read_manifest_store
from veracity.credentials.geometry import MIN_INLIERS, matched_inliers
from veracity.credentials.report import embedded_fingerprints
from veracity.credentials.store import ManifestStore, Match
from veracity.errors import InputError
from veracity.media.image import decode_image_bytes
from veracity.results import WatermarkReading

__all__ = ["LocalLookup", "Lookup", "Recovered", "recover_manifest"]


class Lookup(Protocol):
    """Where recovery looks manifests up."""

    def by_watermark(self, manifest_id: str) -> bytes | None:
        """Manifest bytes for a watermark id, or None."""
        ...

    def by_fingerprint(self, digest: bytes, max_distance: int) -> list[Match]:
        """Manifest ids with a fingerprint within ``max_distance`` bits, best first."""
        ...

    def manifest(self, manifest_id: str) -> bytes | None:
        """Manifest bytes by id, or None."""
        ...


class LocalLookup:
    """Recovery against a :class:`ManifestStore` on this machine."""

    def __init__(self, store: ManifestStore, *, owned: bool = False) -> None:
        self.store = store
        self._owned = owned

    def close_owned(self) -> None:
        """Close the store if this lookup opened it."""
        if self._owned:
            self.store.close()

    def by_watermark(self, manifest_id: str) -> bytes | None:
        record = self.store.get(manifest_id)
        return record.manifest if record else None

    def by_fingerprint(self, digest: bytes, max_distance: int) -> list[Match]:
        return self.store.nearest(digest, max_distance)

    def manifest(self, manifest_id: str) -> bytes | None:
        return self.by_watermark(manifest_id)


@dataclasses.dataclass(frozen=True)
class Recovered:
    """A manifest recovered for stripped content."""

    manifest: bytes
    store_json: dict[str, Any]
    manifest_id: str
    via: str
    evidence: dict[str, Any]


def _read(manifest: bytes, context: c2pa.Context) -> dict[str, Any] | None:
    return read_manifest_store(manifest, "application/c2pa", context).store


def _watermark_id(
    rgb: np.ndarray, key: str, reading: WatermarkReading | None
) -> tuple[str | None, dict[str, Any]]:
    if reading is None:
        _, detect_pixels = watermark_functions()
        reading = detect_pixels(rgb, key)
    facts = {
        "watermark_detected": bool(reading.detected),
        "watermark_p_value": float(reading.p_value),
    }
    payload = reading.payload if reading.detected else None
    return (payload.lower() if isinstance(payload, str) and len(payload) == 16 else None), facts


def _by_watermark(
    rgb: np.ndarray,
    digest: bytes,
    lookup: Lookup,
    key: str,
    context: c2pa.Context,
    evidence: dict[str, Any],
    reading: WatermarkReading | None,
) -> Recovered | None:
    mid, facts = _watermark_id(rgb, key, reading)
    evidence.update(facts)
    if mid is None:
        return None
    manifest = lookup.by_watermark(mid)
    store_json = _read(manifest, context) if manifest else None
    if manifest is None or store_json is None:
        evidence["watermark_unresolved"] = mid
        return None
    label = store_json.get("active_manifest")
    enrolled = embedded_fingerprints(store_json.get("manifests", {}).get(label, {}))
    distance = best_distance(digest, enrolled)
    evidence["fingerprint_distance"] = distance
    if enrolled and distance > WATERMARK_CONFIRM_DISTANCE:
        evidence["watermark_rejected"] = f"fingerprint {distance} bits from the signed image"
        return None
    return Recovered(manifest, store_json, mid, "watermark", evidence)


def recover_manifest(
    rgb: np.ndarray,
    lookup: Lookup,
    context: c2pa.Context,
    *,
    key: str,
    use_watermark: bool = True,
    reading: WatermarkReading | None = None,
) -> tuple[Recovered | None, dict[str, Any]]:
    """Look the image's manifest up by watermark, then by fingerprint.

    ``reading`` is the image's watermark reading under ``key`` when the caller already has
    it (``veracity check`` reads the watermark anyway); otherwise it is read here.

    Returns:
        The recovered manifest (or None) and the evidence gathered (p-values, distances).
    """
    fingerprint = durable_fingerprint(rgb)
    evidence: dict[str, Any] = {"pdq": fingerprint.hex, "pdq_quality": fingerprint.quality}
    if use_watermark:
        found = _by_watermark(rgb, fingerprint.digest, lookup, key, context, evidence, reading)
        if found is not None:
            return found, evidence
    if fingerprint.quality < MIN_PDQ_QUALITY:
        evidence["fingerprint_skipped"] = "image too flat for a reliable fingerprint"
        return None, evidence
    matches = lookup.by_fingerprint(fingerprint.digest, FINGERPRINT_MAX_DISTANCE)
    evidence["fingerprint_matches"] = [dataclasses.asdict(m) for m in matches]
    inliers_by_id: dict[str, int] = {}
    evidence["geometric_inliers"] = inliers_by_id
    for match in matches:
        manifest = lookup.manifest(match.manifest_id)
        store_json = _read(manifest, context) if manifest else None
        if manifest is None or store_json is None:
            continue
        inliers = _verified_inliers(rgb, manifest, context)
        inliers_by_id[match.manifest_id] = inliers
        if inliers >= MIN_INLIERS:
            evidence["fingerprint_distance"] = match.distance
            found = Recovered(manifest, store_json, match.manifest_id, "fingerprint", evidence)
            return found, evidence
    return None, evidence


def _verified_inliers(rgb: np.ndarray, manifest: bytes, context: c2pa.Context) -> int:
    """Keypoint inliers between the query and the manifest's thumbnail (0 without one)."""
    thumbnail = manifest_thumbnail(manifest, context)
    if thumbnail is None:
        return 0
    try:
        reference = decode_image_bytes(thumbnail, "manifest thumbnail").rgb
    except InputError:
        return 0
    return matched_inliers(rgb, reference)
