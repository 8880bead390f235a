"""Benchmark: 20 reps drilling one PostgreSQL database at the same time, for a bounded time.

    python bench/concurrency.py [--reps 20] [--seconds 10] [--postgres-url URL]

A throwaway PostgreSQL on loopback (fsync and synchronous commit on) holds
10,000 cards and about 117,000 reviews of 20 reps. Then, from a common start
and for ``--seconds`` only:

- repdrill: one process per rep runs the real drill session, grading each
  card as soon as it is shown (each grade committed before the next card);
- the floor: one process per rep replays, raw through psycopg, the
  statements that rep's session sent when it drilled alone on a copy of the
  database (review ids the database hands out are substituted as they come).

Prints grades per second over all reps, the median and 95th percentile of
grade -> next card, and every error (aim: 150 grades/s or more, no errors).
Each worker stops at the deadline and is killed if it overruns it by a minute.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import OUT, Postgres

HERE = Path(__file__).resolve()
TODAY = dt.date(2026, 6, 1)
#: A session budget that never cuts the benchmark's queue short (the default is 10 minutes).
DAY_OF_MINUTES = 24 * 60
#: Grades each rep's floor session records; more than a floor worker gets through.
CAPTURED_GRADES = 800
#: Cards in each repdrill worker's queue: more than it gets through.
QUEUE = 400


def rep_name(index: int) -> str:
    return f"rep-{index:04d}"


# -- workers (each in its own process) ------------------------------------------------


def wait_for_start(seconds: float) -> tuple[float, float]:
    """Say ready, then wait for the common start time; returns (start, deadline)."""
    print("ready", flush=True)
    start = float(sys.stdin.readline())
    time.sleep(max(0.0, start - time.time()))
    return start, start + seconds


def repdrill_worker(url: str, rep: str, seconds: float) -> dict[str, object]:
    from rich.console import Console

    from repdrill.cli.terminal import TerminalIO
    from repdrill.config import Clock
    from repdrill.drill import DrillSession, GradeChoice, QueueItem
    from repdrill.store.engine import Database

    class Grader(TerminalIO):
        def __init__(self) -> None:
            super().__init__(Console(file=io.StringIO(), width=100), echo=False)
            self.graded_at: float | None = None
            self.latencies: list[float] = []
            self.deadline = float("inf")

        def read_answer(self) -> str | None:
            return ""

        def read_grade(self, *, can_undo: bool, suggested: int | None) -> GradeChoice | None:
            if time.time() >= self.deadline:
                return None
            self.graded_at = time.perf_counter()
            return 4

        def show_prompt(self, item: QueueItem, position: int, total: int) -> None:
            super().show_prompt(item, position, total)
            if self.graded_at is not None:
                self.latencies.append(time.perf_counter() - self.graded_at)
                self.graded_at = None

    db = Database.open(url)
    grader = Grader()
    errors: list[str] = []

    def session() -> DrillSession:
        made = DrillSession(
            db=db,
            rep_name=rep,
            clock=Clock.read(TODAY),
            limit=QUEUE,
            new_cards=QUEUE,
            minutes=DAY_OF_MINUTES,
        )
        made.build_queue()
        return made

    current = session()
    _, grader.deadline = wait_for_start(seconds)
    deadline = grader.deadline
    while time.time() < deadline:
        try:
            current.run(grader)
            break
        except Exception as error:
            errors.append(f"{type(error).__name__}: {str(error).splitlines()[0]}")
            current = session()
    ended = time.time()
    db.close()
    return {"latencies": grader.latencies, "errors": errors, "ended": ended}


def replay_worker(url: str, path: str, seconds: float) -> dict[str, object]:
    from replay import connect, replay

    with Path(path).open("rb") as handle:
        recorded = pickle.load(handle)
    conn = connect(url)
    errors: list[str] = []
    wait_for_start(seconds)
    marks: list[tuple[str, float]] = []
    try:
        _, marks, _ = replay(
            recorded["steps"],
            conn,
            review_ids=recorded["review_ids"],
            deadline=time.perf_counter() + seconds,
        )
    except Exception as error:
        errors.append(f"{type(error).__name__}: {str(error).splitlines()[0]}")
    ended = time.time()
    conn.close()
    starts = [t for name, t in marks if name == "grade"]
    ends = [t for name, t in marks if name == "shown"]
    latencies = [b - a for a, b in zip(starts, ends, strict=False) if b >= a]
    return {"latencies": latencies, "errors": errors, "ended": ended}


# -- the parent -------------------------------------------------------------------------


def record_sessions(url: str, reps: int, workdir: Path) -> list[Path]:
    """Each rep's session alone on ``url``, recorded with a mark around every grade."""
    from drill import TimedIO
    from repdrill.config import Clock
    from repdrill.drill import DrillSession
    from repdrill.store.engine import Database
    from sqlcapture import capture

    db = Database.open(url)
    paths = []
    for index in range(reps):
        with db.engine.connect() as conn:
            before = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM reviews").scalar_one()
        with capture(db.engine) as recorded:
            DrillSession(
                db=db,
                rep_name=rep_name(index),
                clock=Clock.read(TODAY),
                limit=CAPTURED_GRADES,
                new_cards=CAPTURED_GRADES,
                minutes=DAY_OF_MINUTES,
            ).run(TimedIO(recorded))
        with db.engine.connect() as conn:
            ids = dict(
                conn.exec_driver_sql(
                    "SELECT uuid, id FROM reviews WHERE id > %(id)s", {"id": before}
                ).all()
            )
        paths.append(recorded.save(workdir / f"session-{index}.pickle", review_ids=ids))
    db.close()
    return paths


