"""Durable credentials for audio and video: the manifest id rides in our A/V watermark.

Audio (WAV, FLAC, MP3, M4A) carries a 32-bit id in the audio watermark, video (MP4,
MOV) a 64-bit id in the video watermark. There is no perceptual fingerprint for these
yet, so recovery is by watermark only: a detected mark's payload is looked up in the
manifest store, and the manifest found must declare that same id in its soft binding.
"""

from __future__ import annotations

import contextlib
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import c2pa

from veracity.credentials.engine import read_manifest_store
from veracity.credentials.manifest import AUDIO_WATERMARK_ALG, VIDEO_WATERMARK_ALG
from veracity.credentials.report import soft_binding_id
from veracity.errors import UsageError
from veracity.media.handle import MediaFile
from veracity.media.probe import sniff_modality
from veracity.results import Modality, WatermarkReading

__all__ = ["av_modality", "marked_av_copy", "recover_av", "store_id"]

_AUDIO_SUFFIX = {
    "audio/wav": ".wav",
    "audio/flac": ".flac",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "video/mp4": ".m4a",  # an audio-only MP4 (isom brand)
}
_ALGS = {"audio": AUDIO_WATERMARK_ALG, "video": VIDEO_WATERMARK_ALG}


def store_id(manifest_id: bytes) -> str:
    """The store's 16-hex-digit key for a watermark id (audio's 32 bits padded with zeros)."""
    return manifest_id.hex().rjust(16, "0")


def av_modality(source: Path | MediaFile, mime: str) -> Modality | None:
    """``audio``/``video`` when our watermark codecs can mark this file, else None."""
    if not mime.startswith(("audio/", "video/mp4")):
        return None
    modality = source.modality if isinstance(source, MediaFile) else sniff_modality(source)
    if modality == "audio" and mime in _AUDIO_SUFFIX:
        return "audio"
    if modality == "video" and mime == "video/mp4":
        return "video"
    return None


@contextlib.contextmanager
def marked_av_copy(
    src: Path, mime: str, key: str, quality: int
) -> Iterator[tuple[Path, bytes, str]]:
    """Write a watermarked copy of ``src``; yields ``(copy, manifest id, soft-binding alg)``.

    Video is re-encoded as H.264 (the video watermark's output); audio keeps its format.

    Raises:
        UsageError: No watermark codec for this file.
        InputError: The codec refuses the file (e.g. audio under 5 s).
    """
    from veracity.watermark.catalog import codec_registry

    modality = av_modality(src, mime)
    if modality is None:
        raise UsageError(f"{src}: --durable has no watermark for {mime} files")
    codec = codec_registry().get(modality)
    manifest_id = secrets.token_bytes(codec.payload_bits // 8)
    suffix = _AUDIO_SUFFIX[mime] if modality == "audio" else ".mp4"
    with tempfile.TemporaryDirectory(prefix="veracity-sign-") as tmp:
        content = Path(tmp) / f"marked{suffix}"
        codec.embed_file(src, content, manifest_id, key, quality=quality, force=True)
        yield content, manifest_id, _ALGS[modality]


def recover_av(
    path: Path,
    lookup: Any,
    context: c2pa.Context,
    key: str,
    reading: WatermarkReading | None = None,
) -> tuple[tuple[bytes, dict[str, Any], str] | None, dict[str, Any]]:
    """Find the manifest of a stripped audio/video copy by its watermark.

    ``reading`` is the file's watermark reading under ``key`` if the caller has one.

    Returns:
        ``((manifest bytes, store JSON, manifest id), evidence)``, or ``(None, evidence)``.
    """
    from veracity.watermark.api import detect_file

    if reading is None:
        reading = detect_file(path, key=key)
    evidence: dict[str, Any] = {
        "watermark_detected": bool(reading.detected),
        "watermark_p_value": float(reading.p_value),
    }
    mid = reading.payload.lower() if reading.detected and reading.payload else None
    if mid is None:
        return None, evidence
    manifest = lookup.by_watermark(mid.rjust(16, "0"))
    store_json = (
        read_manifest_store(manifest, "application/c2pa", context).store if manifest else None
    )
    if manifest is None or store_json is None:
        evidence["watermark_unresolved"] = mid
        return None, evidence
    active = store_json.get("manifests", {}).get(store_json.get("active_manifest"), {})
    if soft_binding_id(active) != mid:
        evidence["watermark_rejected"] = "the manifest declares another soft-binding id"
        return None, evidence
    return (manifest, store_json, mid.rjust(16, "0")), evidence
