"""Signer certificate expiry: a warning when it has expired or expires within 30 days.

Offline there is no trusted timestamp to prove a signature was made while the
certificate was valid, so an expired (or soon expiring) signer certificate is worth a
warning. c2pa's reader JSON names the certificate's serial number but not its validity,
so the certificate is found in the manifest store's bytes (the COSE ``x5chain`` holds it
in DER) by that serial number.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from cryptography import x509

__all__ = ["EXPIRY_WARN_DAYS", "expiry_warning", "signer_certificate", "signer_not_after"]

EXPIRY_WARN_DAYS = 30
_DER_SEQUENCE = re.compile(rb"\x30\x82")


def _certificates(data: bytes) -> list[x509.Certificate]:
    found = []
    for m in _DER_SEQUENCE.finditer(data):
        start = m.start()
        length = int.from_bytes(data[start + 2 : start + 4], "big") + 4
        if length < 200 or start + length > len(data):
            continue
        try:
            found.append(x509.load_der_x509_certificate(data[start : start + length]))
        except ValueError:
            continue
    return found


def signer_certificate(data: bytes, manifest: Mapping[str, Any]) -> x509.Certificate | None:
    """The signer certificate, found in ``data`` by the manifest's serial number, or None."""
    serial = (manifest.get("signature_info") or {}).get("cert_serial_number")
    if not serial:
        return None
    for cert in _certificates(data):
        if str(cert.serial_number) == str(serial):
            return cert
    return None


def signer_not_after(data: bytes, manifest: Mapping[str, Any]) -> datetime.datetime | None:
    """The signer certificate's ``notAfter`` (UTC), or None when it is not found."""
    cert = signer_certificate(data, manifest)
    return cert.not_valid_after_utc if cert is not None else None


def expiry_warning(
    not_after: datetime.datetime | None, now: datetime.datetime | None = None
) -> str | None:
    """One line when the certificate has expired or expires within 30 days, else None."""
    if not_after is None:
        return None
    now = now or datetime.datetime.now(datetime.UTC)
    days = (not_after - now).total_seconds() / 86400
    stamp = not_after.strftime("%Y-%m-%d")
    if days < 0:
        return f"the signer certificate expired on {stamp} (no trusted timestamp offline)"
    if days <= EXPIRY_WARN_DAYS:
        return f"the signer certificate expires on {stamp}, in {int(days)} days"
    return None
