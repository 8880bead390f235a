"""A rep's standing, per deck: what is due, what is new, what is mastered.

The query behind ``repdrill status``, the drill's summary and its count of
new cards left today: one aggregate in SQL, so it stays fast on large decks
and long logs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, and_, case, func, literal, select

from repdrill.cards import Scope
from repdrill.schedule.rules import (
    due_clause,
    leech_clause,
    mastered_clause,
    overdue_clause,
)
from repdrill.standing import DeckProgress
from repdrill.store import tables as t
from repdrill.store._sql import count_where
from repdrill.store.read import active_card, scope_filter


@dataclass(frozen=True, slots=True)
class TagProgress:
    """One rep's mastery of the active cards carrying one tag."""

    tag: str
    active_cards: int
    mastered: int

    @property
    def complete(self) -> bool:
        return self.active_cards > 0 and self.mastered == self.active_cards


def tag_progress(conn: Connection, rep: int, tags: Iterable[str]) -> list[TagProgress]:
    """Mastered of active cards, for each of ``tags``."""
    wanted = sorted(set(tags))
    if not wanted:
        return []
    state = t.card_states.c
    mastered = mastered_clause(state.interval_days, t.decks.c.min_interval_days)
    query = (
        select(
            t.card_tags.c.tag,
            func.count(),
            count_where(and_(state.card_id.is_not(None), mastered)),
        )
        .select_from(
            t.card_tags.join(t.cards)
            .join(t.decks)
            .outerjoin(t.card_states, and_(state.card_id == t.cards.c.id, state.rep_id == rep))
        )
        .where(t.card_tags.c.tag.in_(wanted), active_card())
        .group_by(t.card_tags.c.tag)
        .order_by(t.card_tags.c.tag)
    )
    return [TagProgress(tag, int(n), int(m)) for tag, n, m in conn.execute(query)]


def deck_progress(
    conn: Connection, rep: int | None, today: dt.date, scope: Scope = Scope()
) -> list[DeckProgress]:
    """Every deck in ``scope`` with the rep's counts, one aggregate query."""
    rep_key = -1 if rep is None else rep
    state = t.card_states.c
    active = active_card()
    started = state.card_id.is_not(None)
    introduced_today = (
        select(t.cards.c.deck_id, func.count().label("n"))
        .select_from(t.cards.join(t.card_states))
        .where(state.rep_id == rep_key, state.introduced_on == today)
        .group_by(t.cards.c.deck_id)
        .subquery()
    )

    def started_and(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return count_where(and_(active, started, condition))

    query = (
        select(
            t.decks.c.slug,
            t.decks.c.title,
            count_where(active),
            count_where(~active),
            started_and(due_clause(state.due, today)),
            started_and(overdue_clause(state.due, today)),
            count_where(and_(active, ~started)),
            started_and(mastered_clause(state.interval_days, t.decks.c.min_interval_days)),
            started_and(leech_clause(state.lapses)),
            func.min(case((and_(active, state.due > today), state.due))),
            t.decks.c.new_per_day,
            func.coalesce(func.max(introduced_today.c.n), literal(0)),
        )
        .select_from(
            t.decks.join(t.cards)
            .outerjoin(
                t.card_states,
                and_(state.card_id == t.cards.c.id, state.rep_id == rep_key),
            )
            .outerjoin(introduced_today, introduced_today.c.deck_id == t.decks.c.id)
        )
        .where(*scope_filter(scope))
        .group_by(t.decks.c.id, t.decks.c.slug, t.decks.c.title, t.decks.c.new_per_day)
        .order_by(t.decks.c.slug)
    )
    result = []
    for row in conn.execute(query):
        result.append(DeckProgress.from_row(row, row[9]))
    return result
