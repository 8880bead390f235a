"""Recording reviews: the one writer of the review log and the states derived from it.

Each function takes a session opened with ``db.session(write=True)``; the
caller commits (one transaction per grade) before showing the next card.
A grade is applied incrementally when it is the day's next scheduling review;
an undo, an out-of-order grade or an imported log is applied by replaying the
card's log (:mod:`repdrill.schedule.replay`), so the stored state always equals the
replay.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from repdrill.config import Clock
from repdrill.errors import NotFound
from repdrill.ids import uuid7
from repdrill.schedule.replay import (
    CRAM,
    REDRILL,
    REVIEW,
    UNDO,
    LogEntry,
    Schedule,
    Step,
    replay,
    schedule_after,
    schedules,
)
from repdrill.schedule.rules import is_mastered
from repdrill.schedule.sm2 import check_grade
from repdrill.store.read import CardView, cards_by_id, due_count, lock_rep, schedule_of
from repdrill.store.tables import CardStateRow, ReviewPointRow, ReviewRow, StateChangeRow


@dataclass(frozen=True, slots=True)
class Recorded:
    """What recording one grade did."""

    review_id: int
    uuid: str
    kind: str
    grade: int
    before: Schedule | None
    after: Schedule | None
    due_remaining: int
    min_interval_days: int

    @property
    def newly_mastered(self) -> bool:
        before = self.before.state.interval if self.before else None
        after = self.after.state.interval if self.after else None
        return not is_mastered(before, self.min_interval_days) and is_mastered(
            after, self.min_interval_days
        )

    @property
    def lost_mastery(self) -> bool:
        before = self.before.state.interval if self.before else None
        after = self.after.state.interval if self.after else None
        return is_mastered(before, self.min_interval_days) and not is_mastered(
            after, self.min_interval_days
        )


def state_values(schedule: Schedule) -> dict[str, object]:
    return {
        "repetitions": schedule.state.repetitions,
        "easiness_x100": schedule.state.easiness_x100,
        "interval_days": schedule.state.interval,
        "due": schedule.due,
        "last_review_date": schedule.last_review_date,
        "introduced_on": schedule.introduced_on,
        "lapses": schedule.lapses,
        "reviews": schedule.reviews,
    }


def _save_schedule(
    session: Session, rep: int, card_id: int, schedule: Schedule | None, existed: bool
) -> None:
    key = (CardStateRow.rep_id == rep, CardStateRow.card_id == card_id)
    if schedule is None:
        session.execute(delete(CardStateRow).where(*key))
    elif existed:
        session.execute(update(CardStateRow).where(*key).values(**state_values(schedule)))
    else:
        session.execute(
            insert(CardStateRow).values(rep_id=rep, card_id=card_id, **state_values(schedule))
        )


def record_grade(
    session: Session,
    *,
    rep: int,
    card: CardView,
    grade: int,
    clock: Clock,
    answer: str | None = None,
    suggested_grade: int | None = None,
    points_hit: Sequence[bool] = (),
    session_id: str | None = None,
    cram: bool = False,
) -> Recorded:
    """Log one grade and apply it to the rep's schedule if it is the day's first.

    The caller commits (``db.session(write=True)``) before showing the next card.
    """
    grade = check_grade(grade)
    if suggested_grade is not None:
        suggested_grade = check_grade(suggested_grade)
    today, now = clock.today, clock.now()
    review_uuid = uuid7()
    lock_rep(session, rep)
    before = schedule_of(session, rep, card.card_id)
    after = before
    steps: list[Step] | None = None
    if cram:
        kind = CRAM
    elif schedules(before, today):
        kind = REVIEW
        after = schedule_after(before, grade, today)
        _save_schedule(session, rep, card.card_id, after, existed=before is not None)
    elif before is not None and today < before.last_review_date:
        # A grade dated before the last review (a simulated --today going
        # back): the replay of the log decides what it changes.
        kind = REVIEW
        entry = LogEntry(review_uuid, kind, grade, today, now, None, _NEW_ENTRY)
        steps, after = _replay_and_save(session, rep, card.card_id, entry)
    else:
        kind = REDRILL
    remaining = due_count(session, rep, today)
    review_id = _insert_review(
        session,
        uuid=review_uuid,
        rep=rep,
        card=card,
        kind=kind,
        grade=grade,
        suggested_grade=suggested_grade,
        answer=answer,
        review_date=today,
        reviewed_at=now,
        session_id=session_id,
        due_remaining=remaining,
    )
    if points_hit:
        session.execute(
            insert(ReviewPointRow),
            [{"review_id": review_id, "point": i, "hit": hit} for i, hit in enumerate(points_hit)],
        )
    if steps is not None:
        _write_state_changes(session, rep, card.card_id, steps, review_id)
    elif kind == REVIEW and after is not None:
        session.execute(
            update(StateChangeRow)
            .where(
                StateChangeRow.rep_id == rep,
                StateChangeRow.card_id == card.card_id,
                StateChangeRow.valid_until.is_(None),
            )
            .values(valid_until=today)
        )
        _insert_state_change(session, review_id, rep, card.card_id, grade, after)
    return Recorded(
        review_id=review_id,
        uuid=review_uuid,
        kind=kind,
        grade=grade,
        before=before,
        after=after,
        due_remaining=remaining,
        min_interval_days=card.min_interval_days,
    )


#: Stands for the id of a log entry not inserted yet.
_NEW_ENTRY = -1


def _insert_review(
    session: Session,
    *,
    uuid: str,
    rep: int,
    card: CardView,
    kind: str,
    grade: int | None,
    suggested_grade: int | None,
    answer: str | None,
    review_date: dt.date,
    reviewed_at: dt.datetime,
    session_id: str | None,
    due_remaining: int | None,
    undoes: str | None = None,
) -> int:
    review_id: int = session.execute(
        insert(ReviewRow)
        .returning(ReviewRow.id)
        .values(
            uuid=uuid,
            rep_id=rep,
            card_id=card.card_id,
            card_hash=card.content_hash,
            kind=kind,
            grade=grade,
            suggested_grade=suggested_grade,
            answer=answer or None,
            review_date=review_date,
            reviewed_at=reviewed_at,
            session=session_id,
            undoes=undoes,
            due_remaining=due_remaining,
        )
    ).scalar_one()
    return review_id


def _insert_state_change(
    session: Session,
    review_id: int,
    rep: int,
    card_id: int,
    grade: int,
    schedule: Schedule,
    valid_until: dt.date | None = None,
) -> None:
    session.execute(
        insert(StateChangeRow).values(
            review_id=review_id,
            rep_id=rep,
            card_id=card_id,
            review_date=schedule.last_review_date,
            grade=grade,
            repetitions=schedule.state.repetitions,
            easiness_x100=schedule.state.easiness_x100,
            interval_days=schedule.state.interval,
            valid_until=valid_until,
        )
    )


def undo(
    session: Session,
    *,
    rep: int,
    review_uuid: str,
    clock: Clock,
    session_id: str | None = None,
) -> Schedule | None:
    """Take back a grade: log an ``undo`` entry and restore the state from the log."""
    target = session.execute(
        select(ReviewRow.card_id, ReviewRow.card_hash, ReviewRow.kind).where(
            ReviewRow.uuid == review_uuid, ReviewRow.rep_id == rep
        )
    ).first()
    if target is None or target.kind == UNDO:
        raise NotFound(f"no grade {review_uuid} to undo for this rep")
    card = replace(
        cards_by_id(session, [target.card_id])[target.card_id], content_hash=target.card_hash
    )
    lock_rep(session, rep)
    undo_uuid, now = uuid7(), clock.now()
    entry = LogEntry(undo_uuid, UNDO, None, clock.today, now, review_uuid, _NEW_ENTRY)
    steps, restored = _replay_and_save(session, rep, card.card_id, entry)
    undo_id = _insert_review(
        session,
        uuid=undo_uuid,
        rep=rep,
        card=card,
        kind=UNDO,
        grade=None,
        suggested_grade=None,
        answer=None,
        review_date=clock.today,
        reviewed_at=now,
        session_id=session_id,
        due_remaining=due_count(session, rep, clock.today),
        undoes=review_uuid,
    )
    _write_state_changes(session, rep, card.card_id, steps, undo_id)
    return restored


def log_entries(session: Session, rep: int, card_id: int) -> list[LogEntry]:
    rows = session.execute(
        select(
            ReviewRow.uuid,
            ReviewRow.kind,
            ReviewRow.grade,
            ReviewRow.review_date,
            ReviewRow.reviewed_at,
            ReviewRow.undoes,
            ReviewRow.id,
        ).where(ReviewRow.rep_id == rep, ReviewRow.card_id == card_id)
    )
    return [LogEntry(*row) for row in rows]


def _replay_and_save(
    session: Session, rep: int, card_id: int, extra: LogEntry | None = None
) -> tuple[list[Step], Schedule | None]:
    entries = log_entries(session, rep, card_id)
    if extra is not None:
        entries.append(extra)
    steps = replay(entries)
    schedule = steps[-1].schedule if steps else None
    existed = session.scalar(
        select(func.count())
        .select_from(CardStateRow)
        .where(CardStateRow.rep_id == rep, CardStateRow.card_id == card_id)
    )
    _save_schedule(session, rep, card_id, schedule, existed=bool(existed))
    return steps, schedule


def _write_state_changes(
    session: Session, rep: int, card_id: int, steps: list[Step], new_id: int = _NEW_ENTRY
) -> None:
    session.execute(
        delete(StateChangeRow).where(
            StateChangeRow.rep_id == rep, StateChangeRow.card_id == card_id
        )
    )
    for step, following in zip(steps, [*steps[1:], None], strict=False):
        review_id = new_id if step.entry.review_id == _NEW_ENTRY else step.entry.review_id
        assert step.entry.grade is not None
        until = following.entry.review_date if following else None
        _insert_state_change(
            session, review_id, rep, card_id, step.entry.grade, step.schedule, until
        )


def rebuild_schedule(session: Session, rep: int, card_id: int) -> Schedule | None:
    """Recompute a rep's state for a card from the review log, and store it."""
    steps, schedule = _replay_and_save(session, rep, card_id)
    _write_state_changes(session, rep, card_id, steps)
    return schedule
