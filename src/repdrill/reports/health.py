"""Deck health for authors: where a deck fails the team.

For each deck: the cards with the highest lapse rate (and how many reps they
have become leeches for), the key points typed answers miss most, and the
active cards nobody has reviewed yet. All of it aggregated in SQL, over the
whole history unless a start day is given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from repdrill.cards import Scope
from repdrill.reports.report import (
    HardCard,
    MissedPoint,
    ReportScope,
    card_texts,
    hardest_cards,
    missed_points,
)
from repdrill.schedule.rules import leech_clause
from repdrill.store import tables as t
from repdrill.store.read import active_card

BEGINNING = dt.date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class DeckHealth:
    deck: str
    title: str
    active_cards: int
    reviewed_cards: int
    failing: list[HardCard]
    #: For each card, the number of reps it has become a leech for.
    leeches: dict[str, int]
    missed_points: list[MissedPoint]
    unreviewed: list[str]

    def to_json(self) -> dict[str, object]:
        return {
            "deck": self.deck,
            "title": self.title,
            "active_cards": self.active_cards,
            "reviewed_cards": self.reviewed_cards,
            "failing_cards": [
                {
                    "card": f.card,
                    "reviews": f.reviews,
                    "lapses": f.lapses,
                    "lapse_percent": round(f.lapse_percent, 1),
                    "rep_count": f.reps,
                    "leech_rep_count": self.leeches.get(f.card, 0),
                    "prompt": f.prompt,
                }
                for f in self.failing
            ],
            "leeches": [
                {"card": card, "leech_rep_count": reps} for card, reps in self.leeches.items()
            ],
            "missed_points": [
                {
                    "card": m.card,
                    "key_point": m.point,
                    "attempts": m.attempts,
                    "misses": m.misses,
                    "miss_percent": round(m.miss_percent, 1),
                }
                for m in self.missed_points
            ],
            "unreviewed_ids": list(self.unreviewed),
        }


@dataclass(frozen=True, slots=True)
class HealthReport:
    """Deck health for every deck asked about, in deck order."""

    decks: tuple[DeckHealth, ...]

    def to_json(self) -> list[dict[str, object]]:
        return [deck.to_json() for deck in self.decks]


def deck_health(
    conn: Connection,
    decks: list[str],
    *,
    today: dt.date,
    since: dt.date | None = None,
    limit: int = 10,
) -> HealthReport:
    """Health of each named deck (every deck when ``decks`` is empty)."""
    query = select(t.decks.c.id, t.decks.c.slug, t.decks.c.title).order_by(t.decks.c.slug)
    if decks:
        query = query.where(t.decks.c.slug.in_(decks))
    result = []
    for deck_id, slug, title in conn.execute(query).all():
        scope = ReportScope(until=today, since=since or BEGINNING, cards=Scope(decks=(slug,)))
        active_ids = list(
            conn.scalars(
                select(t.cards.c.id)
                .where(t.cards.c.deck_id == deck_id, active_card())
                .order_by(t.cards.c.position)
            )
        )
        reviewed = set(
            conn.scalars(
                select(t.reviews.c.card_id)
                .select_from(t.reviews.join(t.cards, t.cards.c.id == t.reviews.c.card_id))
                .where(t.cards.c.deck_id == deck_id)
                .distinct()
            )
        )
        never = [card_id for card_id in active_ids if card_id not in reviewed]
        texts = card_texts(conn, never) if never else {}
        result.append(
            DeckHealth(
                deck=slug,
                title=title,
                active_cards=len(active_ids),
                reviewed_cards=len(active_ids) - len(never),
                failing=hardest_cards(conn, scope, {}, limit),
                leeches=_leeches(conn, deck_id),
                missed_points=missed_points(conn, scope, {}, limit),
                unreviewed=[texts[c][1] for c in never],
            )
        )
    return HealthReport(tuple(result))


def _leeches(conn: Connection, deck_id: int) -> dict[str, int]:
    """For each card, the number of reps it has become a leech for."""
    rows = conn.execute(
        select(t.cards.c.slug, func.count())
        .select_from(t.cards.join(t.card_states))
        .where(t.cards.c.deck_id == deck_id, leech_clause(t.card_states.c.lapses))
        .group_by(t.cards.c.slug)
        .order_by(t.cards.c.slug)
    )
    return {slug: int(count) for slug, count in rows}
