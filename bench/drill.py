"""Benchmark: grade -> next card in a drill, and whole read and grade commands.

    python bench/drill.py [--backend sqlite|postgresql|both] [--grades 300] [--rounds 7]

On a database of 10,000 cards and about 117,000 reviews (20 reps), for each
database:

- **grade -> next card**, in process: the real drill session grades 300 cards
  (each grade committed, the next card rendered by the real terminal IO to an
  in-memory console). Floor: the same statements with the same parameters,
  recorded from an identical session on a copy of the database and replayed
  raw through the driver on another copy (``replay.py``). Peer: Anki
  answering 300 cards, each answer committed by its Rust backend.
- **whole commands**, each a fresh process, in interleaved rounds: ``python
  -c pass``, ``repdrill --help``, ``status`` (text and ``--json``), ``due``,
  ``card show``, ``review --grade``, each read or grade command next to its
  own SQL replayed raw in a fresh process (on SQLite, ``status`` and ``due``
  read with the standard library: their floor is what that reader sends
  through ``sqlite3``); peers: spacedrep's ``card next`` and ``review submit`` on a
  spacedrep database of 10,000 cards and 117,000 reviews.

PostgreSQL is a throwaway server on loopback with fsync and synchronous
commit on. Peers come from the environment ``REPDRILL_BENCH_PEERS`` names
(see bench/peers/); without it their rows are skipped with a note.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console

sys.path.insert(0, str(Path(__file__).parent))
import repdrill as front_door
from common import (
    OUT,
    PEERS_DIR,
    Postgres,
    Rounds,
    backend_arguments,
    chosen_backends,
    copy_sqlite,
    env_for,
    note,
    peer_missing,
    peers_python,
    postgres_for,
    python,
    repdrill,
    row,
    run,
    sqlite_url,
    timed_command,
)
from dataset import build
from repdrill.cli.terminal import TerminalIO
from repdrill.config import Clock
from repdrill.drill import DrillSession, GradeChoice, QueueItem
from repdrill.store.engine import Database
from repdrill.store.fastread import read_due, read_status
from repdrill.store.record import Recorded
from sqlcapture import Capture, capture, capture_sqlite3

TODAY = dt.date(2026, 6, 1)
#: A session budget that never cuts the benchmark's queue short (the default is 10 minutes).
DAY_OF_MINUTES = 24 * 60
HERE = Path(__file__).resolve().parent
REPLAY = str(HERE / "replay.py")


class TimedIO(TerminalIO):
    """The real terminal IO on an in-memory console, timing grade -> next prompt."""

    def __init__(self, marks: Capture | None = None) -> None:
        super().__init__(Console(file=io.StringIO(), width=100), echo=False)
        self.marks = marks
        self.graded_at: float | None = None
        self.committed: list[float] = []
        self.latencies: list[float] = []

    def read_answer(self) -> str | None:
        return ""

    def read_grade(self, *, can_undo: bool, suggested: int | None) -> GradeChoice | None:
        if self.marks:
            self.marks.mark("grade")
        self.graded_at = time.perf_counter()
        return 4

    def show_recorded(self, recorded: Recorded) -> None:
        if self.graded_at is not None:
            self.committed.append(time.perf_counter() - self.graded_at)
        super().show_recorded(recorded)

    def show_prompt(self, item: QueueItem, position: int, total: int) -> None:
        super().show_prompt(item, position, total)
        if self.graded_at is not None:
            self.latencies.append(time.perf_counter() - self.graded_at)
            self.graded_at = None
            if self.marks:
                self.marks.mark("shown")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(len(ordered) * 0.95)]


class Copies:
    """Identical copies of one built database, on SQLite or PostgreSQL."""

    def __init__(self, backend: str, workdir: Path, server: Postgres | None) -> None:
        self.backend = backend
        self.workdir = workdir
        self.server = server
        self.base = (
            sqlite_url(workdir / "base.db") if backend == "sqlite" else server.database("base")  # type: ignore[union-attr]
        )

    def copy(self, name: str) -> str:
        if self.backend == "sqlite":
            source = Path(self.base.split(":///", 1)[1])
            return sqlite_url(copy_sqlite(source, self.workdir / f"{name}.db"))
        assert self.server is not None
        return self.server.copy(self.base, name)


def session(db: Database, grades: int, io: TimedIO) -> None:
    DrillSession(
        db=db,
        rep_name="rep-0000",
        clock=Clock.read(TODAY),
        limit=grades,
        new_cards=grades,
        minutes=DAY_OF_MINUTES,
    ).run(io)


def grade_bench(copies: Copies, grades: int) -> None:
    timed_url, capture_url, floor_url = (copies.copy(n) for n in ("timed", "capture", "floor"))
    db = Database.open(timed_url)
    timed = TimedIO()
    session(db, grades, timed)
    db.close()

    db = Database.open(capture_url)
    with capture(db.engine) as recorded:
        session(db, grades, TimedIO(recorded))
    db.close()
    path = recorded.save(copies.workdir / "grades.pickle")
    replayed = json.loads(run(python(REPLAY, str(path), floor_url)).stdout)
    starts = [t for name, t in replayed["marks"] if name == "grade"]
    ends = [t for name, t in replayed["marks"] if name == "shown"]
    floor = [end - start for start, end in zip(starts, ends, strict=False)]
    per_grade = statements_per_grade(recorded)

    base = statistics.median(floor)
    print(f"grade -> next card, in process, {len(timed.latencies)} grades:")
    print(row("floor: the same SQL replayed raw (median)", base))
    print(row("repdrill: grade committed (median)", statistics.median(timed.committed), base))
    print(
        row("repdrill: grade -> next card shown (median)", statistics.median(timed.latencies), base)
    )
    print(
        row(
            "repdrill: grade -> next card shown (95th percentile)", p95(timed.latencies), p95(floor)
        )
    )
    print(f"  statements per grade: {per_grade:.1f}")


def statements_per_grade(recorded: Capture) -> float:
    """Statements sent between a grade and the next card shown (BEGIN and COMMIT included)."""
    counts, inside = [], None
    for step in recorded.steps:
        if step == ("mark", "grade"):
            inside = 0
        elif step == ("mark", "shown") and inside is not None:
            counts.append(inside)
            inside = None
        elif inside is not None and step[0] in ("sql", "commit"):
            inside += 1
    return statistics.mean(counts)


def anki_answers(grades: int) -> None:
    peer = peers_python("anki")
    if peer is None:
        note(peer_missing("anki"))
        return
    for mode in ("review", "new"):
        result = json.loads(
            run(
                [
                    str(peer),
                    str(PEERS_DIR / "anki_answer.py"),
                    "10000",
                    "--answers",
                    str(grades),
                    "--mode",
                    mode,
                ]
            ).stdout
        )
        print(
            row(f"peer: Anki answer -> next card, {mode} cards (median)", result["median_seconds"])
        )


def spacedrep_db() -> tuple[Path, Path] | None:
    """spacedrep's Python and a copy of its 10,000-card database (built once, kept in bench/out)."""
    peer = peers_python("spacedrep")
    if peer is None:
        note(peer_missing("spacedrep"))
        return None
    kept = OUT / "spacedrep" / "collection.anki21"
    if not kept.exists():
        print("  building the spacedrep database (10,000 cards, 117,000 reviews; about a minute)")
        run([str(peer), str(PEERS_DIR / "spacedrep_setup.py"), str(kept)], cwd=PEERS_DIR)
    return peer, kept


