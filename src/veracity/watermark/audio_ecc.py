"""Error control for the audio watermark: CRC-16 and a K=7 rate-1/2 convolutional code.

The payload (32 bits) and its CRC-16 are convolutionally encoded with the classic
(171, 133) octal code and decoded by a soft-decision Viterbi decoder; where its best
path fails the CRC, a list Viterbi decoder (the ``size`` best paths, parallel list
algorithm) returns the best path that passes it.
"""

from __future__ import annotations

import functools

import numpy as np

from veracity.watermark.crc import crc16

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
_K = 7
_POLYS = (0o171, 0o133)
CODED_BITS = (INFO_BITS + _K - 1) * 2


def _bits(value: int, n: int) -> list[int]:
    return [(value >> (n - 1 - i)) & 1 for i in range(n)]


def _parity(x: int) -> int:
    return bin(x).count("1") & 1


@functools.cache
def _outputs() -> np.ndarray:
    """Coded output pair for (state, input bit): shape (64, 2, 2), read-only."""
    out = np.zeros((1 << (_K - 1), 2, 2), dtype=np.int8)
    for state in range(1 << (_K - 1)):
        for bit in (0, 1):
            reg = (bit << (_K - 1)) | state
            out[state, bit] = [_parity(reg & p) for p in _POLYS]
    out.flags.writeable = False
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


@functools.cache
def _trellis() -> tuple[np.ndarray, np.ndarray]:
    """Predecessor states (64, 2) of every state and the coded signs (64, 2, 2) per branch."""
    n_states = 1 << (_K - 1)
    new = np.arange(n_states)
    prev = ((new[:, None] & (n_states // 2 - 1)) << 1) | np.arange(2)[None, :]
    bit = new >> (_K - 2)
    table = _outputs()[prev, bit[:, None]]  # (new state, predecessor j, 2 coded bits)
    sign = 1.0 - 2.0 * table.astype(np.float64)
    prev.flags.writeable = sign.flags.writeable = False
    return prev, sign


def _viterbi(soft: np.ndarray) -> np.ndarray:
    """Soft Viterbi for a batch ``soft`` (B, coded); > 0 favours coded bit 0.

    Returns:
        The info bits, (B, INFO_BITS).
    """
    prev, sign = _trellis()
    batch, n_states = len(soft), 1 << (_K - 1)
    steps = soft.shape[1] // 2
    metric = np.full((batch, n_states), -np.inf)
    metric[:, 0] = 0.0
    choice = np.zeros((steps, batch, n_states), dtype=bool)
    signs = sign.reshape(-1, 2).T  # (2 coded bits, new state x predecessor)
    for t in range(steps):
        branch = (soft[:, 2 * t : 2 * t + 2] @ signs).reshape(batch, n_states, 2)
        cand = metric[:, prev] + branch  # (B, new state, predecessor j)
        # The second predecessor wins only when strictly better (argmax keeps the first).
        np.greater(cand[..., 1], cand[..., 0], out=choice[t])
        metric = np.maximum(cand[..., 0], cand[..., 1])
    state = np.zeros(batch, dtype=np.int64)
    rows = np.arange(batch)
    bits = np.zeros((batch, steps), dtype=np.int8)
    for t in range(steps - 1, -1, -1):
        bits[:, t] = state >> (_K - 2)
        state = prev[state, choice[t, rows, state].view(np.int8)]
    return bits[:, :INFO_BITS]


def _list_viterbi(soft: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``size`` best terminated paths of each row of ``soft`` (B, coded), best first.

    Every state keeps its ``size`` best distinct paths (their metrics in descending
    order); a new state's list merges those of its two predecessors.

    Returns:
        ``(info, valid)``: info bits (B, size, INFO_BITS) and whether each path exists
        (a short code has fewer than ``size`` paths into a state early on).
    """
    prev, sign = _trellis()
    batch, n_states = len(soft), 1 << (_K - 1)
    steps = soft.shape[1] // 2
    metric = np.full((batch, n_states, size), -np.inf)
    metric[:, 0, 0] = 0.0
    source = np.zeros((steps, batch, n_states, size), dtype=np.int16)
    signs = sign.reshape(-1, 2).T
    for t in range(steps):
        branch = (soft[:, 2 * t : 2 * t + 2] @ signs).reshape(batch, n_states, 2)
        # Both predecessors' lists, side by side: entry j * size + r is rank r of
        # predecessor j. A stable sort keeps ties in that order.
        cand = (metric[:, prev] + branch[..., None]).reshape(batch, n_states, 2 * size)
        order = np.argsort(-cand, axis=2, kind="stable")[..., :size]
        metric = np.take_along_axis(cand, order, axis=2)
        source[t] = order
    rows = np.arange(batch)[:, None]
    state = np.zeros((batch, size), dtype=np.int64)
    rank = np.broadcast_to(np.arange(size), (batch, size))
    bits = np.zeros((batch, size, steps), dtype=np.int8)
    for t in range(steps - 1, -1, -1):
        bits[:, :, t] = state >> (_K - 2)
        came = source[t][rows, state, rank]
        state, rank = prev[state, came // size], came % size
    return bits[:, :, :INFO_BITS], np.isfinite(metric[:, 0])


def _unpack(info: np.ndarray) -> tuple[bytes, bool]:
    value = int("".join(map(str, info[:PAYLOAD_BITS])), 2)
    crc = int("".join(map(str, info[PAYLOAD_BITS:])), 2)
    payload = value.to_bytes(PAYLOAD_BITS // 8, "big")
    return payload, crc16(payload) == crc


def decode_payloads(soft: np.ndarray) -> list[tuple[bytes, bool]]:
    """Decode a batch of soft coded vectors (B, :data:`CODED_BITS`) into (payload, crc_ok)."""
    return [_unpack(info) for info in _viterbi(np.atleast_2d(np.asarray(soft, dtype=np.float64)))]


def list_decode(soft: np.ndarray, size: int) -> list[tuple[bytes, int] | None]:
    """The best of the ``size`` most likely paths that passes the CRC, per row.

    Returns:
        Per row of ``soft`` (B, :data:`CODED_BITS`), ``(payload, rank)`` with rank 0 for
        the maximum-likelihood path, or None when none of the ``size`` paths passes.
        A random row passes with probability about ``size * 2**-16``.
    """
    info, valid = _list_viterbi(np.atleast_2d(np.asarray(soft, dtype=np.float64)), size)
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
