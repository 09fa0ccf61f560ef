"""The media handle: ``check`` reads a file once and decodes it once."""

from __future__ import annotations

import builtins
import io
import os
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import veracity.media.image as media_image
from veracity.check import CheckOptions, check_file
from veracity.credentials import open_store
from veracity.errors import CorruptMediaError, UnsupportedFormatError
from veracity.media.handle import MediaFile
from veracity.synth.samples import natural_image


def _counting(counts: Counter[str], key: str, target: Path, real: Callable[..., Any]) -> Any:
    def wrapper(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, str | os.PathLike) and Path(file).resolve() == target.resolve():
            counts[key] += 1
        return real(file, *args, **kwargs)

    return wrapper


def _instrument(monkeypatch: pytest.MonkeyPatch, target: Path) -> Counter[str]:
    """Count opens of ``target`` (Python and PyAV) and image decodes of any source."""
    counts: Counter[str] = Counter()
    opener = _counting(counts, "open", target, io.open)
    monkeypatch.setattr(io, "open", opener)  # pathlib opens through io.open
    monkeypatch.setattr(builtins, "open", opener)
    import av

    monkeypatch.setattr(av, "open", _counting(counts, "av.open", target, av.open))
    real_decode, real_pil = media_image._decode, Image.open

    def decode(*args: Any, **kwargs: Any) -> Any:
        counts["decode"] += 1
        return real_decode(*args, **kwargs)

    def pil_open(*args: Any, **kwargs: Any) -> Any:
        counts["Image.open"] += 1
        return real_pil(*args, **kwargs)

    monkeypatch.setattr(media_image, "_decode", decode)
    monkeypatch.setattr(Image, "open", pil_open)
    return counts


@pytest.mark.parametrize("store", [False, True], ids=["no-store", "empty-store"])
def test_check_reads_and_decodes_an_unsigned_png_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: bool
) -> None:
    png = tmp_path / "photo.png"
    Image.fromarray(natural_image(512, 512, seed=3)).save(png)
    options = CheckOptions()
    if store:  # recovery then runs too (watermark id and fingerprint lookups)
        url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
        open_store(url).close()
        options = CheckOptions(store=url)
    counts = _instrument(monkeypatch, png)
    result = check_file(png, options)
    assert result.detection is not None and result.watermark is not None
    assert result.credentials is not None and result.credentials.state == "none"
    if store:
        assert "pdq" in result.credentials.details["recovery"]
    assert counts == {"open": 1, "decode": 1, "Image.open": 1}, counts


def test_decoding_error_is_kept_not_repeated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    png = tmp_path / "cut.png"
    Image.fromarray(natural_image(64, 64, seed=1)).save(png)
    png.write_bytes(png.read_bytes()[:300])
    media = MediaFile.open(png)
    counts = _instrument(monkeypatch, png)
    for _ in range(2):
        with pytest.raises(CorruptMediaError):
            media.image()
    assert counts["decode"] == 1 and counts["open"] == 1


def test_animated_image_refused_unless_allowed(tmp_path: Path) -> None:
    gif = tmp_path / "a.gif"
    frames = [Image.fromarray(natural_image(32, 32, seed=s)) for s in range(2)]
    frames[0].save(gif, save_all=True, append_images=frames[1:])
    media = MediaFile.open(gif)
    assert media.image(allow_animated=True).frames == 2
    with pytest.raises(UnsupportedFormatError, match="animated image with 2 frames"):
        media.image()


def test_importing_veracity_does_no_work() -> None:
    """The top-level package exports the public API lazily: nothing heavy at import."""
    import subprocess

    code = (
        "import sys, veracity; heavy = ('numpy', 'veracity.check', 'PIL', 'av', 'c2pa');"
        "print(sorted(m for m in heavy if m in sys.modules));"
        "f = veracity.check_file; print(f.__module__, 'veracity.check' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == "[]"
    assert out[1] == "veracity.check.api True"


def test_top_level_exports_resolve() -> None:
    import veracity

    assert set(veracity.__all__) == {"__version__", *veracity._EXPORTS}
    for name in veracity._EXPORTS:
        assert getattr(veracity, name) is not None
