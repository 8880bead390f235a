"""The review log's meaning for one rep and one card: a pure replay.

The log records grades; this module says which of them schedule. A grade
schedules when it is the first effective grade of its day for that card;
later grades the same day are re-drills, cram is practice outside the
schedule, and an ``undo`` entry cancels the grade it names. Recording a grade
and replaying the log go through the same two functions
(:func:`schedules`, :func:`schedule_after`), so the state kept in the database
always equals the replay of the log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache

from repdrill.schedule.sm2 import SM2State, due_date, is_correct, review


class ReviewKind(StrEnum):
    """What one entry of the review log is; stored as its value."""

    #: The day's first grade of a card: it schedules.
    REVIEW = "review"
    #: A later grade the same day: logged, schedules nothing.
    REDRILL = "redrill"
    #: Practice outside the schedule (``repdrill cram``).
    CRAM = "cram"
    #: Takes back the review named in ``undoes``.
    UNDO = "undo"

    @property
    def graded(self) -> bool:
        """Kinds whose grade the replay may apply."""
        return self in (ReviewKind.REVIEW, ReviewKind.REDRILL)


@dataclass(frozen=True, slots=True)
class Schedule:
    """A rep's scheduling state for one card, as the log implies it."""

    state: SM2State
    due: dt.date
    last_review_date: dt.date
    introduced_on: dt.date
    lapses: int
    reviews: int


@dataclass(frozen=True, slots=True)
class LogEntry:
    """The parts of a review-log row that the replay reads."""

    uuid: str
    kind: ReviewKind
    grade: int | None
    review_date: dt.date
    reviewed_at: dt.datetime
    undoes: str | None = None
    review_id: int = 0


@dataclass(frozen=True, slots=True)
class Revision:
    """A change of a card's message, loaded on ``revised_on``: reps who reviewed it relearn it."""

    revision: int
    revised_on: dt.date
    revised_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Step:
    """A scheduling review and the schedule it left.

    When a revision came before the next scheduling review, ``ended_on`` is
    the day of the first such revision (the schedule held until then) and
    ``relearn`` the schedule the revisions left.
    """

    entry: LogEntry
    schedule: Schedule
    ended_on: dt.date | None = None
    relearn: Schedule | None = None

    @property
    def final(self) -> Schedule:
        """The schedule in force after this step, until the next one."""
        return self.relearn or self.schedule


def schedules(previous: Schedule | None, review_date: dt.date) -> bool:
    """Only the first grade of a day changes the SM-2 state (SM-2 step 7)."""
    return previous is None or review_date > previous.last_review_date


#: SM-2 is pure, and a merged log meets the same few states again and again:
#: replaying one costs a dictionary lookup per grade instead of exact fractions.
_review = lru_cache(maxsize=4096)(review)


def schedule_after(previous: Schedule | None, grade: int, review_date: dt.date) -> Schedule:
    state = _review(previous.state if previous else SM2State(), grade)
    return Schedule(
        state=state,
        due=due_date(review_date, state),
        last_review_date=review_date,
        introduced_on=previous.introduced_on if previous else review_date,
        lapses=(previous.lapses if previous else 0) + (not is_correct(grade)),
        reviews=(previous.reviews if previous else 0) + 1,
    )


def relearn(previous: Schedule, revision: Revision) -> Schedule:
    """The schedule after a change of message: SM-2's restart after a lapse, without the lapse.

    Repetitions 0 and a one-day interval (so mastery is lost), easiness kept,
    due the day after the revision was loaded. The last review date stays, so a
    grade later that same day is still a re-drill.
    """
    return replace(
        previous,
        state=SM2State(0, previous.state.easiness, 1),
        due=revision.revised_on + dt.timedelta(days=1),
    )


def replay_order(entry: LogEntry) -> tuple[dt.date, dt.datetime, str]:
    """The log's canonical order: independent of the order rows were merged in."""
    return entry.review_date, entry.reviewed_at, entry.uuid


def _revision_order(revision: Revision) -> tuple[dt.date, dt.datetime, str]:
    return revision.revised_on, revision.revised_at, ""


def replay(entries: Iterable[LogEntry], revisions: Iterable[Revision] = ()) -> list[Step]:
    """The scheduling reviews among ``entries`` and the schedule after each.

    ``revisions`` are the card's changes of message; each one restarts the
    schedule in force at its date (:func:`relearn`), and none touches a rep who
    had not reviewed the card yet. :func:`final` gives the schedule the whole
    input leaves.
    """
    ordered = sorted(entries, key=replay_order)
    undone = {e.undoes for e in ordered if e.kind is ReviewKind.UNDO}
    pending = sorted(revisions, key=_revision_order)
    steps: list[Step] = []
    current: Schedule | None = None
    for entry in ordered:
        if not entry.kind.graded or entry.grade is None or entry.uuid in undone:
            continue
        while pending and _revision_order(pending[0]) < replay_order(entry):
            current = _relearned(steps, current, pending.pop(0))
        if schedules(current, entry.review_date):
            current = schedule_after(current, entry.grade, entry.review_date)
            steps.append(Step(entry, current))
    for revision in pending:
        current = _relearned(steps, current, revision)
    return steps


def _relearned(steps: list[Step], current: Schedule | None, revision: Revision) -> Schedule | None:
    if current is None:
        return None
    restarted = relearn(current, revision)
    last = steps[-1]
    steps[-1] = replace(last, ended_on=last.ended_on or revision.revised_on, relearn=restarted)
    return restarted


def final(steps: list[Step]) -> Schedule | None:
    """The schedule a replay leaves: ``None`` when nothing scheduled."""
    return steps[-1].final if steps else None
