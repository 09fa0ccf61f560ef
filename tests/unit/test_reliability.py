"""Outputs fail cleanly: a write failure leaves the input intact and no partial file."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from veracity.errors import InputError
from veracity.media.output import atomic_output


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES, errno.EDQUOT, errno.EROFS])
def test_write_failure_inside_atomic_output_is_an_input_error(tmp_path: Path, code: int) -> None:
    target = tmp_path / "out.jpg"
    target.write_bytes(b"original")
    with pytest.raises(InputError, match="cannot write"), atomic_output(target, force=True) as tmp:
        tmp.write_bytes(b"partial")
        raise OSError(code, os.strerror(code))
    assert target.read_bytes() == b"original"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jpg"]


def test_atomic_output_fsyncs_before_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    with atomic_output(tmp_path / "a.bin") as tmp:
        tmp.write_bytes(b"x")
    assert synced
    assert (tmp_path / "a.bin").read_bytes() == b"x"


def test_fsync_failure_keeps_the_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "same.png"
    target.write_bytes(b"input")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(InputError, match="No space left"), atomic_output(target, force=True) as tmp:
        tmp.write_bytes(b"new")
    assert target.read_bytes() == b"input"
    assert [p.name for p in tmp_path.iterdir()] == ["same.png"]
