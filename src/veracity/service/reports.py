"""A small in-memory cache of recent HTML reports, addressed by random tokens."""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict

__all__ = ["ReportCache"]

_TOKEN = re.compile(r"^[0-9a-f]{32}$")


class ReportCache:
    """Keeps the newest ``capacity`` reports; older ones are dropped.

    Tokens are 128-bit random, so one client cannot guess another's report.
    """

    def __init__(self, capacity: int) -> None:
        self._capacity = max(1, capacity)
        self._items: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, html: str) -> str:
        """Store a report and return its token."""
        token = secrets.token_hex(16)
        with self._lock:
            self._items[token] = html
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)
        return token

    def get(self, token: str) -> str | None:
        """Return the report for ``token``, or None if unknown or malformed."""
        if not _TOKEN.match(token):
            return None
        with self._lock:
            return self._items.get(token)
