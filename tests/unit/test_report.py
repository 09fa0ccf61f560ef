"""The HTML report: self-contained, escaped, one section per file."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from veracity.check import CheckResult, check_file
from veracity.report import build_item, error_item, render_report, write_report
from veracity.results import CredentialReport, Detection, DetectorScore, WatermarkReading
from veracity.synth.samples import natural_image

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _result_with_hostile_strings(evidence: Path) -> CheckResult:
    cred = CredentialReport(
        state="invalid",
        codes=(HOSTILE,),
        manifest={
            "title": HOSTILE,
            "ingredients": [{"title": HOSTILE, "relationship": "parentOf"}],
        },
        signer=HOSTILE,
        ai_generated=False,
        details={
            "actions": [{"action": HOSTILE}],
            "ingredients": [
                {
                    "title": HOSTILE,
                    "relationship": "parentOf",
                    "signer": HOSTILE,
                    "ingredients": [{"title": "grandparent.jpg", "codes": ["x.y"]}],
                }
            ],
            "signed_time": "2026-11-22T04:00:00Z",
        },
    )
    det = Detection(
        path=HOSTILE,
        modality="image",
        score=0.8,
        label="fake",
        detectors=(DetectorScore(HOSTILE, 0.8, evidence=(str(evidence),)),),
    )
    wm = WatermarkReading(detected=True, payload=HOSTILE, p_value=1e-6)
    return CheckResult(HOSTILE, "image", "tampered", (HOSTILE,), cred, wm, det, (), "ab", 1)


def test_hostile_strings_are_escaped(tmp_path: Path) -> None:
    evidence = tmp_path / "ev.heatmap.png"
    Image.fromarray(natural_image(40, 40)).save(evidence)
    photo = tmp_path / "p.png"
    Image.fromarray(natural_image(64, 64)).save(photo)
    html = render_report([build_item(_result_with_hostile_strings(evidence), photo)])
    assert "<script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert html.count("data:image/png;base64,") == 2  # thumbnail and evidence
    assert "grandparent.jpg [x.y]" in html  # nested ingredient chain
    assert "2026-11-22T04:00:00Z" in html


def test_report_is_self_contained(tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    Image.fromarray(natural_image(96, 128)).save(photo)
    result = check_file(photo)
    out = write_report(
        tmp_path / "r.html", [build_item(result, photo), error_item("gone.png", "no such file")]
    )
    html = out.read_text(encoding="utf-8")
    assert "<link" not in html and "<script" not in html
    assert 'src="http' not in html and 'href="http' not in html
    assert 'src="data:image/png;base64,' in html
    assert html.count('<section class="file"') == 2
    assert result.verdict in html and "no such file" in html


def test_write_report_refuses_to_overwrite(tmp_path: Path) -> None:
    from veracity.errors import OutputExistsError

    target = tmp_path / "r.html"
    target.write_text("keep")
    with pytest.raises(OutputExistsError):
        write_report(target, [], force=False)
    assert target.read_text() == "keep"


def test_signed_then_altered_shows_the_change_map(tmp_path: Path) -> None:
    photo = tmp_path / "copy.png"
    Image.fromarray(natural_image(200, 300, seed=3)).save(photo)
    grid = [[0] * 37 for _ in range(25)]
    for row in range(5, 9):
        grid[row][10:14] = [1, 1, 1, 1]
    check = {
        "altered": True,
        "confirmed": False,
        "changed_fraction": 0.017,
        "changed_blocks": 16,
        "changed_map": grid,
    }
    cred = CredentialReport(
        state="trusted", recovered_via="watermark", details={"content_check": check}
    )
    result = CheckResult(
        "copy.png", "image", "signed-then-altered", ("x",), cred, None, None, (), "ab", 1
    )
    item = build_item(result, photo)
    assert item.evidence[0].caption == "changed since signing"
    assert item.evidence[0].data_uri.startswith("data:image/png;base64,")
    assert item.credential is not None
    assert (
        "content vs signed image",
        "altered: 1.7 % of the picture differs",
    ) in item.credential.facts
    html = render_report([item])
    assert "changed since signing" in html and "signed-then-altered" in html
