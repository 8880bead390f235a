"""Reading reps, cards, their states and their history.

Lookups by the names users type (``deck/card``, a rep's name), the current
schedule of a card for a rep, the log of its reviews, and the selection
filters shared by drills, status and reports. Writing reviews is
:mod:`repdrill.store.record`; loading decks is :mod:`repdrill.store.load`.
Every function takes a connection inside a transaction the caller owns.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, exists, func, not_, select

from repdrill.cards import CardView, HistoryEntry, Scope
from repdrill.errors import AmbiguousCard, EmptyScope, UnknownCard, UnknownDeck
from repdrill.schedule.replay import ReviewKind, Revision, Schedule
from repdrill.schedule.rules import DAYS_MET_WINDOW, cleared_clause, days_met_since, due_clause
from repdrill.schedule.sm2 import SM2State
from repdrill.store import tables as t
from repdrill.store._sql import chunks, insert_ignoring_duplicates
from repdrill.store.reps import hold_days, on_hold_clause

# -- selections -----------------------------------------------------------------


def active_card() -> ColumnElement[bool]:
    """A card still in its deck (not retired)."""
    return t.cards.c.retired_at.is_(None)


def scope_filter(scope: Scope) -> list[ColumnElement[bool]]:
    """WHERE clauses for a query that joins ``cards`` and ``decks``."""
    clauses: list[ColumnElement[bool]] = []
    if scope.decks:
        clauses.append(t.decks.c.slug.in_(scope.decks))
    for tag in scope.tags:
        # An alias, so the test never correlates with a card_tags the outer query joins.
        tagged = t.card_tags.alias()
        clauses.append(exists().where(tagged.c.card_id == t.cards.c.id, tagged.c.tag == tag))
    return clauses


def deck_slugs(conn: Connection) -> list[str]:
    return list(conn.scalars(select(t.decks.c.slug).order_by(t.decks.c.slug)))


def check_decks(conn: Connection, decks: Iterable[str]) -> None:
    """Raise :class:`UnknownDeck` naming every deck id that is not loaded."""
    known = deck_slugs(conn)
    unknown = [d for d in decks if d not in known]
    if unknown:
        raise UnknownDeck(unknown, known)


def check_scope(conn: Connection, scope: Scope) -> None:
    """Unknown decks and selections that match no active card are errors, not empty results."""
    check_decks(conn, scope.decks)
    if not deck_slugs(conn):
        raise EmptyScope("no decks loaded yet; run 'repdrill load PATH' or 'repdrill drill PATH'")
    matching = conn.scalar(
        select(func.count())
        .select_from(t.cards.join(t.decks))
        .where(active_card(), *scope_filter(scope))
    )
    if not matching:
        wanted = " and ".join(f"tag '{tag}'" for tag in scope.tags) or "this selection"
        raise EmptyScope(f"no active card matches {wanted}")


# -- reps -----------------------------------------------------------------------


def rep_id(conn: Connection, name: str) -> int | None:
    return conn.scalar(select(t.reps.c.id).where(t.reps.c.name == name))


def ensure_rep(conn: Connection, name: str, now: dt.datetime) -> int:
    """The rep's id, creating the rep on first use (safe against a concurrent creator)."""
    found = rep_id(conn, name)
    if found is not None:
        return found
    conn.execute(insert_ignoring_duplicates(conn, t.reps).values(name=name, created_at=now))
    created = rep_id(conn, name)
    assert created is not None
    return created


def lock_rep(conn: Connection, rep: int) -> None:
    """Serialise one rep's grades across connections (two terminals, two laptops syncing).

    PostgreSQL takes a row lock on the rep until the transaction ends; SQLite
    already holds its write lock from BEGIN IMMEDIATE.
    """
    conn.execute(select(t.reps.c.id).where(t.reps.c.id == rep).with_for_update())


# -- cards ----------------------------------------------------------------------

_CARD_COLUMNS = (
    t.cards.c.id,
    t.decks.c.slug,
    t.cards.c.slug,
    t.card_versions.c.prompt,
    t.card_versions.c.answer,
    t.card_versions.c.type,
    t.card_versions.c.tags,
    t.card_versions.c.key_points,
    t.card_versions.c.red_flags,
    t.card_versions.c.explanation,
    t.card_versions.c.source,
    t.cards.c.current_hash,
    t.decks.c.min_interval_days,
    t.cards.c.retired_at,
    t.decks.c.language,
    t.card_versions.c.choices,
    t.cards.c.revision,
)


