"""Client for a remote C2PA Soft Binding Resolution service (``verify --resolver URL``)."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from veracity.credentials.manifest import FINGERPRINT_ALG, WATERMARK_ALG
from veracity.credentials.store import Match, check_manifest_id
from veracity.errors import ResolverError, UsageError

__all__ = ["RemoteLookup", "check_resolver_url"]


def check_resolver_url(url: str) -> str:
    """Return ``url`` if it is an absolute http(s) URL with a host.

    Raises:
        UsageError: Another scheme, no host, or not a URL at all.
    """
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise UsageError(f"resolver URL {url!r} is not valid ({exc})") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise UsageError(f"resolver URL {url!r} must be http:// or https:// with a host")
    return url


class RemoteLookup:
    """Recovery lookups over HTTP against ``create_resolver_router`` (or any conforming API)."""

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self.base_url = check_resolver_url(base_url).rstrip("/")
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout)

    def _get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response | None:
        try:
            resp = self._client.get(path, params=params)
        except httpx.HTTPError as exc:
            raise ResolverError(
                f"resolver {self.base_url} unreachable: {exc.__class__.__name__}: {exc}"
            ) from None
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            raise ResolverError(f"resolver {self.base_url}{path} answered HTTP {resp.status_code}")
        return resp

    def _matches(self, alg: str, value: bytes, max_distance: int | None = None) -> list[Match]:
        params: dict[str, Any] = {"alg": alg, "value": base64.b64encode(value).decode("ascii")}
        if max_distance is not None:
            params["maxDistance"] = max_distance
        resp = self._get("/matches/byBinding", params)
        if resp is None:
            return []
        try:
            rows = resp.json()["matches"]
            return [
                Match(check_manifest_id(r["manifestId"]), int(r.get("distance", 0))) for r in rows
            ]
        except (ValueError, KeyError, TypeError) as exc:
            raise ResolverError(
                f"resolver {self.base_url} sent a malformed answer ({exc})"
            ) from None

    def by_watermark(self, manifest_id: str) -> bytes | None:
        """Manifest bytes for a watermark id, or None."""
        matches = self._matches(WATERMARK_ALG, bytes.fromhex(manifest_id))
        return self.manifest(matches[0].manifest_id) if matches else None

    def by_fingerprint(self, digest: bytes, max_distance: int) -> list[Match]:
        """Manifests with a fingerprint within ``max_distance`` bits, best first."""
        return self._matches(FINGERPRINT_ALG, digest, max_distance)

    def manifest(self, manifest_id: str) -> bytes | None:
        """The manifest store bytes for ``manifest_id``, or None."""
        resp = self._get(f"/manifests/{check_manifest_id(manifest_id)}")
        return resp.content if resp is not None else None

    def close_owned(self) -> None:
        """Close the HTTP client."""
        self._client.close()
