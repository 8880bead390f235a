"""Benchmark: a team report over 1,000 reps x 300 cards and about 6,000,000 reviews.

    python bench/report.py [--backend sqlite|postgresql|both] [--rounds 3] [--rebuild]

The SQLite database is built once (about 12 minutes) and kept as
bench/out/report.db; the PostgreSQL one is a copy of it (``COPY``, about two
minutes), so both report the same data. Then, in interleaved rounds of fresh
processes, for each database:

- the floor: the report's own SQL, recorded from ``build_report`` and replayed
  raw through the driver in a fresh process (``replay.py``);
- ``repdrill report --format json``, ``html`` and ``xlsx``, whole commands
  writing a file, each with the peak memory of its own process (aims: within
  2x the floor; under 300 MB).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import (
    OUT,
    Postgres,
    Rounds,
    backend_arguments,
    chosen_backends,
    env_for,
    postgres_for,
    python,
    repdrill,
    row,
    sqlite_url,
    timed_command,
)
from dataset import build
from repdrill.reports.report import ReportScope, build_report
from repdrill.store import tables as t
from repdrill.store.engine import Database
from sqlcapture import capture

TODAY = dt.date(2026, 6, 1)
HERE = Path(__file__).resolve().parent
FORMATS = ("json", "html", "xlsx")


def built_sqlite(args: argparse.Namespace) -> Path:
    path = OUT / "report.db"
    if path.exists() and not args.rebuild:
        return path
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(dir=OUT))
    db = build(
        sqlite_url(path),
        workdir,
        cards=args.cards,
        reps=args.reps,
        cards_per_rep=args.cards,
        reviews_per_card=args.reviews_per_card,
        today=TODAY,
        decks=3,
        history_days=(1000, 1800),
        skill=(0.35, 0.85),
    )
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    db.close()
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"built {path} in {time.perf_counter() - started:.0f} s")
    return path


def copied_to_postgres(source: Path, server: Postgres) -> str:
    """The SQLite database's rows copied into a new PostgreSQL database."""
    started = time.perf_counter()
    url = server.database("report")
    Database.open(url).close()  # the schema, by the migrations
    import psycopg

    with (
        contextlib.closing(sqlite3.connect(source)) as lite,
        psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as pg,
    ):
        for table in t.metadata.sorted_tables:
            columns = [c.name for c in table.columns]
            names = ", ".join(columns)
            types = [c.type.python_type if hasattr(c.type, "impl") else None for c in table.columns]
            with pg.cursor().copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:  # type: ignore[arg-type]
                for values in lite.execute(f"SELECT {names} FROM {table.name}"):
                    copy.write_row(_utc(values, types))
            if "id" in columns:
                pg.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # type: ignore[arg-type]
                    f"(SELECT coalesce(max(id), 1) FROM {table.name}))"
                )
        pg.commit()
        pg.autocommit = True
        pg.execute("ANALYZE")
    print(f"copied into PostgreSQL in {time.perf_counter() - started:.0f} s")
    return url


def _utc(values: tuple[object, ...], types: list[object]) -> tuple[object, ...]:
    # SQLite keeps UTC timestamps without a zone; timestamptz needs one.
    return tuple(
        f"{v}+00" if kind is dt.datetime and isinstance(v, str) else v
        for v, kind in zip(values, types, strict=True)
    )


def record_report(url: str, workdir: Path) -> Path:
    db = Database.open(url)
    with capture(db.engine) as recorded, db.transaction() as conn:
        build_report(conn, ReportScope.weeks_back(TODAY), generated_at=dt.datetime.now(dt.UTC))
    db.close()
    return recorded.save(workdir / "report.pickle")


def bench(url: str, workdir: Path, rounds: int) -> None:
    db = Database.open(url)
    with db.engine.connect() as conn:
        counts = [
            conn.exec_driver_sql(f"SELECT count(*) FROM {name}").scalar_one()
            for name in ("reps", "cards", "reviews")
        ]
    db.close()
    print("{} reps, {} cards, {} reviews".format(*counts))
    recorded = record_report(url, workdir)
    env = env_for(url, REPDRILL_TODAY=TODAY.isoformat())
    table = Rounds()
    table.add("floor", timed_command(python(str(HERE / "replay.py"), str(recorded), url)))
    for fmt in FORMATS:
        target = workdir / f"report.{fmt}"
        command = repdrill("report", "--format", fmt, "--output", str(target), "--force")
        table.add(fmt, timed_command(command, env))
    table.run(rounds)
    floor = table.median("floor")
    print(f"whole commands, median of {rounds} interleaved rounds (fresh processes):")
    print(row("floor: the report's own SQL replayed raw", floor, peak_mb=table.peak("floor")))
    for fmt in FORMATS:
        label = f"repdrill report --format {fmt}"
        print(row(label, table.median(fmt), floor, peak_mb=table.peak(fmt)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--cards", type=int, default=300)
    parser.add_argument("--reviews-per-card", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    backend_arguments(parser)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    source = built_sqlite(args)
    workdir = Path(tempfile.mkdtemp(prefix="repdrill-bench-", dir=OUT))
    try:
        with postgres_for(args) as server:
            for backend in chosen_backends(args):
                print(f"\n== {backend}")
                if backend == "sqlite":
                    bench(sqlite_url(source), workdir, args.rounds)
                else:
                    assert server is not None
                    bench(copied_to_postgres(source, server), workdir, args.rounds)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
