"""Robust keyed image watermark (64-bit payload), read blindly after crops, scaling,
rotation and compression.

Embedding (:func:`~.codec.embed_pixels`): :mod:`.framing` codes payload + CRC-16 with
the shared K=7 code (:mod:`veracity.watermark.ecc`); :mod:`.pattern` spreads the coded
symbols and the key's sync chips over one periodic tile and renders it; :mod:`.masking`
scales it by local texture; :mod:`.codec` adds it to the luminance at a target PSNR.

Detection (:func:`~.codec.detect_pixels`), stage by stage; each stage stops at the first
CRC-valid payload:

====================================  ===================================================
Stage                                 Module
====================================  ===================================================
1. the planes read: luma, colour      :mod:`.views`
2. remove the host image              :mod:`.whiten`
3. tile lattice from autocorrelation  :mod:`.lattice` (candidates kept in
                                      :mod:`.candidates`)
   scale/rotation from template lines :mod:`.template`
4. harmonic-comb candidates           :mod:`.comb` (only when 1-3 found nothing)
5. fold all tiles onto one, find the  :mod:`.sync` (its inner loops in C:
   offset and the flip/quarter turn   :mod:`.native`)
6. soft bits -> Viterbi -> CRC         :mod:`.framing`
7. refine a nearly-right lattice      :mod:`.refine`
p-value and the reading               :mod:`.codec`
====================================  ===================================================

:mod:`.file_codec` is the file-level codec the watermark catalog registers as ``image``
(and :mod:`veracity.watermark.video` reads the mean of a video's frames with it).
"""

from veracity.watermark.image.codec import detect_pixels, embed_pixels

__all__ = ["detect_pixels", "embed_pixels"]
