"""The package and the command line around the commands: version, help, settings, validate."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DECKS, Cli
from repdrill import __version__


def test_version(plain_cli: Cli) -> None:
    result = plain_cli("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"repdrill {__version__}"


def test_python_dash_m_works() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "repdrill", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stdout.strip() == f"repdrill {__version__}"


def test_help_lists_every_command(plain_cli: Cli) -> None:
    result = plain_cli("--help")
    assert result.exit_code == 0
    for command in ["validate", "load", "schema", "drill", "review", "cram", "status", "card"]:
        assert command in result.stdout


def test_unknown_command_is_a_usage_error(plain_cli: Cli) -> None:
    assert plain_cli("dril").exit_code == 2


@pytest.mark.parametrize("value", ["2026-02-30", "tomorrow", "01/03/2026"])
def test_bad_today_is_a_usage_error(plain_cli: Cli, value: str) -> None:
    result = plain_cli("status", REPDRILL_TODAY=value)
    assert result.exit_code == 2
    assert "ISO date" in result.output
    assert "Traceback" not in result.output


def test_bad_user_is_one_line(plain_cli: Cli) -> None:
    result = plain_cli("--user", "two words", "status")
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("Error: 'two words' is not a usable rep name")


def test_database_path_that_is_a_directory(plain_cli: Cli, tmp_path: Path) -> None:
    result = plain_cli("--db", str(tmp_path), "status")
    assert result.exit_code == 1 and "is a directory" in result.stderr


def test_unreachable_database_url(plain_cli: Cli) -> None:
    result = plain_cli("--db", "postgresql+psycopg://nobody:secret@127.0.0.1:1/x", "status")
    assert result.exit_code == 1
    assert "cannot open the database" in result.stderr
    assert "secret" not in result.output


def test_unknown_driver(plain_cli: Cli) -> None:
    result = plain_cli("--db", "nosuchdb://x/y", "status")
    assert result.exit_code == 1 and "no database driver" in result.stderr


def test_default_database_is_created_in_the_user_data_dir(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    env.pop("REPDRILL_DB", None)
    done = subprocess.run(
        [sys.executable, "-m", "repdrill", "load", str(DECKS)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data" / "repdrill" / "repdrill.db").exists()


def test_missing_postgres_driver_is_one_line(
    plain_cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        sys.modules, "psycopg", None
    )  # as if 'repdrill[postgres]' were not installed
    result = plain_cli("--db", "postgresql+psycopg://rep@127.0.0.1:1/team", "status")
    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        == "Error: PostgreSQL needs its driver: pip install 'repdrill[postgres]'"
    )
