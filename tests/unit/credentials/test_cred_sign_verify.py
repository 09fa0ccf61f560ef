"""Signing and verifying through c2pa-python, compared with c2pa's own Reader."""

from __future__ import annotations

import io
import json
from pathlib import Path

import c2pa
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from veracity.credentials import (
    ManifestSpec,
    callback_identity,
    identity_from_pem,
    init_identity,
    sign_file,
    verify_file,
)
from veracity.credentials.engine import mime_for
from veracity.errors import ConfigError, OutputExistsError, UnsupportedFormatError


def _c2pa_view(path: Path, anchors: bytes | None = None) -> tuple[str, list[str]]:
    settings = {"verify": {"remote_manifest_fetch": False}}
    if anchors:
        settings["trust"] = {"user_anchors": anchors.decode()}  # type: ignore[assignment]
    ctx = c2pa.Context(settings=c2pa.Settings.from_dict(settings))
    with c2pa.Reader(mime_for(path), io.BytesIO(path.read_bytes()), context=ctx) as r:
        store = json.loads(r.json())
    return store["validation_state"].lower(), [
        s["code"] for s in store.get("validation_status", [])
    ]


@pytest.mark.parametrize("kind", ["jpeg", "png", "webp", "mp4", "wav"])
def test_signed_files_validate_in_c2pa_reader(kind, cred_home, make_media, tmp_path) -> None:
    src = make_media(kind)
    dst = tmp_path / f"signed{src.suffix}"
    result = sign_file(src, dst, spec=ManifestSpec(title=dst.name, author="Ada"))
    assert result.signer == "Veracity local signer"
    state, codes = _c2pa_view(dst, cred_home.root.read_bytes())
    assert (state, codes) == ("trusted", [])
    report = verify_file(dst)
    assert (report.state, list(report.codes)) == (state, codes)
    assert report.recovered_via == "embedded"
    assert report.details["actions"][0]["action"] == "c2pa.created"


def test_untrusted_signer_is_valid_with_c2pa_codes(
    cred_home, make_media, tmp_path, monkeypatch
) -> None:
    dst = tmp_path / "signed.jpg"
    sign_file(make_media("jpeg"), dst)
    monkeypatch.setenv("VERACITY_HOME", str(tmp_path / "elsewhere"))
    report = verify_file(dst)
    assert (report.state, list(report.codes)) == _c2pa_view(dst)
    assert report.state == "valid" and report.codes == ("signingCredential.untrusted",)
    assert verify_file(dst, trust=[cred_home.root]).state == "trusted"
    assert verify_file(dst, trust=[cred_home.root.parent]).state == "trusted"


def test_ai_generated_and_author(cred_home, make_media, tmp_path) -> None:
    dst = tmp_path / "ai.png"
    sign_file(
        make_media("png"), dst, spec=ManifestSpec(title="ai.png", author="Bo", ai_generated=True)
    )
    report = verify_file(dst)
    assert report.ai_generated is True
    created = report.details["actions"][0]
    assert created["digitalSourceType"].endswith("/trainedAlgorithmicMedia")
    labels = [a["label"] for a in report.manifest["assertions"]]
    assert "stds.schema-org.CreativeWork" in labels
    assert report.manifest["thumbnail"]["format"].startswith("image/")
    assert (
        verify_file(sign_file(make_media("png", "h.png"), tmp_path / "h2.png").output).ai_generated
        is False
    )


def test_edit_chain_with_parent_ingredient(cred_home, make_media, tmp_path) -> None:
    first = sign_file(make_media("jpeg"), tmp_path / "v1.jpg").output
    second = sign_file(first, tmp_path / "v2.jpg", parent=first).output
    report = verify_file(second)
    assert report.state == "trusted"
    assert [a["action"] for a in report.details["actions"]] == ["c2pa.opened", "c2pa.edited"]
    chain = report.details["ingredients"]
    assert chain[0]["relationship"] == "parentOf" and chain[0]["title"] == "v1.jpg"
    assert chain[0]["manifest"] is not None and chain[0]["codes"] == []


def test_ed25519_identity(tmp_path, make_media) -> None:
    info = init_identity(tmp_path / "ed", alg="ed25519")
    identity = identity_from_pem(info.chain, info.key)
    assert identity.alg == "ed25519"
    dst = sign_file(make_media("jpeg"), tmp_path / "ed.jpg", identity=identity).output
    report = verify_file(dst, trust=[info.root])
    assert report.state == "trusted" and report.details["signature_alg"] == "Ed25519"


def test_callback_signer_never_sees_key_file(cred_home, make_media, tmp_path) -> None:
    key = serialization.load_pem_private_key(cred_home.key.read_bytes(), password=None)
    calls = []

    def kms_sign(data: bytes) -> bytes:
        calls.append(len(data))
        return key.sign(data, ec.ECDSA(hashes.SHA256()))  # type: ignore[call-arg, union-attr]

    identity = callback_identity(cred_home.chain.read_bytes(), kms_sign)
    dst = sign_file(make_media("jpeg"), tmp_path / "kms.jpg", identity=identity).output
    assert calls and verify_file(dst).state == "trusted"


def test_unsigned_and_unsupported_inputs(cred_home, make_media, tmp_path) -> None:
    assert verify_file(make_media("jpeg")).state == "none"
    txt = tmp_path / "notes.txt"
    txt.write_text("hello")
    with pytest.raises(UnsupportedFormatError):
        sign_file(txt, tmp_path / "out.txt")
    with pytest.raises(UnsupportedFormatError):
        verify_file(txt)


def test_existing_output_and_missing_identity(make_media, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("VERACITY_HOME", str(tmp_path / "empty"))
    src = make_media("jpeg")
    with pytest.raises(ConfigError, match="credentials init"):
        sign_file(src, tmp_path / "o.jpg")
    assert not (tmp_path / "o.jpg").exists()
    init_identity()
    with pytest.raises(OutputExistsError):
        sign_file(src, src)


def test_remote_manifest_is_not_fetched(cred_home, make_media, tmp_path) -> None:
    from veracity.credentials.engine import make_signer
    from veracity.credentials.identity import load_identity
    from veracity.credentials.manifest import build_definition

    src, dst = make_media("jpeg"), tmp_path / "remote.jpg"
    builder = c2pa.Builder(build_definition(ManifestSpec(title="remote.jpg")))
    builder.set_no_embed()
    builder.set_remote_url("http://127.0.0.1:9/manifest.c2pa")
    with make_signer(load_identity()) as signer, src.open("rb") as s, dst.open("wb") as d:
        builder.sign(signer, "image/jpeg", s, d)
    report = verify_file(dst)
    assert report.state == "none"
    assert report.codes == ("veracity.remoteManifest.notFetched",)
