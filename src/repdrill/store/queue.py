"""A rep's standing, per deck: what is due, what is new, what is mastered.

These are the queries behind ``repdrill status`` and behind the drill's queue;
each is one aggregate in SQL, so they stay fast on large decks and long logs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, select
from sqlalchemy.orm import Session

from repdrill.store.read import LEECH_LAPSES, Scope
from repdrill.store.tables import CardRow, CardStateRow, DeckRow


@dataclass(frozen=True, slots=True)
class DeckProgress:
    """One rep's standing in one deck on one day."""

    deck: str
    title: str
    active: int
    retired: int
    due: int
    overdue: int
    new_available: int
    unseen: int
    mastered: int
    leeches: int
    next_due: dt.date | None

    @property
    def mastery_percent(self) -> float:
        return 0.0 if self.active == 0 else 100.0 * self.mastered / self.active


def deck_progress(
    session: Session, rep: int | None, today: dt.date, scope: Scope = Scope()
) -> list[DeckProgress]:
    """Every deck in ``scope`` with the rep's counts, one aggregate query."""
    rep_key = -1 if rep is None else rep
    state = CardStateRow
    active = CardRow.retired_at.is_(None)
    started = state.card_id.is_not(None)

    def count(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    introduced_today = (
        select(CardRow.deck_id, func.count().label("n"))
        .join(state, state.card_id == CardRow.id)
        .where(state.rep_id == rep_key, state.introduced_on == today)
        .group_by(CardRow.deck_id)
        .subquery()
    )
    query = (
        select(
            DeckRow.slug,
            DeckRow.title,
            count(active),
            count(~active),
            count(and_(active, started, state.due <= today)),
            count(and_(active, started, state.due < today)),
            count(and_(active, ~started)),
            count(and_(active, started, state.interval_days >= DeckRow.min_interval_days)),
            count(and_(active, started, state.lapses >= LEECH_LAPSES)),
            func.min(case((and_(active, state.due > today), state.due))),
            DeckRow.new_per_day,
            func.coalesce(func.max(introduced_today.c.n), literal(0)),
        )
        .join(CardRow, CardRow.deck_id == DeckRow.id)
        .outerjoin(state, and_(state.card_id == CardRow.id, state.rep_id == rep_key))
        .outerjoin(introduced_today, introduced_today.c.deck_id == DeckRow.id)
        .where(*scope.where())
        .group_by(DeckRow.id, DeckRow.slug, DeckRow.title, DeckRow.new_per_day)
        .order_by(DeckRow.slug)
    )
    result = []
    for row in session.execute(query):
        (slug, title, n_active, n_retired, due, overdue, unseen, mastered, leeches, next_due) = row[
            :10
        ]
        new_per_day, introduced = row[10], row[11]
        result.append(
            DeckProgress(
                deck=slug,
                title=title,
                active=n_active,
                retired=n_retired,
                due=due,
                overdue=overdue,
                new_available=max(0, min(unseen, new_per_day - introduced)),
                unseen=unseen,
                mastered=mastered,
                leeches=leeches,
                next_due=next_due,
            )
        )
    return result


def due_card_ids(
    session: Session, rep: int, today: dt.date, scope: Scope = Scope(), limit: int | None = None
) -> list[int]:
    """Active cards due for review, most overdue first."""
    query = (
        select(CardRow.id)
        .join(CardStateRow, CardStateRow.card_id == CardRow.id)
        .join(DeckRow, DeckRow.id == CardRow.deck_id)
        .where(
            CardStateRow.rep_id == rep,
            CardStateRow.due <= today,
            CardRow.retired_at.is_(None),
            *scope.where(),
        )
        .order_by(CardStateRow.due, DeckRow.slug, CardRow.position)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def new_card_ids(
    session: Session,
    rep: int | None,
    today: dt.date,
    scope: Scope = Scope(),
    total: int | None = None,
) -> list[int]:
    """Cards the rep has never reviewed, in deck file order.

    Each deck gives at most what is left of its ``new_per_day`` today; a
    ``total`` replaces those limits with one number for the whole session.
    """
    rep_key = -1 if rep is None else rep
    seen = (
        select(CardStateRow.card_id)
        .where(CardStateRow.rep_id == rep_key, CardStateRow.card_id == CardRow.id)
        .exists()
    )
    if total is not None:
        query = (
            select(CardRow.id)
            .join(DeckRow, DeckRow.id == CardRow.deck_id)
            .where(CardRow.retired_at.is_(None), ~seen, *scope.where())
            .order_by(DeckRow.slug, CardRow.position)
            .limit(total)
        )
        return list(session.scalars(query))
    allowance = {
        row[0]: max(0, row[1] - row[2])  # type: ignore[misc]
        for row in session.execute(_allowance_query(rep_key, today))
    }
    ranked = (
        select(
            CardRow.id,
            CardRow.deck_id,
            func.row_number()
            .over(partition_by=CardRow.deck_id, order_by=CardRow.position)
            .label("rank"),
        )
        .join(DeckRow, DeckRow.id == CardRow.deck_id)
        .where(CardRow.retired_at.is_(None), ~seen, *scope.where())
        .subquery()
    )
    cap = max(allowance.values(), default=0)
    rows = session.execute(
        select(ranked.c.id, ranked.c.deck_id, ranked.c.rank)
        .join(DeckRow, DeckRow.id == ranked.c.deck_id)
        .where(ranked.c.rank <= cap)
        .order_by(DeckRow.slug, ranked.c.rank)
    )
    return [card_id for card_id, deck_id, rank in rows if rank <= allowance.get(deck_id, 0)]


def _allowance_query(rep_key: int, today: dt.date) -> Select[tuple[int, int, int]]:
    """Each deck's new-card limit and how many new cards the rep began today."""
    used = (
        select(func.count())
        .select_from(CardStateRow)
        .join(CardRow, CardRow.id == CardStateRow.card_id)
        .where(
            CardStateRow.rep_id == rep_key,
            CardStateRow.introduced_on == today,
            CardRow.deck_id == DeckRow.id,
        )
        .scalar_subquery()
    )
    return select(DeckRow.id, DeckRow.new_per_day, used)


def card_ids(session: Session, scope: Scope = Scope(), limit: int | None = None) -> list[int]:
    """Every active card in ``scope``, in deck file order (for cram)."""
    query = (
        select(CardRow.id)
        .join(DeckRow, DeckRow.id == CardRow.deck_id)
        .where(CardRow.retired_at.is_(None), *scope.where())
        .order_by(DeckRow.slug, CardRow.position)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))
