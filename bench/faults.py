"""Fault injection: whole commands killed with SIGKILL at a random moment.

    python bench/faults.py [--trials 20] [--backend sqlite|postgresql|both] [--seed 1]
                           [--cards 3000] [--large]

On SQLite and on a throwaway PostgreSQL server (when ``initdb`` and
``pg_ctl`` are installed, as the tests start one), each operation is first
run three times undisturbed: the median is its run time, and the result is
the reference. Then each trial starts the whole command on a fresh copy of
the starting database, sends SIGKILL at a moment drawn uniformly from 0 to
1.1 times the run time (seeded by ``--seed``), checks what the killed process
left, runs the command again (it must exit 0 and print no traceback) and
checks again:

- ``load`` of a large deck into an empty database: afterwards the database
  holds nothing of it or exactly the reference (decks, cards, versions,
  tags), never part of it.
- ``log import`` of an exported log: none of its reviews or all of them, and
  every card state and state change equals the replay of its log.
- ``report -o FILE --force`` (HTML or JSON): FILE is absent or holds its
  previous content, or is complete (HTML ends with ``</html>``, JSON parses);
  temporary files left beside it are counted, not hidden.
- ``drill`` fed answers and grades on a pipe, killed 0-50 ms after its K-th
  "Saved" line (K from 1 to 25): every grade announced as saved is in the
  log, in the order fed; no earlier row of the review log changed; the rep's
  card states equal the replay. At the end, no row of the starting log changed.

Prints a table of counts per operation and backend and what the killed
commands left, every violation (operation, backend, trial, kill moment) and
the elapsed time; exits 1 on any violation. The same arguments replay the
same kill moments (the machine's speed still moves what they interrupt).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, create_engine, func, select
from sqlalchemy.pool import NullPool

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from common import (  # noqa: E402
    Postgres,
    backend_arguments,
    chosen_backends,
    copy_sqlite,
    env_for,
    postgres_for,
    repdrill,
    write_big_deck,
)
from dataset import build  # noqa: E402
from pgserver import find_pg_bin  # noqa: E402
from repdrill.config import Clock  # noqa: E402
from repdrill.schedule.replay import LogEntry, Revision, final, replay  # noqa: E402
from repdrill.store import tables as t  # noqa: E402
from repdrill.store.engine import Database  # noqa: E402
from repdrill.store.load import load  # noqa: E402
from repdrill.store.record import LOG_ENTRY_COLUMNS, log_entry, state_values  # noqa: E402

TODAY = dt.date(2026, 6, 1)
#: The team database's history starts no earlier than this many days back.
HISTORY_DAYS = (150, 300)
#: Answers and grades fed to a killed drill, and the most "Saved" lines before the kill.
DRILL_FEED = 80
DRILL_MAX_SAVED = 25
#: The columns of card_states that state_values() gives.
STATE_KEYS = (
    "repetitions",
    "easiness_x100",
    "interval_days",
    "due",
    "last_review_date",
    "introduced_on",
    "lapses",
    "reviews",
)
#: A command that runs this long is hung: killed, and counted as a violation.
HANG_SECONDS = 120
#: Undisturbed runs timed per operation, and how far past their median kills may land
#: (so that some commands complete first and the last moments are covered too).
UNDISTURBED_RUNS = 3
WINDOW_MARGIN = 1.1


@dataclass(frozen=True)
class Sizes:
    """How large each operation's input is."""

    deck_cards: int
    import_reps: int
    import_cards_per_rep: int
    team_reps: int
    team_cards_per_rep: int

    @classmethod
    def default(cls, deck_cards: int) -> Sizes:
        return cls(deck_cards, 6, 50, 60, 250)

    @classmethod
    def large(cls, deck_cards: int) -> Sizes:
        return cls(deck_cards, 30, 100, 100, 300)


# -- databases ---------------------------------------------------------------------


class Databases(Protocol):
    """Named databases on one backend: created empty, cloned from a template, dropped."""

    name: str

    def create(self, name: str) -> str: ...

    def clone(self, template: str, name: str) -> str: ...

    def drop(self, name: str) -> None: ...


