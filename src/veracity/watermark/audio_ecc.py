"""Error control for the audio watermark: CRC-16 and a K=7 rate-1/2 convolutional code.

The payload (32 bits) and its CRC-16 are convolutionally encoded with the classic
(171, 133) octal code and decoded by a soft-decision Viterbi decoder.
"""

from __future__ import annotations

import numpy as np

from veracity.watermark.crc import crc16

__all__ = ["CODED_BITS", "CRC_BITS", "INFO_BITS", "PAYLOAD_BITS", "crc16", "decode_payload", "encode_payload"]

PAYLOAD_BITS = 32
CRC_BITS = 16
INFO_BITS = PAYLOAD_BITS + CRC_BITS
_K = 7
_POLYS = (0o171, 0o133)
CODED_BITS = (INFO_BITS + _K - 1) * 2


def _bits(value: int, n: int) -> list[int]:
    return [(value >> (n - 1 - i)) & 1 for i in range(n)]


def _parity(x: int) -> int:
    return bin(x).count("1") & 1


def _outputs() -> np.ndarray:
    """Coded output pair for (state, input bit): shape (64, 2, 2)."""
    out = np.zeros((1 << (_K - 1), 2, 2), dtype=np.int8)
    for state in range(1 << (_K - 1)):
        for bit in (0, 1):
            reg = (bit << (_K - 1)) | state
            out[state, bit] = [_parity(reg & p) for p in _POLYS]
    return out


def _conv_encode(info: list[int]) -> np.ndarray:
    state = 0
    coded: list[int] = []
    table = _outputs()
    for bit in [*info, *([0] * (_K - 1))]:
        coded.extend(int(v) for v in table[state, bit])
        state = ((bit << (_K - 1)) | state) >> 1
    return np.array(coded, dtype=np.int8)


def encode_payload(payload: bytes) -> np.ndarray:
    """Return the coded bits (0/1, length :data:`CODED_BITS`) of a 4-byte payload."""
    value = int.from_bytes(payload, "big")
    info = _bits(value, PAYLOAD_BITS) + _bits(crc16(payload), CRC_BITS)
    return _conv_encode(info)


def _viterbi(soft: np.ndarray) -> list[int]:
    """Soft Viterbi; ``soft`` > 0 favours coded bit 0. Returns the info bits."""
    n_states = 1 << (_K - 1)
    table = _outputs().astype(np.float64)
    sign = 1.0 - 2.0 * table  # (state, bit, 2): +1 for coded 0
    metric = np.full(n_states, -np.inf)
    metric[0] = 0.0
    steps = len(soft) // 2
    states = np.arange(n_states)
    history = np.zeros((steps, n_states), dtype=np.int64)
    for t in range(steps):
        branch = sign @ soft[2 * t : 2 * t + 2]  # (state, bit)
        cand = metric[:, None] + branch
        nxt = ((np.arange(2)[None, :] << (_K - 1)) | states[:, None]) >> 1
        new = np.full(n_states, -np.inf)
        prev = np.zeros(n_states, dtype=np.int64)
        flat_next, flat_cand = nxt.ravel(), cand.ravel()
        order = np.argsort(flat_cand)  # later (larger) writes win
        new[flat_next[order]] = flat_cand[order]
        prev[flat_next[order]] = order
        metric, history[t] = new, prev
    state, bits = 0, []
    for t in range(steps - 1, -1, -1):
        idx = history[t, state]
        bits.append(int(idx % 2))
        state = int(idx // 2)
    return bits[::-1][:INFO_BITS]


def decode_payload(soft: np.ndarray) -> tuple[bytes, bool]:
    """Decode soft coded values into ``(payload, crc_ok)``."""
    info = _viterbi(np.asarray(soft, dtype=np.float64))
    value = int("".join(map(str, info[:PAYLOAD_BITS])), 2)
    crc = int("".join(map(str, info[PAYLOAD_BITS:])), 2)
    payload = value.to_bytes(PAYLOAD_BITS // 8, "big")
    return payload, crc16(payload) == crc
