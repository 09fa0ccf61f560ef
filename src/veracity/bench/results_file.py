"""Benchmark results as data: one JSON file per benchmark under ``benchmarks/results/``.

Every number the README and the documentation show comes from one of these files, so a
figure always has a file (with date, commit and machine) behind it. Benchmark scripts call
:func:`write_result`; ``benchmarks/render_results.py`` renders the README's headline table
and the documentation's results page from the files.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Headline", "ResultFile", "load_results", "machine_info", "write_result"]

RESULTS_DIR = Path(__file__).resolve().parents[3] / "benchmarks" / "results"


@dataclass(frozen=True)
class Headline:
    """The README row a results file supplies: capability, state, headline numbers."""

    capability: str
    state: str
    numbers: str
    order: int = 100


@dataclass(frozen=True)
class ResultFile:
    """One parsed results file."""

    path: Path
    name: str
    date: str
    commit: str
    machine: str
    script: str
    data: Mapping[str, Any]
    headline: Headline | None


def _commit(root: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def machine_info() -> str:
    """A one-line description of this machine (CPU model and core count)."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores"


def write_result(
    name: str,
    data: Mapping[str, Any],
    *,
    script: str,
    headline: Headline | None = None,
    directory: Path | None = None,
) -> Path:
    """Write ``benchmarks/results/NAME.json`` atomically and return its path."""
    directory = directory or RESULTS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {
        "name": name,
        "date": _dt.date.today().isoformat(),
        "commit": _commit(directory),
        "machine": machine_info(),
        "script": script,
        "data": dict(data),
    }
    if headline is not None:
        doc["headline"] = {
            "capability": headline.capability,
            "state": headline.state,
            "numbers": headline.numbers,
            "order": headline.order,
        }
    target = directory / f"{name}.json"
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2, sort_keys=False)
            fh.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def load_results(directory: Path | None = None) -> list[ResultFile]:
    """Every results file in the folder, sorted by name."""
    directory = directory or RESULTS_DIR
    out: list[ResultFile] = []
    for path in sorted(directory.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        head = doc.get("headline")
        out.append(
            ResultFile(
                path=path,
                name=str(doc.get("name", path.stem)),
                date=str(doc.get("date", "")),
                commit=str(doc.get("commit", "")),
                machine=str(doc.get("machine", "")),
                script=str(doc.get("script", "")),
                data=doc.get("data", {}),
                headline=Headline(**head) if head else None,
            )
        )
    return out