class SQLiteDatabases:
    name = "sqlite"

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir

    def _path(self, name: str) -> Path:
        return self.workdir / f"{name}.db"

    def create(self, name: str) -> str:
        self.drop(name)
        return f"sqlite:///{self._path(name)}"

    def clone(self, template: str, name: str) -> str:
        url = self.create(name)
        copy_sqlite(self._path(template), self._path(name))
        return url

    def drop(self, name: str) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self._path(name)}{suffix}").unlink(missing_ok=True)


class PostgresDatabases:
    """Databases on the benchmarks' PostgreSQL: a throwaway server, or ``--postgres-url``."""

    name = "postgresql"

    def __init__(self, server: Postgres) -> None:
        self.server = server

    def create(self, name: str) -> str:
        return self.server.database(self._name(name))

    def clone(self, template: str, name: str) -> str:
        return self.server.database(self._name(name), template=self._name(template))

    def drop(self, name: str) -> None:
        self.server.drop(self.server.url(self._name(name)))

    @staticmethod
    def _name(name: str) -> str:
        # On a server of your own (--postgres-url) the names must not be yours.
        return f"repdrill_faults_{name}"


@contextlib.contextmanager
def connect(url: str) -> Iterator[Connection]:
    """One read transaction, on an engine that keeps no connection afterwards.

    A pooled connection would keep a PostgreSQL database busy, and a busy
    database cannot be a template or be dropped.
    """
    engine = create_engine(url, poolclass=NullPool)
    if engine.dialect.name == "postgresql":
        # One snapshot for the whole check: a killed client's transaction may
        # still commit on the server while the check reads.
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def migrated(url: str) -> str:
    Database.open(url).close()
    return url


# -- running and killing commands --------------------------------------------------


@dataclass
class Run:
    """What one command did: whether it was killed (or hung), its exit status and output."""

    killed: bool
    returncode: int | None
    stderr: str
    seconds: float
    stdout: str = ""
    hung: bool = False


def run_killed(command: list[str], env: dict[str, str], after: float | None) -> Run:
    """Run ``command``, sending SIGKILL ``after`` seconds in (never, when None)."""
    with tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err
        )
        killed = False
        try:
            process.wait(timeout=HANG_SECONDS if after is None else min(after, HANG_SECONDS))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            killed = True
        seconds = time.perf_counter() - started
        err.seek(0)
        return Run(killed, process.returncode, err.read(), seconds, hung=killed and after is None)


def run_after(command: list[str], env: dict[str, str], stdin: str | None = None) -> Run:
    """The command run after a kill: it must complete."""
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            env=env,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=HANG_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        return Run(True, None, str(expired), HANG_SECONDS, hung=True)
    return Run(False, done.returncode, done.stderr, time.perf_counter() - started, done.stdout)


def at(seconds: float) -> str:
    return f"killed at {seconds:.3f} s"


def run_problem(run: Run) -> str | None:
    """Why a command that should have completed did not, if it did not."""
    if run.hung:
        return f"hung (killed after {HANG_SECONDS} s)"
    if "Traceback" in run.stderr:
        return "printed a traceback: " + run.stderr.strip().splitlines()[-1]
    if run.returncode != 0:
        last = run.stderr.strip().splitlines()[-1:] or ["(no stderr)"]
        return f"exit status {run.returncode}: {last[0]}"
    return None


# -- tallies --------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts for one operation on one backend."""

    operation: str
    backend: str
    window: float = 0.0
    trials: int = 0
    completed: int = 0
    killed: int = 0
    violations: list[str] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)

    def violation(self, trial: int, when: str, message: str) -> None:
        self.violations.append(f"{self.operation}/{self.backend} trial {trial} ({when}): {message}")

    def count(self, run: Run) -> None:
        self.trials += 1
        if run.killed:
            self.killed += 1
        else:
            self.completed += 1


# -- invariants: the database ---------------------------------------------------------


def integrity(conn: Connection) -> str | None:
    """SQLite's own check of its file after a kill (PostgreSQL's server outlives the client)."""
    if conn.dialect.name != "sqlite":
        return None
    found = list(conn.exec_driver_sql("PRAGMA integrity_check").scalars())
    return None if found == ["ok"] else "integrity_check: " + "; ".join(map(str, found[:3]))


def db_check(tally: Tally, url: str) -> None:
    """``repdrill db check`` on what the trials left: integrity, triggers, states."""
    done = run_after(repdrill("db", "check"), env_for(url, REPDRILL_TODAY=TODAY.isoformat()))
    if problem := run_problem(done):
        tally.violation(0, "after all trials", f"repdrill db check {problem}")


