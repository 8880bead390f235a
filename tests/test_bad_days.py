"""Databases on a bad day (repdrill.store.engine): one line saying what to do, the file untouched."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import DECKS, TODAY, Cli, fill, on
from repdrill import DatabaseUnusable
from repdrill.store import engine
from scripted import ScriptedIO


def run(*args: str, db: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "repdrill", *args],
        env={**os.environ, "REPDRILL_DB": str(db), "REPDRILL_USER": "ana", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_line_error(result: object, *words: str) -> None:
    """Exit status 1, and one line on stderr holding ``words``."""
    stderr = result.stderr  # type: ignore[attr-defined]
    code = getattr(result, "returncode", None)
    assert (code if code is not None else result.exit_code) == 1  # type: ignore[attr-defined]
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    for word in words:
        assert word in stderr, stderr


@pytest.mark.parametrize(
    "content",
    [b"hello, this is text\n", os.urandom(4096), b"SQLite format 3\x00" + os.urandom(3000)],
    ids=["text", "random", "truncated"],
)
def test_a_damaged_file_is_one_line_and_left_as_it_was(tmp_path: Path, content: bytes) -> None:
    db = tmp_path / "damaged.db"
    db.write_bytes(content)
    for command in (["status"], ["review", "price-too-high", "-g", "4"], ["load", str(DECKS)]):
        one_line_error(run(*command, db=db), "not a repdrill database, or it is damaged")
    assert db.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["damaged.db"]


def test_a_device_is_not_a_database(plain_cli: Cli) -> None:
    result = plain_cli("--db", "/dev/null", "status")
    one_line_error(result, "is not a regular file")
    assert not Path("/dev/null-journal").exists()


def test_a_database_from_a_newer_repdrill(plain_cli: Cli) -> None:
    plain_cli("load", str(DECKS))
    path = plain_cli.env["REPDRILL_DB"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    one_line_error(plain_cli("status"), "written by a newer repdrill", "0099", "upgrade repdrill")
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE alembic_version")
    one_line_error(plain_cli("status"), "no schema revision", "restore a backup")


def _make_read_only(db_url: str) -> str:
    """The URL of ``db_url`` opened so that every write is refused."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///file:{db_url.removeprefix('sqlite:///')}?mode=ro&uri=true"
    import psycopg
    from sqlalchemy import make_url

    url = make_url(db_url)
    admin = url.set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{url.database}" SET default_transaction_read_only = on')
    return db_url


