"""Durable credentials: soft binding, store, recovery by watermark and by fingerprint.

Most tests use a toy watermark so the plumbing is tested on its own; the last one uses
the real image watermark and is skipped only while that module is missing.
"""

from __future__ import annotations

import importlib.util
import io

import numpy as np
import pytest
from PIL import Image

from veracity.credentials import open_store, sign_file, verify_file
from veracity.credentials.durable import CROP_VIEWS
from veracity.credentials.manifest import FINGERPRINT_LABEL, WATERMARK_ALG
from veracity.errors import StoreError


def _strip(src, dst, *, scale: float = 1.0, quality: int = 90) -> None:
    img = Image.open(src).convert("RGB")
    if scale != 1.0:
        img = img.resize((round(img.width * scale), round(img.height * scale)), Image.BICUBIC)
    img.save(dst, "JPEG", quality=quality)


def test_durable_sign_records_binding_and_store(
    cred_home, toy_watermark, wide_photo, tmp_path
) -> None:
    result = sign_file(wide_photo(), tmp_path / "signed.jpg", durable=True)
    assert result.manifest_id and len(result.manifest_id) == 16
    report = verify_file(result.output)
    assert report.state == "trusted" and report.recovered_via == "embedded"
    assert [a["action"] for a in report.details["actions"]] == ["c2pa.created", "c2pa.watermarked"]
    labels = {a["label"]: a["data"] for a in report.manifest["assertions"]}
    assert labels["c2pa.soft-binding"]["alg"] == WATERMARK_ALG
    assert len(labels[FINGERPRINT_LABEL]["values"]) == len(CROP_VIEWS)
    assert report.details["manifest_id"] == result.manifest_id
    with open_store() as store:
        assert store.get(result.manifest_id) is not None


def test_stripped_copy_recovered_via_watermark(
    cred_home, toy_watermark, wide_photo, tmp_path
) -> None:
    result = sign_file(wide_photo(), tmp_path / "signed.jpg", durable=True)
    _strip(result.output, tmp_path / "stripped.jpg")
    report = verify_file(tmp_path / "stripped.jpg")
    assert report.recovered_via == "watermark"
    assert report.state == "trusted" and report.codes == ()
    assert report.details["manifest_id"] == result.manifest_id
    assert report.details["content_binding_codes"] == ["assertion.dataHash.mismatch"]


def test_resized_copy_recovered_via_fingerprint(
    cred_home, toy_watermark, wide_photo, tmp_path
) -> None:
    result = sign_file(wide_photo(), tmp_path / "signed.jpg", durable=True)
    _strip(result.output, tmp_path / "small.jpg", scale=0.6, quality=75)
    report = verify_file(tmp_path / "small.jpg")
    assert report.recovered_via == "fingerprint"
    assert report.details["manifest_id"] == result.manifest_id
    assert report.details["recovery"]["fingerprint_distance"] <= 40


def test_unrelated_image_recovers_nothing(cred_home, toy_watermark, wide_photo, tmp_path) -> None:
    sign_file(wide_photo(seed=1), tmp_path / "signed.jpg", durable=True)
    report = verify_file(wide_photo("other.jpg", seed=7))
    assert report.state == "none" and report.recovered_via is None


def test_watermark_on_other_content_is_rejected(
    cred_home, toy_watermark, wide_photo, tmp_path
) -> None:
    signed = sign_file(wide_photo(seed=1), tmp_path / "signed.jpg", durable=True)
    other = np.asarray(Image.open(wide_photo("other.jpg", seed=7)).convert("RGB"))
    forged = toy_watermark.embed_pixels(other, bytes.fromhex(signed.manifest_id), "k")
    Image.fromarray(forged).save(tmp_path / "forged.png")
    report = verify_file(tmp_path / "forged.png")
    assert report.state == "none"
    assert "watermark_rejected" in report.details["recovery"]


def test_store_failure_leaves_no_output(cred_home, toy_watermark, wide_photo, tmp_path) -> None:
    with pytest.raises(StoreError):
        sign_file(
            wide_photo(), tmp_path / "o.jpg", durable=True, store="postgresql://u:p@127.0.0.1:1/x"
        )
    assert not (tmp_path / "o.jpg").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".o.jpg")] == []


@pytest.mark.skipif(
    importlib.util.find_spec("veracity.watermark.image") is None,
    reason="the image watermark (branch wm) is not merged yet",
)
def test_real_watermark_recovery(cred_home, wide_photo, tmp_path) -> None:
    result = sign_file(wide_photo(), tmp_path / "signed.jpg", durable=True)
    buf = io.BytesIO()
    Image.open(result.output).convert("RGB").save(buf, "JPEG", quality=75)
    (tmp_path / "q75.jpg").write_bytes(buf.getvalue())
    report = verify_file(tmp_path / "q75.jpg")
    assert report.recovered_via in ("watermark", "fingerprint")
    assert report.details["manifest_id"] == result.manifest_id
    assert np.asarray(Image.open(result.output)).shape[:2] == (320, 400)


def test_given_watermark_reading_is_reused(cred_home, toy_watermark, wide_photo, tmp_path) -> None:
    """``check`` passes its own watermark reading: recovery must use it, not read again."""
    from veracity.results import WatermarkReading

    result = sign_file(wide_photo(), tmp_path / "signed.jpg", durable=True)
    _strip(result.output, tmp_path / "stripped.jpg")
    unknown = WatermarkReading(True, "00000000000000aa", 1e-9, 9.0, "image", {})
    report = verify_file(tmp_path / "stripped.jpg", watermark_reading=unknown)
    # The reading given names an id the store does not hold, so the watermark route fails
    # (the toy watermark in the file would have resolved) and the fingerprint route wins.
    assert report.details["recovery"]["watermark_unresolved"] == "00000000000000aa"
    assert report.recovered_via == "fingerprint"