def capture_command(url: str, user: str, call: Any) -> Capture:
    """Record the SQL of one front-door call, made the way the command makes it."""
    with capture() as recorded, front_door.open(url, user=user, today=TODAY) as rd:
        call(rd)
    return recorded


def command_statements(
    backend: str, url: str, workdir: Path, name: str, call: Any, fast_call: Any
) -> Path:
    """The SQL a read command sends, ready for the raw replay.

    On SQLite ``status`` and ``due`` read with the standard library
    (:mod:`repdrill.store.fastread`; no SQLAlchemy to record): what that
    reader sends through ``sqlite3`` is recorded instead of the front door's.
    """
    if backend != "sqlite":
        return capture_command(url, "rep-0001", call).save(workdir / f"{name}.pickle")
    with capture_sqlite3() as recorded:
        answer = fast_call(Path(url.removeprefix("sqlite:///")), "rep-0001", TODAY)
    assert answer is not None, f"the standard-library reader declined {name}"
    return recorded.save(workdir / f"{name}.pickle")


def add_before(table: Rounds, env: dict[str, str], before: Path, rounds: int) -> None:
    """The same commands from an older checkout's src/, in the same rounds.

    Another rep reviews, so that both versions grade cards in the same state.
    """
    old = {**env, "PYTHONPATH": str(before)}
    old_cards = iter(range(9000, 9001 + rounds))
    table.add("before: repdrill --help", timed_command(repdrill("--help"), old))
    table.add("before: repdrill status", timed_command(repdrill("status"), old))
    table.add("before: repdrill due", timed_command(repdrill("due"), old))
    table.add("before: repdrill card show", timed_command(repdrill("card", "show", "card-5"), old))
    table.add(
        "before: repdrill review CARD --grade 4",
        lambda memory: run(
            repdrill("review", f"card-{next(old_cards)}", "--grade", "4"),
            {**old, "REPDRILL_USER": "rep-0003"},
            memory=memory,
        ),
    )


