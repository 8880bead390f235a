"""Reading and writing reps, cards, states and the review log.

All SQL outside loading and reports lives here. Writers take a session opened
with ``db.session(write=True)``; each recorded grade is its own transaction,
committed before the caller shows the next card.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session, aliased

from repdrill.config import Clock
from repdrill.errors import NotFound, RepdrillError
from repdrill.history import (
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
from repdrill.ids import uuid7
from repdrill.mastery import is_mastered
from repdrill.models import (
    CardRow,
    CardStateRow,
    CardTagRow,
    CardVersionRow,
    DeckRow,
    RepRow,
    ReviewPointRow,
    ReviewRow,
    StateChangeRow,
)
from repdrill.sm2 import SM2State, check_grade

#: A card lapsed this many times by one rep is a leech.
LEECH_LAPSES = 8
DAYS_MET_WINDOW = 30


# -- values -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardView:
    """A card as a rep sees it: its current text and its deck's settings."""

    card_id: int
    deck: str
    deck_title: str
    slug: str
    prompt: str
    answer: str
    type: str | None
    tags: tuple[str, ...]
    key_points: tuple[tuple[str, ...], ...]
    red_flags: tuple[tuple[str, ...], ...]
    explanation: str | None
    source: str | None
    content_hash: str
    min_interval_days: int
    retired: bool

    @property
    def ref(self) -> str:
        return f"{self.deck}/{self.slug}"


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


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One logged review of a card, for ``card show``."""

    uuid: str
    kind: str
    grade: int | None
    suggested_grade: int | None
    review_date: dt.date
    reviewed_at: dt.datetime
    card_hash: str
    answer: str | None
    undoes: str | None
    undone: bool


@dataclass(frozen=True, slots=True)
class Scope:
    """Which cards a command works on: decks (any of) and tags (all of)."""

    decks: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def where(self) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = []
        if self.decks:
            clauses.append(DeckRow.slug.in_(self.decks))
        for tag in self.tags:
            # An alias, so the test never correlates with a card_tags the outer query joins.
            tagged = aliased(CardTagRow)
            clauses.append(exists().where(tagged.card_id == CardRow.id, tagged.tag == tag))
        return clauses


# -- reps -----------------------------------------------------------------------


def rep_id(session: Session, name: str) -> int | None:
    return session.scalar(select(RepRow.id).where(RepRow.name == name))


def ensure_rep(session: Session, name: str, now: dt.datetime) -> int:
    """The rep's id, creating the rep on first use (safe against a concurrent creator)."""
    found = rep_id(session, name)
    if found is not None:
        return found
    session.execute(_insert_ignoring_duplicates(session, RepRow).values(name=name, created_at=now))
    created = rep_id(session, name)
    assert created is not None
    return created


