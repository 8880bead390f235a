"""Benchmark: ``repdrill log import`` of 200,000 lines over 126,000 (rep, card) pairs.

    python bench/import.py [--backend sqlite|postgresql|both] [--lines 200000]
                           [--reps 200] [--cards-per-rep 630] [--rounds 3]
    python bench/import.py --memory [--lines 1000000]   # peak memory, N vs N/10 lines

The log is what 200 reps drilling offline would export: each rep reviewed 630
cards of a 1,000-card deck once or twice, a third of the reviews with a typed
answer and its key points. Each round imports it into a fresh copy of a
database that holds the deck and nothing else. In interleaved rounds of fresh
processes, for each database:

- ``repdrill log import FILE``, the whole command, with its peak memory;
- the floor, each part in a fresh process: reading the file and decoding
  every line with ``json.loads``, plus the rows the import wrote (reps,
  reviews, key points, states and state changes) sent raw through the driver
  (``sqlite3`` or ``psycopg`` executemany, one transaction) into the same
  tables of a copy of the same database (aim: under a minute; ratio to the
  floor printed);
- how long the import held its write transaction (SQLite's write lock), out of
  its whole run: measured once in process from the engine's begin and commit
  events.

``--memory`` imports ``--lines`` lines and a tenth of them (SQLite) and prints
each run's peak resident memory from ``/usr/bin/time -v``: it should not grow
with the file.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

#: The tables an import writes, in the order the floor fills them.
WRITTEN = ("reps", "reviews", "review_points", "card_states", "state_changes")


# -- the floor's rows, sent raw (this part imports only the driver) ----------------------


def dump_rows(url: str, path: Path) -> Path:
    """Every row of the tables an import writes, read raw from ``url``, pickled."""
    from replay import connect

    conn = connect(url)
    tables = {}
    for table in WRITTEN:
        cursor = conn.cursor()
        cursor.execute(f"SELECT * FROM {table}")
        columns = [d[0] for d in cursor.description]
        tables[table] = (columns, cursor.fetchall())
    conn.close()
    with path.open("wb") as handle:
        pickle.dump(tables, handle)
    return path


def send_rows(path: Path, url: str) -> float:
    """The floor: ``dump_rows``'s rows inserted by executemany in one transaction."""
    from replay import connect

    with path.open("rb") as handle:
        tables = pickle.load(handle)
    conn = connect(url)
    sqlite = url.startswith("sqlite")
    mark = "?" if sqlite else "%s"
    started = time.perf_counter()
    cursor = conn.cursor()
    if sqlite:
        cursor.execute("BEGIN IMMEDIATE")
    for table in WRITTEN:
        columns, rows = tables[table]
        marks = ", ".join([mark] * len(columns))
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
            rows,
        )
    conn.commit()
    seconds = time.perf_counter() - started
    conn.close()
    assert "sqlalchemy" not in sys.modules, "the floor imported SQLAlchemy"
    return seconds


# -- the log -----------------------------------------------------------------------------


