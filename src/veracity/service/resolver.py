"""C2PA Soft Binding Resolution API over a manifest store, as a FastAPI router.

Endpoints (C2PA Soft Binding Resolution API 1.0): ``GET/POST /matches/byBinding``,
``POST /matches/byContent``, ``GET /manifests/{manifestId}`` (``application/c2pa``) and
``GET /services/supportedAlgorithms``. Matches carry ``manifestId`` and
``similarityScore`` (0..100) and, for fingerprints, Veracity's extra ``distance`` field
(Hamming bits), which ``verify --resolver`` uses.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from veracity.credentials.durable import (
    FINGERPRINT_MAX_DISTANCE,
    MIN_PDQ_QUALITY,
    watermark_available,
    watermark_functions,
)
from veracity.credentials.durable import (
    fingerprint as durable_fingerprint,
)
from veracity.credentials.manifest import FINGERPRINT_ALG, WATERMARK_ALG
from veracity.credentials.store import ManifestStore, check_manifest_id
from veracity.errors import InputError, StoreError, UsageError
from veracity.media.image import decode_image_bytes
from veracity.watermark.base import DEFAULT_KEY

__all__ = ["BindingQuery", "create_resolver_router"]

_MAX_UPLOAD = 50 * 1024 * 1024


async def _read_limited(request: Request, limit: int) -> bytes:
    """Read a request body chunk by chunk, refusing it (413) once past ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"asset is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


class BindingQuery(BaseModel):
    """Body of ``POST /matches/byBinding``."""

    alg: str
    value: str


def _decode(value: str, size: int) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise HTTPException(400, "value is not base64") from None
    if len(raw) != size:
        raise HTTPException(400, f"value must decode to {size} bytes")
    return raw


class _Resolver:
    def __init__(self, store: ManifestStore, max_distance: int, key: str) -> None:
        self.store, self.max_distance, self.key = store, max_distance, key

    def by_binding(
        self, alg: str, value: str, max_results: int, max_distance: int | None
    ) -> dict[str, Any]:
        try:
            if alg == WATERMARK_ALG:
                mid = _decode(value, 8).hex()
                found = self.store.get(mid) is not None
                return {"matches": [{"manifestId": mid, "similarityScore": 100}] if found else []}
            if alg == FINGERPRINT_ALG:
                limit = (
                    self.max_distance
                    if max_distance is None
                    else min(max_distance, self.max_distance)
                )
                hits = self.store.nearest(_decode(value, 32), limit, max_results)
                return {"matches": [_fp_match(h.manifest_id, h.distance) for h in hits]}
        except StoreError as exc:
            raise HTTPException(500, f"Service failure: {exc}") from None
        raise HTTPException(400, f"unsupported soft binding algorithm {alg!r}")

    def by_content(self, data: bytes, alg: str | None, max_results: int) -> dict[str, Any]:
        try:
            rgb = decode_image_bytes(data, "upload").rgb
        except InputError as exc:
            raise HTTPException(415, f"Invalid asset type: {exc}") from None
        matches: list[dict[str, Any]] = []
        if alg in (None, WATERMARK_ALG) and watermark_available():
            reading = watermark_functions()[1](rgb, self.key)
            if reading.detected and reading.payload:
                value = base64.b64encode(bytes.fromhex(reading.payload)).decode()
                matches += self.by_binding(WATERMARK_ALG, value, max_results, None)["matches"]
        if alg in (None, FINGERPRINT_ALG):
            fp = durable_fingerprint(rgb)
            if fp.quality >= MIN_PDQ_QUALITY:
                value = base64.b64encode(fp.digest).decode()
                matches += self.by_binding(FINGERPRINT_ALG, value, max_results, None)["matches"]
        elif alg != WATERMARK_ALG:
            raise HTTPException(400, f"unsupported soft binding algorithm {alg!r}")
        return {"matches": _dedupe(matches)[:max_results]}

    def manifest(self, manifest_id: str) -> Response:
        try:
            mid = check_manifest_id(manifest_id)
            record = self.store.get(mid)
        except UsageError as exc:
            raise HTTPException(400, str(exc)) from None
        except StoreError as exc:
            raise HTTPException(500, f"Service failure: {exc}") from None
        if record is None:
            raise HTTPException(404, "C2PA Manifest Id not found")
        return Response(content=record.manifest, media_type="application/c2pa")


def _fp_match(manifest_id: str, distance: int) -> dict[str, Any]:
    score = max(0, round(100 * (1 - distance / 128)))
    return {"manifestId": manifest_id, "similarityScore": score, "distance": distance}


def _dedupe(matches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out = []
    for m in matches:
        if m["manifestId"] not in seen:
            seen.add(m["manifestId"])
            out.append(m)
    return out


def create_resolver_router(
    store: ManifestStore,
    *,
    max_distance: int = FINGERPRINT_MAX_DISTANCE,
    watermark_key: str = DEFAULT_KEY,
    max_upload_bytes: int = _MAX_UPLOAD,
) -> APIRouter:
    """Build the Soft Binding Resolution API router over ``store``.

    Args:
        store: The manifest store to answer from (shared between requests; thread-safe).
        max_distance: Largest PDQ Hamming distance reported as a match.
        watermark_key: Key used to read watermarks in ``/matches/byContent``.
        max_upload_bytes: Largest asset accepted by ``/matches/byContent`` (413 above,
            refused while the body arrives; the body is never read whole first).
    """
    r = _Resolver(store, max_distance, watermark_key)
    router = APIRouter(tags=["soft-binding resolution"])
    results = Query(10, ge=1, le=100, alias="maxResults")

    @router.get("/matches/byBinding")
    def query_by_binding(
        alg: str,
        value: str,
        max_results: int = results,
        max_distance: int | None = Query(None, alias="maxDistance"),
    ) -> dict[str, Any]:
        return r.by_binding(alg, value, max_results, max_distance)

    @router.post("/matches/byBinding")
    def query_by_large_binding(body: BindingQuery, max_results: int = results) -> dict[str, Any]:
        return r.by_binding(body.alg, body.value, max_results, None)

    @router.post("/matches/byContent")
    async def query_by_content(
        request: Request, alg: str | None = None, max_results: int = results
    ) -> dict[str, Any]:
        data = await _read_limited(request, max_upload_bytes)
        if not data:
            raise HTTPException(415, "empty asset")
        return await run_in_threadpool(r.by_content, data, alg, max_results)

    @router.get("/manifests/{manifest_id}")
    def get_manifest(
        manifest_id: str, return_active: bool = Query(False, alias="returnActiveManifest")
    ) -> Response:
        return r.manifest(manifest_id)

    @router.get("/services/supportedAlgorithms")
    def supported_algorithms() -> dict[str, Any]:
        return {"watermarks": [{"alg": WATERMARK_ALG}], "fingerprints": [{"alg": FINGERPRINT_ALG}]}

    return router
