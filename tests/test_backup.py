"""``repdrill db backup`` (repdrill.store.backup): whole copies, taken while reps drill."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import DECKS, TODAY, Cli
from pgserver import PostgresServer


def reviews_in(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        count: int = conn.execute("SELECT count(*) FROM reviews").fetchone()[0]
    return count


def test_a_backup_is_a_working_database(plain_cli: Cli, tmp_path: Path) -> None:
    assert plain_cli("load", str(DECKS)).exit_code == 0
    plain_cli("review", "price-too-high", "--grade", "4", "--answer", "TCO")
    target = tmp_path / "backups" / "repdrill.db"
    target.parent.mkdir()
    result = plain_cli("db", "backup", str(target), "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["dialect"] == "sqlite" and found["command"] is None
    assert found["backup_bytes"] == target.stat().st_size > 0
    assert reviews_in(target) == 1
    assert oct(target.stat().st_mode & 0o777) == "0o600"  # typed answers are in it
    assert sorted(p.name for p in target.parent.iterdir()) == ["repdrill.db"]
    restored = plain_cli("--db", str(target), "card", "show", "price-too-high", "--json")
    assert json.loads(restored.stdout)["history"][0]["typed_answer"] == "TCO"


def test_a_backup_never_overwrites_by_surprise(plain_cli: Cli, tmp_path: Path) -> None:
    assert plain_cli("load", str(DECKS)).exit_code == 0
    target = tmp_path / "copy.db"
    target.write_text("keep me")
    refused = plain_cli("db", "backup", str(target))
    assert refused.exit_code == 1 and "--force" in refused.stderr
    assert target.read_text() == "keep me"
    assert plain_cli("db", "backup", str(target), "--force").exit_code == 0
    assert reviews_in(target) == 0
    source = plain_cli.env["REPDRILL_DB"].removeprefix("sqlite:///")
    assert "the database itself" in plain_cli("db", "backup", source, "--force").stderr
    assert "is a directory" in plain_cli("db", "backup", str(tmp_path)).stderr
    assert "not a directory" in plain_cli("db", "backup", str(tmp_path / "no" / "x.db")).stderr
    assert "Backed up to" in plain_cli("db", "backup", str(tmp_path / "b.db")).stdout


WRITER = textwrap.dedent(
    """
    import datetime as dt, sys
    import repdrill
    cards = ["price-too-high", "no-budget", "bad-timing-next-quarter", "just-give-me-a-discount"]
    day = dt.date(2026, 3, 2)
    with repdrill.open(sys.argv[1], user="ana", today=day) as rd:
        print("ready", flush=True)
        for n in range(int(sys.argv[2])):
            rd.review(cards[n % len(cards)], 3 + n % 3, answer="total cost of ownership " * 20)
    """
)


@pytest.mark.slow
def test_backups_taken_while_another_process_grades_are_whole(
    plain_cli: Cli, tmp_path: Path
) -> None:
    assert plain_cli("load", str(DECKS)).exit_code == 0
    grades = 400
    db = plain_cli.env["REPDRILL_DB"]
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, db, str(grades)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "REPDRILL_TODAY": TODAY.isoformat()},
    )
    assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
    counts = []
    while writer.poll() is None or not counts:
        target = tmp_path / f"backup-{len(counts)}.db"
        result = plain_cli("db", "backup", str(target))
        assert result.exit_code == 0, result.output
        counts.append(reviews_in(target))
        time.sleep(0.05)
    _out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    assert counts == sorted(counts)  # each copy is one moment, later ones later
    assert any(0 < n < grades for n in counts), counts  # taken while grades landed
    final = tmp_path / "final.db"
    assert plain_cli("db", "backup", str(final)).exit_code == 0
    assert reviews_in(final) == grades
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.postgres
def test_postgresql_prints_the_pg_dump_command_with_the_password_masked(
    pg_server: PostgresServer, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    pg_server.create_database("backup_cmd", template="repdrill_template")
    try:
        url = pg_server.url("backup_cmd", "postgres", "hunter2")
        cli = Cli(CliRunner(), {"REPDRILL_DB": url, "NO_COLOR": "1"})
        result = cli("db", "backup", str(tmp_path / "team.dump"))
        assert result.exit_code == 0, result.output
        assert "hunter2" not in result.output
        assert result.stdout.strip() == (
            f"pg_dump --format=custom --file {tmp_path / 'team.dump'} --dbname "
            f"'postgresql://postgres:***@127.0.0.1:{pg_server.port}/backup_cmd'"
        )
        assert "PGPASSWORD" in result.stderr
        assert not (tmp_path / "team.dump").exists()
        found = json.loads(cli("db", "backup", "x.dump", "--json").stdout)
        assert found["dialect"] == "postgresql" and found["backup_bytes"] is None
    finally:
        pg_server.drop_database("backup_cmd")
