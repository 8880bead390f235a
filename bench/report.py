"""Benchmark: a team report over 1,000 reps x 300 cards and about 5,000,000 reviews.

    python bench/report.py [--reps 1000] [--cards 300] [--db PATH_OR_URL] [--keep]

Builds the database once (minutes; ``--keep`` leaves it in bench/out/ for the
next run), then prints, next to each other:
- a bare SQL aggregate over the review log (reviews and share correct per rep),
  run by the database with no repdrill code around it;
- building the whole report in-process (every aggregate of ``repdrill report``)
  and rendering it as JSON;
- the whole ``repdrill report`` command for JSON, HTML and XLSX, with each
  process's peak memory (aim: within 2x of the bare aggregate, under 300 MB).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import resource
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from common import env_for, repdrill, row  # noqa: E402
from dataset import build  # noqa: E402
from repdrill.reports.exporters import write_text  # noqa: E402
from repdrill.reports.report import ReportScope, build_report  # noqa: E402
from repdrill.store.engine import Database  # noqa: E402

TODAY = dt.date(2026, 6, 1)
BARE = (
    "SELECT rep_id, count(*), sum(CASE WHEN grade >= 3 THEN 1 ELSE 0 END), max(review_date) "
    "FROM reviews GROUP BY rep_id"
)


def timed(function: object, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        function()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best


def command(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and peak memory (MB) of one whole command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--cards", type=int, default=300)
    parser.add_argument("--reviews-per-card", type=int, default=30)
    parser.add_argument("--db", help="database path or URL (default bench/out/report.db)")
    parser.add_argument("--keep", action="store_true", help="keep and reuse the built database")
    args = parser.parse_args()
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    url = args.db or f"sqlite:///{out / 'report.db'}"
    db = Database.open(url)
    with db.engine.connect() as conn:
        reviews = conn.execute(text("SELECT count(*) FROM reviews")).scalar_one()
    if reviews == 0:
        started = time.perf_counter()
        db.close()
        db = build(
            url,
            out,
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
            if db.dialect == "sqlite":
                conn.exec_driver_sql("ANALYZE")
            else:
                conn.exec_driver_sql("ANALYZE")
            reviews = conn.execute(text("SELECT count(*) FROM reviews")).scalar_one()
        print(f"built in {time.perf_counter() - started:.0f} s")
    with db.engine.connect() as conn:
        reps = conn.execute(text("SELECT count(*) FROM reps")).scalar_one()
        cards = conn.execute(text("SELECT count(*) FROM cards")).scalar_one()
    print(f"database: {reps} reps, {cards} cards, {reviews} reviews ({db.dialect})")

    def bare() -> None:
        with db.engine.connect() as conn:
            conn.exec_driver_sql(BARE).all()

    def report() -> None:
        with db.transaction() as session:
            built = build_report(
                session,
                ReportScope.weeks_back(TODAY),
                generated_at=dt.datetime.now(dt.UTC),
            )
        write_text(built, "json", io.StringIO())

    base = timed(bare)
    print("report (best of 3, in-process):")
    print(row("bare SQL aggregate over reviews (baseline)", base))
    print(row("build_report + JSON, all aggregates", timed(report), base))
    env = env_for(url, REPDRILL_TODAY=TODAY.isoformat())
    print("whole commands (start-up included), peak memory of the process:")
    for fmt in ("json", "html", "xlsx"):
        target = out / f"report.{fmt}"
        seconds, peak = command(
            repdrill("report", "--format", fmt, "--output", str(target), "--force"), env
        )
        print(row(f"repdrill report --format {fmt}", seconds, base) + f"  peak {peak:6.0f} MB")
    if not args.keep and not args.db:
        db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{out / 'report.db'}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
