"""The Soft Binding Resolution API router, in-process and over a real socket."""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from veracity.credentials import open_store, sign_file, verify_file
from veracity.credentials.manifest import FINGERPRINT_ALG, WATERMARK_ALG
from veracity.errors import ResolverError
from veracity.fingerprint import pdq_hash
from veracity.service.resolver import create_resolver_router


@pytest.fixture
def signed(cred_home, toy_watermark, wide_photo, tmp_path):
    result = sign_file(wide_photo(), tmp_path / "signed.jpg", durable=True)
    store = open_store()
    yield result, store
    store.close()


def _app(store) -> FastAPI:
    app = FastAPI()
    app.include_router(create_resolver_router(store))
    return app


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_supported_algorithms(signed) -> None:
    client = TestClient(_app(signed[1]))
    body = client.get("/services/supportedAlgorithms").json()
    assert body == {
        "watermarks": [{"alg": WATERMARK_ALG}],
        "fingerprints": [{"alg": FINGERPRINT_ALG}],
    }


def test_by_binding_watermark_and_fingerprint(signed) -> None:
    result, store = signed
    client = TestClient(_app(store))
    wm = _b64(bytes.fromhex(result.manifest_id))
    hit = client.get("/matches/byBinding", params={"alg": WATERMARK_ALG, "value": wm}).json()
    assert hit == {"matches": [{"manifestId": result.manifest_id, "similarityScore": 100}]}
    miss = client.get("/matches/byBinding", params={"alg": WATERMARK_ALG, "value": _b64(b"\0" * 8)})
    assert miss.json() == {"matches": []}
    fp = _b64(bytes.fromhex(result.fingerprint))
    posted = client.post("/matches/byBinding", json={"alg": FINGERPRINT_ALG, "value": fp}).json()
    assert posted["matches"][0]["manifestId"] == result.manifest_id
    assert posted["matches"][0]["distance"] == 0 and posted["matches"][0]["similarityScore"] == 100


def test_bad_queries_are_400(signed) -> None:
    client = TestClient(_app(signed[1]))
    assert (
        client.get("/matches/byBinding", params={"alg": "x.y", "value": "AA=="}).status_code == 400
    )
    assert (
        client.get("/matches/byBinding", params={"alg": WATERMARK_ALG, "value": "!!"}).status_code
        == 400
    )
    assert (
        client.get(
            "/matches/byBinding", params={"alg": FINGERPRINT_ALG, "value": "AAAA"}
        ).status_code
        == 400
    )
    assert client.get("/manifests/nothex").status_code == 400
    assert client.get("/manifests/0000000000000000").status_code == 404
    assert client.post("/matches/byContent", content=b"not an image").status_code == 415


def test_manifest_and_by_content(signed, tmp_path) -> None:
    result, store = signed
    client = TestClient(_app(store))
    resp = client.get(f"/manifests/{result.manifest_id}")
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/c2pa"
    assert resp.content == store.get(result.manifest_id).manifest
    Image.open(result.output).convert("RGB").save(tmp_path / "copy.png")
    matches = client.post("/matches/byContent", content=(tmp_path / "copy.png").read_bytes()).json()
    assert matches["matches"][0]["manifestId"] == result.manifest_id


@pytest.fixture
def live_url(signed) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(_app(signed[1]), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)
    sock.close()


def test_verify_with_remote_resolver(signed, live_url, tmp_path, monkeypatch) -> None:
    result, _ = signed
    img = Image.open(result.output).convert("RGB")
    img.save(tmp_path / "stripped.png")
    monkeypatch.setenv("VERACITY_HOME", str(tmp_path / "client-home"))  # no local store
    report = verify_file(tmp_path / "stripped.png", resolver=live_url)
    assert (
        report.recovered_via == "watermark" and report.details["manifest_id"] == result.manifest_id
    )
    small = img.resize((img.width * 3 // 4, img.height * 3 // 4), Image.BICUBIC)
    small.save(tmp_path / "small.jpg", quality=75)
    report = verify_file(tmp_path / "small.jpg", resolver=live_url)
    assert (
        report.recovered_via == "fingerprint"
        and report.details["manifest_id"] == result.manifest_id
    )
    assert report.state == "valid"  # the client trusts no local root


def test_unreachable_resolver(signed, tmp_path) -> None:
    Image.open(signed[0].output).convert("RGB").save(tmp_path / "stripped.png")
    with pytest.raises(ResolverError, match="unreachable"):
        verify_file(tmp_path / "stripped.png", resolver="http://127.0.0.1:1")


def test_fingerprint_helper_is_deterministic(wide_photo) -> None:
    rgb = Image.open(wide_photo()).convert("RGB")
    assert pdq_hash(rgb).digest == pdq_hash(rgb).digest
