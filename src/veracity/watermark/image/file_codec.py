"""The file-level image codec registered as ``image`` in the watermark catalog."""

from __future__ import annotations

from pathlib import Path

from veracity.errors import OutputExistsError, UnsupportedFormatError, UsageError
from veracity.media.handle import MediaFile
from veracity.media.image import SAVE_FORMATS, load_image, save_image
from veracity.results import Modality, WatermarkReading
from veracity.watermark.image import framing
from veracity.watermark.image.codec import MIN_SIDE, detect_pixels, embed_pixels

__all__ = ["ImageCodec", "check_markable", "check_output"]


class ImageCodec:
    """Keyed 64-bit image watermark; keeps alpha, greyscale and the ICC profile."""

    modality: Modality = "image"
    payload_bits: int = framing.PAYLOAD_BITS

    def embed_file(
        self, src: Path, dst: Path, payload: bytes, key: str, *, quality: int, force: bool
    ) -> None:
        """Write a marked copy of ``src`` to ``dst`` (format from the extension), atomically.

        Raises:
            UsageError: Unknown output extension or bad quality.
            OutputExistsError: ``dst`` exists and ``force`` is false.
            InputError: ``src`` cannot be decoded, is animated or is too small.
        """
        check_output(dst, tuple(SAVE_FORMATS), quality, force, "image")
        image = load_image(src)
        check_markable(src, image.width, image.height, "image is")
        marked = embed_pixels(image.rgb, payload, key, grey=image.grey)
        save_image(
            marked,
            dst,
            alpha=image.alpha,
            grey=image.grey,
            quality=quality,
            icc_profile=image.icc_profile,
            force=force,
        )

    def detect_file(self, src: Path, key: str) -> WatermarkReading:
        """Read the mark of ``src`` blindly (no original needed)."""
        return self.detect_media(MediaFile.open(src), key)

    def detect_media(self, media: MediaFile, key: str) -> WatermarkReading:
        """Read the mark of an opened image (an animated one is refused)."""
        return detect_pixels(media.image().rgb, key)


def check_output(
    dst: Path, suffixes: tuple[str, ...], quality: int, force: bool, kind: str
) -> None:
    """Fail fast, before any work, on outputs that cannot be written.

    Raises:
        UsageError: ``dst``'s extension is not in ``suffixes``, or quality is not 1-100.
        OutputExistsError: ``dst`` exists and ``force`` is false.
    """
    if dst.suffix.lower() not in suffixes:
        known = ", ".join(sorted(suffixes))
        raise UsageError(f"{dst}: {kind} output must be one of {known}")
    if not 1 <= quality <= 100:
        raise UsageError(f"quality must be between 1 and 100, got {quality}")
    if dst.exists() and not force:
        raise OutputExistsError(f"{dst}: output exists (use --force to overwrite)")


def check_markable(src: Path, width: int, height: int, what: str) -> None:
    """Refuse pictures too small for the tile to be read back (``MIN_SIDE``).

    Raises:
        UnsupportedFormatError: A side is under ``MIN_SIDE`` pixels.
    """
    if min(width, height) < MIN_SIDE:
        raise UnsupportedFormatError(
            f"{src}: {width}x{height} {what} too small to watermark (minimum {MIN_SIDE}x{MIN_SIDE})"
        )
