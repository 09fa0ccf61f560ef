"""c2patool-shaped credentials: ``sign --manifest``, ``verify --detailed``, trust settings, expiry."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PIL import Image

from veracity.synth.samples import natural_image

DEFINITION = {
    "title": "Harbour at dawn",
    "assertions": [
        {
            "label": "stds.schema-org.CreativeWork",
            "data": {
                "@context": "https://schema.org",
                "@type": "CreativeWork",
                "author": [{"@type": "Person", "name": "Ana Lima"}],
            },
        }
    ],
}
C2PATOOL_ENTRY_KEYS = {"code", "url", "explanation"}
C2PATOOL_STATES = {"Invalid", "Valid", "Trusted"}


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.jpg"
    Image.fromarray(natural_image(256, 320, seed=5)).save(path, quality=92)
    return path


@pytest.fixture
def identity(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("credentials", "init").returncode == 0


def _c2patool_shaped(doc: dict) -> None:  # type: ignore[type-arg]
    assert doc["validation_state"] in C2PATOOL_STATES
    active = doc["validation_results"]["activeManifest"]
    assert set(active) == {"success", "informational", "failure"}
    for entries in active.values():
        for entry in entries:
            assert "code" in entry and set(entry) <= C2PATOOL_ENTRY_KEYS, entry


def test_sign_from_a_manifest_definition(run_cli, identity, photo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    definition = tmp_path / "manifest.json"
    definition.write_text(json.dumps(DEFINITION))
    out = tmp_path / "signed.jpg"
    r = run_cli("credentials", "sign", photo, out, "--manifest", definition)
    assert r.returncode == 0, r.stderr
    r = run_cli("credentials", "verify", out, "--json")
    doc = json.loads(r.stdout)
    assert r.returncode == 0 and doc["state"] == "trusted"
    assert doc["manifest"]["title"] == "Harbour at dawn"
    labels = [a["label"] for a in doc["manifest"]["assertions"]]
    assert "stds.schema-org.CreativeWork" in labels
    assert any(label.startswith("c2pa.actions") for label in labels)
    _c2patool_shaped(doc)
    assert doc["warnings"] == [] and doc["details"]["signer_not_after"]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"title": "x",', "invalid JSON at line 1"),
        ("[1, 2]", "top level must be a JSON object"),
        ('{"assertions": {"label": "x"}}', '"assertions" must be a list'),
        ('{"assertions": [{"label": "c2pa.soft-binding", "data": {}}]}', "set by Veracity"),
        ('{"assertions": [{"label": "c2pa.actions"}]}', 'has no "data"'),
    ],
    ids=["bad-json", "not-object", "assertions-not-list", "reserved-label", "no-data"],
)
def test_a_bad_manifest_definition_exits_2_and_writes_nothing(  # type: ignore[no-untyped-def]
    run_cli, identity, photo, tmp_path, text: str, why: str
) -> None:
    definition = tmp_path / "manifest.json"
    definition.write_text(text)
    out = tmp_path / "signed.jpg"
    r = run_cli("credentials", "sign", photo, out, "--manifest", definition)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr
    assert why in lines[0] and not out.exists()


def test_verify_detailed_prints_the_full_report(run_cli, identity, photo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "signed.jpg"
    assert run_cli("credentials", "sign", photo, out).returncode == 0
    r = run_cli("credentials", "verify", out, "--detailed")
    doc = json.loads(r.stdout)
    detailed = doc["details"]["detailed"]
    active = detailed["manifests"][detailed["active_manifest"]]
    assert {"claim", "assertion_store", "signature"} <= set(active)
    _c2patool_shaped(doc)


def test_verify_detailed_on_a_recovered_copy(run_cli, identity, photo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "signed.jpg"
    assert run_cli("credentials", "sign", photo, out, "--durable").returncode == 0
    stripped = tmp_path / "stripped.png"
    Image.open(out).save(stripped)
    doc = json.loads(run_cli("credentials", "verify", stripped, "--detailed").stdout)
    assert doc["recovered_via"] in ("watermark", "fingerprint")
    assert "detailed" in doc["details"]
    assert "block hash" in doc["details"]["content_check"]["method"]
    _c2patool_shaped(doc)


def test_trust_settings_are_checked(run_cli, identity, photo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "signed.jpg"
    assert run_cli("credentials", "sign", photo, out).returncode == 0
    junk = tmp_path / "junk.txt"
    junk.write_text("")
    for flag in ("--allowed-list", "--trust-config"):
        r = run_cli("credentials", "verify", out, flag, tmp_path / "missing.pem")
        assert r.returncode == 2 and "cannot read" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("credentials", "verify", out, "--allowed-list", junk)
    assert r.returncode == 2 and "not a allowed list file" in r.stderr.replace(
        "an allowed", "a allowed"
    )
    # without the local root as an anchor the signer is only valid; the allowed list
    # (its own certificate) makes it trusted again
    home = Path(os.environ["VERACITY_HOME"])
    for anchor in (home / "trust").glob("*.pem"):
        anchor.unlink()
    doc = json.loads(run_cli("credentials", "verify", out, "--json").stdout)
    assert doc["state"] == "valid"
    signer = tmp_path / "signer.pem"
    chain = (home / "identity" / "chain.pem").read_text()
    signer.write_text(chain[: chain.index("-----END CERTIFICATE-----") + 25] + "\n")
    doc = json.loads(
        run_cli("credentials", "verify", out, "--allowed-list", signer, "--json").stdout
    )
    assert doc["state"] == "trusted" and doc["validation_state"] == "Trusted"
    eku = tmp_path / "eku.cfg"
    eku.write_text("1.3.6.1.5.5.7.3.4\n")  # emailProtection, which the local signer carries
    r = run_cli("credentials", "verify", out, "--trust-config", eku, "--allowed-list", signer)
    assert r.returncode == 0, r.stderr


FIXTURES = Path(os.environ.get("VERACITY_C2PA_FIXTURES", "/work/data/c2pa/fixtures"))


def _fixture_files() -> list[Path]:
    manifest = FIXTURES / "manifest.jsonl"
    if not manifest.is_file():
        return []
    rows = [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]
    files = [FIXTURES / r["file"] for r in rows if "file" in r and "c2pa-python" in r["source"]]
    return [f for f in files if f.is_file()][:12]


@pytest.mark.skipif(
    not _fixture_files(), reason="c2pa-python fixtures not extracted (training/c2pa_fixtures.py)"
)
def test_verify_json_matches_c2pa_python_on_its_fixtures(run_cli) -> None:  # type: ignore[no-untyped-def]
    import c2pa

    compared = 0
    for path in _fixture_files():
        try:
            with c2pa.Reader(str(path)) as reader:
                state = reader.get_validation_state()
                results = reader.get_validation_results()
        except c2pa.C2paError:
            continue  # no manifest (or one the SDK cannot read): nothing to compare
        r = run_cli("credentials", "verify", path, "--json", "--no-recover")
        doc = json.loads(r.stdout)
        assert doc["validation_state"] == state, path.name
        _c2patool_shaped(doc)
        theirs = results["activeManifest"]
        ours = doc["validation_results"]["activeManifest"]
        assert {e["code"] for e in theirs.get("success", [])} == {
            e["code"] for e in ours["success"]
        }
        theirs_failed = {e["code"] for e in theirs.get("failure", [])}
        assert theirs_failed <= {e["code"] for e in ours["failure"]}, path.name
        compared += 1
    assert compared >= 3