def add_spacedrep(
    table: Rounds, env: dict[str, str], spacedrep: tuple[Path, Path], workdir: Path
) -> None:
    """spacedrep's card next and review submit, on a copy of its database."""
    peer, kept = spacedrep
    home = Path(tempfile.mkdtemp(prefix="spacedrep-", dir=workdir))
    database = home / "collection.anki21"
    shutil.copyfile(kept, database)
    peer_env = {**env, "SPACEDREP_DB": str(database), "HOME": str(home)}
    binary = str(peer.parent / "spacedrep")
    last: dict[str, str] = {}

    def card_next(memory: bool) -> Any:
        done = run([binary, "card", "next"], peer_env, home, memory=memory)
        last["card"] = str(json.loads(done.stdout)["card_id"])
        return done

    table.add("peer: spacedrep card next", card_next)
    table.add(
        "peer: spacedrep review submit ID good",
        lambda memory: run(
            [binary, "review", "submit", last["card"], "good"], peer_env, home, memory=memory
        ),
    )


def command_bench(
    copies: Copies, rounds: int, spacedrep: tuple[Path, Path] | None, before: Path | None = None
) -> None:
    timed_url, capture_url, floor_url = (
        copies.copy(n) for n in ("cmd", "cmd-capture", "cmd-floor")
    )
    env = env_for(timed_url, REPDRILL_USER="rep-0001", REPDRILL_TODAY=TODAY.isoformat())
    workdir = copies.workdir
    table = Rounds()
    table.add("python -c pass", timed_command(python("-c", "pass")))
    table.add("repdrill --help", timed_command(repdrill("--help"), env))

    status_file = command_statements(
        copies.backend, capture_url, workdir, "status", lambda rd: rd.status(), read_status
    )
    table.add(
        "floor: status's SQL replayed raw",
        timed_command(python(REPLAY, str(status_file), floor_url)),
    )
    table.add("repdrill status", timed_command(repdrill("status"), env))
    table.add("repdrill status --json", timed_command(repdrill("status", "--json"), env))

    due_file = command_statements(
        copies.backend, capture_url, workdir, "due", lambda rd: rd.due(), read_due
    )
    table.add(
        "floor: due's SQL replayed raw", timed_command(python(REPLAY, str(due_file), floor_url))
    )
    table.add("repdrill due", timed_command(repdrill("due"), env))

    shown = capture_command(capture_url, "rep-0001", lambda rd: rd.card("card-5"))
    shown_file = shown.save(workdir / "card.pickle")
    table.add(
        "floor: card show's SQL replayed raw",
        timed_command(python(REPLAY, str(shown_file), floor_url)),
    )
    table.add("repdrill card show", timed_command(repdrill("card", "show", "card-5"), env))

    # Each round grades a card of its own, so every round records a scheduling review.
    # (and one more for the warm-up round).
    cards = iter(range(9000, 9001 + rounds))
    reviews = {}
    for index in range(9000, 9001 + rounds):
        recorded = capture_command(
            capture_url, "rep-0002", lambda rd, i=index: rd.review(f"card-{i}", 4)
        )
        reviews[index] = recorded.save(workdir / f"review-{index}.pickle")
    floor_cards = iter(range(9000, 9001 + rounds))
    table.add(
        "floor: review's SQL replayed raw",
        lambda memory: run(
            python(REPLAY, str(reviews[next(floor_cards)]), floor_url), memory=memory
        ),
    )
    review_env = {**env, "REPDRILL_USER": "rep-0002"}
    table.add(
        "repdrill review CARD --grade 4",
        lambda memory: run(
            repdrill("review", f"card-{next(cards)}", "--grade", "4"), review_env, memory=memory
        ),
    )
    if before is not None:
        add_before(table, env, before, rounds)
    if spacedrep is not None:
        add_spacedrep(table, env, spacedrep, workdir)
    table.run(rounds)

    python_s = table.median("python -c pass")
    print(f"whole commands, median of {rounds} interleaved rounds (fresh processes):")
    print(row("python -c pass", python_s))
    print(row("repdrill --help", table.median("repdrill --help"), python_s))
    if before is not None:
        print(row("before: repdrill --help", table.median("before: repdrill --help"), python_s))
    for command, floor in (
        ("repdrill status", "floor: status's SQL replayed raw"),
        ("repdrill due", "floor: due's SQL replayed raw"),
        ("repdrill card show", "floor: card show's SQL replayed raw"),
        ("repdrill review CARD --grade 4", "floor: review's SQL replayed raw"),
    ):
        base = table.median(floor)
        print(row(floor, base))
        print(row(command, table.median(command), base, peak_mb=table.peak(command)))
        if command == "repdrill status":  # the text's share is drawing it with Rich
            label = "repdrill status --json"
            print(row(label, table.median(label), base, peak_mb=table.peak(label)))
        if before is not None:
            label = f"before: {command}"
            print(row(label, table.median(label), base, peak_mb=table.peak(label)))
    if spacedrep is not None:
        print(row("peer: spacedrep card next", table.median("peer: spacedrep card next")))
        print(
            row(
                "peer: spacedrep review submit",
                table.median("peer: spacedrep review submit ID good"),
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--grades", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--no-peers", action="store_true", help="skip Anki and spacedrep")
    parser.add_argument(
        "--before",
        type=Path,
        metavar="SRC",
        help="also time the commands of an older checkout's src/ in the same rounds "
        "(e.g. from: git archive main src | tar -x -C /tmp/old)",
    )
    parser.add_argument(
        "--commands-only", action="store_true", help="skip the in-process grade benchmark"
    )
    backend_arguments(parser)
    args = parser.parse_args()
    backends = chosen_backends(args)
    OUT.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="repdrill-bench-", dir=OUT))
    spacedrep = None if args.no_peers else spacedrep_db()
    try:
        with postgres_for(args) as server:
            for backend in backends:
                started = time.perf_counter()
                copies = Copies(backend, workdir, server)
                db = build(
                    copies.base,
                    workdir,
                    cards=10_000,
                    reps=20,
                    cards_per_rep=1_200,
                    reviews_per_card=5,
                    today=TODAY,
                )
                with db.engine.connect() as conn:
                    reviews = conn.exec_driver_sql("SELECT count(*) FROM reviews").scalar_one()
                db.close()
                print(
                    f"\n== {backend}: 10000 cards, {reviews} reviews, 20 reps "
                    f"(built in {time.perf_counter() - started:.0f} s)"
                )
                if not args.commands_only:
                    grade_bench(copies, args.grades)
                command_bench(copies, args.rounds, spacedrep, args.before)
        if not args.no_peers:
            print("\n== peers, in process")
            anki_answers(args.grades)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
