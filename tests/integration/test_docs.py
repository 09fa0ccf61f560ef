"""The documentation: the site builds strictly, tables come from results files, help matches."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from veracity.cli.reference import command_pages, option_strings

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def _needs_mkdocs() -> None:
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None:
        if os.environ.get("CI"):
            pytest.fail("mkdocs-material is part of the dev extra and must be installed in CI")
        pytest.skip("mkdocs / mkdocs-material not installed (pip install -e '.[docs]')")


def test_site_builds_in_strict_mode(tmp_path: Path) -> None:
    _needs_mkdocs()
    r = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT / "src")},
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    pages = {
        p.relative_to(tmp_path / "site").as_posix() for p in (tmp_path / "site").rglob("index.html")
    }
    for page in command_pages():
        assert f"reference/{page.name.replace(' ', '-')}/index.html" in pages
    assert "models/index.html" in pages


def test_readme_is_short_and_its_tables_are_rendered_from_results() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 300
    r = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "render_results.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert r.returncode == 0, r.stderr
    block = text.split("<!-- headline:start -->", 1)[1].split("<!-- headline:end -->", 1)[0]
    rows = [
        line for line in block.splitlines() if line.startswith("|") and not line.startswith("|---")
    ][1:]
    assert rows, "the headline table is empty"
    for row in rows:
        named = re.findall(r"\]\((benchmarks/results/[\w.-]+\.json)\)", row)
        assert len(named) == 1, row
        assert (ROOT / named[0]).is_file(), named[0]


def test_every_option_of_every_command_is_on_its_reference_page() -> None:
    pages = command_pages()
    names = {p.name for p in pages}
    assert {
        "veracity check",
        "veracity detect",
        "veracity watermark embed",
        "veracity credentials verify",
    } <= names
    for page in pages:
        for option in option_strings(page.parser):
            assert option in page.markdown, (page.name, option)
    index = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    for page in pages:
        if page.name.count(" ") and page.name not in ("veracity credentials", "veracity watermark"):
            assert f"reference/{page.name.replace(' ', '-')}.md" in index, page.name


def test_expected_abstentions_only_with_verbose(tmp_path: Path) -> None:
    import numpy as np
    from PIL import Image

    photo = tmp_path / "landscape.png"
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (256, 320, 3), dtype=np.uint8)).save(photo)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}

    def run(*flags: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "veracity", *flags, "detect", str(photo)],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            check=False,
        )

    quiet, verbose = run(), run("-v")
    assert quiet.returncode == verbose.returncode == 0, quiet.stderr + verbose.stderr
    assert "abstains" not in quiet.stderr
    assert "no face found" in verbose.stderr


MEASURED = re.compile(r"\d\.\d|\d ?%|\d ?(ms|dB|s)\b|\d+ ?/ ?\d+|\bAUC\b|\bEER\b")


def _hand_tables(text: str) -> list[str]:
    """Markdown tables outside results-table blocks whose cells look like measurements.

    A table of descriptions that happens to hold digits says so with a
    ``<!-- descriptive table -->`` line right above it.
    """
    outside = re.sub(r"<!-- results-table: .*?<!-- /results-table -->", "", text, flags=re.S)
    outside = re.sub(r"```.*?```", "", outside, flags=re.S)
    found: list[str] = []
    block: list[str] = []
    before = ""  # the last non-table, non-empty line above the current table
    for line in [*outside.splitlines(), ""]:
        if line.startswith("|"):
            block.append(line)
            continue
        descriptive = before.strip() == "<!-- descriptive table -->"
        if len(block) > 2 and not descriptive and any(MEASURED.search(r) for r in block[2:]):
            found.append(block[0])
        block = []
        if line.strip():
            before = line
    return found


def test_measured_tables_in_the_docs_come_from_results_files() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from render_results import doc_pages
    finally:
        sys.path.pop(0)
    offenders = {
        page.relative_to(ROOT).as_posix(): heads
        for page in doc_pages()
        if (heads := _hand_tables(page.read_text(encoding="utf-8")))
    }
    assert not offenders, (
        "tables of numbers must be results-table blocks rendered from benchmarks/results "
        f"(python benchmarks/render_results.py): {offenders}"
    )
