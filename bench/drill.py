"""Benchmark: the drill's grade-to-next-card time, and start-up times.

    python bench/drill.py [--grades 300] [--repeat 7]

On a database of 10,000 cards and 100,000 reviews, prints:
- the time from a grade to the next card on screen (the grade committed, the
  next prompt rendered by the real terminal IO), median and 95th percentile,
  next to a bare SQL query on the same database (aim: median under 10 ms);
- ``repdrill --version``, ``--help`` and ``status`` next to ``python -c pass``
  and ``python -c "import sqlalchemy.orm"`` (aims: 100 ms, 250 ms, 500 ms on
  a machine where SQLAlchemy imports in about 0.25 s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))
from common import env_for, repdrill, row, time_command
from dataset import build
from repdrill.cli.terminal import TerminalIO
from repdrill.config import Clock
from repdrill.drill import DrillSession, GradeChoice, QueueItem

TODAY = dt.date(2026, 6, 1)


class TimedIO(TerminalIO):
    """The real terminal IO on an in-memory console, timing grade -> next prompt."""

    def __init__(self) -> None:
        super().__init__(Console(file=io.StringIO(), width=100), echo=False)
        self.graded_at: float | None = None
        self.latencies: list[float] = []

    def read_answer(self) -> str | None:
        return ""

    def read_grade(self, *, can_undo: bool, suggested: int | None) -> GradeChoice | None:
        self.graded_at = time.perf_counter()
        return 4

    def show_prompt(self, item: QueueItem, position: int, total: int) -> None:
        super().show_prompt(item, position, total)
        if self.graded_at is not None:
            self.latencies.append(time.perf_counter() - self.graded_at)
            self.graded_at = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--grades", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="repdrill-bench-"))
    try:
        path = workdir / "drill.db"
        started = time.perf_counter()
        db = build(
            f"sqlite:///{path}",
            workdir,
            cards=10_000,
            reps=20,
            cards_per_rep=1_200,
            reviews_per_card=5,
            today=TODAY,
        )
        with db.engine.connect() as conn:
            reviews = conn.execute(text("SELECT count(*) FROM reviews")).scalar_one()
            cards = conn.execute(text("SELECT count(*) FROM cards")).scalar_one()
        built = time.perf_counter() - started
        print(f"database: {cards} cards, {reviews} reviews (built in {built:.0f} s)")

        timed = TimedIO()
        session = DrillSession(
            db=db,
            rep_name="rep-0000",
            clock=Clock.read(TODAY),
            limit=args.grades,
            new_cards=args.grades,
        )
        session.run(timed)
        latencies = sorted(timed.latencies)

        def bare_query() -> None:
            with db.engine.connect() as conn:
                conn.execute(
                    text("SELECT count(*) FROM card_states WHERE rep_id = 1 AND due <= :d"),
                    {"d": TODAY},
                ).scalar()

        bare = []
        for _ in range(50):
            t = time.perf_counter()
            bare_query()
            bare.append(time.perf_counter() - t)
        print(f"grade -> next card shown, {len(latencies)} grades:")
        print(row("bare SQL count on card_states (baseline, median)", statistics.median(bare)))
        print(
            row("grade to next card, median", statistics.median(latencies), statistics.median(bare))
        )
        print(row("grade to next card, 95th percentile", latencies[int(len(latencies) * 0.95)]))
        db.close()

        env = env_for(path, REPDRILL_USER="rep-0001", REPDRILL_TODAY=TODAY.isoformat())
        python = time_command([sys.executable, "-c", "pass"], env, args.repeat)
        sqla = time_command([sys.executable, "-c", "import sqlalchemy.orm"], env, args.repeat)
        console_script = str(Path(sys.executable).parent / "repdrill")
        command = [console_script] if Path(console_script).exists() else repdrill()
        print("start-up (median of whole commands):")
        print(row("python -c pass (baseline)", python))
        print(row("python -c 'import sqlalchemy.orm'", sqla, python))
        print(
            row(
                "repdrill --version",
                time_command([*command, "--version"], env, args.repeat),
                python,
            )
        )
        print(row("repdrill --help", time_command([*command, "--help"], env, args.repeat), python))
        print(
            row(
                "repdrill status (10,000 cards, 100,000 reviews)",
                time_command([*command, "status"], env, args.repeat),
                python,
            )
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
