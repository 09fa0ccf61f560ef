"""fingerprint package."""
