"""Conformance with c2pa's Reader: header damage is invalid, other signers' labels are not.

The fixtures of other implementations (c2pa-python's and c2patool's test files,
extracted by ``training/c2pa_fixtures.py``) are used only when present.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from veracity.credentials import sign_file, verify_file
from veracity.credentials.conformance import sdk_class, veracity_class
from veracity.credentials.strict import _MANIFEST_LABEL, _STORE_UUID, HEADER_CODE, PADDING_CODE

FIXTURES = Path(os.environ.get("VERACITY_C2PA_FIXTURES", "/work/data/c2pa/fixtures"))


def _store_header_positions(signed: bytes) -> list[int]:
    """Byte offsets of the four "c2pa" bytes of the store's type UUID and of its label."""
    at = signed.index(_STORE_UUID)
    label = signed.index(b"c2pa\0", at + 16)
    return [*range(at, at + 4), *range(label, label + 4)]


@pytest.mark.parametrize("kind", ["jpeg", "png"])
def test_store_header_bit_flips_are_invalid(kind, cred_home, make_media, tmp_path) -> None:
    signed = sign_file(make_media(kind), tmp_path / f"s.{kind}").output.read_bytes()
    bad = tmp_path / f"bad.{kind}"
    for pos in _store_header_positions(signed):
        for bit in range(8):
            data = bytearray(signed)
            data[pos] ^= 1 << bit
            bad.write_bytes(bytes(data))
            report = verify_file(bad)
            assert report.state == "invalid", (pos, bit, report.state)
            assert report.codes, (pos, bit)


def test_store_header_flip_is_not_recovered_from_the_store(
    cred_home, toy_watermark, wide_photo, tmp_path
) -> None:
    signed_path = sign_file(wide_photo(), tmp_path / "signed.jpg", durable=True).output
    signed = signed_path.read_bytes()
    at = signed.index(_STORE_UUID)
    data = bytearray(signed)
    data[at] ^= 0x01  # "c2pa" -> "b2pa": c2pa no longer sees a store at all
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(bytes(data))
    report = verify_file(bad)
    assert report.state == "invalid"
    assert report.codes == (HEADER_CODE,)
    assert report.recovered_via is None


@pytest.mark.parametrize(
    ("label", "ok"),
    [
        (b"urn:c2pa:2f1c5b8e-6a4d-4c1e-9f3a-0b7d2e6c8a91", True),
        (b"urn:c2pa:2f1c5b8e-6a4d-4c1e-9f3a-0b7d2e6c8a91:acme:1_1", True),
        (b"urn:uuid:2f1c5b8e-6a4d-4c1e-9f3a-0b7d2e6c8a91", True),
        # C2PA 1.x: the claim generator's vendor before the URN (Adobe, c2patool files)
        (b"contentauth:urn:uuid:2f1c5b8e-6a4d-4c1e-9f3a-0b7d2e6c8a91", True),
        (b"adobe:urn:uuid:2f1c5b8e-6a4d-4c1e-9f3a-0b7d2e6c8a91", True),
        # one flipped bit: upper-case hex, a broken version digit, a broken separator
        (b"urn:c2pa:2F1c5b8e-6a4d-4c1e-9f3a-0b7d2e6c8a91", False),
        (b"urn:c2pa:2f1c5b8e-6a4d-5c1e-9f3a-0b7d2e6c8a91", False),
        (b"urn:c2pa:2f1c5b8e-6a4d-4c1e-9f3a/0b7d2e6c8a91", False),
        (b"urn:c2pb:2f1c5b8e-6a4d-4c1e-9f3a-0b7d2e6c8a91", False),
    ],
)
def test_manifest_label_forms(label: bytes, ok: bool) -> None:
    assert bool(_MANIFEST_LABEL.fullmatch(label)) is ok


def _fixture_files() -> list[Path]:
    manifest = FIXTURES / "manifest.jsonl"
    if not manifest.is_file():
        return []
    rows = [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]
    return [FIXTURES / r["file"] for r in rows if "file" in r]


@pytest.mark.skipif(not _fixture_files(), reason=f"no extracted fixtures under {FIXTURES}")
def test_other_signers_files_agree_with_the_sdk(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("VERACITY_HOME", str(tmp_path / "home"))
    wrong = []
    for path in _fixture_files():
        sdk, _ = sdk_class(path)
        if sdk == "unsupported":
            continue
        ours, codes = veracity_class(path)
        if ours != sdk:
            wrong.append((path.name, sdk, ours, codes))
    assert not wrong


def _sdk_state(path: Path) -> str:
    """c2pa-python's own verdict on ``path`` (no trust anchors, no network)."""
    return sdk_class(path)[0]


def _pad_offset(signed: bytes) -> int:
    """Offset of the first byte of the COSE ``pad`` byte string (CBOR text key "pad")."""
    key = signed.rindex(b"\x63pad")  # the signature box comes last in the manifest
    head = signed[key + 4]
    assert head >> 5 == 2, "pad is a CBOR byte string"
    extra = {24: 1, 25: 2, 26: 4}.get(head & 31, 0)
    return key + 5 + extra


@pytest.mark.parametrize("kind", ["jpeg", "png"])
def test_padding_flip_the_sdk_accepts_is_invalid(kind, cred_home, make_media, tmp_path) -> None:
    """The COSE ``pad`` is outside the signature: c2pa accepts it altered, we do not."""
    signed = sign_file(make_media(kind), tmp_path / f"s.{kind}").output.read_bytes()
    data = bytearray(signed)
    data[_pad_offset(signed) + 3] ^= 0x20
    bad = tmp_path / f"bad.{kind}"
    bad.write_bytes(bytes(data))
    if kind == "jpeg":  # PNG: the caBX chunk CRC breaks as well; c2pa may or may not see it
        assert _sdk_state(bad) == "valid"
    report = verify_file(bad)
    assert report.state == "invalid"
    assert PADDING_CODE in report.codes


def test_store_label_flip_the_sdk_accepts_is_invalid(cred_home, make_media, tmp_path) -> None:
    """The store's JUMBF label "c2pa" is hashed by nothing: c2pa accepts it altered."""
    signed = sign_file(make_media("jpeg"), tmp_path / "s.jpg").output.read_bytes()
    label = signed.index(_STORE_UUID) + 17
    assert signed[label : label + 5] == b"c2pa\0"
    data = bytearray(signed)
    data[label + 3] ^= 0x04  # "c2pa" -> "c2pe"
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(bytes(data))
    assert _sdk_state(bad) == "valid"
    report = verify_file(bad)
    assert report.state == "invalid"
    assert HEADER_CODE in report.codes