def run_workers(commands: list[list[str]], seconds: float) -> tuple[float, list[dict[str, object]]]:
    """Start every worker, wait until all are ready, start them together, collect them."""
    processes = [
        subprocess.Popen(
            c, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for c in commands
    ]
    for process in processes:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"a worker failed to start: {process.communicate()[1]}")
    start = time.time() + 0.5
    for process in processes:
        assert process.stdin is not None
        process.stdin.write(f"{start}\n")
        process.stdin.flush()
    results = []
    for process in processes:
        try:
            out, err = process.communicate(timeout=seconds + 60)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            results.append({"latencies": [], "errors": ["killed: overran the deadline"]})
            continue
        if process.returncode != 0:
            results.append({"latencies": [], "errors": [err.strip().splitlines()[-1]]})
            continue
        results.append(json.loads(out))
    return start, results


def summarise(
    label: str, results: list[dict[str, object]], start: float, floor: float | None
) -> float:
    latencies = sorted(x for r in results for x in r["latencies"])  # type: ignore[attr-defined]
    errors = [e for r in results for e in r["errors"]]  # type: ignore[attr-defined]
    ended = max((r.get("ended", start) for r in results), default=start)  # type: ignore[type-var]
    window = float(ended) - start  # type: ignore[arg-type]
    rate = len(latencies) / window if window > 0 else 0.0
    ratio = f" ({rate / floor:.2f}x the floor)" if floor else ""
    print(f"  {label}: {rate:.1f} grades/s{ratio}, {len(errors)} errors")
    if latencies:
        median, p95 = statistics.median(latencies), latencies[int(len(latencies) * 0.95)]
        print(
            f"    {len(latencies)} grades in {window:.1f} s; grade -> next card "
            f"median {median * 1000:.1f} ms, 95th percentile {p95 * 1000:.1f} ms"
        )
    for error in sorted(set(errors))[:5]:
        print(f"    {errors.count(error)} x {error}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--postgres-url", metavar="URL", help="a server to use instead")
    parser.add_argument("--worker", choices=["repdrill", "replay"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        work = repdrill_worker if args.worker == "repdrill" else replay_worker
        print(json.dumps(work(args.url, args.target, args.seconds)))
        return

    from dataset import build

    OUT.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="repdrill-bench-", dir=OUT))
    try:
        with Postgres(args.postgres_url) as server:
            base = server.database("concurrent")
            started = time.perf_counter()
            build(
                base,
                workdir,
                cards=10_000,
                reps=args.reps,
                cards_per_rep=1_200,
                reviews_per_card=5,
                today=TODAY,
            ).close()
            print(
                f"{args.reps} reps, 10000 cards on one PostgreSQL "
                f"(built in {time.perf_counter() - started:.0f} s); {args.seconds:.0f} s each run"
            )
            recorded = record_sessions(server.copy(base, "capture"), args.reps, workdir)
            floor_url, timed_url = server.copy(base, "floor"), server.copy(base, "timed")
            me = [sys.executable, str(HERE), "--seconds", str(args.seconds)]
            floor_workers = [
                [*me, "--worker", "replay", "--url", floor_url, "--target", str(path)]
                for path in recorded
            ]
            start, floor_results = run_workers(floor_workers, args.seconds)
            floor = summarise("floor: the same SQL replayed raw", floor_results, start, None)
            workers = [
                [*me, "--worker", "repdrill", "--url", timed_url, "--target", rep_name(i)]
                for i in range(args.reps)
            ]
            start, results = run_workers(workers, args.seconds)
            summarise("repdrill", results, start, floor)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
