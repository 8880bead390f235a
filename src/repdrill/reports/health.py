"""Deck health for authors: where a deck fails the team.

For each deck: the cards with the highest lapse rate (and how many reps they
have become leeches for), the key points typed answers miss most, and the
active cards nobody has reviewed yet. All of it aggregated in SQL, over the
whole history unless a start day is given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from repdrill.reports.report import (
    HardCard,
    MissedPoint,
    ReportScope,
    card_texts,
    hardest_cards,
    missed_points,
)
from repdrill.store.read import LEECH_LAPSES, Scope
from repdrill.store.tables import CardRow, CardStateRow, DeckRow, ReviewRow

BEGINNING = dt.date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class DeckHealth:
    deck: str
    title: str
    active: int
    reviewed: int
    failing: list[HardCard]
    leeches: dict[str, int]
    missed_points: list[MissedPoint]
    unreviewed: list[str]


def deck_health(
    session: Session,
    decks: list[str],
    *,
    today: dt.date,
    since: dt.date | None = None,
    limit: int = 10,
) -> list[DeckHealth]:
    """Health of each named deck (every deck when ``decks`` is empty)."""
    query = select(DeckRow.id, DeckRow.slug, DeckRow.title).order_by(DeckRow.slug)
    if decks:
        query = query.where(DeckRow.slug.in_(decks))
    result = []
    for deck_id, slug, title in session.execute(query).all():
        scope = ReportScope(until=today, since=since or BEGINNING, cards=Scope(decks=(slug,)))
        active_ids = list(
            session.scalars(
                select(CardRow.id)
                .where(CardRow.deck_id == deck_id, CardRow.retired_at.is_(None))
                .order_by(CardRow.position)
            )
        )
        reviewed = set(
            session.scalars(
                select(ReviewRow.card_id)
                .join(CardRow, CardRow.id == ReviewRow.card_id)
                .where(CardRow.deck_id == deck_id)
                .distinct()
            )
        )
        never = [card_id for card_id in active_ids if card_id not in reviewed]
        texts = card_texts(session, never) if never else {}
        failing = hardest_cards(session, scope, {}, limit)
        result.append(
            DeckHealth(
                deck=slug,
                title=title,
                active=len(active_ids),
                reviewed=len(active_ids) - len(never),
                failing=failing,
                leeches=_leeches(session, deck_id),
                missed_points=missed_points(session, scope, {}, limit),
                unreviewed=[texts[c][1] for c in never],
            )
        )
    return result


def _leeches(session: Session, deck_id: int) -> dict[str, int]:
    """For each card, the number of reps it has become a leech for."""
    rows = session.execute(
        select(CardRow.slug, func.count())
        .join(CardStateRow, CardStateRow.card_id == CardRow.id)
        .where(CardRow.deck_id == deck_id, CardStateRow.lapses >= LEECH_LAPSES)
        .group_by(CardRow.slug)
    )
    return {slug: int(count) for slug, count in rows}
