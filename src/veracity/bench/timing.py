"""CPU timing for the benchmark scripts (one thread's CPU time, not wall time)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

__all__ = ["best_cpu_s"]


def best_cpu_s(fn: Callable[[], Any], repeats: int = 2) -> float:
    """The smallest CPU time (``time.process_time``) of ``repeats`` calls of ``fn``."""
    best = float("inf")
    for _ in range(repeats):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best
