"""Render the README's headline table and the docs' results page from benchmarks/results/*.json.

Usage::

    python benchmarks/render_results.py            # rewrite the README table in place
    python benchmarks/render_results.py --check    # exit 1 if the README table is stale

The table sits between the ``<!-- headline:start -->`` and ``<!-- headline:end -->`` markers;
every row names the results file it came from, so a number always has a file behind it.

Documentation pages carry measured tables the same way: a block

    <!-- results-table: NAME KEY -->
    ...
    <!-- /results-table -->

is replaced by the table ``data.tables.KEY`` of ``benchmarks/results/NAME.json`` (``columns``,
``rows`` and an optional ``note``), followed by a line naming the file and its date.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from veracity.bench.results_file import ResultFile, load_results

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
RESULTS_PAGE = ROOT / "docs" / "results.md"
DOCS = ROOT / "docs"
START, END = "<!-- headline:start -->", "<!-- headline:end -->"
TABLE_BLOCK = re.compile(
    r"<!-- results-table: (?P<name>[\w.-]+) (?P<key>[\w.-]+) -->\n.*?<!-- /results-table -->",
    re.S,
)
GENERATED = ("reference", "models")  # pages docs/hooks.py writes; results.md is written here


class StaleTableError(ValueError):
    """A docs block names a results file or table that does not exist."""


def _cell(value: object) -> str:
    if isinstance(value, float):
        text = f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.0f}"
    else:
        text = str(value)
    return text.replace("|", "/").replace("\n", " ")


def table_markdown(result: ResultFile, key: str, page: Path) -> str:
    """The markdown of table ``key`` of ``result``, with a source line linking the results page."""
    tables = result.data.get("tables", {})
    if key not in tables:
        raise StaleTableError(f"{page.relative_to(ROOT)}: {result.path.name} has no table {key!r}")
    table = tables[key]
    columns = [str(c) for c in table["columns"]]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in table["rows"]:
        if len(row) != len(columns):
            raise StaleTableError(
                f"{result.path.name}: table {key!r} has a row of {len(row)} cells"
            )
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    link = os.path.relpath(RESULTS_PAGE, page.parent).replace(os.sep, "/")
    source = f"*Source: [`{result.path.name}`]({link}#{result.name.lower()}), {result.date}"
    source += f", `{result.script}`." if result.script else "."
    if table.get("note"):
        source += f" {table['note']}"
    lines += ["", source + "*"]
    return "\n".join(lines)


def render_page(text: str, page: Path, by_name: dict[str, ResultFile]) -> str:
    """``text`` with every results-table block re-rendered from its results file."""

    def one(m: re.Match[str]) -> str:
        result = by_name.get(m["name"])
        if result is None:
            raise StaleTableError(f"{page.relative_to(ROOT)}: no results file {m['name']}.json")
        head = f"<!-- results-table: {m['name']} {m['key']} -->"
        return f"{head}\n{table_markdown(result, m['key'], page)}\n<!-- /results-table -->"

    return TABLE_BLOCK.sub(one, text)


def doc_pages() -> list[Path]:
    """The hand-written documentation pages (generated ones left out)."""
    return sorted(
        p
        for p in DOCS.rglob("*.md")
        if p != RESULTS_PAGE and p.relative_to(DOCS).parts[0] not in GENERATED
    )


def headline_table(results: list[ResultFile]) -> str:
    """The markdown table of every results file that declares a headline."""
    rows = sorted((r for r in results if r.headline), key=lambda r: (r.headline.order, r.name))  # type: ignore[union-attr]
    lines = [
        "| capability | state | headline numbers | measured | source |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        h = r.headline
        assert h is not None
        rel = r.path.relative_to(ROOT).as_posix()
        lines.append(
            f"| {h.capability} | {h.state} | {h.numbers} | {r.date} | [`{r.path.name}`]({rel}) |"
        )
    return "\n".join(lines)


def _flat(prefix: str, value: object) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        out: list[tuple[str, str]] = []
        for key, sub in value.items():
            out += _flat(f"{prefix}.{key}" if prefix else str(key), sub)
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [(prefix, f"{len(value)} rows (see the file)")]
    return [(prefix, json.dumps(value) if not isinstance(value, str) else value)]


def results_page(results: list[ResultFile]) -> str:
    """The documentation's results page: every results file, its provenance and values."""
    lines = [
        "# Results",
        "",
        "Generated by `python benchmarks/render_results.py` from `benchmarks/results/*.json`;",
        "do not edit by hand. Each section is one file: the script that wrote it, when, at",
        "which commit and on which machine, then its values.",
        "",
        _headline_for_docs(results),
        "",
    ]
    for r in results:
        lines += [
            f"## {r.name}",
            "",
            f"`{r.path.name}`: written by `{r.script}` on {r.date} at commit `{r.commit}` ({r.machine}).",
            "",
            "| key | value |",
            "|---|---|",
        ]
        data = dict(r.data)
        tables = data.pop("tables", {})
        lines += [f"| `{k}` | {v.replace('|', '/')} |" for k, v in _flat("", data)]
        if tables:
            lines.append(f"| `tables` | {', '.join(sorted(tables))} (rendered in the guides) |")
        lines.append("")
    return "\n".join(lines)


def _headline_for_docs(results: list[ResultFile]) -> str:
    rows = sorted((r for r in results if r.headline), key=lambda r: (r.headline.order, r.name))  # type: ignore[union-attr]
    lines = ["| capability | state | headline numbers | measured | file |", "|---|---|---|---|---|"]
    for r in rows:
        h = r.headline
        assert h is not None
        anchor = r.name.lower()
        lines.append(
            f"| {h.capability} | {h.state} | {h.numbers} | {r.date} | [`{r.path.name}`](#{anchor}) |"
        )
    return "\n".join(lines)


def render(readme_text: str, table: str) -> str:
    """The README text with the block between the markers replaced by ``table``."""
    head, sep, rest = readme_text.partition(START)
    if not sep or END not in rest:
        raise SystemExit(f"README has no {START} ... {END} block")
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{table}\n{END}{tail}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="only check that the README is current"
    )
    args = parser.parse_args()
    results = load_results()
    by_name = {r.name: r for r in results}
    outputs = {
        README: render(README.read_text(encoding="utf-8"), headline_table(results)),
        RESULTS_PAGE: results_page(results),
    }
    try:
        for page in doc_pages():
            outputs[page] = render_page(page.read_text(encoding="utf-8"), page, by_name)
    except StaleTableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stale = [
        p for p, text in outputs.items() if not p.exists() or p.read_text(encoding="utf-8") != text
    ]
    if args.check:
        for path in stale:
            print(
                f"{path.relative_to(ROOT)} is stale: run python benchmarks/render_results.py",
                file=sys.stderr,
            )
        return 1 if stale else 0
    for path in stale:
        path.write_text(outputs[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
