"""Command reference pages rendered from the argparse definitions (for the docs site).

The documentation's reference section is generated from these pages at build time, so a
command's ``--help`` and its documentation cannot drift apart.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["CommandPage", "command_pages", "option_strings"]


@dataclass(frozen=True)
class CommandPage:
    """One command's reference page: its full name, its parser and the page text."""

    name: str
    parser: argparse.ArgumentParser
    markdown: str


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps sub-parsers only here
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _walk(
    parser: argparse.ArgumentParser, name: str
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield name, parser
    for sub_name, sub in _subcommands(parser).items():
        yield from _walk(sub, f"{name} {sub_name}")


def option_strings(parser: argparse.ArgumentParser) -> list[str]:
    """Every option string (``--json``, ``-r``) and positional name a parser accepts."""
    names: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            continue
        if action.option_strings:
            names.extend(action.option_strings)
        else:
            names.append(str(action.metavar or action.dest))
    return names


def _render(name: str, parser: argparse.ArgumentParser) -> str:
    subs = _subcommands(parser)
    lines = [f"# `{name}`", ""]
    if parser.description:
        lines += [parser.description, ""]
    lines += ["```text", parser.format_help().rstrip(), "```", ""]
    if subs:
        lines += ["Sub-commands:", ""]
        for sub_name in subs:
            slug = f"{name} {sub_name}".replace(" ", "-")
            lines.append(f"- [`{name} {sub_name}`]({slug}.md)")
        lines.append("")
    return "\n".join(lines)


def command_pages() -> list[CommandPage]:
    """One page per command and sub-command, in the order ``veracity --help`` lists them."""
    from veracity.cli import build_parser

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"  # stable wrapping whatever the terminal
    try:
        root = build_parser()
        pages = [
            CommandPage(name, parser, _render(name, parser))
            for name, parser in _walk(root, "veracity")
        ]
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old
    return pages
