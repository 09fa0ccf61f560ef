"""Signing identities: a local root CA + signing certificate, PEM files, or a callback.

``init_identity`` makes a self-contained identity for local use: a root CA and a leaf
certificate (ES256 or Ed25519) that C2PA accepts (digitalSignature + emailProtection
EKU). The root is also copied into the trust folder, so files signed here verify as
``trusted`` on this machine and as ``valid`` (untrusted signer) elsewhere.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from veracity.credentials.paths import identity_dir, trust_dir, veracity_home
from veracity.errors import ConfigError, OutputExistsError, UsageError

__all__ = [
    "Algorithm",
    "IdentityInfo",
    "SigningIdentity",
    "callback_identity",
    "identity_from_pem",
    "init_identity",
    "load_identity",
]

Algorithm = Literal["es256", "ed25519"]
_KeyType = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


@dataclasses.dataclass(frozen=True)
class SigningIdentity:
    """What signing needs: an algorithm, a PEM certificate chain and a key or callback.

    Attributes:
        alg: ``es256`` or ``ed25519``.
        chain_pem: Signing certificate first, then intermediates (PEM).
        key_pem: The private key (PEM, PKCS#8), or None when ``callback`` signs.
        callback: ``sign(data) -> signature`` for keys held in an HSM or cloud KMS.
    """

    alg: Algorithm
    chain_pem: bytes
    key_pem: bytes | None = dataclasses.field(default=None, repr=False)
    callback: Callable[[bytes], bytes] | None = dataclasses.field(default=None, repr=False)


@dataclasses.dataclass(frozen=True)
class IdentityInfo:
    """Where ``init_identity`` wrote the identity."""

    folder: Path
    chain: Path
    key: Path
    root: Path
    alg: Algorithm
    subject: str


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Veracity local identity"),
        ]
    )


def _new_key(alg: Algorithm) -> _KeyType:
    if alg == "es256":
        return ec.generate_private_key(ec.SECP256R1())
    if alg == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise UsageError(f"unknown signing algorithm {alg!r} (use es256 or ed25519)")


def _sign_cert(builder: x509.CertificateBuilder, key: _KeyType) -> x509.Certificate:
    digest = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(key, digest)


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _make_chain(
    alg: Algorithm, common_name: str
) -> tuple[x509.Certificate, x509.Certificate, _KeyType]:
    now = datetime.datetime.now(datetime.UTC)
    ca_key, leaf_key = _new_key(alg), _new_key(alg)
    root = _sign_cert(
        x509.CertificateBuilder()
        .subject_name(_name(f"{common_name} Root CA"))
        .issuer_name(_name(f"{common_name} Root CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        ),
        ca_key,
    )
    leaf = _sign_cert(
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(root.subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        ),
        ca_key,
    )
    return root, leaf, leaf_key


def _write_private(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def init_identity(
    home: Path | None = None,
    *,
    alg: Algorithm = "es256",
    common_name: str = "Veracity local signer",
    force: bool = False,
) -> IdentityInfo:
    """Create a local root CA and signing certificate in the configuration folder.

    Args:
        home: Configuration folder (default: ``VERACITY_HOME`` or ``~/.config/veracity``).
        alg: ``es256`` (ECDSA P-256) or ``ed25519``.
        common_name: Subject common name of the signing certificate.
        force: Replace an existing identity.

    Returns:
        Paths of the written files.

    Raises:
        OutputExistsError: An identity exists and ``force`` is false.
        UsageError: Unknown algorithm.
    """
    home = home or veracity_home()
    folder = identity_dir(home)
    chain_path, key_path, root_path = (
        folder / "chain.pem",
        folder / "signer.key",
        folder / "root.pem",
    )
    if chain_path.exists() and not force:
        raise OutputExistsError(f"{folder}: an identity exists (use --force to replace it)")
    root, leaf, leaf_key = _make_chain(alg, common_name)
    folder.mkdir(parents=True, exist_ok=True)
    trust_dir(home).mkdir(parents=True, exist_ok=True)
    pem = serialization.Encoding.PEM
    key_pem = leaf_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_private(key_path, key_pem, 0o600)
    _write_private(chain_path, leaf.public_bytes(pem) + root.public_bytes(pem), 0o644)
    _write_private(root_path, root.public_bytes(pem), 0o644)
    _write_private(trust_dir(home) / "local-root.pem", root.public_bytes(pem), 0o644)
    return IdentityInfo(folder, chain_path, key_path, root_path, alg, leaf.subject.rfc4514_string())


def _alg_of_key(key: Any, path: str) -> Algorithm:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1":
        return "es256"
    raise ConfigError(f"{path}: unsupported key type (use an ECDSA P-256 or Ed25519 key)")


def identity_from_pem(cert_path: Path, key_path: Path) -> SigningIdentity:
    """Load a PEM certificate chain and private key (``sign --cert/--key``).

    Raises:
        ConfigError: Missing or unreadable files, or an unsupported key type.
    """
    try:
        chain = cert_path.read_bytes()
        key_pem = key_path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read signing identity: {exc.filename}: {exc.strerror}") from None
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
        x509.load_pem_x509_certificates(chain)
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"{key_path} / {cert_path}: not a PEM key and certificate chain ({exc})"
        ) from None
    alg = _alg_of_key(key, str(key_path))
    pkcs8 = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SigningIdentity(alg, chain, pkcs8)


def load_identity(home: Path | None = None) -> SigningIdentity:
    """Load the identity made by :func:`init_identity`.

    Raises:
        ConfigError: No identity exists yet.
    """
    folder = identity_dir(home or veracity_home())
    chain, key = folder / "chain.pem", folder / "signer.key"
    if not chain.is_file() or not key.is_file():
        raise ConfigError(
            f"no signing identity in {folder} (run 'veracity credentials init' or pass --cert/--key)"
        )
    return identity_from_pem(chain, key)


def callback_identity(
    chain_pem: bytes, sign: Callable[[bytes], bytes], alg: Algorithm = "es256"
) -> SigningIdentity:
    """An identity whose private key never enters this process (HSM, cloud KMS).

    Args:
        chain_pem: Signing certificate chain (PEM).
        sign: Returns the signature of the given bytes: for ``es256`` an ECDSA P-256
            SHA-256 signature (DER or raw r||s), for ``ed25519`` the 64-byte signature.
        alg: The key's algorithm.
    """
    if alg not in ("es256", "ed25519"):
        raise UsageError(f"unknown signing algorithm {alg!r} (use es256 or ed25519)")
    return SigningIdentity(alg, chain_pem, None, sign)
