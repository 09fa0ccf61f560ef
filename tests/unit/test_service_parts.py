"""Upload naming, the report cache and the upload size limit, without a server."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from veracity.errors import LimitExceededError
from veracity.service.reports import ReportCache
from veracity.service.uploads import display_name, save_upload


@pytest.mark.parametrize(
    ("client", "shown"),
    [
        ("photo.jpg", "photo.jpg"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\x.png", "x.png"),
        ("a\x00b\r\nc.png", "abc.png"),
        ("", "upload"),
        (None, "upload"),
        ("/", "upload"),
        ("<script>.png", "<script>.png"),  # kept as text; escaped wherever shown
    ],
)
def test_display_name(client: str | None, shown: str) -> None:
    assert display_name(client) == shown


def test_display_name_is_capped() -> None:
    assert len(display_name("x" * 1000 + ".png")) == 200


def test_save_upload_uses_a_fixed_name(tmp_path: Path) -> None:
    saved = save_upload(io.BytesIO(b"data"), tmp_path, "../../evil name.JPG", limit=10)
    assert saved == tmp_path / "upload.jpg"
    assert saved.read_bytes() == b"data"
    odd = save_upload(io.BytesIO(b"data"), tmp_path, "x.p$g", limit=10)
    assert odd == tmp_path / "upload"


def test_save_upload_limit(tmp_path: Path) -> None:
    with pytest.raises(LimitExceededError):
        save_upload(io.BytesIO(b"0" * 11), tmp_path, "a.png", limit=10)


def test_report_cache_evicts_and_rejects_bad_tokens() -> None:
    cache = ReportCache(capacity=2)
    tokens = [cache.add(f"<p>{i}</p>") for i in range(3)]
    assert len(set(tokens)) == 3 and all(len(t) == 32 for t in tokens)
    assert cache.get(tokens[0]) is None
    assert cache.get(tokens[2]) == "<p>2</p>"
    assert cache.get("../" + tokens[2][3:]) is None
