"""Reps, cards, their states and their history, as the rest of repdrill reads them.

Lookups by the names users type (``deck/card``, a rep's name), the current
schedule of a card for a rep, the log of its reviews, and the scope filters
shared by drills, status and reports. Writing reviews is
:mod:`repdrill.store.record`; loading decks is :mod:`repdrill.store.load`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from repdrill.errors import NotFound, RepdrillError
from repdrill.schedule.replay import Schedule
from repdrill.schedule.sm2 import SM2State
from repdrill.store.tables import (
    CardRow,
    CardStateRow,
    CardTagRow,
    CardVersionRow,
    DeckRow,
    RepRow,
    ReviewRow,
)

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
