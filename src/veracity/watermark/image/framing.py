"""The image mark's payload framing: 64 bits + CRC-16, coded by the shared K=7 code.

The coded bits are sent as symbols +1 (bit 0) and -1 (bit 1); the decoder is the shared
soft-decision Viterbi (:data:`veracity.watermark.ecc.IMAGE_CODE`).
"""

from __future__ import annotations

import numpy as np

from veracity.watermark.crc import crc16
from veracity.watermark.ecc import IMAGE_CODE, K

__all__ = ["CODED_BITS", "CRC_BITS", "INFO_BITS", "PAYLOAD_BITS", "crc16", "decode", "encode"]

PAYLOAD_BITS = 64
CRC_BITS = 16
INFO_BITS = PAYLOAD_BITS + CRC_BITS
CODED_BITS = (INFO_BITS + K - 1) * 2


def encode(payload: bytes) -> np.ndarray:
    """Encode 8 payload bytes (plus their CRC) into ``CODED_BITS`` symbols of +1/-1."""
    if len(payload) != PAYLOAD_BITS // 8:
        raise ValueError(f"payload must be {PAYLOAD_BITS // 8} bytes, got {len(payload)}")
    data = payload + crc16(payload).to_bytes(2, "big")
    info = np.unpackbits(np.frombuffer(data, dtype=np.uint8))
    return 1.0 - 2.0 * IMAGE_CODE.encode(info).astype(np.float64)


def decode(soft: np.ndarray) -> tuple[bytes, bool]:
    """Soft Viterbi decoding; positive soft values favour symbol +1 (bit 0).

    Returns:
        The 8 payload bytes and whether their CRC matched.
    """
    bits = IMAGE_CODE.viterbi(np.asarray(soft, dtype=np.float64).reshape(1, -1))[0]
    data = np.packbits(bits.astype(np.uint8)).tobytes()
    payload, check = data[:-2], int.from_bytes(data[-2:], "big")
    return payload, crc16(payload) == check