def _card_query() -> Select[Any]:
    current = and_(
        t.card_versions.c.card_id == t.cards.c.id,
        t.card_versions.c.content_hash == t.cards.c.current_hash,
    )
    return select(*_CARD_COLUMNS).select_from(t.cards.join(t.decks).join(t.card_versions, current))


def _card_view(row: Any) -> CardView:
    return CardView(
        db_id=row[0],
        deck=row[1],
        id=row[2],
        prompt=row[3],
        answer=row[4],
        type=row[5],
        tags=tuple(json.loads(row[6])),
        key_points=tuple(tuple(p) for p in json.loads(row[7])),
        red_flags=tuple(tuple(p) for p in json.loads(row[8])),
        explanation=row[9],
        source=row[10],
        content_hash=row[11],
        min_interval_days=row[12],
        retired=row[13] is not None,
        language=row[14],
        revision=row[16],
        **_choices(row[15]),
    )


def _choices(stored: str | None) -> dict[str, Any]:
    """A stored multiple-choice card's choices, right one and whys, as CardView takes them."""
    if not stored:
        return {}
    items = json.loads(stored)
    return {
        "choices": tuple(i["text"] for i in items),
        "correct": next((n for n, i in enumerate(items) if i["correct"]), None),
        "why": tuple(i["why"] for i in items),
    }


def card_views(conn: Connection, ids: Iterable[int]) -> dict[int, CardView]:
    """The cards with these database ids, by id."""
    views: dict[int, CardView] = {}
    for chunk in chunks(list(ids)):
        for row in conn.execute(_card_query().where(t.cards.c.id.in_(chunk))):
            view = _card_view(row)
            views[view.db_id] = view
    return views


def find_card(conn: Connection, ref: str) -> CardView:
    """Resolve ``deck/card``, or a bare card id that only one deck uses."""
    query = _card_query()
    if "/" in ref:
        deck, _, slug = ref.partition("/")
        rows = conn.execute(query.where(t.decks.c.slug == deck, t.cards.c.slug == slug)).all()
    else:
        rows = conn.execute(query.where(t.cards.c.slug == ref).order_by(t.decks.c.slug)).all()
    if not rows:
        raise UnknownCard(ref)
    if len(rows) > 1:
        raise AmbiguousCard(ref, [f"{r[1]}/{r[2]}" for r in rows])
    return _card_view(rows[0])


def list_cards(conn: Connection, scope: Scope, *, retired: bool = False) -> list[CardView]:
    """The cards in ``scope`` in deck order, active ones only unless ``retired``."""
    query = _card_query().where(*scope_filter(scope))
    if not retired:
        query = query.where(active_card())
    rows = conn.execute(query.order_by(t.decks.c.slug, t.cards.c.position))
    return [_card_view(row) for row in rows]


def review_by_dates(conn: Connection, deck: str) -> dict[str, dt.date]:
    """The review-by date of each active card of ``deck`` that has one, by card id."""
    c = t.cards.c
    rows = conn.execute(
        select(c.slug, c.review_by)
        .select_from(t.cards.join(t.decks))
        .where(t.decks.c.slug == deck, c.review_by.is_not(None), active_card())
    )
    return {slug: day for slug, day in rows}


# -- schedules ------------------------------------------------------------------

_STATE_COLUMNS = (
    t.card_states.c.repetitions,
    t.card_states.c.easiness_x100,
    t.card_states.c.interval_days,
    t.card_states.c.due,
    t.card_states.c.last_review_date,
    t.card_states.c.introduced_on,
    t.card_states.c.lapses,
    t.card_states.c.reviews,
)


def schedule_from_row(row: Any) -> Schedule:
    """A :class:`Schedule` from the ``card_states`` columns in table order."""
    repetitions, easiness_x100, interval, due, last, introduced, lapses, reviews = row
    return Schedule(
        state=SM2State.from_x100(repetitions, easiness_x100, interval),
        due=due,
        last_review_date=last,
        introduced_on=introduced,
        lapses=lapses,
        reviews=reviews,
    )


def schedule_of(conn: Connection, rep: int | None, card: int) -> Schedule | None:
    """The rep's schedule for a card, ``None`` for a card never reviewed."""
    if rep is None:
        return None
    row = conn.execute(
        select(*_STATE_COLUMNS).where(
            t.card_states.c.rep_id == rep, t.card_states.c.card_id == card
        )
    ).first()
    return None if row is None else schedule_from_row(row)