def table_counts(conn: Connection, *tables: Any) -> dict[str, int]:
    return {
        table.name: int(conn.scalar(select(func.count()).select_from(table)) or 0)
        for table in tables
    }


def digest(rows: Any) -> str:
    """A stable fingerprint of a query's rows, whatever order the database returns them in."""
    lines = sorted(json.dumps([str(value) for value in row]) for row in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def deck_snapshot(conn: Connection) -> dict[str, object]:
    """Everything a load writes about decks and cards, as counts and fingerprints."""
    c, v, g = t.cards.c, t.card_versions.c, t.card_tags.c
    return {
        **table_counts(conn, t.decks, t.cards, t.card_versions, t.card_tags, t.card_revisions),
        "decks": digest(conn.execute(select(t.decks.c.slug, t.decks.c.file_hash))),
        "cards": digest(conn.execute(select(c.slug, c.position, c.current_hash, c.retired_at))),
        "versions": digest(
            conn.execute(
                select(c.slug, v.content_hash, v.prompt, v.answer, v.tags, v.key_points).join(
                    t.cards, t.cards.c.id == v.card_id
                )
            )
        ),
        "tags": digest(
            conn.execute(select(c.slug, g.tag).join(t.cards, t.cards.c.id == g.card_id))
        ),
    }


def review_snapshot(conn: Connection) -> dict[str, object]:
    """The review log and what is derived from it, as counts and fingerprints."""
    r = t.reviews.c
    return {
        **table_counts(conn, t.reps, t.reviews, t.review_points, t.card_states, t.state_changes),
        "uuids": digest(conn.execute(select(r.uuid))),
        # Always 0 in a sound database: part of both the empty and the complete snapshot.
        "states differing from the replay": replay_mismatches(conn),
    }


def read_logs(conn: Connection, rep: int | None = None) -> dict[tuple[int, int], list[LogEntry]]:
    """Every (rep, card) pair's log, read in one query as log_entries() reads one pair's.

    One query per pair would take most of a trial on PostgreSQL.
    """
    r = t.reviews.c
    query = select(r.rep_id, r.card_id, *LOG_ENTRY_COLUMNS)
    if rep is not None:
        query = query.where(r.rep_id == rep)
    logs: dict[tuple[int, int], list[LogEntry]] = {}
    for row in conn.execute(query):
        logs.setdefault((row[0], row[1]), []).append(log_entry(row[2:]))
    return logs


def read_revisions(conn: Connection) -> dict[int, list[Revision]]:
    """Every card's changes of message, as revision_events() reads one card's."""
    v = t.card_revisions.c
    revisions: dict[int, list[Revision]] = {}
    for card, revision, day, at_time in conn.execute(
        select(v.card_id, v.revision, v.revised_on, v.revised_at).order_by(
            v.revised_on, v.revised_at
        )
    ):
        revisions.setdefault(card, []).append(Revision(revision, day, at_time))
    return revisions


def replay_mismatches(conn: Connection, rep: int | None = None) -> int:
    """(rep, card) pairs whose stored state or state changes differ from the replay of the log."""
    s, c = t.card_states.c, t.state_changes.c
    states_query = select(t.card_states)
    changes_query = select(t.state_changes).order_by(c.review_date, c.review_id)
    if rep is not None:
        states_query = states_query.where(s.rep_id == rep)
        changes_query = changes_query.where(c.rep_id == rep)
    states = {(row.rep_id, row.card_id): row for row in conn.execute(states_query)}
    changes: dict[tuple[int, int], list[tuple[object, ...]]] = {}
    for row in conn.execute(changes_query):
        changes.setdefault((row.rep_id, row.card_id), []).append(
            (
                row.review_id,
                row.review_date,
                row.grade,
                row.repetitions,
                row.easiness_x100,
                row.interval_days,
                row.valid_until,
            )
        )
    logs = read_logs(conn, rep)
    revisions = read_revisions(conn)
    mismatches = 0
    for rep_id, card_id in set(logs) | set(states) | set(changes):
        steps = replay(logs.get((rep_id, card_id), []), revisions.get(card_id, []))
        stored = states.get((rep_id, card_id))
        schedule = final(steps)
        expected = None if schedule is None else state_values(schedule)
        actual = None if stored is None else {key: getattr(stored, key) for key in STATE_KEYS}
        expected_changes = [
            (
                step.entry.review_id,
                step.schedule.last_review_date,
                step.entry.grade,
                step.schedule.state.repetitions,
                step.schedule.state.easiness_x100,
                step.schedule.state.interval,
                step.ended_on
                or (steps[index + 1].entry.review_date if index + 1 < len(steps) else None),
            )
            for index, step in enumerate(steps)
        ]
        if actual != expected or changes.get((rep_id, card_id), []) != expected_changes:
            mismatches += 1
    return mismatches


# -- the operations -----------------------------------------------------------------


@dataclass
class Context:
    backend: Databases
    workdir: Path
    rng: random.Random
    trials: int
    sizes: Sizes


def window(tally: Tally, command: list[str], fresh: Callable[[], dict[str, str]]) -> float:
    """The span kill moments are drawn from: a little longer than an undisturbed run.

    ``fresh`` prepares a database as a trial starts with and returns the
    command's environment. The median of three runs is the command's time;
    the last run's database holds the command's complete result.
    """
    times = []
    for _ in range(UNDISTURBED_RUNS):
        run = run_killed(command, fresh(), None)
        if problem := run_problem(run):
            raise SystemExit(f"{tally.operation} on {tally.backend}, undisturbed: {problem}")
        times.append(run.seconds)
    tally.window = statistics.median(times)
    return tally.window * WINDOW_MARGIN


Snapshot = Callable[[Connection], dict[str, object]]


def all_or_nothing(
    ctx: Context, tally: Tally, template: str, command: list[str], snapshot: Snapshot
) -> dict[str, object]:
    """Trials of a command that must leave none of its work or all of it.

    ``template`` names the database each trial starts from; ``snapshot``
    reads what the command writes. The outcomes are counted under the first
    and second keys of ``tally.outcomes`` (none, all). Returns the snapshot
    of a complete run.
    """
    none_key, all_key = list(tally.outcomes)
    trial_name = f"{template}_trial"

    def fresh() -> dict[str, str]:
        return env_for(ctx.backend.clone(template, trial_name), REPDRILL_TODAY=TODAY.isoformat())

    env = fresh()
    with connect(env["REPDRILL_DB"]) as conn:
        empty = snapshot(conn)
    span = window(tally, command, fresh)
    with connect(env["REPDRILL_DB"]) as conn:
        reference = snapshot(conn)
    if reference == empty:
        raise SystemExit(f"{tally.operation}, undisturbed, wrote nothing")
    for trial in range(1, ctx.trials + 1):
        env = fresh()
        kill_at = ctx.rng.uniform(0, span)
        when = at(kill_at)
        killed = run_killed(command, env, kill_at)
        tally.count(killed)
        if not killed.killed and (problem := run_problem(killed)):
            tally.violation(trial, when, f"finished before its kill but {problem}")
        with connect(env["REPDRILL_DB"]) as conn:
            left = snapshot(conn)
            damaged = integrity(conn)
        if damaged:
            tally.violation(trial, when, damaged)
        if left == empty:
            tally.outcomes[none_key] += 1
        elif left == reference:
            tally.outcomes[all_key] += 1
        else:
            tally.violation(trial, when, f"part of it is in: {differences(left, reference)}")
        again = run_after(command, env)
        if problem := run_problem(again):
            tally.violation(trial, when, f"the {tally.operation} run afterwards {problem}")
        with connect(env["REPDRILL_DB"]) as conn:
            after = snapshot(conn)
        if after != reference:
            tally.violation(
                trial,
                when,
                f"after the {tally.operation} run afterwards: {differences(after, reference)}",
            )
    db_check(tally, env["REPDRILL_DB"])
    ctx.backend.drop(trial_name)
    ctx.backend.drop(template)
    return reference


def fault_load(ctx: Context) -> Tally:
    """A large deck loaded into an empty database."""
    tally = Tally("load", ctx.backend.name, outcomes=Counter(nothing=0, all=0))
    deck = write_big_deck(ctx.workdir / "big-deck.yaml", ctx.sizes.deck_cards)
    migrated(ctx.backend.create("load"))
    all_or_nothing(ctx, tally, "load", repdrill("load", str(deck)), deck_snapshot)
    return tally


def differences(found: dict[str, object], wanted: dict[str, object]) -> str:
    return ", ".join(
        f"{key} {found.get(key)} (complete: {value})"
        for key, value in wanted.items()
        if found.get(key) != value
    )


def import_source(ctx: Context) -> tuple[Path, Path]:
    """An exported log (JSON Lines) and the deck file its reviews are of."""
    source_dir = ctx.workdir / "import-source"
    source_dir.mkdir(exist_ok=True)
    url = f"sqlite:///{source_dir / 'source.db'}"
    build(
        url,
        source_dir,
        cards=300,
        reps=ctx.sizes.import_reps,
        cards_per_rep=ctx.sizes.import_cards_per_rep,
        reviews_per_card=12,
        today=TODAY,
        seed=5,
    ).close()
    log = source_dir / "reviews.jsonl"
    with log.open("w") as out:
        subprocess.run(
            repdrill("log", "export"),
            env=env_for(url, REPDRILL_TODAY=TODAY.isoformat()),
            stdout=out,
            check=True,
        )
    return log, source_dir / "deck-0.yaml"


def fault_import(ctx: Context, log: Path, deck: Path) -> Tally:
    """An exported log imported into a database that has its deck."""
    tally = Tally("import", ctx.backend.name, outcomes=Counter(none=0, all=0))
    db = Database.open(ctx.backend.create("import"))
    load(db, [deck], now=Clock.read(TODAY).now())
    db.close()
    lines = sum(1 for line in log.open() if line.strip())
    command = repdrill("log", "import", str(log))
    reference = all_or_nothing(ctx, tally, "import", command, review_snapshot)
    if reference["reviews"] != lines:
        tally.violation(0, "undisturbed", f"{reference['reviews']} of {lines} reviews imported")
    return tally


def team_database(ctx: Context) -> str:
    """A team's database: reps with months of history, for the report and the drill."""
    team_dir = ctx.workdir / f"team-{ctx.backend.name}"
    team_dir.mkdir(exist_ok=True)
    url = migrated(ctx.backend.create("team"))
    build(
        url,
        team_dir,
        cards=300,
        reps=ctx.sizes.team_reps,
        cards_per_rep=ctx.sizes.team_cards_per_rep,
        reviews_per_card=12,
        today=TODAY,
        decks=3,
        history_days=HISTORY_DAYS,
    ).close()
    return url


def report_complete(path: Path, fmt: str) -> bool:
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if fmt == "html":
        return content.rstrip().endswith("</html>")
    try:
        json.loads(content)
    except ValueError:
        return False
    return True


def fault_report(ctx: Context, url: str) -> Tally:
    tally = Tally(
        "report",
        ctx.backend.name,
        outcomes=Counter({"absent": 0, "previous": 0, "complete": 0, "temp files left": 0}),
    )
    out = ctx.workdir / f"reports-{ctx.backend.name}"
    out.mkdir(exist_ok=True)
    since = (TODAY - dt.timedelta(days=HISTORY_DAYS[1])).isoformat()
    env = env_for(url, REPDRILL_TODAY=TODAY.isoformat())

    def command(fmt: str) -> list[str]:
        target = out / f"mastery.{fmt}"
        return repdrill("report", "--since", since, "-f", fmt, "-o", str(target), "--force")

    span = window(tally, command("html"), lambda: env)
    previous = "a previous report\n"
    for trial in range(1, ctx.trials + 1):
        fmt = ctx.rng.choice(("html", "json"))
        target = out / f"mastery.{fmt}"
        had_previous = ctx.rng.random() < 0.5
        if had_previous:
            target.write_text(previous)
        else:
            target.unlink(missing_ok=True)
        before = set(out.iterdir())
        kill_at = ctx.rng.uniform(0, span)
        killed = run_killed(command(fmt), env, kill_at)
        tally.count(killed)
        if not killed.killed and (problem := run_problem(killed)):
            tally.violation(
                trial, "not killed", f"the report finished before its kill but {problem}"
            )
        strays = set(out.iterdir()) - before - {target}
        tally.outcomes["temp files left"] += len(strays)
        if not target.exists():
            if had_previous:
                tally.violation(trial, at(kill_at), f"{target.name} is gone")
            else:
                tally.outcomes["absent"] += 1
        elif had_previous and target.read_text() == previous:
            tally.outcomes["previous"] += 1
        elif report_complete(target, fmt):
            tally.outcomes["complete"] += 1
        else:
            tally.violation(trial, at(kill_at), f"{target.name} is incomplete")
        again = run_after(command(fmt), env)
        if problem := run_problem(again):
            tally.violation(trial, at(kill_at), f"the report run afterwards {problem}")
        elif not report_complete(target, fmt):
            tally.violation(
                trial, at(kill_at), f"after the second report, {target.name} is incomplete"
            )
    return tally


@dataclass(frozen=True)
class LogRows:
    """One rep's rows of the review log, to compare before and after a kill."""

    reviews: dict[int, tuple[object, ...]]
    points: set[tuple[object, ...]]
    total: int

    @classmethod
    def read(cls, conn: Connection, rep: int | None) -> LogRows:
        r, p = t.reviews.c, t.review_points.c
        reviews = select(t.reviews)
        points = select(t.review_points).join(t.reviews, r.id == p.review_id)
        if rep is not None:
            reviews = reviews.where(r.rep_id == rep)
            points = points.where(r.rep_id == rep)
        return cls(
            {row.id: tuple(row) for row in conn.execute(reviews)},
            {tuple(row) for row in conn.execute(points)},
            int(conn.scalar(select(func.count()).select_from(t.reviews)) or 0),
        )

    def changed_since(self, earlier: LogRows) -> int:
        """Rows of ``earlier`` that are missing or different now."""
        gone = sum(1 for key, row in earlier.reviews.items() if self.reviews.get(key) != row)
        earlier_points = {row for row in earlier.points if row[0] in earlier.reviews}
        return gone + len(earlier_points - self.points)


def drill_feed(rng: random.Random, count: int, trial: int) -> tuple[list[str], list[int]]:
    answers = [f"t{trial} a{i}: total cost of ownership, cost per invoice" for i in range(count)]
    grades = [rng.choice((0, 1, 2, 3, 4, 5, 5, 5)) for _ in range(count)]
    return answers, grades


def stdin_of(answers: list[str], grades: list[int]) -> str:
    return "".join(f"{a}\n{g}\n" for a, g in zip(answers, grades, strict=True))


def saved_lines(text: str) -> int:
    """Lines announcing a saved grade ("Saved. Next review ...", "Saved as a re-drill ...")."""
    return sum(1 for line in text.splitlines() if line.lstrip().startswith("Saved"))


def run_drill_killed(
    command: list[str], env: dict[str, str], feed: str, after_saved: int, delay: float
) -> tuple[Run, str]:
    """A drill fed ``feed`` on a pipe, killed ``delay`` s after its ``after_saved``-th "Saved"."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
        stdin, stdout = process.stdin, process.stdout
        assert stdin is not None and stdout is not None
        hang = threading.Timer(HANG_SECONDS, process.kill)
        hang.start()

        def write() -> None:
            # A killed drill closes the pipe under the writer.
            with contextlib.suppress(BrokenPipeError, OSError):
                stdin.write(feed)
                stdin.close()

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        seen: list[str] = []
        saved = 0
        killed = False
        for line in stdout:
            seen.append(line)
            saved += saved_lines(line)
            if saved >= after_saved:
                time.sleep(delay)
                if process.poll() is None:
                    process.send_signal(signal.SIGKILL)
                    killed = True
                break
        seen.append(stdout.read())
        process.wait()
        hang.cancel()
        writer.join(timeout=5)
        err.seek(0)
        seconds = time.perf_counter() - started
        hung = not killed and seconds >= HANG_SECONDS
        return Run(killed, process.returncode, err.read(), seconds, hung=hung), "".join(seen)


def fault_drill(ctx: Context, url: str) -> Tally:
    tally = Tally(
        "drill",
        ctx.backend.name,
        outcomes=Counter({"grades saved": 0, "saved, not yet announced": 0}),
    )
    with connect(url) as conn:
        reps = {name: rep for name, rep in conn.execute(select(t.reps.c.name, t.reps.c.id))}
        whole_log = LogRows.read(conn, None)
    names = sorted(reps)
    seconds = [
        drill_trial(ctx, tally, url, trial, names[(trial - 1) % len(names)], reps)
        for trial in range(1, ctx.trials + 1)
    ]
    with connect(url) as conn:
        ending = LogRows.read(conn, None)
        if changed := ending.changed_since(whole_log):
            tally.violation(
                0, "all trials", f"{changed} rows of the review log changed over the trials"
            )
        if mismatches := replay_mismatches(conn):
            tally.violation(
                0, "all trials", f"{mismatches} states differ from the replay at the end"
            )
    db_check(tally, url)
    # No single undisturbed run here: the window shown is the killed drills' median.
    tally.window = sorted(seconds)[len(seconds) // 2] if seconds else 0.0
    return tally


def drill_trial(
    ctx: Context, tally: Tally, url: str, trial: int, name: str, reps: dict[str, int]
) -> float:
    """One drill killed after K "Saved" lines, checked, drilled again and checked again."""
    rep = reps[name]
    env = env_for(url, REPDRILL_USER=name, REPDRILL_TODAY=TODAY.isoformat())
    answers, grades = drill_feed(ctx.rng, DRILL_FEED, trial)
    after_saved = ctx.rng.randint(1, DRILL_MAX_SAVED)
    delay = ctx.rng.uniform(0, 0.05)
    when = f"killed {delay * 1000:.0f} ms after 'Saved' line {after_saved}"
    with connect(url) as conn:
        before = LogRows.read(conn, rep)
    killed, stdout = run_drill_killed(
        repdrill("drill", "--minutes", "600", "--new", "100"),
        env,
        stdin_of(answers, grades),
        after_saved,
        delay,
    )
    tally.count(killed)
    if not killed.killed and (problem := run_problem(killed)):
        tally.violation(trial, "not killed", f"the drill finished before its kill but {problem}")
    announced = saved_lines(stdout)
    tally.outcomes["grades saved"] += announced
    with connect(url) as conn:
        now = LogRows.read(conn, rep)
        mismatches = replay_mismatches(conn, rep)
        if damaged := integrity(conn):
            tally.violation(trial, when, damaged)
    new = [now.reviews[key] for key in sorted(set(now.reviews) - set(before.reviews))]
    if len(new) > announced:
        tally.outcomes["saved, not yet announced"] += len(new) - announced
    for problem in drill_problems(before, now, new, announced, answers, grades):
        tally.violation(trial, when, problem)
    if mismatches:
        tally.violation(trial, when, f"{mismatches} card states differ from the replay")
    # Afterwards: two cards graded 5, then the end of input (exit status 0).
    again = run_after(
        repdrill("drill", "--minutes", "600", "--limit", "2"),
        env,
        stdin=stdin_of(["again", "again"], [5, 5]),
    )
    if problem := run_problem(again):
        tally.violation(trial, when, f"the drill run afterwards {problem}")
    with connect(url) as conn:
        later = LogRows.read(conn, rep)
        mismatches = replay_mismatches(conn, rep)
    added = len(later.reviews) - len(now.reviews)
    if added != saved_lines(again.stdout) or later.changed_since(now):
        tally.violation(
            trial,
            when,
            f"the drill run afterwards announced {saved_lines(again.stdout)} grades "
            f"and added {added} reviews",
        )
    if mismatches:
        tally.violation(trial, when, f"after the drill run afterwards, {mismatches} states differ")
    return killed.seconds


def drill_problems(
    before: LogRows,
    now: LogRows,
    new: list[tuple[object, ...]],
    announced: int,
    answers: list[str],
    grades: list[int],
) -> list[str]:
    problems = []
    if len(new) < announced:
        problems.append(f"{announced} grades announced as saved, {len(new)} in the log")
    elif len(new) > announced + 1:
        # One grade may be committed and the process killed before its "Saved" line.
        problems.append(f"{len(new)} grades in the log but {announced} announced")
    grade_at = t.reviews.c.keys().index("grade")
    answer_at = t.reviews.c.keys().index("answer")
    logged = [(row[answer_at], row[grade_at]) for row in new]
    fed = list(zip(answers, grades, strict=True))[: len(new)]
    if logged != fed:
        problems.append("the grades in the log are not the grades fed, in order")
    if changed := now.changed_since(before):
        problems.append(f"{changed} earlier rows of the review log changed")
    if now.total - before.total != len(new):
        problems.append(f"{now.total - before.total - len(new)} reviews of other reps appeared")
    return problems


# -- the whole run ------------------------------------------------------------------


def run_backend(ctx: Context, log: Path, deck: Path) -> list[Tally]:
    name = ctx.backend.name
    with phase(f"{name}: load"):
        tallies = [fault_load(ctx)]
    with phase(f"{name}: log import"):
        tallies.append(fault_import(ctx, log, deck))
    with phase(f"{name}: building the team database"):
        url = team_database(ctx)
    with connect(url) as conn:
        print(f"{name}: team database of {table_counts(conn, t.reviews)['reviews']} reviews")
    with phase(f"{name}: report"):
        tallies.append(fault_report(ctx, url))
    with phase(f"{name}: drill"):
        tallies.append(fault_drill(ctx, url))
    ctx.backend.drop("team")
    return tallies


@contextlib.contextmanager
def phase(label: str) -> Iterator[None]:
    print(f"{label} ...", end="", flush=True)
    started = time.perf_counter()
    yield
    print(f" {time.perf_counter() - started:.0f} s", flush=True)


def print_table(tallies: list[Tally]) -> None:
    print()
    print(
        f"{'operation':<10}{'backend':<12}{'run':>8}{'trials':>8}{'completed':>11}"
        f"{'killed':>8}{'violations':>12}"
    )
    for tally in tallies:
        print(
            f"{tally.operation:<10}{tally.backend:<12}{tally.window:>7.2f}s{tally.trials:>8}"
            f"{tally.completed:>11}{tally.killed:>8}{len(tally.violations):>12}"
        )
    print(
        f"run: an undisturbed run (median of {UNDISTURBED_RUNS}); kills land from 0 to "
        f"{WINDOW_MARGIN}x that.\ndrill: the median time to the kill, sent after 1 to "
        f"{DRILL_MAX_SAVED} 'Saved' lines."
    )
    print()
    print("what each trial's command left (killed, or finished before its kill):")
    for tally in tallies:
        left = ", ".join(f"{key} {value}" for key, value in tally.outcomes.items())
        print(f"  {tally.operation}/{tally.backend}: {left}")


def run_all(
    args: argparse.Namespace, sizes: Sizes, workdir: Path, server: Postgres | None
) -> list[Tally]:
    rng = random.Random(args.seed)
    backends: list[Databases] = []
    if "sqlite" in chosen_backends(args):
        backends.append(SQLiteDatabases(workdir))
    if server is not None:
        backends.append(PostgresDatabases(server))
    tallies: list[Tally] = []
    with phase("building the log to import"):
        log, deck = import_source(Context(backends[0], workdir, rng, args.trials, sizes))
    lines = sum(1 for line in log.open() if line.strip())
    print(
        f"{args.trials} trials per operation, seed {args.seed}: load of a "
        f"{sizes.deck_cards}-card deck, import of {lines} reviews, report and drill "
        f"on {sizes.team_reps} reps x {sizes.team_cards_per_rep} cards",
        flush=True,
    )
    for backend in backends:
        tallies += run_backend(Context(backend, workdir, rng, args.trials, sizes), log, deck)
    return tallies


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=20, help="trials per operation")
    backend_arguments(parser)
    parser.add_argument("--seed", type=int, default=1, help="seeds the kill moments and grades")
    parser.add_argument("--cards", type=int, help="cards in the loaded deck (default 3000)")
    parser.add_argument(
        "--large",
        action="store_true",
        help="a 10,000-card deck, a 20,000-review log, 100 reps (five times as long)",
    )
    args = parser.parse_args()
    cards = args.cards or (10_000 if args.large else 3_000)
    sizes = Sizes.large(cards) if args.large else Sizes.default(cards)
    started = time.perf_counter()
    # Other work on the machine slows every command: the load says how busy it was.
    load_before = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="repdrill-faults-"))
    if args.backend == "both" and args.postgres_url is None and find_pg_bin() is None:
        print("PostgreSQL is not installed (no initdb/pg_ctl): SQLite only")
        args.backend = "sqlite"
    tallies: list[Tally] = []
    try:
        with postgres_for(args) as server:
            tallies = run_all(args, sizes, workdir, server)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print_table(tallies)
    violations = [v for tally in tallies for v in tally.violations]
    for violation in violations:
        print(f"VIOLATION {violation}")
    print(
        f"\n{len(violations)} violations; elapsed {time.perf_counter() - started:.0f} s "
        f"(load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end, "
        f"{os.cpu_count()} CPUs)"
    )
    sys.exit(1 if violations else 0)


if __name__ == "__main__":
    main()
