"""The ``veracity`` command line: parse, call the library, print, map errors to exit codes.

Exit codes: 0 success; 1 only where a command documents it (e.g. ``check --fail-on``);
2 bad input or usage; 3 an environment problem (model, store or resolver); 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from types import ModuleType

from veracity import __version__
from veracity.cli import bench as bench_cmd
from veracity.cli import check as check_cmd
from veracity.cli import credentials as credentials_cmd
from veracity.cli import demo as demo_cmd
from veracity.cli import detect as detect_cmd
from veracity.cli import scan as scan_cmd
from veracity.cli import serve as serve_cmd
from veracity.cli import synth as synth_cmd
from veracity.cli import watermark as watermark_cmd
from veracity.cli.common import positive_float
from veracity.cli.config import apply_config, config_path
from veracity.errors import VeracityError
from veracity.media.limits import Limits, set_default_limits

__all__ = ["build_parser", "main"]

# Explicit list of sub-command modules; each exposes register(subparsers).
COMMANDS: tuple[ModuleType, ...] = (
    bench_cmd,
    check_cmd,
    credentials_cmd,
    demo_cmd,
    detect_cmd,
    scan_cmd,
    serve_cmd,
    synth_cmd,
    watermark_cmd,
)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"veracity: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the full argument parser."""
    parser = _Parser(
        prog="veracity",
        description="Offline media forensics: detect deepfakes, watermark and sign media.",
    )
    parser.add_argument("--version", action="version", version=f"veracity {__version__}")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="TOML config file (default: config.toml in the configuration folder); "
        "flags override it",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for module in COMMANDS:
        module.register(sub)
    for each in _all_parsers(parser):
        _add_log_flags(each, top=each is parser)
        _add_limit_flags(each, top=each is parser)
    return parser


def _all_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:  # argparse keeps sub-parsers only here
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                found += _all_parsers(child)
    return found


def _add_log_flags(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # Accepted before or after the sub-command; the sub-command's copy only overrides
    # the top-level one when given (SUPPRESS keeps an absent flag out of the namespace).
    default = {} if top else {"default": argparse.SUPPRESS}
    if not top:  # read before parsing (cli.config); accepted here so it may follow the command
        parser.add_argument(
            "--config", metavar="FILE", default=argparse.SUPPRESS, help="TOML config file"
        )
    group = parser.add_argument_group("output")
    group.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        help="messages on stderr from this level up (default warning; -v = info, -q = error)",
        **({"default": None} if top else default),
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also report expected abstentions (no face found, audio too short) and progress details",
        **({"default": False} if top else default),
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="errors only on stderr",
        **({"default": False} if top else default),
    )


def _add_limit_flags(parser: argparse.ArgumentParser, *, top: bool) -> None:
    default = {"default": None} if top else {"default": argparse.SUPPRESS}
    d = Limits()
    group = parser.add_argument_group("input limits")
    group.add_argument(
        "--max-file-mb",
        type=positive_float,
        metavar="MB",
        help=f"largest input file read (default {d.max_file_bytes / 1024**2:g})",
        **default,
    )
    group.add_argument(
        "--max-megapixels",
        type=positive_float,
        metavar="MP",
        help=f"largest decoded image, a guard against decompression bombs "
        f"(default {d.max_pixels / 1e6:g})",
        **default,
    )
    group.add_argument(
        "--max-duration",
        type=positive_float,
        metavar="SECONDS",
        help=f"longest audio or video stream analysed (default {d.max_duration_s:g})",
        **default,
    )


def _configure_limits(args: argparse.Namespace) -> None:
    mb, mp = args.max_file_mb, args.max_megapixels
    given = {
        "max_file_bytes": None if mb is None else int(mb * 1024**2),
        "max_pixels": None if mp is None else int(mp * 1e6),
        "max_duration_s": args.max_duration,
    }
    set_default_limits(Limits(**{k: v for k, v in given.items() if v is not None}))


def _configure_logging(args: argparse.Namespace) -> None:
    level = args.log_level or ("error" if args.quiet else "info" if args.verbose else "warning")
    logging.basicConfig(level=getattr(logging, level.upper()), format="veracity: %(message)s")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit code."""
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        path, explicit = config_path(words)
        apply_config(parser, path, explicit=explicit)
    except VeracityError as exc:
        print(f"veracity: error: {exc}", file=sys.stderr)
        return exc.exit_code
    args = parser.parse_args(words)
    _configure_logging(args)
    _configure_limits(args)
    try:
        return int(args.func(args) or 0)
    except VeracityError as exc:
        print(f"veracity: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("veracity: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    finally:
        set_default_limits(None)  # the flags apply to this command only (main() may be re-entered)
