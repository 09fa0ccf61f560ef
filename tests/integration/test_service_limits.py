"""Request limits on a real socket: oversized bodies, request lines and heads, slow heads.

Issue 23: ``/matches/byContent`` read a whole 200 MB body before answering 413, request
lines or headers of 1 MB got a dropped connection, and a request head could take for ever.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")
uvicorn = pytest.importorskip("uvicorn")

from veracity.service.app import create_app  # noqa: E402
from veracity.service.config import ServiceConfig  # noqa: E402
from veracity.service.http_guard import HeadLimits, uvicorn_config  # noqa: E402

_LIMIT = 1_000_000
_MB = 1024 * 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    home = tmp_path_factory.mktemp("home")
    mp = pytest.MonkeyPatch()
    mp.setenv("VERACITY_HOME", str(home))
    port = _free_port()
    app = create_app(ServiceConfig(max_upload_bytes=_LIMIT))
    limits = HeadLimits(head_timeout_s=1.0, body_idle_timeout_s=1.0, body_timeout_s=3.0)
    srv = uvicorn.Server(uvicorn_config(app, "127.0.0.1", port, limits, log_level="error"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started
    try:
        yield "127.0.0.1", port
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        mp.undo()


def _read_answer(sock: socket.socket, timeout: float = 10.0) -> bytes:
    sock.settimeout(timeout)
    out = b""
    try:
        while chunk := sock.recv(65536):
            out += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return out


def _one_response(sock: socket.socket, first: bytes = b"") -> bytes:
    """Read one whole response (head and Content-Length body) from ``sock``."""
    out = first
    sock.settimeout(10)
    while b"\r\n\r\n" not in out:
        out += sock.recv(65536)
    head, _, body = out.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def _send_then_read(addr: tuple[str, int], request: bytes) -> bytes:
    with socket.create_connection(addr, timeout=10) as sock:
        # the stock server reset the connection mid-send: the answer below is then empty
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        return _read_answer(sock)


def _status(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer.split(b" ", 2)[1])


def test_megabyte_request_line_is_414(server: tuple[str, int]) -> None:
    target = b"/api/health?" + b"a" * _MB
    answer = _send_then_read(server, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert _status(answer) == 414
    assert b"request line is larger than the limit" in answer


def test_megabyte_header_is_431(server: tuple[str, int]) -> None:
    request = b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * _MB + b"\r\n\r\n"
    answer = _send_then_read(server, request)
    assert _status(answer) == 431
    assert b"request head is larger than the limit" in answer


def test_many_headers_over_the_limit_are_431(server: tuple[str, int]) -> None:
    headers = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 100) for i in range(2000))
    answer = _send_then_read(server, b"GET /api/health HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    assert _status(answer) == 431


def test_slow_head_times_out_with_408(server: tuple[str, int]) -> None:
    with socket.create_connection(server, timeout=10) as sock:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")  # never finished
        start = time.monotonic()
        answer = _read_answer(sock, timeout=8)
    assert _status(answer) == 408
    assert time.monotonic() - start < 5


_PART_HEAD = (
    b'--BB\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
    b"Content-Type: application/octet-stream\r\n\r\n"
)


def _upload_head(length: int) -> bytes:
    return (
        b"POST /api/check HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: multipart/form-data; boundary=BB\r\n"
        b"Content-Length: %d\r\n\r\n" % length
    )


def test_paused_body_times_out_with_408(server: tuple[str, int]) -> None:
    with socket.create_connection(server, timeout=10) as sock:
        sock.sendall(_upload_head(10_000) + b"--BB\r\n")  # then nothing more
        start = time.monotonic()
        answer = _read_answer(sock, timeout=8)
    assert _status(answer) == 408
    assert b"request body paused for more than 1 s" in answer
    assert time.monotonic() - start < 5


def test_trickled_body_times_out_with_408(server: tuple[str, int]) -> None:
    """A byte every 0.3 s never pauses for 1 s, but the whole body has 3 s."""
    with socket.create_connection(server, timeout=10) as sock:
        sock.sendall(_upload_head(10_000) + _PART_HEAD)  # the file's bytes then trickle in
        start = time.monotonic()
        answer = b""
        sock.settimeout(0.3)
        while time.monotonic() - start < 8 and not answer:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                sock.sendall(b"x")
            try:
                answer = sock.recv(65536)
            except TimeoutError:
                continue
        answer += _read_answer(sock, timeout=3)
    assert _status(answer) == 408
    assert b"request body not received within 3 s" in answer
    assert 2.5 < time.monotonic() - start < 6


def test_body_sent_in_pauses_shorter_than_the_limit_is_answered(server: tuple[str, int]) -> None:
    body = _PART_HEAD + b"not a picture\r\n--BB--\r\n"
    with socket.create_connection(server, timeout=10) as sock:
        sock.sendall(_upload_head(len(body)))
        for i in range(0, len(body), 40):
            time.sleep(0.4)
            sock.sendall(body[i : i + 40])
        answer = _one_response(sock)
    # the whole upload arrived and was analysed: a text file is bad input, not a timeout
    assert _status(answer) == 400, answer[:300]
    assert b"not a recognised" in answer or b"error" in answer, answer[:300]


def test_idle_connection_is_closed(server: tuple[str, int]) -> None:
    with socket.create_connection(server, timeout=10) as sock:
        start = time.monotonic()
        assert _read_answer(sock, timeout=8) == b""
    assert time.monotonic() - start < 5


def test_normal_requests_and_keep_alive_still_work(server: tuple[str, int]) -> None:
    import httpx

    with httpx.Client(base_url=f"http://{server[0]}:{server[1]}", timeout=10) as client:
        for _ in range(3):
            assert client.get("/api/health").json()["status"] == "ok"
        big_but_fine = {"X-Fine": "c" * 8000}
        assert client.get("/api/health", headers=big_but_fine).status_code == 200


def test_declared_oversized_asset_is_refused_before_the_body(server: tuple[str, int]) -> None:
    head = (
        b"POST /matches/byContent HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: image/jpeg\r\nContent-Length: 209715200\r\n\r\n"
    )
    with socket.create_connection(server, timeout=10) as sock:
        sock.sendall(head)  # not one byte of the 200 MB body
        answer = _one_response(sock)
    assert _status(answer) == 413
    assert b"larger than the limit of 1000000 bytes" in answer


@pytest.mark.parametrize("path", ["/matches/byContent", "/api/check"])
def test_streamed_oversized_body_is_refused_while_arriving(
    server: tuple[str, int], path: str
) -> None:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    block = b"0" * 65536
    chunk = b"%x\r\n%s\r\n" % (len(block), block)
    with socket.create_connection(server, timeout=10) as sock:
        part = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'
        sock.sendall(head + b"%x\r\n%s\r\n" % (len(part), part))
        sent = 0
        sock.settimeout(0.05)
        answer = b""
        while sent < 20 * _LIMIT and not answer:  # the client would go on to 20 MB
            try:
                sock.sendall(chunk)
                sent += len(block)
            except (TimeoutError, BlockingIOError):
                pass
            with contextlib.suppress(TimeoutError, BlockingIOError):
                answer = sock.recv(65536)
        answer = _one_response(sock, answer)
    assert _status(answer) == 413
    assert b"larger than the limit" in answer
    assert sent < 4 * _LIMIT  # answered while the body was still arriving


def test_binding_query_body_has_a_small_limit(server: tuple[str, int]) -> None:
    import httpx

    r = httpx.post(
        f"http://{server[0]}:{server[1]}/matches/byBinding",
        content=b'{"alg": "x", "value": "' + b"A" * (3 * _MB) + b'"}',
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert r.status_code == 413
    assert "request body is larger than the limit" in r.json()["error"]


def test_serve_has_the_head_options(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "veracity", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for flag in ("--max-upload-mb", "--max-header-kb", "--max-request-line-kb", "--header-timeout"):
        assert flag in out


def test_veracity_serve_applies_the_head_limits(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    import httpx

    port = _free_port()
    src = Path(__file__).resolve().parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": str(src), "VERACITY_HOME": str(tmp_path / "home")}
    cmd = [sys.executable, "-m", "veracity", "serve", "--port", str(port)]
    cmd += ["--header-timeout", "1", "--max-header-kb", "8"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None and time.monotonic() < deadline
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        addr = ("127.0.0.1", port)
        request = b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n"
        assert _status(_send_then_read(addr, request)) == 431
        with socket.create_connection(addr, timeout=10) as sock:
            sock.sendall(b"GET /api/health HTTP/1.1\r\n")
            assert _status(_read_answer(sock, timeout=8)) == 408
    finally:
        proc.terminate()
        proc.wait(timeout=20)
