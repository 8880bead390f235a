"""Which cards a session takes: due reviews, new cards, or a cram subset.

Each is one query returning card ids in the order the drill shows them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, and_, func, select

from repdrill.cards import Scope
from repdrill.schedule.rules import due_clause
from repdrill.schedule.sm2 import INITIAL_EASINESS
from repdrill.store import tables as t
from repdrill.store._sql import count_where
from repdrill.store.read import active_card, scope_filter
from repdrill.store.reps import on_hold

#: A card whose easiness fell below the starting value has given the rep trouble.
INITIAL_EASINESS_X100 = round(INITIAL_EASINESS * 100)


def due_card_ids(
    conn: Connection, rep: int, today: dt.date, scope: Scope = Scope(), limit: int | None = None
) -> list[int]:
    """Active cards due for review, most overdue first; none while the rep is on hold."""
    if on_hold(conn, rep, today):
        return []
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
    if rep is not None and on_hold(conn, rep, today):
        return []
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


def prep_card_ids(conn: Connection, rep: int, today: dt.date, scope: Scope = Scope()) -> list[int]:
    """Every active card in ``scope``, weakest first for this rep, for practice before a call.

    Lapsed and failed cards first (most lapses, then lowest easiness), then
    cards with a low easiness, then cards whose key points the rep's typed
    answers missed most, then cards never seen (in deck order), then the rest
    (lowest easiness first).
    """
    s, r, p = t.card_states.c, t.reviews.c, t.review_points.c
    cards = conn.execute(
        select(t.cards.c.id, s.lapses, s.repetitions, s.easiness_x100, s.card_id.is_not(None))
        .select_from(
            t.cards.join(t.decks).outerjoin(
                t.card_states, and_(s.card_id == t.cards.c.id, s.rep_id == rep)
            )
        )
        .where(active_card(), *scope_filter(scope))
        .order_by(t.decks.c.slug, t.cards.c.position)
    ).all()
    misses = {
        card: (missed or 0) / attempts
        for card, attempts, missed in conn.execute(
            select(r.card_id, func.count(), count_where(p.hit.is_(False)))
            .select_from(t.review_points.join(t.reviews))
            .where(r.rep_id == rep, r.card_id.in_([row[0] for row in cards] or [-1]))
            .group_by(r.card_id)
        )
    }

    def weakness(index: int) -> tuple[int, float, int]:
        card, lapses, repetitions, easiness, seen = cards[index]
        if not seen:
            return (4, 0.0, index)
        if lapses or repetitions == 0:
            return (0, -lapses + easiness / 1000, index)
        if easiness < INITIAL_EASINESS_X100:
            return (1, easiness, index)
        if misses.get(card, 0.0) > 0:
            return (2, -misses[card], index)
        return (5, easiness, index)

    return [cards[i][0] for i in sorted(range(len(cards)), key=weakness)]
