from pathlib import Path


def test_help_lists_commands(run_cli) -> None:
    r = run_cli("--help")
    assert r.returncode == 0
    for command in ("detect", "watermark"):
        assert command in r.stdout


def test_usage_error_is_one_line_exit_2(run_cli) -> None:
    r = run_cli("no-such-command")
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr


def test_missing_file_is_one_line_exit_2(run_cli, tmp_path: Path) -> None:
    r = run_cli("detect", tmp_path / "nope.png")
    assert r.returncode == 2
    assert r.stderr.strip() == f"veracity: error: {tmp_path / 'nope.png'}: no such file"