def _insert_ignoring_duplicates(session: Session, model: type[Any]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING, in the dialect of the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(model).on_conflict_do_nothing()


# -- cards --------------------------------------------------------------------------


def _card_columns() -> Select[*tuple[Any, ...]]:
    query: Select[*tuple[Any, ...]] = (
        select(
            CardRow.id,
            DeckRow.slug,
            DeckRow.title,
            CardRow.slug,
            CardVersionRow.prompt,
            CardVersionRow.answer,
            CardVersionRow.type,
            CardVersionRow.tags,
            CardVersionRow.key_points,
            CardVersionRow.red_flags,
            CardVersionRow.explanation,
            CardVersionRow.source,
            CardRow.current_hash,
            DeckRow.min_interval_days,
            CardRow.retired_at,
        )
        .join(DeckRow, DeckRow.id == CardRow.deck_id)
        .join(
            CardVersionRow,
            and_(
                CardVersionRow.card_id == CardRow.id,
                CardVersionRow.content_hash == CardRow.current_hash,
            ),
        )
    )
    return query


def _card_view(row: Any) -> CardView:
    return CardView(
        card_id=row[0],
        deck=row[1],
        deck_title=row[2],
        slug=row[3],
        prompt=row[4],
        answer=row[5],
        type=row[6],
        tags=tuple(json.loads(row[7])),
        key_points=tuple(tuple(p) for p in json.loads(row[8])),
        red_flags=tuple(tuple(p) for p in json.loads(row[9])),
        explanation=row[10],
        source=row[11],
        content_hash=row[12],
        min_interval_days=row[13],
        retired=row[14] is not None,
    )


def cards_by_id(session: Session, ids: Iterable[int]) -> dict[int, CardView]:
    wanted = list(ids)
    views: dict[int, CardView] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for row in session.execute(_card_columns().where(CardRow.id.in_(chunk))):
            view = _card_view(row)
            views[view.card_id] = view
    return views


def find_card(session: Session, ref: str) -> CardView:
    """Resolve ``deck/card``, or a bare card id that only one deck uses."""
    query = _card_columns()
    if "/" in ref:
        deck, _, slug = ref.partition("/")
        rows = session.execute(query.where(DeckRow.slug == deck, CardRow.slug == slug)).all()
    else:
        rows = session.execute(query.where(CardRow.slug == ref).order_by(DeckRow.slug)).all()
    if not rows:
        raise NotFound(f"no card '{ref}'; name it as deck/card (see 'repdrill status')")
    if len(rows) > 1:
        options = ", ".join(f"{r[1]}/{r[3]}" for r in rows)
        raise RepdrillError(f"card id '{ref}' is in several decks; name one of: {options}")
    return _card_view(rows[0])


# -- schedules --------------------------------------------------------------------


def _schedule(row: CardStateRow | None) -> Schedule | None:
    if row is None:
        return None
    return Schedule(
        state=SM2State.from_x100(row.repetitions, row.easiness_x100, row.interval_days),
        due=row.due,
        last_review_date=row.last_review_date,
        introduced_on=row.introduced_on,
        lapses=row.lapses,
        reviews=row.reviews,
    )


def lock_rep(session: Session, rep: int) -> None:
    """Serialise one rep's grades across connections (two terminals, two laptops syncing).

    PostgreSQL takes a row lock on the rep until the transaction ends; SQLite
    already holds its write lock from BEGIN IMMEDIATE.
    """
    session.execute(select(RepRow.id).where(RepRow.id == rep).with_for_update())


def schedule_of(session: Session, rep: int | None, card_id: int) -> Schedule | None:
    if rep is None:
        return None
    query = select(CardStateRow).where(CardStateRow.rep_id == rep, CardStateRow.card_id == card_id)
    return _schedule(session.scalar(query))


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


def due_count(session: Session, rep: int, today: dt.date) -> int:
    """Reviews due for the rep today or earlier, over every active card."""
    return (
        session.scalar(
            select(func.count())
            .select_from(CardStateRow)
            .join(CardRow, CardRow.id == CardStateRow.card_id)
            .where(
                CardStateRow.rep_id == rep,
                CardStateRow.due <= today,
                CardRow.retired_at.is_(None),
            )
        )
        or 0
    )


# -- recording ----------------------------------------------------------------------


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
        due_remaining=due_count(session, rep, today),
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
        due_remaining=due_count(session, rep, today),
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


# -- reading history --------------------------------------------------------------


def history(session: Session, rep: int | None, card_id: int) -> list[HistoryEntry]:
    """Every logged review of a card by the rep, oldest first, undos included."""
    if rep is None:
        return []
    rows = session.execute(
        select(
            ReviewRow.uuid,
            ReviewRow.kind,
            ReviewRow.grade,
            ReviewRow.suggested_grade,
            ReviewRow.review_date,
            ReviewRow.reviewed_at,
            ReviewRow.card_hash,
            ReviewRow.answer,
            ReviewRow.undoes,
        )
        .where(ReviewRow.rep_id == rep, ReviewRow.card_id == card_id)
        .order_by(ReviewRow.review_date, ReviewRow.reviewed_at, ReviewRow.id)
    ).all()
    undone = {row.undoes for row in rows if row.undoes}
    return [HistoryEntry(*row, undone=row.uuid in undone) for row in rows]


def days_met(
    session: Session, rep: int | None, today: dt.date, window: int = DAYS_MET_WINDOW
) -> int:
    """Days in the last ``window`` (today included) on which the rep cleared what was due."""
    if rep is None:
        return 0
    return (
        session.scalar(
            select(func.count(func.distinct(ReviewRow.review_date))).where(
                ReviewRow.rep_id == rep,
                ReviewRow.due_remaining == 0,
                ReviewRow.review_date > today - dt.timedelta(days=window),
                ReviewRow.review_date <= today,
            )
        )
        or 0
    )


def scope_problems(session: Session, scope: Scope) -> str | None:
    """Say what is wrong with a scope that names unknown decks or matches no card."""
    known = list(session.scalars(select(DeckRow.slug).order_by(DeckRow.slug)))
    unknown = [d for d in scope.decks if d not in known]
    if unknown:
        listed = ", ".join(known) if known else "none yet; run 'repdrill load PATH'"
        return f"no deck {', '.join(map(repr, unknown))}; decks loaded: {listed}"
    if not known:
        return "no decks loaded yet; run 'repdrill load PATH' or 'repdrill drill PATH'"
    matching = session.scalar(
        select(func.count())
        .select_from(CardRow)
        .join(DeckRow, DeckRow.id == CardRow.deck_id)
        .where(CardRow.retired_at.is_(None), *scope.where())
    )
    if not matching:
        wanted = " and ".join(f"tag '{t}'" for t in scope.tags) or "this selection"
        return f"no active card matches {wanted}"
    return None
