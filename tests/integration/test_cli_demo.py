"""``veracity demo`` end to end, and ``check --fail-on`` on the media it makes."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

HAVE_CREDENTIALS = importlib.util.find_spec("veracity.credentials.sign") is not None
HAVE_IMAGE_WATERMARK = importlib.util.find_spec("veracity.watermark.image") is not None


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    import os
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("demo") / "veracity-demo"
    src = Path(__file__).resolve().parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1"}
    env["VERACITY_HOME"] = str(out.parent / "home")  # the demo must not need or touch it
    r = subprocess.run(
        [sys.executable, "-m", "veracity", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert not (out.parent / "home").exists()
    # expected abstentions (no face on a landscape photo) are --verbose news only
    assert "abstain" not in r.stdout + r.stderr, r.stderr
    return out, r.stdout


def _table(stdout: str) -> dict[str, str]:
    from veracity.check import VERDICTS

    rows = [line.split() for line in stdout.splitlines()]
    return {row[0]: row[1] for row in rows if len(row) > 2 and row[1] in VERDICTS}


def test_demo_writes_report_and_table(demo_dir: tuple[Path, str]) -> None:
    out, stdout = demo_dir
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count('<section class="file"') >= 1
    assert f"report: {out / 'report.html'}" in stdout
    # the plain sample is a real photograph (matplotlib's bundled grace_hopper.jpg): no
    # detector may call it manipulated, and nothing vouches for it either
    assert _table(stdout)["photo.jpg"] == "no-evidence"


def _signed_verdict_ok(doc: dict) -> bool:
    # rule 3: a valid credential that the detectors contradict is reported as uncertain
    flagged = doc["detection"] is not None and doc["detection"]["label"] == "fake"
    return doc["verdict"] == ("uncertain" if flagged else "authentic-signed")


@pytest.mark.skipif(not HAVE_CREDENTIALS, reason="Content Credentials are not in this build")
def test_demo_verdicts_with_credentials(run_cli, demo_dir: tuple[Path, str]) -> None:
    out, stdout = demo_dir
    table = _table(stdout)
    assert table["photo-signed-edited.jpg"] == "tampered"
    assert table["ai-image.jpg"] == "ai-generated-declared"
    names = [
        "photo-signed.jpg",
        "photo-signed-stripped.jpg",
        "photo-watermarked.jpg",
        "photo-cropped-signed.jpg",
    ]
    store = f"sqlite:///{out / 'identity' / 'manifests.sqlite3'}"
    trust = out / "identity" / "identity" / "root.pem"
    r = run_cli("check", "--json", "--store", store, "--trust", trust, *(out / n for n in names))
    signed, stripped, marked, cropped = (json.loads(line) for line in r.stdout.splitlines())
    assert table["photo-signed.jpg"] == signed["verdict"]
    assert signed["credentials"]["state"] == "trusted"
    assert _signed_verdict_ok(signed)
    assert _signed_verdict_ok(cropped)
    parents = cropped["credentials"]["details"]["ingredients"]
    assert [(p["title"], p["relationship"]) for p in parents] == [("photo-signed.jpg", "parentOf")]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "photo-signed.jpg (parentOf), signed by Veracity demo signer" in html
    if HAVE_IMAGE_WATERMARK:
        assert stripped["credentials"]["recovered_via"] in {"watermark", "fingerprint"}
        assert _signed_verdict_ok(stripped)
        assert marked["watermark"]["detected"] is True
        assert marked["watermark"]["payload"].endswith("c0ffee")


@pytest.mark.skipif(not HAVE_CREDENTIALS, reason="Content Credentials are not in this build")
def test_fail_on_with_demo_media(run_cli, demo_dir: tuple[Path, str]) -> None:
    out = demo_dir[0]
    trust = ("--trust", out / "identity" / "identity" / "root.pem")
    edited, signed = out / "photo-signed-edited.jpg", out / "photo-signed.jpg"
    plain = run_cli("check", "--json", signed, edited, *trust)
    assert plain.returncode == 0  # fake-looking files alone do not change the exit status
    docs = [json.loads(line) for line in plain.stdout.splitlines()]
    assert docs[0]["verdict"] in {"authentic-signed", "uncertain"}
    assert docs[1]["verdict"] == "tampered"
    assert docs[1]["credentials"]["state"] == "invalid"
    assert any("mismatch" in code for code in docs[1]["credentials"]["codes"])
    assert run_cli("check", "--fail-on", "fake", signed, edited, *trust).returncode == 1
    if docs[0]["verdict"] == "authentic-signed":
        assert run_cli("check", "--fail-on", "suspicious", signed, *trust).returncode == 0
