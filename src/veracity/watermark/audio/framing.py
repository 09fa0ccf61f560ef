"""The audio mark's payload framing: 32 bits + CRC-16, coded by the shared K=7 code.

The payload and its CRC-16 are convolutionally encoded
(:data:`veracity.watermark.ecc.AUDIO_CODE`) and decoded by soft-decision Viterbi; where
its best path fails the CRC, the list Viterbi decoder (the ``size`` best paths) returns
the best path that passes it.
"""

from __future__ import annotations

import numpy as np

from veracity.watermark.crc import crc16
from veracity.watermark.ecc import AUDIO_CODE, K

__all__ = [
    "CODED_BITS",
    "CRC_BITS",
    "INFO_BITS",
    "PAYLOAD_BITS",
    "crc16",
    "decode_payload",
    "decode_payloads",
    "encode_payload",
    "list_decode",
]

PAYLOAD_BITS = 32
CRC_BITS = 16
INFO_BITS = PAYLOAD_BITS + CRC_BITS
CODED_BITS = (INFO_BITS + K - 1) * 2


def _bits(value: int, n: int) -> list[int]:
    return [(value >> (n - 1 - i)) & 1 for i in range(n)]


def encode_payload(payload: bytes) -> np.ndarray:
    """Return the coded bits (0/1, length :data:`CODED_BITS`) of a 4-byte payload."""
    value = int.from_bytes(payload, "big")
    info = _bits(value, PAYLOAD_BITS) + _bits(crc16(payload), CRC_BITS)
    return AUDIO_CODE.encode(np.array(info, dtype=np.int8))


def _unpack(info: np.ndarray) -> tuple[bytes, bool]:
    value = int("".join(map(str, info[:PAYLOAD_BITS])), 2)
    crc = int("".join(map(str, info[PAYLOAD_BITS:])), 2)
    payload = value.to_bytes(PAYLOAD_BITS // 8, "big")
    return payload, crc16(payload) == crc


def decode_payloads(soft: np.ndarray) -> list[tuple[bytes, bool]]:
    """Decode a batch of soft coded vectors (B, :data:`CODED_BITS`) into (payload, crc_ok)."""
    return [
        _unpack(info)
        for info in AUDIO_CODE.viterbi(np.atleast_2d(np.asarray(soft, dtype=np.float64)))
    ]


def list_decode(soft: np.ndarray, size: int) -> list[tuple[bytes, int] | None]:
    """The best of the ``size`` most likely paths that passes the CRC, per row.

    Returns:
        Per row of ``soft`` (B, :data:`CODED_BITS`), ``(payload, rank)`` with rank 0 for
        the maximum-likelihood path, or None when none of the ``size`` paths passes.
        A random row passes with probability about ``size * 2**-16``.
    """
    info, valid = AUDIO_CODE.list_viterbi(np.atleast_2d(np.asarray(soft, dtype=np.float64)), size)
    out: list[tuple[bytes, int] | None] = []
    for paths, ok in zip(info, valid, strict=True):
        found = None
        for rank in np.flatnonzero(ok):
            payload, crc_ok = _unpack(paths[rank])
            if crc_ok:
                found = (payload, int(rank))
                break
        out.append(found)
    return out


def decode_payload(soft: np.ndarray) -> tuple[bytes, bool]:
    """Decode soft coded values into ``(payload, crc_ok)``."""
    return decode_payloads(np.asarray(soft)[None, :])[0]
