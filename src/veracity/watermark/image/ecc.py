"""Error correction for the image mark: CRC-16 integrity check and a K=7 rate-1/2
convolutional code with soft-decision Viterbi decoding."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from veracity.watermark.crc import crc16

__all__ = ["CODED_BITS", "INFO_BITS", "PAYLOAD_BITS", "crc16", "decode", "encode"]

PAYLOAD_BITS = 64
CRC_BITS = 16
INFO_BITS = PAYLOAD_BITS + CRC_BITS
_K = 7  # constraint length
_GENERATORS = (0o133, 0o171)  # the NASA/CCSDS rate-1/2 code, free distance 10
_STATES = 1 << (_K - 1)
CODED_BITS = (INFO_BITS + _K - 1) * len(_GENERATORS)


def _bits(data: bytes) -> np.ndarray:
    return np.unpackbits(np.frombuffer(data, dtype=np.uint8))


def _parity(x: int) -> int:
    return bin(x).count("1") & 1


@lru_cache(maxsize=1)
def _trellis() -> tuple[np.ndarray, np.ndarray]:
    """Output symbols (+1/-1) and next state for every (state, input bit)."""
    out = np.zeros((_STATES, 2, len(_GENERATORS)), dtype=np.float64)
    nxt = np.zeros((_STATES, 2), dtype=np.int64)
    for state in range(_STATES):
        for bit in (0, 1):
            reg = (bit << (_K - 1)) | state  # newest bit in the top position
            out[state, bit] = [1 - 2 * _parity(reg & g) for g in _GENERATORS]
            nxt[state, bit] = reg >> 1
    return out, nxt


def encode(payload: bytes) -> np.ndarray:
    """Encode 8 payload bytes (plus their CRC) into ``CODED_BITS`` symbols of +1/-1."""
    if len(payload) != PAYLOAD_BITS // 8:
        raise ValueError(f"payload must be {PAYLOAD_BITS // 8} bytes, got {len(payload)}")
    info = _bits(payload + crc16(payload).to_bytes(2, "big"))
    out, nxt = _trellis()
    symbols = np.empty((INFO_BITS + _K - 1, len(_GENERATORS)))
    state = 0
    for i, bit in enumerate(np.concatenate([info, np.zeros(_K - 1, dtype=np.uint8)])):
        symbols[i] = out[state, int(bit)]
        state = int(nxt[state, int(bit)])
    return symbols.ravel()


@lru_cache(maxsize=1)
def _predecessors() -> tuple[np.ndarray, np.ndarray]:
    """For each state: its two predecessor states and the symbols on those branches."""
    out, _ = _trellis()
    dest = np.arange(_STATES)
    pred = np.stack([(dest & (_STATES // 2 - 1)) << 1, ((dest & (_STATES // 2 - 1)) << 1) | 1], 1)
    symbols = out[pred, (dest >> (_K - 2))[:, None]]  # (states, 2, n_generators)
    return pred, symbols


def decode(soft: np.ndarray) -> tuple[bytes, bool]:
    """Soft Viterbi decoding; positive soft values favour symbol +1 (bit 0).

    Returns:
        The 8 payload bytes and whether their CRC matched.
    """
    pred, symbols = _predecessors()
    steps = soft.reshape(-1, len(_GENERATORS))
    metric = np.full(_STATES, -np.inf)
    metric[0] = 0.0
    zero_input = np.arange(_STATES) < _STATES // 2  # states entered by a 0 bit
    choice = np.empty((len(steps), _STATES), dtype=np.int64)
    rows = np.arange(_STATES)
    for t, y in enumerate(steps):
        cand = metric[pred] + symbols @ y
        choice[t] = np.argmax(cand, axis=1)
        metric = cand[rows, choice[t]]
        if t >= INFO_BITS:  # tail: only zero inputs
            metric = np.where(zero_input, metric, -np.inf)
    state = 0
    bits = np.empty(len(steps), dtype=np.uint8)
    for t in range(len(steps) - 1, -1, -1):
        bits[t] = state >> (_K - 2)
        state = int(pred[state, choice[t, state]])
    data = np.packbits(bits[:INFO_BITS]).tobytes()
    payload, check = data[:-2], int.from_bytes(data[-2:], "big")
    return payload, crc16(payload) == check
