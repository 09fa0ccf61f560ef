"""The HTML report of every verdict in a real headless Chromium: banner visible, page drawn."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from veracity.check import VERDICTS, decide
from veracity.check.result import CheckResult
from veracity.report import build_item, render_report
from veracity.results import CredentialReport, Detection, DetectorScore, WatermarkReading
from veracity.synth.samples import natural_image

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def _det(score: float, label: str) -> Detection:
    return Detection("photo.png", "image", score, label, (DetectorScore("spectral", score),))  # type: ignore[arg-type]


def _recovered(altered: bool) -> CredentialReport:
    grid = np.zeros((12, 16), int)
    if altered:
        grid[3:6, 5:9] = 1
    check = {"altered": altered, "confirmed": False, "changed_fraction": float(grid.mean()),
             "changed_blocks": int(grid.sum()), "changed_map": grid.tolist()}  # fmt: skip
    return CredentialReport(
        state="trusted", signer="Newsroom", recovered_via="watermark",
        details={"content_check": check},
    )  # fmt: skip


MARK = WatermarkReading(detected=True, payload="00ff00ff00ff00ff", p_value=1e-9)
# inputs the rule table turns into each verdict (the verdict itself comes from decide())
INPUTS = {
    "tampered": (CredentialReport("invalid", ("assertion.dataHash.mismatch",)), None, _det(0.1, "real")),
    "signed-then-altered": (_recovered(True), MARK, None),
    "ai-generated-declared": (CredentialReport("valid", signer="GenCo", ai_generated=True), None, None),
    "authentic-signed": (CredentialReport("trusted", signer="Newsroom"), None, _det(0.1, "real")),
    "likely-manipulated": (CredentialReport("none"), None, _det(0.92, "fake")),
    "watermarked": (CredentialReport("none"), MARK, _det(0.2, "real")),
    "uncertain": (_recovered(False), MARK, None),
    "no-evidence": (CredentialReport("none"), None, _det(0.1, "real")),
}  # fmt: skip


def _html(verdict: str, photo: Path) -> str:
    cred, wm, det = INPUTS[verdict]
    got, reasons = decide(cred, wm, det)
    assert got == verdict
    result = CheckResult(
        photo.name, "image", got, reasons, cred, wm, det, size=photo.stat().st_size
    )
    return render_report([build_item(result, photo)], title=f"report: {verdict}")


def _drawn(png: bytes) -> tuple[float, float]:
    """Pixel spread and share of non-white pixels of a screenshot."""
    grey = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.float64)
    return float(grey.std()), float((grey < 240).mean())


def test_every_verdict_is_covered() -> None:
    assert set(INPUTS) == set(VERDICTS)


def test_report_screenshots_for_every_verdict(tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    Image.fromarray(natural_image(192, 256, seed=3)).save(photo)
    errors: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        for verdict in VERDICTS:
            page.set_content(_html(verdict, photo), wait_until="load")
            badge = page.locator("section.file .verdict .badge").first
            assert badge.is_visible(), verdict
            assert badge.inner_text().strip() == verdict
            box = badge.bounding_box()
            assert box is not None and box["width"] > 40 and box["height"] > 12
            shot = page.screenshot(full_page=True)
            (tmp_path / f"{verdict}.png").write_bytes(shot)
            spread, inked = _drawn(shot)
            assert spread > 10 and inked > 0.02, f"{verdict}: blank screenshot"
            badge_pixels = np.asarray(Image.open(io.BytesIO(badge.screenshot())).convert("RGB"))
            assert badge_pixels.reshape(-1, 3).mean(axis=0).min() < 230, (
                f"{verdict}: badge not drawn"
            )
            images = page.locator("section.file img")
            loaded = page.evaluate(
                "[...document.images].every(i => i.complete && i.naturalWidth > 0)"
            )
            assert images.count() >= 1 and loaded, verdict
            if verdict == "signed-then-altered":  # the change map is in the report
                assert page.locator("figcaption", has_text="changed since signing").is_visible()
        browser.close()
    assert not errors
