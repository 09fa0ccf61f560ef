"""Tampering is reported invalid with the right codes (a small sample; the full
1,000-trial evaluation is benchmarks/credentials_tamper.py)."""

from __future__ import annotations

import random

import pytest

from veracity.credentials import sign_file, verify_file
from veracity.credentials.layout import file_layout, transplant_manifest


def _flip(data: bytes, ranges: list[tuple[int, int]], rng: random.Random) -> bytes:
    start, end = rng.choice(ranges)
    pos = rng.randrange(start, end)
    out = bytearray(data)
    out[pos] ^= 1 << rng.randrange(8)
    return bytes(out)


@pytest.mark.parametrize("kind", ["jpeg", "png"])
def test_content_flips_are_hash_mismatches(kind, cred_home, make_media, tmp_path) -> None:
    signed = sign_file(make_media(kind), tmp_path / f"s.{kind}").output.read_bytes()
    rng = random.Random(7)
    for i in range(5):
        bad = tmp_path / f"bad{i}.{kind}"
        bad.write_bytes(_flip(signed, file_layout(signed).content, rng))
        report = verify_file(bad)
        assert report.state == "invalid"
        assert "assertion.dataHash.mismatch" in report.codes


@pytest.mark.parametrize("kind", ["jpeg", "png"])
def test_manifest_flips_are_invalid(kind, cred_home, make_media, tmp_path) -> None:
    signed = sign_file(make_media(kind), tmp_path / f"s.{kind}").output.read_bytes()
    layout = file_layout(signed)
    assert layout.manifest
    rng = random.Random(11)
    for i in range(8):
        bad = tmp_path / f"bad{i}.{kind}"
        bad.write_bytes(_flip(signed, layout.manifest, rng))
        report = verify_file(bad)
        assert report.state == "invalid", (i, report.codes)
        assert report.codes


@pytest.mark.parametrize("kind", ["jpeg", "png"])
def test_moved_manifest_is_invalid(kind, cred_home, make_media, tmp_path) -> None:
    signed = sign_file(make_media(kind, seed=1), tmp_path / f"s.{kind}").output.read_bytes()
    other = make_media(kind, name=f"other.{kind}", seed=2)
    moved = tmp_path / f"moved.{kind}"
    moved.write_bytes(transplant_manifest(signed, other.read_bytes()))
    report = verify_file(moved)
    assert report.state == "invalid"
    assert "assertion.dataHash.mismatch" in report.codes
