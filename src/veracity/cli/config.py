"""The configuration file: defaults < config file < command-line flags.

``veracity --config FILE`` or, without it, ``config.toml`` in the configuration folder
(``$VERACITY_HOME``, else ``~/.config/veracity``). Each table names a command (``[check]``,
``[serve]``) or a sub-command (``[credentials.sign]``, ``[watermark.embed]``); its keys are
the command's long option names without the dashes (``wm-key`` or ``wm_key``). A ``[global]``
table applies to every command that has the option (e.g. ``log-level``). Values become the
parser's defaults, so a flag on the command line always wins.

Example::

    [global]
    log-level = "info"

    [check]
    store = "postgresql://veracity@db/manifests"
    trust = "/etc/veracity/newsroom-root.pem"
    wm-key = "our-newsroom-key"

    [serve]
    port = 9000
"""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from veracity.errors import InputError

__all__ = ["apply_config", "config_path"]


def config_path(argv: Sequence[str]) -> tuple[Path, bool]:
    """The config file named by ``--config`` in ``argv`` (explicit), else the default one."""
    for i, arg in enumerate(argv):
        if arg == "--config" and i + 1 < len(argv):
            return Path(argv[i + 1]), True
        if arg.startswith("--config="):
            return Path(arg.split("=", 1)[1]), True
    from veracity.credentials.paths import veracity_home

    return veracity_home() / "config.toml", False


def _parsers(parser: argparse.ArgumentParser, name: str = "") -> dict[str, argparse.ArgumentParser]:
    found = {name: parser}
    for action in parser._actions:  # argparse keeps sub-parsers only here
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                found.update(_parsers(sub, f"{name}.{sub_name}" if name else sub_name))
    return found


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    out: dict[str, argparse.Action] = {}
    for action in parser._actions:
        for opt in action.option_strings:
            if opt.startswith("--") and opt not in ("--help", "--config", "--version"):
                out[opt[2:]] = action
                out[opt[2:].replace("-", "_")] = action
    return out


def _coerce(action: argparse.Action, key: str, value: Any, where: str) -> Any:
    if isinstance(action, argparse._StoreTrueAction | argparse._StoreFalseAction):
        if not isinstance(value, bool):
            raise InputError(f"{where}: {key} must be true or false")
        return value
    if action.nargs in ("*", "+") or isinstance(action, argparse._AppendAction):
        values = value if isinstance(value, list) else [value]
        return [action.type(v) if action.type else v for v in values]  # type: ignore[operator]
    if isinstance(value, list | dict):
        raise InputError(f"{where}: {key} takes one value")
    try:
        converted = action.type(str(value)) if callable(action.type) else value
    except (argparse.ArgumentTypeError, TypeError, ValueError) as exc:
        raise InputError(f"{where}: {key}: invalid value ({exc})") from None
    if action.choices is not None and converted not in action.choices:
        raise InputError(f"{where}: {key} must be one of {', '.join(map(str, action.choices))}")
    return converted


def apply_config(parser: argparse.ArgumentParser, path: Path, *, explicit: bool) -> None:
    """Set the parsers' defaults from the config file at ``path``.

    Raises:
        InputError: the file is unreadable, not TOML, or names an unknown command or option.
    """
    if not path.is_file():
        if explicit:
            raise InputError(f"{path}: config file not found")
        return
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: not a readable TOML config file ({exc})") from exc
    parsers = _parsers(parser)
    tables = _flatten(doc)
    for table, values in tables.items():
        where = f"{path} [{table}]"
        targets = list(parsers.values()) if table == "global" else [parsers.get(table)]
        if targets == [None]:
            raise InputError(f"{where}: no such command")
        for key, value in values.items():
            used = False
            for target in targets:
                assert target is not None
                action = _options(target).get(key)
                if action is None:
                    continue
                target.set_defaults(**{action.dest: _coerce(action, key, value, where)})
                used = True
            if not used:
                raise InputError(f"{where}: unknown option {key!r}")


def _flatten(doc: Mapping[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    tables: dict[str, dict[str, Any]] = {}
    for key, value in doc.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            inner = {k: v for k, v in value.items() if not isinstance(v, Mapping)}
            if inner or not any(isinstance(v, Mapping) for v in value.values()):
                tables[name] = inner
            tables.update(
                _flatten({k: v for k, v in value.items() if isinstance(v, Mapping)}, name)
            )
        elif not prefix:
            raise InputError(f"config: {key} must sit in a [command] table")
    return tables
