"""Benchmark: what team mode's row-level security costs, and ``db check``.

    python bench/team.py [--reps 200] [--cards 300] [--grades 200]

Starts a throwaway PostgreSQL (tests/pgserver.py), builds a database owned by
a non-superuser, runs ``team setup``, and in the same run measures, each next
to the same work with row-level security out of the way (the owner, whom the
policies do not bind):
- a grade (``Repdrill.review``, committed): a rep's login vs the owner
  grading for that rep with ``--user``;
- a manager's report over a team of 20 reps vs the owner's report with the
  same 20 reps named;
- ``db check`` on the whole log vs streaming the same rows with no replay.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
import repdrill
from common import row
from dataset import build
from pgserver import PostgresServer, find_pg_bin

TODAY = dt.date(2026, 6, 1)
OWNER = "benchowner"
TEAM = 20


def grades(rd: repdrill.Repdrill, cards: list[str], count: int) -> list[float]:
    times = []
    for n in range(count):
        started = time.perf_counter()
        rd.review(cards[n % len(cards)], 3 + n % 3)
        times.append(time.perf_counter() - started)
    return times


def best(function: object, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times)


def team_database(server: PostgresServer, args: argparse.Namespace) -> tuple[str, int, list[str]]:
    """A built database in team mode: its owner's URL, its reviews, 50 card names."""
    with psycopg.connect(server.dsn(), autocommit=True) as su:
        su.execute(f"CREATE ROLE {OWNER} LOGIN CREATEROLE")
        su.execute(f"CREATE DATABASE repdrill OWNER {OWNER}")
    owner_url = server.url("repdrill", OWNER)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        db = build(
            owner_url,
            Path(work),
            cards=args.cards,
            reps=args.reps,
            cards_per_rep=args.cards // 3,
            reviews_per_card=8,
            today=TODAY,
            decks=3,
        )
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
            reviews = int(conn.execute(text("SELECT count(*) FROM reviews")).scalar_one())
            refs = list(
                conn.scalars(
                    text(
                        "SELECT d.slug || '/' || c.slug FROM cards c"
                        " JOIN decks d ON d.id = c.deck_id ORDER BY c.id LIMIT 50"
                    )
                )
            )
        db.close()
        roster = Path(work) / "teams.yaml"
        members = ", ".join(f"rep-{r:04d}" for r in range(TEAM))
        roster.write_text(f"teams:\n  - name: bench\n    reps: [{members}]\n")
        with repdrill.open(owner_url, user="rep-0001", today=TODAY) as owner:
            owner.team_setup()
            owner.team_load(roster)
            owner.add_rep("rep-0000", password="x")
            owner.add_manager("lead", team="bench", password="x")
    print(
        f"built {args.reps} reps, {args.cards} cards, {reviews} reviews "
        f"in {time.perf_counter() - started:.0f} s (PostgreSQL, team mode)"
    )
    return owner_url, reviews, refs


def bench_grades(server: PostgresServer, owner_url: str, refs: list[str], count: int) -> None:
    with (
        repdrill.open(owner_url, user="rep-0001", today=TODAY) as as_owner,
        repdrill.open(server.url("repdrill", "rep-0000"), today=TODAY) as as_rep,
    ):
        grades(as_owner, refs, 10)  # warm up both connections
        grades(as_rep, refs, 10)
        owner_times: list[float] = []
        rep_times: list[float] = []
        for _ in range(4):  # interleaved rounds: the machine is shared
            owner_times += grades(as_owner, refs, count // 4)
            rep_times += grades(as_rep, refs, count // 4)
    floor = statistics.median(owner_times)
    print("a grade, committed (in-process, median):")
    print(row("owner grading for a rep (policies bypassed; floor)", floor))
    print(row("the rep's own login (row-level security)", statistics.median(rep_times), floor))


def bench_report_and_check(server: PostgresServer, owner_url: str, reviews: int) -> None:
    team = [f"rep-{r:04d}" for r in range(TEAM)]
    columns = "rep_id, card_id, uuid, kind, grade, review_date, reviewed_at, undoes, id"
    with (
        repdrill.open(owner_url, user="rep-0001", today=TODAY) as as_owner,
        repdrill.open(server.url("repdrill", "lead"), today=TODAY) as as_lead,
    ):
        floors, leads = [], []
        for _ in range(10):  # interleaved: the machine is shared
            floors.append(best(lambda: as_owner.report(rep=team), repeat=1))
            leads.append(best(as_lead.report, repeat=1))
        floor, lead = min(floors), min(leads)

        def stream() -> None:
            with as_owner.database.transaction() as conn:
                for query in (
                    f"SELECT {columns} FROM reviews ORDER BY rep_id, card_id",
                    "SELECT * FROM card_states ORDER BY rep_id, card_id",
                ):
                    for _ in conn.execute(text(query).execution_options(yield_per=5000)):
                        pass

        streamed = best(stream, repeat=3)
        check = best(as_owner.check_database, repeat=3)
        found = as_owner.check_database()
    print(f"a report of {TEAM} reps (best of 10 interleaved, in-process):")
    print(row("the owner naming the 20 reps (floor)", floor))
    print(row("their manager's login (row-level security)", lead, floor))
    print(f"db check over {reviews} reviews, {found.states_checked} states (best of 3):")
    print(row("streaming the log and the states, no replay (floor)", streamed))
    print(row("db check (replay and compare)", check, streamed))
    print(f"  db check: {found.state_mismatches} mismatches, ok={found.ok}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--cards", type=int, default=300)
    parser.add_argument("--grades", type=int, default=200)
    args = parser.parse_args()
    bin_dir = find_pg_bin()
    if bin_dir is None:
        sys.exit("PostgreSQL is not installed (initdb, pg_ctl)")
    server = PostgresServer(bin_dir).start()
    try:
        owner_url, reviews, refs = team_database(server, args)
        bench_grades(server, owner_url, refs, args.grades)
        bench_report_and_check(server, owner_url, reviews)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
