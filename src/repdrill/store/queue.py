"""Which cards a session takes: due reviews, new cards, or a cram subset.

Each is one query returning card ids in the order the drill shows them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, func, select

from repdrill.cards import Scope
from repdrill.schedule.rules import due_clause
from repdrill.store import tables as t
from repdrill.store.read import active_card, scope_filter


def due_card_ids(
    conn: Connection, rep: int, today: dt.date, scope: Scope = Scope(), limit: int | None = None
) -> list[int]:
    """Active cards due for review, most overdue first."""
    query = (
        select(t.cards.c.id)
        .select_from(t.cards.join(t.card_states).join(t.decks))
        .where(
            t.card_states.c.rep_id == rep,
            due_clause(t.card_states.c.due, today),
            active_card(),
            *scope_filter(scope),
        )
        .order_by(t.card_states.c.due, t.decks.c.slug, t.cards.c.position)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(conn.scalars(query))


def new_card_ids(
    conn: Connection,
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
        select(t.card_states.c.card_id)
        .where(t.card_states.c.rep_id == rep_key, t.card_states.c.card_id == t.cards.c.id)
        .exists()
    )
    unseen = (active_card(), ~seen, *scope_filter(scope))
    if total is not None:
        query = (
            select(t.cards.c.id)
            .select_from(t.cards.join(t.decks))
            .where(*unseen)
            .order_by(t.decks.c.slug, t.cards.c.position)
            .limit(total)
        )
        return list(conn.scalars(query))
    allowance = {
        row[0]: max(0, row[1] - row[2]) for row in conn.execute(_allowance_query(rep_key, today))
    }
    ranked = (
        select(
            t.cards.c.id,
            t.cards.c.deck_id,
            func.row_number()
            .over(partition_by=t.cards.c.deck_id, order_by=t.cards.c.position)
            .label("rank"),
        )
        .select_from(t.cards.join(t.decks))
        .where(*unseen)
        .subquery()
    )
    cap = max(allowance.values(), default=0)
    rows = conn.execute(
        select(ranked.c.id, ranked.c.deck_id, ranked.c.rank)
        .join(t.decks, t.decks.c.id == ranked.c.deck_id)
        .where(ranked.c.rank <= cap)
        .order_by(t.decks.c.slug, ranked.c.rank)
    )
    return [card_id for card_id, deck_id, rank in rows if rank <= allowance.get(deck_id, 0)]


def _allowance_query(rep_key: int, today: dt.date) -> Any:
    """Each deck's new-card limit and how many new cards the rep began today."""
    used = (
        select(func.count())
        .select_from(t.card_states.join(t.cards))
        .where(
            t.card_states.c.rep_id == rep_key,
            t.card_states.c.introduced_on == today,
            t.cards.c.deck_id == t.decks.c.id,
        )
        .scalar_subquery()
    )
    return select(t.decks.c.id, t.decks.c.new_per_day, used)


def cram_card_ids(conn: Connection, scope: Scope = Scope(), limit: int | None = None) -> list[int]:
    """Every active card in ``scope``, in deck file order."""
    query = (
        select(t.cards.c.id)
        .select_from(t.cards.join(t.decks))
        .where(active_card(), *scope_filter(scope))
        .order_by(t.decks.c.slug, t.cards.c.position)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(conn.scalars(query))
