"""What each running check is doing, for the page to show while it waits.

The page sends a random job id with its upload (``POST /api/check?job=ID``) and polls
``GET /api/status/ID``; the check's progress callback records its current stage here.
Entries are removed when the check ends; at most ``capacity`` are kept.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

__all__ = ["JOB_ID", "JobProgress"]

JOB_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class JobProgress:
    """Thread-safe map of job id to (stage, start time)."""

    def __init__(self, capacity: int = 1000) -> None:
        self._jobs: OrderedDict[str, tuple[str, float, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._capacity = capacity

    def start(self, job: str) -> Callable[[str], None]:
        """Register a job (stage ``queued``) and return its stage callback."""
        with self._lock:
            self._jobs[job] = ("queued", time.monotonic(), 0)
            while len(self._jobs) > self._capacity:
                self._jobs.popitem(last=False)

        def stage(name: str) -> None:
            with self._lock:
                if job in self._jobs:
                    _, started, steps = self._jobs[job]
                    self._jobs[job] = (name, started, steps + 1)

        return stage

    def finish(self, job: str) -> None:
        """Forget a job."""
        with self._lock:
            self._jobs.pop(job, None)

    def status(self, job: str) -> dict[str, Any] | None:
        """``{stage, step, elapsed_s}`` of a running job, or None."""
        with self._lock:
            entry = self._jobs.get(job)
        if entry is None:
            return None
        stage, started, steps = entry
        return {"stage": stage, "step": steps, "elapsed_s": round(time.monotonic() - started, 1)}