def write_log(
    url: str, path: Path, *, lines: int, reps: int, cards_per_rep: int, seed: int = 5
) -> tuple[int, int]:
    """A log of ``lines`` reviews over ``reps * cards_per_rep`` pairs; returns (lines, pairs)."""
    from sqlalchemy import select

    from repdrill.store import tables as t
    from repdrill.store.engine import Database

    db = Database.open(url)
    with db.transaction() as conn:
        cards = conn.execute(
            select(t.decks.c.slug, t.cards.c.slug, t.cards.c.current_hash)
            .select_from(t.cards.join(t.decks))
            .order_by(t.cards.c.id)
        ).all()
    db.close()
    rng = random.Random(seed)
    pairs = [
        (f"rep-{rep:04d}", card)
        for rep in range(reps)
        for card in rng.sample(range(len(cards)), cards_per_rep)
    ]
    if lines < len(pairs):
        pairs = pairs[:lines]
    twice = set(rng.sample(range(len(pairs)), lines - len(pairs)))
    records: list[tuple[str, str]] = []
    for index, (rep, card) in enumerate(pairs):
        deck, slug, content_hash = cards[card]
        first = rng.randint(0, 60)
        days = [first, first + rng.randint(1, 20)] if index in twice else [first]
        for offset in days:
            day = f"2026-{1 + offset // 28:02d}-{1 + offset % 28:02d}"
            typed = rng.random() < 1 / 3
            record: dict[str, Any] = {
                "review_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "rep": rep,
                "deck": deck,
                "card": slug,
                "kind": "review",
                "grade": rng.choice((2, 3, 4, 4, 5, 5)),
                "suggested_grade": rng.choice((3, 4, 5)) if typed else None,
                "typed_answer": "we look at the total cost over the contract" if typed else None,
                "review_date": day,
                "reviewed_at": f"{day}T{9 + rng.randint(0, 8):02d}:{rng.randint(0, 59):02d}"
                f":{rng.randint(0, 59):02d}.{rng.randint(0, 999999):06d}+01:00",
                "card_hash": content_hash,
                "session": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "undoes": None,
                "due_remaining": rng.choice((0, 0, 1, 4)),
            }
            if typed:
                record["points"] = [rng.random() < 0.6 for _ in range(4)]
            records.append((day, json.dumps(record, separators=(",", ":"))))
    records.sort()
    with path.open("w", encoding="utf-8") as handle:
        for _, line in records:
            handle.write(line + "\n")
    return len(records), len(pairs)


# -- the rounds --------------------------------------------------------------------------


class Targets:
    """Fresh copies of the database holding the deck: one per import."""

    def __init__(self, backend: str, template: str, workdir: Path, server: Any) -> None:
        self.backend, self.template, self.workdir, self.server = backend, template, workdir, server
        self.count = 0

    def __call__(self) -> str:
        from common import copy_sqlite, sqlite_url

        self.count += 1
        if self.backend == "sqlite":
            source = Path(self.template.split(":///", 1)[1])
            return sqlite_url(copy_sqlite(source, self.workdir / f"target-{self.count}.db"))
        return str(self.server.copy(self.template, f"target_{self.count}"))

    def drop(self, url: str) -> None:
        if self.backend == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{url.split(':///', 1)[1]}{suffix}").unlink(missing_ok=True)
        else:
            self.server.drop(url)


def held_lock(url: str, log: Path) -> tuple[float, float]:
    """One import in process: (seconds in its write transaction, seconds in all)."""
    from sqlalchemy import event

    import repdrill

    spans: list[float] = []
    began: list[float] = []
    with repdrill.open(url, user="bench") as rd:
        engine = rd.database.engine

        def on_begin(conn: Any) -> None:
            if conn.get_execution_options().get("repdrill_write"):
                began.append(time.perf_counter())

        def on_commit(conn: Any) -> None:
            if began:
                spans.append(time.perf_counter() - began.pop())

        event.listen(engine, "begin", on_begin)
        event.listen(engine, "commit", on_commit)
        started = time.perf_counter()
        result = rd.import_log([log])
        total = time.perf_counter() - started
    assert result.problems == [] and result.imported > 0, result.problems[:3]
    return max(spans), total


