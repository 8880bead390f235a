"""Recording reviews: the one writer of the review log and the states derived from it.

Each function takes a connection in a write transaction
(``db.transaction(write=True)``); the caller commits (one transaction per
grade) before showing the next card. A grade is applied incrementally when it
is the day's next scheduling review; an undo, an out-of-order grade or an
imported log is applied by replaying the card's log
(:mod:`repdrill.schedule.replay`), so the stored state always equals the
replay.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from repdrill.cards import CardView, iso
from repdrill.config import Clock
from repdrill.errors import NotFound, RetiredCard
from repdrill.ids import uuid7
from repdrill.schedule.replay import (
    LogEntry,
    ReviewKind,
    Schedule,
    Step,
    final,
    replay,
    schedule_after,
    schedules,
)
from repdrill.schedule.rules import is_mastered
from repdrill.schedule.sm2 import INITIAL_EASINESS, check_grade
from repdrill.store import tables as t
from repdrill.store.read import (
    card_views,
    due_count,
    lock_rep,
    revised_after,
    revision_events,
    schedule_of,
)

#: Stands for the id of a log entry not inserted yet.
_NEW_ENTRY = -1


@dataclass(frozen=True, slots=True)
class Recorded:
    """What recording one grade did: the review logged and the schedule it left.

    ``review_id`` is the review's id in the log (a time-ordered UUID), the one
    :meth:`repdrill.Repdrill.undo` takes.
    """

    review_id: str
    card: CardView
    kind: ReviewKind
    grade: int
    suggested_grade: int | None
    before: Schedule | None
    after: Schedule | None
    due_remaining: int

    @property
    def interval(self) -> int:
        return self.after.state.interval if self.after else 0

    @property
    def easiness(self) -> float:
        return float(self.after.state.easiness) if self.after else float(INITIAL_EASINESS)

    @property
    def repetitions(self) -> int:
        return self.after.state.repetitions if self.after else 0

    @property
    def due(self) -> dt.date | None:
        return self.after.due if self.after else None

    @property
    def mastered(self) -> bool:
        return is_mastered(self.after.state.interval if self.after else None, self._threshold)

    @property
    def newly_mastered(self) -> bool:
        return self.mastered and not self._was_mastered

    @property
    def lost_mastery(self) -> bool:
        return self._was_mastered and not self.mastered

    @property
    def _was_mastered(self) -> bool:
        return is_mastered(self.before.state.interval if self.before else None, self._threshold)

    @property
    def _threshold(self) -> int:
        return self.card.min_interval_days

    def to_json(self) -> dict[str, object]:
        return {
            **self.card.identity(),
            "review_id": self.review_id,
            "kind": self.kind.value,
            "grade": self.grade,
            "suggested_grade": self.suggested_grade,
            "repetitions": self.repetitions,
            "easiness": self.easiness,
            "interval": self.interval,
            "due": iso(self.due),
            "mastered": self.mastered,
            "newly_mastered": self.newly_mastered,
        }


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
    conn: Connection, rep: int, card: int, schedule: Schedule | None, existed: bool
) -> None:
    key = (t.card_states.c.rep_id == rep, t.card_states.c.card_id == card)
    if schedule is None:
        conn.execute(delete(t.card_states).where(*key))
    elif existed:
        conn.execute(update(t.card_states).where(*key).values(**state_values(schedule)))
    else:
        conn.execute(
            insert(t.card_states).values(rep_id=rep, card_id=card, **state_values(schedule))
        )


def record_grade(
    conn: Connection,
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

    The caller commits before showing the next card.
    """
    if card.retired:
        raise RetiredCard(card.ref)
    grade = check_grade(grade)
    if suggested_grade is not None:
        suggested_grade = check_grade(suggested_grade)
    today, now = clock.today, clock.now()
    review_uuid = uuid7()
    lock_rep(conn, rep)
    before = schedule_of(conn, rep, card.db_id)
    after = before
    steps: list[Step] | None = None
    # A grade dated before a revision of the card (a simulated --today going
    # back) is replayed too, so the revision restarts what it scheduled.
    revised_later = card.revision > 1 and revised_after(conn, card.db_id, today, now)
    if cram:
        kind = ReviewKind.CRAM
    elif schedules(before, today) and not revised_later:
        kind = ReviewKind.REVIEW
        after = schedule_after(before, grade, today)
        _save_schedule(conn, rep, card.db_id, after, existed=before is not None)
    elif (before is not None and today < before.last_review_date) or (
        revised_later and schedules(before, today)
    ):
        # A grade dated before the last review (a simulated --today going
        # back): the replay of the log decides what it changes.
        kind = ReviewKind.REVIEW
        entry = LogEntry(review_uuid, kind, grade, today, now, None, _NEW_ENTRY)
        steps, after = _replay_and_save(conn, rep, card.db_id, entry)
    else:
        kind = ReviewKind.REDRILL
    remaining = due_count(conn, rep, today)
    review_id = _insert_review(
        conn,
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
        conn.execute(
            insert(t.review_points),
            [{"review_id": review_id, "point": i, "hit": hit} for i, hit in enumerate(points_hit)],
        )
    if steps is not None:
        _write_state_changes(conn, rep, card.db_id, steps, review_id)
    elif kind is ReviewKind.REVIEW and after is not None:
        changes = t.state_changes.c
        conn.execute(
            update(t.state_changes)
            .where(
                changes.rep_id == rep, changes.card_id == card.db_id, changes.valid_until.is_(None)
            )
            .values(valid_until=today)
        )
        _insert_state_change(conn, review_id, rep, card.db_id, grade, after)
    return Recorded(
        review_id=review_uuid,
        card=card,
        kind=kind,
        grade=grade,
        suggested_grade=suggested_grade,
        before=before,
        after=after,
        due_remaining=remaining,
    )


def _insert_review(
    conn: Connection,
    *,
    uuid: str,
    rep: int,
    card: CardView,
    kind: ReviewKind,
    grade: int | None,
    suggested_grade: int | None,
    answer: str | None,
    review_date: dt.date,
    reviewed_at: dt.datetime,
    session_id: str | None,
    due_remaining: int | None,
    undoes: str | None = None,
) -> int:
    review_id: int = conn.execute(
        insert(t.reviews)
        .returning(t.reviews.c.id)
        .values(
            uuid=uuid,
            rep_id=rep,
            card_id=card.db_id,
            card_hash=card.content_hash,
            kind=kind.value,
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
    conn: Connection,
    review_id: int,
    rep: int,
    card: int,
    grade: int,
    schedule: Schedule,
    valid_until: dt.date | None = None,
) -> None:
    conn.execute(
        insert(t.state_changes).values(
            review_id=review_id,
            rep_id=rep,
            card_id=card,
            review_date=schedule.last_review_date,
            grade=grade,
            repetitions=schedule.state.repetitions,
            easiness_x100=schedule.state.easiness_x100,
            interval_days=schedule.state.interval,
            valid_until=valid_until,
        )
    )


def undo(
    conn: Connection,
    *,
    rep: int,
    review_uuid: str,
    clock: Clock,
    session_id: str | None = None,
) -> tuple[CardView, Schedule | None]:
    """Take back a grade: log an ``undo`` entry and restore the state from the log.

    Returns the card and its restored schedule (``None`` when the undone grade
    was its first).
    """
    r = t.reviews.c
    target = conn.execute(
        select(r.card_id, r.card_hash, r.kind).where(r.uuid == review_uuid, r.rep_id == rep)
    ).first()
    if target is None or target.kind == ReviewKind.UNDO:
        raise NotFound(f"no grade {review_uuid} to undo for this rep")
    card = card_views(conn, [target.card_id])[target.card_id]
    lock_rep(conn, rep)
    undo_uuid, now = uuid7(), clock.now()
    entry = LogEntry(undo_uuid, ReviewKind.UNDO, None, clock.today, now, review_uuid, _NEW_ENTRY)
    steps, restored = _replay_and_save(conn, rep, card.db_id, entry)
    undo_id = _insert_review(
        conn,
        uuid=undo_uuid,
        rep=rep,
        card=replace(card, content_hash=target.card_hash),
        kind=ReviewKind.UNDO,
        grade=None,
        suggested_grade=None,
        answer=None,
        review_date=clock.today,
        reviewed_at=now,
        session_id=session_id,
        due_remaining=due_count(conn, rep, clock.today),
        undoes=review_uuid,
    )
    _write_state_changes(conn, rep, card.db_id, steps, undo_id)
    return card, restored


#: The review-log columns the replay reads, in :class:`LogEntry` order.
LOG_ENTRY_COLUMNS = (
    t.reviews.c.uuid,
    t.reviews.c.kind,
    t.reviews.c.grade,
    t.reviews.c.review_date,
    t.reviews.c.reviewed_at,
    t.reviews.c.undoes,
    t.reviews.c.id,
)


def log_entry(row: Sequence[Any]) -> LogEntry:
    """A :class:`LogEntry` from the :data:`LOG_ENTRY_COLUMNS` of one row."""
    uuid, kind, grade, day, at, undoes, review_id = row
    return LogEntry(uuid, ReviewKind(kind), grade, day, at, undoes, review_id)


def log_entries(conn: Connection, rep: int, card: int) -> list[LogEntry]:
    """The rep's log for one card, as the replay reads it."""
    r = t.reviews.c
    rows = conn.execute(select(*LOG_ENTRY_COLUMNS).where(r.rep_id == rep, r.card_id == card))
    return [log_entry(row) for row in rows]


def _replay_and_save(
    conn: Connection, rep: int, card: int, extra: LogEntry | None = None
) -> tuple[list[Step], Schedule | None]:
    entries = log_entries(conn, rep, card)
    if extra is not None:
        entries.append(extra)
    # The card's revisions are replayed with the log: a log merged later still
    # relearns what changed after its reviews.
    steps = replay(entries, revision_events(conn, card))
    schedule = final(steps)
    existed = conn.scalar(
        select(func.count())
        .select_from(t.card_states)
        .where(t.card_states.c.rep_id == rep, t.card_states.c.card_id == card)
    )
    _save_schedule(conn, rep, card, schedule, existed=bool(existed))
    return steps, schedule


def _write_state_changes(
    conn: Connection, rep: int, card: int, steps: list[Step], new_id: int = _NEW_ENTRY
) -> None:
    changes = t.state_changes.c
    conn.execute(delete(t.state_changes).where(changes.rep_id == rep, changes.card_id == card))
    for step, following in zip(steps, [*steps[1:], None], strict=False):
        review_id = new_id if step.entry.review_id == _NEW_ENTRY else step.entry.review_id
        assert step.entry.grade is not None
        until = step.ended_on or (following.entry.review_date if following else None)
        _insert_state_change(conn, review_id, rep, card, step.entry.grade, step.schedule, until)


def rebuild_schedule(conn: Connection, rep: int, card: int) -> Schedule | None:
    """Recompute a rep's state for a card from the review log, and store it."""
    steps, schedule = _replay_and_save(conn, rep, card)
    _write_state_changes(conn, rep, card, steps)
    return schedule
