"""The convolutional code shared by the image and audio watermarks.

Both marks protect their payload and its CRC-16 (:mod:`veracity.watermark.crc`) with the
K=7, rate-1/2 NASA/CCSDS code (generators 133 and 171 octal, free distance 10). The
image mark emits the 133 parity first, the audio mark the 171 parity first, so each has
its own :class:`ConvolutionalCode` with the same trellis. Decoding is soft-decision
Viterbi (and, for the audio mark, a list Viterbi decoder); soft values > 0 favour coded
bit 0. Every codeword is terminated with K-1 zero bits, so the decoders trace back from
state 0.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence

import numpy as np

__all__ = ["AUDIO_CODE", "IMAGE_CODE", "ConvolutionalCode", "K"]

K = 7  # constraint length
_STATES = 1 << (K - 1)


def _parity(x: int) -> int:
    return bin(x).count("1") & 1


@functools.cache
def _outputs(generators: tuple[int, int]) -> np.ndarray:
    """Coded bits for (state, input bit): shape (64, 2, 2), read-only."""
    out = np.zeros((_STATES, 2, 2), dtype=np.int8)
    for state in range(_STATES):
        for bit in (0, 1):
            reg = (bit << (K - 1)) | state  # newest bit in the top position
            out[state, bit] = [_parity(reg & g) for g in generators]
    out.flags.writeable = False
    return out


@functools.cache
def _trellis(generators: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Predecessor states (64, 2) of every state, and branch signs as a (2, 128) matrix."""
    new = np.arange(_STATES)
    prev = ((new[:, None] & (_STATES // 2 - 1)) << 1) | np.arange(2)[None, :]
    table = _outputs(generators)[prev, (new >> (K - 2))[:, None]]  # (new, predecessor j, 2)
    signs = (1.0 - 2.0 * table.astype(np.float64)).reshape(-1, 2).T
    prev.flags.writeable = signs.flags.writeable = False
    return prev, signs


@dataclasses.dataclass(frozen=True)
class ConvolutionalCode:
    """The K=7 rate-1/2 code with its two generators in output order.

    Attributes:
        generators: The parity polynomials, in the order their bits are sent.
    """

    generators: tuple[int, int]

    def encode(self, info: Sequence[int] | np.ndarray) -> np.ndarray:
        """Coded bits (0/1, ``int8``) of ``info`` bits, terminated by K-1 zeros."""
        table = _outputs(self.generators)
        state = 0
        coded = np.empty((len(info) + K - 1, 2), dtype=np.int8)
        for i, bit in enumerate([*(int(b) for b in info), *([0] * (K - 1))]):
            coded[i] = table[state, bit]
            state = ((bit << (K - 1)) | state) >> 1
        return coded.ravel()

    def viterbi(self, soft: np.ndarray) -> np.ndarray:
        """Maximum-likelihood info bits for each row of ``soft`` (B, coded), (B, info)."""
        prev, signs = _trellis(self.generators)
        batch, steps = len(soft), soft.shape[1] // 2
        metric = np.full((batch, _STATES), -np.inf)
        metric[:, 0] = 0.0
        choice = np.zeros((steps, batch, _STATES), dtype=bool)
        for t in range(steps):
            branch = (soft[:, 2 * t : 2 * t + 2] @ signs).reshape(batch, _STATES, 2)
            cand = metric[:, prev] + branch  # (B, new state, predecessor j)
            # The second predecessor wins only when strictly better (ties keep the first).
            np.greater(cand[..., 1], cand[..., 0], out=choice[t])
            metric = np.maximum(cand[..., 0], cand[..., 1])
        state = np.zeros(batch, dtype=np.int64)
        rows = np.arange(batch)
        bits = np.zeros((batch, steps), dtype=np.int8)
        for t in range(steps - 1, -1, -1):
            bits[:, t] = state >> (K - 2)
            state = prev[state, choice[t, rows, state].view(np.int8)]
        return bits[:, : steps - (K - 1)]

    def list_viterbi(self, soft: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``size`` best terminated paths of each row of ``soft`` (B, coded), best first.

        Every state keeps its ``size`` best distinct paths (their metrics in descending
        order); a new state's list merges those of its two predecessors.

        Returns:
            ``(info, valid)``: info bits (B, size, info) and whether each path exists
            (a short code has fewer than ``size`` paths into a state early on).
        """
        prev, signs = _trellis(self.generators)
        batch, steps = len(soft), soft.shape[1] // 2
        metric = np.full((batch, _STATES, size), -np.inf)
        metric[:, 0, 0] = 0.0
        source = np.zeros((steps, batch, _STATES, size), dtype=np.int16)
        for t in range(steps):
            branch = (soft[:, 2 * t : 2 * t + 2] @ signs).reshape(batch, _STATES, 2)
            # Both predecessors' lists, side by side: entry j * size + r is rank r of
            # predecessor j. A stable sort keeps ties in that order.
            cand = (metric[:, prev] + branch[..., None]).reshape(batch, _STATES, 2 * size)
            order = np.argsort(-cand, axis=2, kind="stable")[..., :size]
            metric = np.take_along_axis(cand, order, axis=2)
            source[t] = order
        rows = np.arange(batch)[:, None]
        state = np.zeros((batch, size), dtype=np.int64)
        rank = np.broadcast_to(np.arange(size), (batch, size))
        bits = np.zeros((batch, size, steps), dtype=np.int8)
        for t in range(steps - 1, -1, -1):
            bits[:, :, t] = state >> (K - 2)
            came = source[t][rows, state, rank]
            state, rank = prev[state, came // size], came % size
        return bits[:, :, : steps - (K - 1)], np.isfinite(metric[:, 0])


IMAGE_CODE = ConvolutionalCode((0o133, 0o171))
AUDIO_CODE = ConvolutionalCode((0o171, 0o133))
