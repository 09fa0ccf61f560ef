"""Signer certificate expiry: found in the manifest bytes, warned within 30 days."""

from __future__ import annotations

import datetime

import pytest

from veracity.credentials.expiry import EXPIRY_WARN_DAYS, expiry_warning

NOW = datetime.datetime(2026, 12, 7, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("days", "expect"),
    [(-3, "expired on 2026-12-04"), (0.5, "expires on 2026-12-07, in 0 days"),
     (EXPIRY_WARN_DAYS, "in 30 days"), (EXPIRY_WARN_DAYS + 1, None), (400, None)],
)  # fmt: skip
def test_expiry_warning(days: float, expect: str | None) -> None:
    warning = expiry_warning(NOW + datetime.timedelta(days=days), NOW)
    if expect is None:
        assert warning is None
    else:
        assert warning is not None and expect in warning and "\n" not in warning


def test_unknown_expiry_gives_no_warning() -> None:
    assert expiry_warning(None, NOW) is None
