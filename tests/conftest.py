"""Fixtures: a fresh database per test on SQLite and on a real PostgreSQL server.

Tests that take the ``db_url`` fixture (directly, or through ``db``/``cli``)
run once per backend. Without PostgreSQL installed the PostgreSQL runs are
skipped, with the reason in the summary; with ``REPDRILL_REQUIRE_POSTGRES=1``
(as ``.ci/run`` sets) they fail instead, so CI never skips them silently.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))

import repdrill
from pgserver import PostgresServer, find_pg_bin
from repdrill.cli import app
from repdrill.store.engine import Database

#: Owns every team database the tests make: not a superuser, with CREATEROLE.
TEAM_OWNER = "drillowner"

ROOT = Path(__file__).parent.parent
DECKS = ROOT / "decks"
TODAY = dt.date(2026, 3, 2)
REQUIRE_POSTGRES = os.environ.get("REPDRILL_REQUIRE_POSTGRES") == "1"
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        message = "PostgreSQL is not installed (no initdb/pg_ctl): PostgreSQL runs skipped"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    server = PostgresServer(bin_dir).start()
    template = server.create_database("repdrill_template")
    db = Database.open(template)
    db.close()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'repdrill.db'}"
        return
    server: PostgresServer = request.getfixturevalue("pg_server")
    name = f"t{os.getpid()}_{next(_counter)}"
    url = server.create_database(name, template="repdrill_template")
    yield url
    # Dropped at once, so the server never holds hundreds of databases at the end.
    server.drop_database(name)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database.open(db_url)
    yield database
    database.close()


@pytest.fixture
def rd(db_url: str) -> Iterator[repdrill.Repdrill]:
    """The front door on a fresh database, as rep ana on :data:`TODAY`."""
    with repdrill.open(db_url, user="ana", today=TODAY) as front_door:
        yield front_door


def on(db_url: str, day: dt.date, user: str = "ana") -> repdrill.Repdrill:
    """The front door as ``user`` on ``day``; close it (or use ``with``) when done."""
    return repdrill.open(db_url, user=user, today=day)


@dataclass
class Cli:
    """Runs ``repdrill`` in-process, the way a rep would type it."""

    runner: CliRunner
    env: dict[str, str]

    def __call__(self, *args: str, input: str | None = None, **env: str) -> Any:
        merged = {**self.env, **{k.upper(): v for k, v in env.items()}}
        return self.runner.invoke(app, list(args), input=input, env=merged, catch_exceptions=False)


@pytest.fixture
def cli(db_url: str) -> Cli:
    return Cli(
        CliRunner(),
        {
            "REPDRILL_DB": db_url,
            "REPDRILL_USER": "ana",
            "REPDRILL_TODAY": TODAY.isoformat(),
            "NO_COLOR": "1",
        },
    )


@pytest.fixture
def plain_cli(tmp_path: Path) -> Cli:
    """The CLI on a SQLite file only: for behaviour that does not depend on the backend."""
    return Cli(
        CliRunner(),
        {
            "REPDRILL_DB": f"sqlite:///{tmp_path / 'plain.db'}",
            "REPDRILL_USER": "ana",
            "REPDRILL_TODAY": TODAY.isoformat(),
            "NO_COLOR": "1",
        },
    )


# -- team mode: a PostgreSQL database owned by a non-superuser, logins as people ----------


@pytest.fixture(scope="session")
def team_template(pg_server: PostgresServer) -> str:
    """A migrated database owned by :data:`TEAM_OWNER`, with the bundled decks loaded."""
    import psycopg

    with psycopg.connect(pg_server.dsn(), autocommit=True) as su:
        su.execute(f"CREATE ROLE {TEAM_OWNER} LOGIN CREATEROLE")
        su.execute(f"CREATE DATABASE team_template OWNER {TEAM_OWNER}")
    with repdrill.open(pg_server.url("team_template", TEAM_OWNER), user="owner", today=TODAY) as rd:
        rd.load([DECKS])
    return "team_template"


@dataclass
class TeamDB:
    """One team database of its own, and the ways in as each login."""

    server: PostgresServer
    name: str
    tmp_path: Path

    def url(self, login: str = TEAM_OWNER, password: str | None = "secret") -> str:
        return self.server.url(self.name, login, password)

    def connect(self, login: str = TEAM_OWNER) -> Any:
        """A raw psycopg connection as ``login`` (the test server trusts loopback)."""
        import psycopg

        return psycopg.connect(self.server.dsn(self.name, login))

    def superuser(self) -> Any:
        import psycopg

        return psycopg.connect(self.server.dsn(self.name), autocommit=True)

    def open(self, login: str = TEAM_OWNER, **kwargs: Any) -> repdrill.Repdrill:
        kwargs.setdefault("today", TODAY)
        return repdrill.open(self.url(login), **kwargs)

    def cli(self, login: str = TEAM_OWNER) -> Cli:
        # No REPDRILL_USER: in team mode the rep is the login.
        env: dict[str, Any] = {
            "REPDRILL_DB": self.url(login),
            "REPDRILL_USER": None,
            "REPDRILL_TODAY": TODAY.isoformat(),
            "NO_COLOR": "1",
            "COLUMNS": "200",
        }
        return Cli(CliRunner(), env)

    def roster(self, text: str) -> Path:
        path = self.tmp_path / "teams.yaml"
        path.write_text(textwrap.dedent(text))
        return path


@pytest.fixture
def team_db(pg_server: PostgresServer, team_template: str, tmp_path: Path) -> Iterator[TeamDB]:
    """A fresh copy of the team template; every role the test creates is dropped after it."""
    import psycopg

    name = f"team{os.getpid()}_{next(_counter)}"
    with psycopg.connect(pg_server.dsn(), autocommit=True) as su:
        before = set(su.execute("SELECT rolname FROM pg_roles").fetchall())
        su.execute(
            f'CREATE DATABASE "{name}" TEMPLATE {team_template} OWNER {TEAM_OWNER} '
            "STRATEGY FILE_COPY"
        )
    try:
        yield TeamDB(pg_server, name, tmp_path)
    finally:
        with psycopg.connect(pg_server.dsn(), autocommit=True) as su:
            su.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for (role,) in set(su.execute("SELECT rolname FROM pg_roles").fetchall()) - before:
                su.execute(f'DROP ROLE "{role}"')


#: The team the Security walk-through in docs/team-mode.md builds.
TEAM_ROSTER = """\
    teams:
      - name: west
        reps: [ana, ben]
      - name: east
        reps: [erin]
    """


@pytest.fixture
def staffed(team_db: TeamDB) -> TeamDB:
    """Team mode set up: reps ana, ben (west) and erin (east), who have each graded
    two cards with typed answers; maria manages west; priya writes decks."""
    with team_db.open() as owner:
        owner.team_setup()
        owner.team_load(team_db.roster(TEAM_ROSTER))
        for rep in ("ana", "ben", "erin"):
            owner.add_rep(rep, password="secret")
        owner.add_manager("maria", team="west", password="secret")
        owner.add_author("priya", password="secret")
    for rep in ("ana", "ben", "erin"):
        with team_db.open(rep) as rd:
            rd.review("price-too-high", 2, answer=f"{rep}'s secret: total cost of ownership")
            rd.review("no-budget", 4, answer=f"{rep} asks what they spend today")
    return team_db


def card_yaml(
    card_id: str, prompt: str | None = None, answer: str | None = None, **extra: str
) -> str:
    lines = [
        f"  - id: {card_id}",
        f"    prompt: {prompt or f'Prompt for {card_id}?'}",
        f"    answer: {answer or f'Answer for {card_id}.'}",
    ]
    lines += [f"    {key}: {value}" for key, value in extra.items()]
    return "\n".join(lines)


def deck_yaml(deck_id: str, cards: list[str], header: str = "") -> str:
    head = f"id: {deck_id}\ntitle: Deck {deck_id}\n" + textwrap.dedent(header)
    return head + "cards:\n" + "\n".join(cards) + "\n"


@pytest.fixture
def write_deck(tmp_path: Path) -> Callable[..., Path]:
    """Write a deck file: write_deck("alpha", ["a", "b"]) or with raw card YAML."""
    deck_dir = tmp_path / "decks"
    deck_dir.mkdir(exist_ok=True)

    def write(
        deck_id: str,
        cards: list[str] | None = None,
        *,
        name: str | None = None,
        header: str = "",
        raw: str | None = None,
    ) -> Path:
        path = deck_dir / (name or f"{deck_id}.yaml")
        if raw is not None:
            path.write_text(textwrap.dedent(raw))
            return path
        rendered = [c if c.lstrip().startswith("- id:") else card_yaml(c) for c in cards or ["a"]]
        path.write_text(deck_yaml(deck_id, rendered, header))
        return path

    return write


# -- file systems that run out of room, or refuse writes, for real ------------------------


@contextlib.contextmanager
def tmpfs(mount: Path, options: str) -> Iterator[Path]:
    """A tmpfs mounted at ``mount`` with ``options`` (``size=1536k``, ``ro``); skips without root."""
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs ({options}) needs root: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1.5 MB file system, so that writes run out of room for real."""
    with tmpfs(tmp_path / "tiny", "size=1536k") as mount:
        yield mount


def fill(disk: Path) -> Path:
    """Fill what is left of ``disk`` with one file, returned so that a test can free it."""
    filler = disk / "filler"
    try:
        with open(filler, "wb") as handle:
            while True:
                handle.write(b"\0" * 4096)
                handle.flush()
    except OSError:
        pass
    return filler


def pytest_report_header(config: pytest.Config) -> str:
    found = find_pg_bin()
    if found is None:
        return "PostgreSQL: not installed; PostgreSQL test runs will be skipped"
    return f"PostgreSQL: {found} (a throwaway server is started for the PostgreSQL runs)"
