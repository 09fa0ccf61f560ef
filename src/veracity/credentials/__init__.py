"""C2PA Content Credentials: sign, verify, durable credentials and the manifest store.

Typical use::

    from veracity.credentials import init_identity, sign_file, verify_file

    init_identity()                                  # once: local root CA + signer
    sign_file("in.jpg", "out.jpg", durable=True)     # manifest + watermark + store
    report = verify_file("copy-from-social.jpg")     # CredentialReport
"""

from veracity.credentials.identity import (
    IdentityInfo,
    SigningIdentity,
    callback_identity,
    identity_from_pem,
    init_identity,
    load_identity,
)
from veracity.credentials.manifest import ManifestSpec
from veracity.credentials.sign import SignResult, sign_file
from veracity.credentials.store import ManifestRecord, ManifestStore, Match, open_store
from veracity.credentials.verify import load_anchors, verify_file

__all__ = [
    "IdentityInfo",
    "ManifestRecord",
    "ManifestSpec",
    "ManifestStore",
    "Match",
    "SignResult",
    "SigningIdentity",
    "callback_identity",
    "identity_from_pem",
    "init_identity",
    "load_anchors",
    "load_identity",
    "open_store",
    "sign_file",
    "verify_file",
]
