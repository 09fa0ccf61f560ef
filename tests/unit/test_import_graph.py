"""The package's layers: every import points down (or within its own package).

Read from the sources (module-level, function-level and ``TYPE_CHECKING`` imports alike),
so a lazy import is a dependency too. A package may import only packages of lower
layers. ``veracity/__init__`` is the facade: it imports nothing at run time and anyone
may read its ``__version__``.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "veracity"

# Bottom to top.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"errors", "results", "registry"}),
    frozenset({"media", "nn", "models", "fingerprint", "backbones"}),
    # evidence pictures: drawn by detectors and reports alike, they know neither
    frozenset({"report.evidence"}),
    frozenset({"faces"}),
    frozenset({"detect", "watermark"}),
    frozenset({"credentials"}),
    frozenset({"synth", "check"}),
    frozenset({"report", "scan", "bench"}),
    frozenset({"demo", "service"}),
    frozenset({"cli"}),
    frozenset({"__main__"}),
)
LAYER = {name: i for i, names in enumerate(LAYERS) for name in names}

# Upward arrows other work streams are removing (#26); this list may only shrink.
KNOWN_UPWARD: set[tuple[str, str]] = set()


def _part(path: Path) -> str:
    rel = path.relative_to(SRC)
    if rel.parts[:2] == ("report", "evidence"):
        return "report.evidence"
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: Path) -> set[tuple[str, str]]:
    """(imported top-level part, imported module) for every ``veracity`` import."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "veracity":
                part = parts[1] if len(parts) > 1 else ""
                if parts[1:3] == ["report", "evidence"]:
                    part = "report.evidence"
                found.add((part, name))
    return found


def _arrows() -> list[tuple[str, str, str]]:
    """(file, its part, imported part) for every import between parts."""
    arrows = []
    for path in sorted(SRC.rglob("*.py")):
        if path == SRC / "__init__.py":
            continue
        here = _part(path)
        for there, _module in _imports(path):
            if there and there != here:
                arrows.append((path.relative_to(SRC).as_posix(), here, there))
    return arrows


def test_every_part_has_a_layer() -> None:
    parts = {_part(p) for p in SRC.rglob("*.py") if p != SRC / "__init__.py"}
    assert parts - {"__init__"} <= set(LAYER), sorted(parts - set(LAYER))


def test_no_upward_imports() -> None:
    upward = {(f, there) for f, here, there in _arrows() if LAYER[there] >= LAYER[here]}
    new = sorted(upward - KNOWN_UPWARD)
    assert not new, f"imports that point up or sideways: {new}"
    gone = sorted(KNOWN_UPWARD - upward)
    assert not gone, f"fixed: remove from KNOWN_UPWARD: {gone}"


def test_only_the_version_is_read_from_the_facade() -> None:
    names = {
        alias.name
        for path in SRC.rglob("*.py")
        if path != SRC / "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "veracity"
        for alias in node.names
    }
    assert names == {"__version__"}
