"""The TOML config file: defaults < config file < flags; mistakes are exit 2 with one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from veracity.cli import build_parser, main
from veracity.cli.config import apply_config


def _parsed(config: Path, *argv: str):  # type: ignore[no-untyped-def]
    parser = build_parser()
    apply_config(parser, config, explicit=True)
    return parser.parse_args(list(argv))


def test_config_sets_defaults_and_flags_win(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[global]\nlog-level = "info"\n[check]\nwm-key = "newsroom"\ntrust = "/etc/root.pem"\n'
        '[watermark.detect]\nkey = "k2"\n[serve]\nport = 9001\n',
        encoding="utf-8",
    )
    args = _parsed(config, "check", "a.jpg")
    assert args.key == "newsroom" and args.log_level == "info"
    assert str(args.trust) == "/etc/root.pem"
    assert _parsed(config, "check", "a.jpg", "--wm-key", "flag").key == "flag"
    assert _parsed(config, "watermark", "detect", "a.jpg").key == "k2"
    assert _parsed(config, "serve").port == 9001
    assert _parsed(config, "serve", "--port", "8100").port == 8100


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[check]\nnope = 1\n", "unknown option 'nope'"),
        ("[chek]\nstore = 'x'\n", "no such command"),
        ("[check\n", "not a readable TOML"),
        ("[serve]\nport = 'many'\n", "invalid"),
    ],
)
def test_config_mistakes_are_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    assert main(["--config", str(config), "serve", "--help"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_default_config_in_the_configuration_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VERACITY_HOME", str(tmp_path))
    (tmp_path / "config.toml").write_text("[check]\nnope = 1\n", encoding="utf-8")
    assert main(["check", "missing.jpg"]) == 2
    assert main(["--config", str(tmp_path / "absent.toml"), "check", "x.jpg"]) == 2
