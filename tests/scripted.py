"""A scripted DrillIO and a ticking clock: drive a drill session without a terminal."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from repdrill import (
    DrillAction,
    GradeChoice,
    Grading,
    Hold,
    QueueItem,
    Recorded,
    SessionPlan,
    Summary,
)
from repdrill.config import Clock


@dataclass
class ScriptedIO:
    """A DrillIO fed from a list: (answer, grade) pairs; None ends input."""

    script: list[str | GradeChoice | None]
    shown: list[str] = field(default_factory=list)
    recorded: list[Recorded] = field(default_factory=list)
    gradings: list[Grading | None] = field(default_factory=list)
    summary: Summary | None = None
    nothing: tuple[dt.date | None, dt.date] | None = None
    on_hold: Hold | None = None
    plan: SessionPlan | None = None
    interrupt_after: int | None = None

    def _next(self) -> str | GradeChoice | None:
        if self.interrupt_after is not None and len(self.recorded) >= self.interrupt_after:
            raise KeyboardInterrupt
        return self.script.pop(0) if self.script else None

    def show_plan(self, plan: SessionPlan) -> None:
        self.plan = plan

    def nothing_due(
        self, next_due: dt.date | None, today: dt.date, on_hold: Hold | None = None
    ) -> None:
        self.nothing = (next_due, today)
        self.on_hold = on_hold

    def show_prompt(self, item: QueueItem, position: int, total: int) -> None:
        self.shown.append(f"{item.card.id}:{item.kind.value}:{position}/{total}")

    def read_answer(self) -> str | None:
        value = self._next()
        return None if value is None else str(value)

    def show_answer(self, item: QueueItem, answer: str, grading: Grading | None) -> None:
        self.gradings.append(grading)

    def read_grade(self, *, can_undo: bool, suggested: int | None) -> GradeChoice | None:
        value = self._next()
        assert value is None or value is DrillAction.UNDO or isinstance(value, int)
        return value

    def show_recorded(self, recorded: Recorded) -> None:
        self.recorded.append(recorded)

    def show_undone(self, item: QueueItem) -> None:
        self.shown.append(f"undone:{item.card.id}")

    def show_retired(self, item: QueueItem) -> None:
        self.shown.append(f"retired:{item.card.id}")

    def show_summary(self, summary: Summary) -> None:
        self.summary = summary


UNDO = DrillAction.UNDO


def at(day: dt.date) -> Clock:
    """A clock on ``day`` whose every reading is a second after the last."""
    ticks = itertools.count()
    start = dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.UTC)
    return Clock(day, timer=lambda: start + dt.timedelta(seconds=next(ticks)))
