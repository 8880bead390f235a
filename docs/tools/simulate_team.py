"""A simulated sales team drilling the bundled decks, through the front door.

    python docs/tools/simulate_team.py DB [--until 2026-03-02] [--weeks 8]

Each rep drills most days through ``Repdrill.drill`` (the daily budget, the
queue and the re-drills exactly as a rep gets them) and grades with a skill of
their own. The team is the roster's (``teams.yaml``), with the habits a
manager meets: a steady rep, one who stopped drilling three weeks ago, one on
holiday, one who joined two weeks ago and one who drills every other day.
``docs/tools/screenshots.py`` builds the report screenshots from it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

import repdrill
from repdrill import GradeChoice, Grading, Hold, QueueItem, Recorded, SessionPlan, Summary

ROOT = Path(__file__).resolve().parents[2]
UNTIL = dt.date(2026, 3, 2)


@dataclass(frozen=True)
class Habit:
    """How one rep drills: the share of days they drill and how often they recall a card."""

    skill: float
    diligence: float = 0.95
    #: Days before the end on which the rep joins, stops drilling, or is on hold.
    joins: int | None = None
    stops: int | None = None
    holiday: tuple[int, int] | None = None


TEAM = {
    "ana": Habit(skill=0.92),
    "ben": Habit(skill=0.8, stops=21),
    "carla": Habit(skill=0.85, holiday=(6, -5)),
    "dev": Habit(skill=0.7, joins=14),
    "erin": Habit(skill=0.82),
    "femi": Habit(skill=0.6, diligence=0.5),
    "gita": Habit(skill=0.88, diligence=0.85),
}


@dataclass
class SkilledIO:
    """A rep who answers in their head and grades by a skill: a scripted DrillIO."""

    rng: random.Random
    skill: float

    def show_plan(self, plan: SessionPlan) -> None:
        return None

    def nothing_due(
        self, next_due: dt.date | None, today: dt.date, on_hold: Hold | None = None
    ) -> None:
        return None

    def show_prompt(self, item: QueueItem, position: int, total: int) -> None:
        return None

    def read_answer(self) -> str | None:
        return ""

    def show_answer(self, item: QueueItem, answer: str, grading: Grading | None) -> None:
        return None

    def read_grade(self, *, can_undo: bool, suggested: int | None) -> GradeChoice | None:
        if self.rng.random() < self.skill:
            return self.rng.choice((4, 4, 5))
        return self.rng.choice((1, 2, 3))

    def show_recorded(self, recorded: Recorded) -> None:
        return None

    def show_undone(self, item: QueueItem) -> None:
        return None

    def show_summary(self, summary: Summary) -> None:
        return None


def simulate(
    db: str,
    *,
    until: dt.date = UNTIL,
    weeks: int = 8,
    seed: int = 11,
    team: dict[str, Habit] = TEAM,
) -> None:
    """Load the bundled decks and drill ``weeks`` weeks ending on ``until``, day by day."""
    rng = random.Random(seed)
    first = until - dt.timedelta(days=7 * weeks - 1)
    with repdrill.open(db, user="enablement", today=first) as rd:
        rd.load([ROOT / "decks"])
    for offset in range(7 * weeks):
        day = first + dt.timedelta(days=offset)
        left = (until - day).days
        for rep, habit in team.items():
            if habit.joins is not None and left > habit.joins:
                continue
            if habit.stops is not None and left < habit.stops:
                continue
            with repdrill.open(db, user=rep, today=day) as rd:
                if habit.holiday is not None:
                    starts, ends = habit.holiday
                    if left == starts:
                        rd.hold(until + dt.timedelta(days=-ends))
                    if ends <= left <= starts:
                        continue
                if rng.random() < habit.diligence:
                    rd.drill(SkilledIO(rng, habit.skill), new=rng.randint(3, 6))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", help="database path or URL (created)")
    parser.add_argument("--until", type=dt.date.fromisoformat, default=UNTIL)
    parser.add_argument("--weeks", type=int, default=8)
    args = parser.parse_args()
    simulate(args.db, until=args.until, weeks=args.weeks)


if __name__ == "__main__":
    main()