def _set_revision(db_url: str, statement: str) -> None:
    if db_url.startswith("sqlite"):
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
            conn.execute(statement)
        return
    import psycopg

    with psycopg.connect(db_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(statement)


def test_a_database_from_a_newer_repdrill_on_either_database(cli: Cli, db_url: str) -> None:
    cli("load", str(DECKS))
    _set_revision(db_url, "UPDATE alembic_version SET version_num = '0099'")
    one_line_error(cli("status"), "written by a newer repdrill", "0099", "upgrade repdrill")
    _set_revision(db_url, "DROP TABLE alembic_version")
    one_line_error(cli("load", str(DECKS)), "no schema revision", "restore a backup")


def test_a_read_only_database(cli: Cli, db_url: str, write_deck: Callable[..., Path]) -> None:
    cli("load", str(DECKS))
    read_only = _make_read_only(db_url)
    for command in (
        ["review", "price-too-high", "-g", "4"],
        ["drill"],
        ["load", str(write_deck("extra", ["a"]))],
        ["deck", "retire", "objection-handling"],
    ):
        result = cli("--db", read_only, *command, input="\n5\n")
        one_line_error(result, "is read-only for you", "nothing was written")
    assert cli("--db", read_only, "status").exit_code == 0  # reading still works


@pytest.mark.slow
def test_a_full_disk_is_one_line_and_writes_nothing(tiny_disk: Path) -> None:
    db = tiny_disk / "full.db"
    assert run("load", str(DECKS / "objection-handling.yaml"), db=db).returncode == 0
    before = run("card", "show", "price-too-high", "--json", db=db).stdout
    assert before
    filler = fill(tiny_disk)
    result = run("load", str(DECKS / "product-messaging.yaml"), db=db)
    one_line_error(result, "is full", "nothing was written")
    filler.unlink()
    assert run("card", "show", "price-too-high", "--json", db=db).stdout == before


@pytest.mark.slow
def test_a_grade_on_a_full_disk_is_one_line_and_keeps_the_card(tiny_disk: Path) -> None:
    db = tiny_disk / "full.db"
    assert run("load", str(DECKS / "objection-handling.yaml"), db=db).returncode == 0
    before = run("card", "show", "price-too-high", "--json", db=db).stdout
    filler = fill(tiny_disk)
    # A typed answer large enough that the log cannot take it in what is left.
    result = run("review", "price-too-high", "--grade", "4", "--answer", "x" * 100_000, db=db)
    one_line_error(result, "is full", "nothing was written")
    filler.unlink()
    assert run("card", "show", "price-too-high", "--json", db=db).stdout == before


def test_a_long_writer_gives_one_line_after_the_busy_timeout(
    plain_cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain_cli("load", str(DECKS))
    path = plain_cli.env["REPDRILL_DB"].removeprefix("sqlite:///")
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 300)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        result = plain_cli("review", "price-too-high", "-g", "4")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1, result.output
    assert "busy" in result.stderr and "try again" in result.stderr
    assert plain_cli("review", "price-too-high", "-g", "4").exit_code == 0


@pytest.mark.slow
def test_six_processes_opening_an_empty_database_at_once(
    db_url: str, request: pytest.FixtureRequest
) -> None:
    if db_url.startswith("postgresql"):
        server = request.getfixturevalue("pg_server")
        empty = server.create_database(f"empty_{os.getpid()}")
    else:
        empty = db_url.replace("repdrill.db", "empty.db")
    barrier = threading.Barrier(6)
    results: list[subprocess.CompletedProcess[str]] = []

    def open_it() -> None:
        barrier.wait()
        results.append(run("status", db=empty))

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.returncode for r in results] == [0] * 6, [r.stderr for r in results]
    assert not any("Traceback" in r.stderr for r in results)


def test_a_bad_url_is_one_line_and_keeps_the_password_secret(plain_cli: Cli) -> None:
    for url in (
        "postgresql+psycopg://ana:s3cret@[::1:5432/x",
        "postgresql+psycopg://ana:s3cret@host:99999999/x",
    ):
        result = plain_cli("--db", url, "status")
        one_line_error(result)
        assert "s3cret" not in result.output


def test_a_card_retired_while_on_screen_is_not_graded(
    db_url: str, write_deck: Callable[..., Path]
) -> None:
    deck = write_deck("alpha", ["a", "b"])

    class RetiringIO(ScriptedIO):
        def read_answer(self) -> str | None:
            if not self.shown[1:]:  # while the first card is on screen, the author retires it
                with on(db_url, TODAY) as author:
                    author.load([write_deck("alpha", ["b"])])
            return super().read_answer()

    with on(db_url, TODAY) as rd:
        rd.load([deck])
        io = RetiringIO(["", 5, "", 5])
        summary = rd.drill(io)
        assert io.shown == ["a:new:1/2", "retired:a", "b:new:2/2"]
        assert summary.cards == 1
        assert rd.card("alpha/a").history == ()


def test_back_dated_grades_follow_the_same_rule_whatever_order_the_days_come(
    db_url: str,
) -> None:
    later, earlier = TODAY + dt.timedelta(days=10), TODAY + dt.timedelta(days=3)
    with on(db_url, TODAY) as rd:
        rd.load([DECKS])
        rd.review("price-too-high", 5)
    with on(db_url, later) as rd:
        rd.review("price-too-high", 5)
    kinds = []
    for _ in range(3):  # three processes back-dated to the same earlier day
        with on(db_url, earlier) as rd:
            kinds.append(rd.review("price-too-high", 4).kind.value)
    assert kinds == ["review", "redrill", "redrill"]
    with on(db_url, later) as rd:
        history = [h.kind.value for h in rd.card("price-too-high").history]
    assert history.count("review") == 3


def test_unusable_is_a_repdrill_error() -> None:
    from repdrill import RepdrillError

    assert issubclass(DatabaseUnusable, RepdrillError)
