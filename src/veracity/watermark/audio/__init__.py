"""The audio watermark: keyed 32-bit payload, repeated every 4.1 s, read blindly.

Modules, in the order a mark passes through them:

- :mod:`.framing`: payload + CRC-16, coded by the shared K=7 code (:mod:`..ecc`).
- :mod:`.layout`: geometry: tiles, pairs, units, keyed dithers and tile energies.
- :mod:`.embed`: the additive watermark signal for a 16 kHz mono host.
- :mod:`.detect`: reading one window blindly (block phase and speed search, Viterbi and
  list-Viterbi decoding, the false-alarm bound).
- :mod:`.codec`: the file codec (``AudioWatermarkCodec``): mixes down, adds the signal at
  the file's own rate, streams windows at detection and reports the marked segments.
"""

from veracity.watermark.audio.codec import (
    MIN_EMBED_S,
    P_DETECT,
    AudioWatermarkCodec,
    detect_blocks,
)

__all__ = ["MIN_EMBED_S", "P_DETECT", "AudioWatermarkCodec", "detect_blocks"]
