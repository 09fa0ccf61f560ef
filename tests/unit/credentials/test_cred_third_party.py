"""Files signed by others directly with c2pa-python: Veracity's verdict equals c2pa's."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import c2pa
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from veracity.credentials import verify_file


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _chain(curve: ec.EllipticCurve, cn: str) -> tuple[bytes, bytes, bytes]:
    """(leaf+root PEM chain, leaf key PEM, root PEM) of a third-party CA."""
    now = datetime.datetime.now(datetime.UTC)
    digest = hashes.SHA384() if isinstance(curve, ec.SECP384R1) else hashes.SHA256()
    ca_key, key = ec.generate_private_key(curve), ec.generate_private_key(curve)
    ku = dict(
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        encipher_only=False,
        decipher_only=False,
    )
    root = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{cn} CA"))
        .issuer_name(_name(f"{cn} CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=False, key_cert_sign=True, crl_sign=True, **ku),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, digest)
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False, **ku),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, digest)
    )
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return leaf.public_bytes(pem) + root.public_bytes(pem), key_pem, root.public_bytes(pem)


def _sign(
    src: Path, dst: Path, chain: bytes, key: bytes, alg: bytes, parent: Path | None = None
) -> None:
    actions = [
        {
            "action": "c2pa.created",
            "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture",
        }
    ]
    if parent is not None:
        actions = [
            {"action": "c2pa.opened", "parameters": {"ingredientIds": ["p"]}},
            {"action": "c2pa.color_adjustments"},
        ]
    builder = c2pa.Builder(
        {
            "claim_generator_info": [{"name": "OtherCam", "version": "2.0"}],
            "assertions": [{"label": "c2pa.actions", "data": {"actions": actions}}],
        }
    )
    if parent is not None:
        with parent.open("rb") as fh:
            builder.add_ingredient(
                {"title": parent.name, "relationship": "parentOf", "label": "p"}, "image/jpeg", fh
            )
    with (
        c2pa.Signer.from_info(c2pa.C2paSignerInfo(alg, chain, key, None)) as signer,
        src.open("rb") as s,
        dst.open("wb") as d,
    ):
        builder.sign(signer, "image/jpeg", s, d)


def _c2pa(path: Path, anchors: bytes | None) -> tuple[str, tuple[str, ...]]:
    settings: dict = {"verify": {"remote_manifest_fetch": False}}
    if anchors:
        settings["trust"] = {"user_anchors": anchors.decode()}
    ctx = c2pa.Context(settings=c2pa.Settings.from_dict(settings))
    with c2pa.Reader("image/jpeg", io.BytesIO(path.read_bytes()), context=ctx) as r:
        store = json.loads(r.json())
    return store["validation_state"].lower(), tuple(
        s["code"] for s in store.get("validation_status", [])
    )


@pytest.fixture
def samples(make_media, tmp_path, monkeypatch) -> dict[str, tuple[Path, bytes]]:
    monkeypatch.setenv("VERACITY_HOME", str(tmp_path / "nobody"))
    cam_chain, cam_key, cam_root = _chain(ec.SECP384R1(), "OtherCam")
    ed_chain, ed_key, ed_root = _chain(ec.SECP256R1(), "OtherEditor")
    src = make_media("jpeg")
    shot, edit = tmp_path / "shot.jpg", tmp_path / "edit.jpg"
    _sign(src, shot, cam_chain, cam_key, b"es384")
    _sign(shot, edit, ed_chain, ed_key, b"es256", parent=shot)
    flipped = tmp_path / "flipped.jpg"
    data = bytearray(edit.read_bytes())
    data[-50] ^= 4
    flipped.write_bytes(bytes(data))
    return {
        "shot": (shot, cam_root),
        "edit": (edit, ed_root + cam_root),
        "flipped": (flipped, ed_root),
    }


@pytest.mark.parametrize("name", ["shot", "edit", "flipped"])
@pytest.mark.parametrize("trusted", [False, True])
def test_same_state_and_codes_as_c2pa(samples, name, trusted, tmp_path) -> None:
    path, root = samples[name]
    anchors = None
    trust: list[Path] = []
    if trusted:
        anchors = root
        (tmp_path / "anchors.pem").write_bytes(root)
        trust = [tmp_path / "anchors.pem"]
    report = verify_file(path, trust=trust, recover=False)
    assert (report.state, report.codes) == _c2pa(path, anchors)


def test_third_party_chain_is_reported(samples) -> None:
    report = verify_file(samples["edit"][0], recover=False)
    assert report.signer == "OtherEditor"
    assert report.details["ingredients"][0]["signer"] == "OtherCam"
    assert report.details["signature_alg"] == "Es256"