def bench(backend: str, args: argparse.Namespace, workdir: Path, server: Any) -> None:
    from common import (
        Rounds,
        Run,
        env_for,
        python,
        repdrill,
        row,
        run,
        sqlite_url,
        timed_command,
        write_big_deck,
    )
    from repdrill.store.engine import Database
    from repdrill.store.load import load

    if backend == "sqlite":
        template = sqlite_url(workdir / "template.db")
    else:
        template = server.database("import_template")
    deck = write_big_deck(workdir / "deck.yaml", 1_000)
    db = Database.open(template)
    load(db, [deck], now=__import__("datetime").datetime.now(__import__("datetime").UTC))
    db.close()
    log = workdir / "log.jsonl"
    lines, pairs = write_log(
        template, log, lines=args.lines, reps=args.reps, cards_per_rep=args.cards_per_rep
    )
    print(
        f"log: {lines:,} lines over {pairs:,} (rep, card) pairs, {log.stat().st_size / 1e6:.0f} MB"
    )
    targets = Targets(backend, template, workdir, server)

    sample = targets()
    held, total = held_lock(sample, log)
    rows = dump_rows(sample, workdir / "rows.pickle")
    targets.drop(sample)

    table = Rounds()
    table.add("python -c pass", timed_command(python("-c", "pass")))
    decode = "import json, sys\nfor line in open(sys.argv[1], encoding='utf-8'): json.loads(line)"
    table.add("decode", timed_command(python("-c", decode, str(log))))

    def raw_rows(memory: bool) -> Run:
        target = targets()
        done = run(python(__file__, "--send-rows", str(rows), target), memory=memory)
        targets.drop(target)
        return Run(json.loads(done.stdout)["seconds"], done.peak_mb, done.stdout)

    def imported(memory: bool) -> Run:
        target = targets()
        done = run(repdrill("log", "import", str(log)), env_for(target), memory=memory)
        targets.drop(target)
        return done

    table.add("rows", raw_rows)
    table.add("import", imported)
    table.run(args.rounds)

    decoded = table.median("decode")
    written = table.median("rows")
    floor = decoded + written
    print(f"log import of {lines:,} lines, median of {args.rounds} rounds (fresh processes):")
    print(
        row(
            "python -c pass",
            table.median("python -c pass"),
            peak_mb=table.peak("python -c pass"),
            unit="s",
        )
    )
    print(
        row(
            "floor: read and json.loads every line (whole process)",
            decoded,
            peak_mb=table.peak("decode"),
            unit="s",
        )
    )
    print(
        row(
            "floor: the rows it wrote, raw executemany (in process)",
            written,
            peak_mb=table.peak("rows"),
            unit="s",
        )
    )
    print(row("floor: both", floor, unit="s"))
    print(
        row(
            "repdrill log import FILE",
            table.median("import"),
            floor,
            peak_mb=table.peak("import"),
            unit="s",
        )
    )
    print(
        f"  write transaction held for {held:.1f} s of the import's {total:.1f} s (in process,"
        " one run): the rest reads and checks without a lock"
    )


def memory(args: argparse.Namespace, workdir: Path) -> None:
    """Peak resident memory of an import of ``--lines`` lines and of a tenth of them."""
    import subprocess

    from common import env_for, repdrill, sqlite_url, write_big_deck
    from repdrill.store.engine import Database
    from repdrill.store.load import load

    deck = write_big_deck(workdir / "deck.yaml", 1_000)
    print("peak memory of 'repdrill log import' (SQLite, /usr/bin/time -v):")
    for lines in (args.lines // 10, args.lines):
        url = sqlite_url(workdir / f"memory-{lines}.db")
        db = Database.open(url)
        load(db, [deck], now=__import__("datetime").datetime.now(__import__("datetime").UTC))
        db.close()
        reps = max(1, lines // 1000)
        log = workdir / f"log-{lines}.jsonl"
        write_log(url, log, lines=lines, reps=reps, cards_per_rep=630)
        started = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-v", *repdrill("log", "import", str(log))],
            env=env_for(url),
            capture_output=True,
            text=True,
            check=True,
        )
        seconds = time.perf_counter() - started
        peak = next(
            int(line.split(":")[1])
            for line in done.stderr.splitlines()
            if "Maximum resident set size" in line
        )
        print(
            f"  {lines:>9,} lines ({log.stat().st_size / 1e6:4.0f} MB): peak {peak / 1024:6.0f} MB,"
            f" {seconds:6.1f} s"
        )
        log.unlink()


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--send-rows":
        print(json.dumps({"seconds": send_rows(Path(sys.argv[2]), sys.argv[3])}))
        return
    from common import OUT, backend_arguments, chosen_backends, postgres_for

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--cards-per-rep", type=int, default=630)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory", action="store_true", help="measure peak memory only")
    backend_arguments(parser)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="repdrill-bench-", dir=OUT))
    try:
        if args.memory:
            memory(args, workdir)
            return
        with postgres_for(args) as server:
            for backend in chosen_backends(args):
                print(f"\n== {backend}")
                bench(backend, args, workdir, server)
    finally:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