def revision_events(conn: Connection, card: int) -> list[Revision]:
    """The card's changes of message, oldest first: input to the replay, like the log."""
    v = t.card_revisions.c
    rows = conn.execute(
        select(v.revision, v.revised_on, v.revised_at)
        .where(v.card_id == card)
        .order_by(v.revised_on, v.revised_at)
    )
    return [Revision(revision, day, at) for revision, day, at in rows]


def revised_after(conn: Connection, card: int, day: dt.date, at: dt.datetime) -> bool:
    """Whether the card has a revision later than ``day`` and ``at`` in the replay's order."""
    v = t.card_revisions.c
    later = and_(
        v.card_id == card, (v.revised_on > day) | ((v.revised_on == day) & (v.revised_at > at))
    )
    return conn.scalar(select(exists().where(later))) or False


def due_count(conn: Connection, rep: int, today: dt.date) -> int:
    """Reviews due for the rep today or earlier, over every active card; none while on hold."""
    return conn.scalar(due_count_query(rep, today)) or 0


def due_count_query(rep: Any, today: Any) -> Select[int]:
    """The count :func:`due_count` runs; ``rep`` and ``today`` may be bound parameters.

    Recording a grade runs it inside the statement that logs the review.
    """
    return (
        select(func.count())
        .select_from(t.card_states.join(t.cards))
        .where(
            t.card_states.c.rep_id == rep,
            due_clause(t.card_states.c.due, today),
            active_card(),
            not_(on_hold_clause(rep, today)),  # type: ignore[call-overload]
        )
    )


# -- history --------------------------------------------------------------------


def history(conn: Connection, rep: int | None, card: int) -> list[HistoryEntry]:
    """Every logged review of a card by the rep, oldest first, undos included."""
    if rep is None:
        return []
    r = t.reviews.c
    rows = conn.execute(
        select(
            r.uuid,
            r.kind,
            r.grade,
            r.suggested_grade,
            r.review_date,
            r.reviewed_at,
            r.card_hash,
            r.answer,
            r.undoes,
        )
        .where(r.rep_id == rep, r.card_id == card)
        .order_by(r.review_date, r.reviewed_at, r.id)
    ).all()
    undone = {row.undoes for row in rows if row.undoes}
    return [
        HistoryEntry(
            review_id=row.uuid,
            kind=ReviewKind(row.kind),
            grade=row.grade,
            suggested_grade=row.suggested_grade,
            review_date=row.review_date,
            reviewed_at=row.reviewed_at,
            card_hash=row.card_hash,
            answer=row.answer,
            undoes=row.undoes,
            undone=row.uuid in undone,
        )
        for row in rows
    ]


def days_met(conn: Connection, rep: int | None, today: dt.date) -> int:
    """Days in the last :data:`DAYS_MET_WINDOW` (today included) the rep cleared what was due.

    Days on hold count as met: time off never lowers the count.
    """
    if rep is None:
        return 0
    r = t.reviews.c
    since = days_met_since(today, DAYS_MET_WINDOW)
    cleared = conn.scalars(
        select(r.review_date)
        .where(
            r.rep_id == rep,
            cleared_clause(r.due_remaining),
            r.review_date >= since,
            r.review_date <= today,
        )
        .distinct()
    )
    return len({*cleared, *hold_days(conn, rep, since, today)})


def timing_samples(
    conn: Connection, rep: int | None, limit: int = 400
) -> tuple[list[float], list[float]]:
    """Seconds the rep spent on recent new cards and on recent reviews, from the log.

    The time on a card is the gap between the grade before it and its own
    grade in the same drill session (the next card appears the moment a grade
    is saved). A new card is the day's first grade of a card on the day it was
    introduced; re-drills, cram, undone grades and a session's first card are
    not timed.
    """
    if rep is None:
        return [], []
    r, s = t.reviews.c, t.card_states.c
    rows = conn.execute(
        select(r.reviewed_at, r.session, r.kind, r.review_date, s.introduced_on)
        .select_from(
            t.reviews.outerjoin(t.card_states, and_(s.rep_id == r.rep_id, s.card_id == r.card_id))
        )
        .where(r.rep_id == rep, r.session.is_not(None))
        .order_by(r.reviewed_at.desc())
        .limit(limit)
    ).all()
    new: list[float] = []
    reviews: list[float] = []
    for earlier, later in zip(rows[1:], rows, strict=False):
        if later.session != earlier.session or ReviewKind.UNDO in (earlier.kind, later.kind):
            continue
        if later.kind != ReviewKind.REVIEW:
            continue
        seconds = (later.reviewed_at - earlier.reviewed_at).total_seconds()
        (new if later.review_date == later.introduced_on else reviews).append(seconds)
    return new, reviews
