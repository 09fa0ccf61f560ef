"""Perceptual fingerprints (PDQ) used to find stripped copies of signed media."""

from veracity.fingerprint.pdq import PdqHash, hamming, pdq_hash

__all__ = ["PdqHash", "hamming", "pdq_hash"]
