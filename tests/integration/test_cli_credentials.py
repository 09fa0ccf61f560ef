"""``veracity credentials``: end to end through the CLI, exit codes and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    monkeypatch.setenv("VERACITY_HOME", str(h))
    return h


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:120, 0:160]
    rgb = np.stack([xx * 1.5, yy * 2.0, (xx + yy) % 255], axis=-1) + rng.normal(0, 8, (120, 160, 3))
    path = tmp_path / "photo.jpg"
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(path, quality=90)
    return path


def _one_line_error(r) -> str:
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    return lines[0]


def test_init_sign_verify(run_cli, home, photo, tmp_path) -> None:
    r = run_cli("credentials", "init")
    assert r.returncode == 0 and (home / "identity" / "chain.pem").is_file()
    assert run_cli("credentials", "init").returncode == 2  # exists: needs --force
    out = tmp_path / "signed.jpg"
    r = run_cli("credentials", "sign", photo, out, "--ai-generated", "--author", "Ada", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["signer"] == "Veracity local signer"
    r = run_cli("credentials", "verify", out, "--json")
    assert r.returncode == 0
    report = json.loads(r.stdout)
    assert report["state"] == "trusted" and report["ai_generated"] is True
    assert report["recovered_via"] == "embedded"
    r = run_cli("credentials", "verify", out)
    assert r.stdout.startswith(f"{out}: trusted, signed by Veracity local signer")


def test_cert_and_key_flags_and_parent(run_cli, home, photo, tmp_path) -> None:
    run_cli("credentials", "init", "--alg", "ed25519")
    ident = home / "identity"
    first = tmp_path / "a.jpg"
    r = run_cli(
        "credentials",
        "sign",
        photo,
        first,
        "--cert",
        ident / "chain.pem",
        "--key",
        ident / "signer.key",
    )
    assert r.returncode == 0, r.stderr
    second = tmp_path / "b.jpg"
    assert run_cli("credentials", "sign", first, second, "--parent", first).returncode == 0
    report = json.loads(run_cli("credentials", "verify", second, "--json").stdout)
    assert report["details"]["ingredients"][0]["relationship"] == "parentOf"
    r = run_cli("credentials", "sign", photo, tmp_path / "c.jpg", "--cert", ident / "chain.pem")
    assert r.returncode == 2 and "--cert and --key" in _one_line_error(r)


def test_unsigned_and_tampered_exit_1(run_cli, home, photo, tmp_path) -> None:
    run_cli("credentials", "init")
    r = run_cli("credentials", "verify", photo)
    assert r.returncode == 1 and r.stdout.strip() == f"{photo}: no Content Credentials found"
    out = tmp_path / "signed.jpg"
    run_cli("credentials", "sign", photo, out)
    data = bytearray(out.read_bytes())
    data[-100] ^= 0x10
    out.write_bytes(bytes(data))
    r = run_cli("credentials", "verify", out)
    assert r.returncode == 1 and "invalid" in r.stdout and "assertion.dataHash.mismatch" in r.stdout


def test_bad_inputs_are_one_line(run_cli, home, photo, tmp_path) -> None:
    r = run_cli("credentials", "sign", photo, tmp_path / "x.jpg")
    assert r.returncode == 2 and "credentials init" in _one_line_error(r)
    assert not (tmp_path / "x.jpg").exists()
    txt = tmp_path / "a.txt"
    txt.write_text("hi")
    r = run_cli("credentials", "verify", txt)
    assert r.returncode == 2 and "not a recognised" in _one_line_error(r)
    r = run_cli("credentials", "verify", tmp_path / "missing.jpg")
    assert r.returncode == 2 and "no such file" in _one_line_error(r)
    run_cli("credentials", "init")
    before = photo.read_bytes()
    r = run_cli("credentials", "sign", photo, photo)
    assert r.returncode == 2 and "exists" in _one_line_error(r) and photo.read_bytes() == before


def test_store_and_resolver_down_exit_3(run_cli, home, photo) -> None:
    run_cli("credentials", "init")
    r = run_cli("credentials", "verify", photo, "--store", "postgresql://u:pw@127.0.0.1:1/db")
    assert r.returncode == 3 and "PostgreSQL" in _one_line_error(r) and "pw" not in r.stderr
    r = run_cli("credentials", "verify", photo, "--resolver", "http://127.0.0.1:1")
    assert r.returncode == 3 and "unreachable" in _one_line_error(r)


def test_documents_sign_verify_and_check(run_cli, home, tmp_path) -> None:
    """PDF and SVG: signed and verified; ``check`` judges their credentials only."""
    run_cli("credentials", "init")
    svg = tmp_path / "drawing.svg"
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" '
        'height="8"/></svg>\n'
    )
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n")
    for src in (svg, pdf):
        out = tmp_path / f"signed{src.suffix}"
        r = run_cli("credentials", "sign", src, out)
        assert r.returncode == 0, r.stderr
        r = run_cli("credentials", "verify", "--json", out)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["state"] == "trusted"
        r = run_cli("check", "--json", out)
        assert r.returncode == 0, r.stderr
        doc = json.loads(r.stdout)
        assert doc["modality"] == ("image" if src is svg else "document")
        assert doc["verdict"] == "authentic-signed"
        assert doc["watermark"] is None and doc["detection"] is None
        notes = {n["component"]: n["message"] for n in doc["notes"]}
        assert "no watermark codec decodes" in notes["watermark"]
        assert "no detector decodes" in notes["detection"]


def test_verify_json_has_c2patool_fields(run_cli, home, photo, tmp_path) -> None:
    import json

    import c2pa

    run_cli("credentials", "init")
    out = tmp_path / "signed.jpg"
    assert run_cli("credentials", "sign", photo, out).returncode == 0
    doc = json.loads(run_cli("credentials", "verify", out, "--json", "--no-recover").stdout)
    with open(out, "rb") as fh:
        sdk = json.loads(c2pa.Reader("image/jpeg", fh).json())
    # c2patool's names; the SDK (no trust anchors here) says Valid, Veracity trusts its own root
    assert doc["validation_state"] in ("Valid", "Trusted") and sdk["validation_state"] in (
        "Valid",
        "Trusted",
    )
    ours = doc["validation_results"]["activeManifest"]
    assert (
        set(ours)
        == {"success", "informational", "failure"}
        == set(sdk["validation_results"]["activeManifest"])
    )
    assert {e["code"] for e in ours["success"]} >= {
        "claimSignature.validated",
        "assertion.dataHash.match",
    }
    assert ours["failure"] == []
    flipped = tmp_path / "flipped.jpg"
    data = bytearray(out.read_bytes())
    data[-5000] ^= 1
    flipped.write_bytes(bytes(data))
    bad = json.loads(run_cli("credentials", "verify", flipped, "--json", "--no-recover").stdout)
    assert bad["state"] == "invalid" and bad["validation_state"] == "Invalid"
    assert bad["validation_results"]["activeManifest"]["failure"]
    none = json.loads(run_cli("credentials", "verify", photo, "--json", "--no-recover").stdout)
    assert none["validation_state"] is None and none["validation_results"] is None
