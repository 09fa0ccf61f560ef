"""The upload page in a real headless Chromium (Debian's ``chromium`` package)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from veracity.synth.samples import natural_image

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
uvicorn = pytest.importorskip("uvicorn", reason="the server extra is not installed")
pytest.importorskip("multipart", reason="the server extra is not installed")

from veracity.check import VERDICTS  # noqa: E402
from veracity.service.app import create_app  # noqa: E402


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    patch = pytest.MonkeyPatch()
    patch.setenv("VERACITY_HOME", str(tmp_path_factory.mktemp("home")))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    patch.undo()


def test_upload_shows_verdict_and_report(base_url: str, tmp_path: Path) -> None:
    photo = tmp_path / "<img src=x onerror=alert(1)>.png"
    Image.fromarray(natural_image(120, 160, seed=4)).save(photo)
    errors: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("dialog", lambda d: errors.append("dialog: " + d.message))
        page.goto(base_url + "/")
        page.set_input_files("#file-input", str(photo))
        page.click("#check-button")
        page.wait_for_selector("#result:not([hidden])", timeout=60_000)
        verdict = page.inner_text("#verdict")
        name = page.inner_text("#result-name")
        href = page.get_attribute("#report-link", "href")
        frame = page.frame_locator("#report-frame")
        frame.locator("section.file").wait_for(timeout=10_000)
        report_verdict = frame.locator(".verdict .badge").inner_text()
        page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
        image_preview = page.is_visible("#preview") and page.is_hidden("#preview-video")
        notes = tmp_path / "notes.txt"
        notes.write_text("not media")
        page.set_input_files("#file-input", str(notes))
        page.click("#check-button")
        # the previous file's verdict leaves the screen as soon as the next check starts
        cleared_at_once = page.is_hidden("#result")
        page.wait_for_selector("#error:not([hidden])", timeout=30_000)
        error_text = page.inner_text("#error")
        result_hidden = page.is_hidden("#result")
        # a later success must not keep showing the earlier error
        page.set_input_files("#file-input", str(photo))
        page.click("#check-button")
        page.wait_for_selector("#result:not([hidden])", timeout=60_000)
        stale_error = page.is_visible("#error") or page.inner_text("#error").strip()
        browser.close()
    assert "not a recognised" in error_text
    assert result_hidden and cleared_at_once and image_preview
    assert not stale_error
    assert verdict in VERDICTS
    assert report_verdict == verdict
    assert name == photo.name  # shown as text, not markup
    assert href is not None and href.startswith("/reports/")
    assert errors == []
