"""The verdict rule table, rule by rule."""

from __future__ import annotations

import pytest

from veracity.check import FAIL_ON, VERDICTS, decide
from veracity.results import CredentialReport, Detection, DetectorScore, WatermarkReading


def _det(score: float, label: str) -> Detection:
    return Detection(
        path="x.png",
        modality="image",
        score=score,
        label=label,  # type: ignore[arg-type]
        detectors=(DetectorScore("spectral", score),),
    )


SIGNED = CredentialReport(state="valid", signer="Alice")
TRUSTED = CredentialReport(state="trusted", signer="Newsroom")
AI = CredentialReport(state="valid", signer="GenCo", ai_generated=True)
BROKEN = CredentialReport(state="invalid", codes=("assertion.dataHash.mismatch",))
NONE = CredentialReport(state="none")
MARK = WatermarkReading(detected=True, payload="00ff", p_value=1e-9)
NOMARK = WatermarkReading(detected=False, payload=None, p_value=0.4)


@pytest.mark.parametrize(
    ("cred", "wm", "det", "verdict"),
    [
        (BROKEN, MARK, _det(0.1, "real"), "tampered"),
        (AI, None, _det(0.1, "real"), "ai-generated-declared"),
        (SIGNED, None, _det(0.9, "fake"), "uncertain"),
        (SIGNED, NOMARK, _det(0.1, "real"), "authentic-signed"),
        (TRUSTED, None, None, "authentic-signed"),
        (NONE, MARK, _det(0.9, "fake"), "likely-manipulated"),
        (None, None, _det(0.9, "fake"), "likely-manipulated"),
        (NONE, MARK, _det(0.2, "real"), "watermarked"),
        (NONE, NOMARK, _det(0.5, "uncertain"), "uncertain"),
        (NONE, NOMARK, _det(0.1, "real"), "no-evidence"),
        (None, None, None, "no-evidence"),
    ],
)
def test_rule_table(cred, wm, det, verdict) -> None:
    got, reasons = decide(cred, wm, det)
    assert got == verdict
    assert got in VERDICTS
    assert reasons and all(isinstance(r, str) and r for r in reasons)


def test_tampered_reason_names_the_codes() -> None:
    _, reasons = decide(BROKEN, None, None)
    assert "assertion.dataHash.mismatch" in reasons[0]


def test_unchecked_credentials_are_not_reported_as_absent() -> None:
    _, reasons = decide(None, None, None)
    assert reasons[0] == "Content Credentials not checked"
    _, reasons = decide(NONE, None, None)
    assert reasons[0] == "no Content Credentials found"


def test_fail_on_sets() -> None:
    assert FAIL_ON["fake"] < FAIL_ON["suspicious"]
    assert "uncertain" in FAIL_ON["suspicious"] - FAIL_ON["fake"]
    assert not FAIL_ON["suspicious"] & {"authentic-signed", "no-evidence", "watermarked"}


def test_recovered_copy_is_flagged_as_not_identical() -> None:
    recovered = CredentialReport(
        state="trusted",
        signer="Newsroom",
        recovered_via="watermark",
        details={
            "content_binding_codes": ["assertion.dataHash.mismatch"],
            "content_check": {"confirmed": True, "altered": False, "changed_fraction": 0.0},
        },
    )
    verdict, reasons = decide(recovered, MARK, None)
    assert verdict == "authentic-signed"
    assert "recovered via watermark" in reasons[0]
    assert "not byte-identical" in reasons[0]


@pytest.mark.parametrize("via", ["watermark", "fingerprint"])
def test_recovered_credential_never_vouches_for_an_altered_copy(via: str) -> None:
    altered = {"confirmed": False, "altered": True, "changed_fraction": 0.16, "changed_blocks": 90}
    cred = CredentialReport(
        state="trusted", signer="Newsroom", recovered_via=via, details={"content_check": altered}
    )
    verdict, reasons = decide(cred, MARK, _det(0.1, "real"))
    assert verdict == "signed-then-altered"
    assert "16.0 %" in reasons[0]
    assert verdict in FAIL_ON["fake"]


def test_recovered_credential_without_a_comparison_is_not_authentic() -> None:
    for check in (
        {},
        {"confirmed": False, "altered": False, "error": "the manifest carries no thumbnail"},
    ):
        cred = CredentialReport(
            state="trusted", recovered_via="watermark", details={"content_check": check}
        )
        verdict, reasons = decide(cred, MARK, None)
        assert verdict == "uncertain"
        assert reasons[0].startswith("cannot confirm")


def test_embedded_credential_needs_no_pixel_comparison() -> None:
    cred = CredentialReport(state="trusted", recovered_via="embedded")
    assert decide(cred, None, None)[0] == "authentic-signed"


def test_all_detectors_abstaining_is_no_result() -> None:
    abstained = Detection(
        path="v.mp4", modality="video", score=0.5, label="uncertain", detectors=()
    )
    verdict, reasons = decide(NONE, NOMARK, abstained)
    assert verdict == "no-evidence"
    assert any("abstained" in r for r in reasons)
    verdict, reasons = decide(SIGNED, None, abstained)
    assert verdict == "authentic-signed"
    assert not any("detectors say" in r for r in reasons)
