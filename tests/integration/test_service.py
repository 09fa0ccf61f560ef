"""The web service: JSON API through TestClient, and one real uvicorn socket."""

from __future__ import annotations

import importlib.util
import io
import socket
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from veracity.synth.samples import natural_image

fastapi = pytest.importorskip("fastapi", reason="the server extra is not installed")
pytest.importorskip("multipart", reason="python-multipart (server extra) is not installed")

from fastapi.testclient import TestClient  # noqa: E402

from veracity.service.app import create_app  # noqa: E402
from veracity.service.config import ServiceConfig  # noqa: E402


def _png_bytes(seed: int = 2) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(natural_image(96, 128, seed=seed)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(autouse=True)
def _private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the resolver opens the default manifest store; keep it out of the user's home
    monkeypatch.setenv("VERACITY_HOME", str(tmp_path / "home"))


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app(ServiceConfig(max_upload_bytes=200_000, report_cache=2)))


def test_page_and_health(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'id="upload-form"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/static/app.js").status_code == 200
    health = client.get("/api/health").json()
    assert health["status"] == "ok"
    assert set(health["components"]) >= {"credentials", "watermark", "detectors"}


def test_check_upload_returns_result_and_report(client: TestClient) -> None:
    r = client.post("/api/check", files={"file": ("../../etc/passwd.png", _png_bytes())})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["path"] == "passwd.png"
    assert body["modality"] == "image"
    assert "veracity-upload-" not in r.text  # no server temp paths leak
    report = client.get(body["report_url"])
    assert report.status_code == 200
    assert "passwd.png" in report.text and "data:image/png;base64," in report.text
    assert "default-src 'none'" in report.headers["content-security-policy"]


def test_upload_limits_and_errors(client: TestClient) -> None:
    big = client.post("/api/check", files={"file": ("big.png", b"\x89PNG" + b"0" * 300_000)})
    assert big.status_code == 413
    assert "limit" in big.json()["error"]
    text = client.post("/api/check", files={"file": ("<i>x.txt", b"hello world")})
    assert text.status_code == 400
    assert text.json()["error"] == "<i>x.txt: not a recognised image, video or audio file"
    missing = client.post("/api/check", files={"upload": ("a.png", _png_bytes())})
    assert missing.status_code == 400 and "'file'" in missing.json()["error"]
    assert client.post("/api/check").status_code == 400


@pytest.mark.skipif(
    importlib.util.find_spec("veracity.service.resolver") is None, reason="no resolver in build"
)
def test_resolver_is_mounted(client: TestClient) -> None:
    algorithms = client.get("/services/supportedAlgorithms")
    assert algorithms.status_code == 200
    assert {"watermarks", "fingerprints"} <= set(algorithms.json())
    assert client.get("/api/health").json()["components"]["resolver"] is True


def test_report_tokens(client: TestClient) -> None:
    assert client.get("/reports/../../etc/passwd").status_code == 404
    assert client.get("/reports/" + "0" * 32).status_code == 404
    urls = [
        client.post("/api/check", files={"file": (f"{i}.png", _png_bytes(i))}).json()["report_url"]
        for i in range(3)
    ]
    # capacity 2: the oldest report has been dropped
    assert [client.get(u).status_code for u in urls] == [404, 200, 200]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_real_socket(tmp_path: Path) -> None:
    uvicorn = pytest.importorskip("uvicorn")
    import httpx

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(ServiceConfig(max_upload_bytes=1_000_000)),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/api/health", timeout=10).json()["status"] == "ok"
        r = httpx.post(f"{base}/api/check", files={"file": ("a.png", _png_bytes())}, timeout=60)
        assert r.status_code == 200 and r.json()["modality"] == "image"

        def chunks():  # streamed without Content-Length: refused once past the limit
            yield b"--x\r\nContent-Disposition: form-data; name=file; filename=a.png\r\n\r\n"
            for _ in range(40):
                yield b"0" * 65536

        big = httpx.post(
            f"{base}/api/check",
            content=chunks(),
            headers={"content-type": "multipart/form-data; boundary=x"},
            timeout=60,
        )
        assert big.status_code == 413 and "limit" in big.json()["error"]
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_unexpected_error_is_json_500(monkeypatch: pytest.MonkeyPatch) -> None:
    import veracity.service.app as app_module

    def crash(*args: object, **kwargs: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(app_module, "check_file", crash)
    client = TestClient(create_app(ServiceConfig()), raise_server_exceptions=False)
    r = client.post("/api/check", files={"file": ("a.png", _png_bytes())})
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/json"
    assert r.json() == {"error": "internal error (ValueError); see the server log"}


def test_parallel_mixed_size_uploads_never_5xx() -> None:
    # Issue 23: parallel /api/check uploads crashed the server (SIGSEGV in cv2).
    from concurrent.futures import ThreadPoolExecutor

    from veracity.check.options import CheckOptions

    # Only the face detectors, so the shared cv2 nets are what the threads contend for.
    only_faces = CheckOptions(detectors=("face-blend", "face-consistency"))
    app = create_app(
        ServiceConfig(max_upload_bytes=2_000_000, max_concurrent_checks=4, check=only_faces)
    )
    sizes = [(96, 128), (333, 211), (480, 640), (97, 413), (256, 256), (701, 389)]
    bodies = []
    for i, (h, w) in enumerate(sizes):
        buf = io.BytesIO()
        Image.fromarray(natural_image(h, w, seed=i)).save(buf, format="JPEG", quality=90)
        bodies.append((f"up{i}.jpg", buf.getvalue()))
    with TestClient(app) as client:

        def post(k: int) -> int:
            name, data = bodies[k % len(bodies)]
            return client.post("/api/check", files={"file": (name, data)}).status_code

        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(post, range(48)))
    assert codes == [200] * 48
