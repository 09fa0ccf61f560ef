"""The verdict rule table: credentials, watermark and detection fused into one verdict.

Rules are tried in order; the first that matches decides. "Credential" means a C2PA
manifest found embedded in the file or recovered through a watermark or fingerprint.

==  ==================================================  ========================
#   condition                                           verdict
==  ==================================================  ========================
1   a credential is present but invalid                 ``tampered``
1a  credential recovered (watermark or fingerprint) for ``signed-then-altered``
    a copy whose content differs from what was signed
1b  ... for a copy that cannot be confirmed to match     ``uncertain``
2   valid/trusted credential declaring AI generation    ``ai-generated-declared``
3   valid/trusted credential, detectors say fake        ``uncertain`` (conflict)
4   valid/trusted credential                            ``authentic-signed``
5   no credential, detectors say fake                   ``likely-manipulated``
6   no credential, watermark found                      ``watermarked``
7   no credential, detectors uncertain                  ``uncertain``
8   otherwise (detectors say real, none ran, or all     ``no-evidence``
    abstained)
==  ==================================================  ========================

A signature proves who signed the file and that it has not changed since; it does not
prove the content is a faithful capture, so rule 3 reports the conflict instead of
trusting either side. Detectors saying "real" is absence of evidence, not proof, which is
why rule 8 is ``no-evidence`` and never "authentic". A watermark survives local edits by
design, so a manifest recovered through it proves where a picture came from, not that it is
unchanged: rules 1a and 1b compare the copy with the signed image's thumbnail
(:mod:`veracity.credentials.alteration`) before a recovered credential may vouch for it.
"""

from __future__ import annotations

from veracity.check.result import Verdict
from veracity.results import CredentialReport, Detection, WatermarkReading

__all__ = ["FAIL_ON", "decide"]

#: Verdicts that make ``check --fail-on fake|suspicious`` exit 1.
FAIL_ON: dict[str, frozenset[Verdict]] = {
    "fake": frozenset(
        {"tampered", "signed-then-altered", "likely-manipulated", "ai-generated-declared"}
    ),
    "suspicious": frozenset(
        {
            "tampered",
            "signed-then-altered",
            "likely-manipulated",
            "ai-generated-declared",
            "uncertain",
        }
    ),
}


def _credential_reason(cred: CredentialReport) -> str:
    signer = f" by {cred.signer}" if cred.signer else ""
    via = (
        f" (recovered via {cred.recovered_via})"
        if cred.recovered_via not in (None, "embedded")
        else ""
    )
    trust = "trusted signer" if cred.state == "trusted" else "signer not in the trust list"
    reason = f"valid Content Credentials signed{signer}{via}; {trust}"
    if cred.details.get("content_binding_codes"):
        reason += "; this copy is not byte-identical to the signed file (re-encoded or edited)"
    return reason


def _detection_reason(det: Detection) -> str:
    names = ", ".join(f"{s.name} {s.score:.2f}" for s in det.detectors)
    return f"detectors say {det.label} (fused score {det.score:.2f}; {names})"


def _watermark_reason(wm: WatermarkReading) -> str:
    return f"watermark found, payload {wm.payload} (p={wm.p_value:.1e})"


def _content_verdict(cred: CredentialReport) -> tuple[Verdict, list[str]] | None:
    """Rules 1a/1b: a recovered credential vouches only for a copy that matches it."""
    if cred.recovered_via not in ("watermark", "fingerprint"):
        return None
    check = cred.details.get("content_check") or {}
    if check.get("confirmed"):
        return None
    if check.get("altered"):
        share = 100 * float(check.get("changed_fraction", 0.0))
        return "signed-then-altered", [
            f"this copy differs from the signed image in {share:.1f} % of the picture "
            f"({check.get('changed_blocks', 0)} changed blocks; see the change map)",
            _credential_reason(cred),
            "the credentials tell where the picture came from, not what was changed since",
        ]
    why = check.get("error") or "some regions differ slightly more than re-encoding explains"
    return "uncertain", [
        f"cannot confirm this copy matches the signed image ({why})",
        _credential_reason(cred),
    ]


def _signed_verdict(
    cred: CredentialReport, wm: WatermarkReading | None, det: Detection | None
) -> tuple[Verdict, list[str]]:
    content = _content_verdict(cred)
    if content is not None:
        return content
    reasons = [_credential_reason(cred)]
    if wm is not None and wm.detected:
        reasons.append(_watermark_reason(wm))
    if cred.ai_generated:
        reasons.insert(0, "the credential declares the content AI-generated")
        return "ai-generated-declared", reasons
    if det is not None and det.label == "fake":
        reasons.insert(0, "valid credential, but the detectors flag manipulation")
        reasons.append(_detection_reason(det))
        return "uncertain", reasons
    if det is not None and det.detectors:
        reasons.append(_detection_reason(det))
    return "authentic-signed", reasons


def _unsigned_verdict(
    cred: CredentialReport | None, wm: WatermarkReading | None, det: Detection | None
) -> tuple[Verdict, list[str]]:
    checked = "no Content Credentials found" if cred else "Content Credentials not checked"
    reasons: list[str] = [checked]
    marked = wm is not None and wm.detected
    if marked and wm is not None:
        reasons.append(_watermark_reason(wm))
    if det is not None and not det.detectors:
        reasons.append(f"every detector abstained ({det.abstain_note})")
        det = None
    elif det is None:
        reasons.append("no detector ran on this file")
    else:
        reasons.insert(0, _detection_reason(det))
    if det is not None and det.label == "fake":
        return "likely-manipulated", reasons
    if marked:
        return "watermarked", reasons
    if det is not None and det.label == "uncertain":
        return "uncertain", reasons
    return "no-evidence", reasons


def decide(
    credentials: CredentialReport | None,
    watermark: WatermarkReading | None,
    detection: Detection | None,
) -> tuple[Verdict, tuple[str, ...]]:
    """Apply the rule table.

    Args:
        credentials: Verification result, or None when credentials could not be checked.
        watermark: Watermark reading, or None when no codec applies.
        detection: Fused detection, or None when no detector applies.

    Returns:
        The verdict and the reasons behind it, most important first.
    """
    if credentials is not None and credentials.state == "invalid":
        codes = ", ".join(credentials.codes) or "no status code given"
        return "tampered", (
            f"Content Credentials present but invalid ({codes})",
            "the file changed after it was signed, or the manifest was forged",
        )
    if credentials is not None and credentials.state in ("valid", "trusted"):
        verdict, reasons = _signed_verdict(credentials, watermark, detection)
    else:
        verdict, reasons = _unsigned_verdict(credentials, watermark, detection)
    return verdict, tuple(reasons)
