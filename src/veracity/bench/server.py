"""Helpers for benchmarks that drive a real ``veracity serve`` on localhost."""

from __future__ import annotations

import subprocess
import time

__all__ = ["wait_until_up"]


def wait_until_up(base: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Return once ``base``/api/health answers 200; exit if the server dies or never answers."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited at start (code {proc.returncode})")
        try:
            if httpx.get(f"{base}/api/health", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("server did not start")
