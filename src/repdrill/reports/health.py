"""Deck health for authors: where a deck fails the team.

For each deck: the cards with the highest lapse rate (and how many reps they
have become leeches for), the key points typed answers miss most, and the
active cards nobody has reviewed yet, and what is due for review by the
deck's owner (``review_by`` dates that have come). All of it aggregated in
SQL, over the whole history unless a start day is given.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlalchemy import Connection, Table, case, func, select

from repdrill.cards import Scope
from repdrill.reports.report import (
    HardCard,
    MissedPoint,
    ReportScope,
    card_texts,
    hardest_cards,
    missed_points,
)
from repdrill.schedule.rules import leech_clause, review_due_clause
from repdrill.store import tables as t
from repdrill.store.read import active_card
from repdrill.store.team import choice_answers

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
    #: How often reps overrode the suggested grade, per card.
    overrides: list[Overrides] = field(default_factory=list)
    #: Wrong choices of multiple-choice cards and the share of reps who picked them.
    wrong_choices: list[WrongChoice] = field(default_factory=list)
    #: The deck's owner, and the deck or cards whose review-by date has come.
    owner: str | None = None
    review_due: list[ReviewDue] = field(default_factory=list)

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
            "overrides": [o.to_json() for o in self.overrides],
            "wrong_choices": [w.to_json() for w in self.wrong_choices],
            "owner": self.owner,
            "review_due": [r.to_json() for r in self.review_due],
        }


@dataclass(frozen=True, slots=True)
class Overrides:
    """One card's suggested grades and how reps overrode them."""

    card: str
    suggested: int
    overridden: int
    #: Mean of (rep's grade - suggested grade) over the overridden reviews.
    mean_change: float

    def to_json(self) -> dict[str, object]:
        return {
            "card": self.card,
            "suggested_reviews": self.suggested,
            "overridden_reviews": self.overridden,
            "override_percent": round(100 * self.overridden / self.suggested, 1),
            "mean_override": round(self.mean_change, 2),
        }


@dataclass(frozen=True, slots=True)
class WrongChoice:
    """A wrong choice reps picked: a misconception worth a coaching note."""

    card: str
    choice: str
    reps: int
    answering_reps: int

    def to_json(self) -> dict[str, object]:
        return {
            "card": self.card,
            "choice": self.choice,
            "rep_count": self.reps,
            "answering_rep_count": self.answering_reps,
            "rep_percent": round(100 * self.reps / self.answering_reps, 1),
        }


@dataclass(frozen=True, slots=True)
class ReviewDue:
    """The deck (``card`` is ``None``) or one of its cards, due for review by its owner."""

    card: str | None
    review_by: dt.date

    def to_json(self) -> dict[str, object]:
        return {"card": self.card, "review_by": self.review_by.isoformat()}


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
    query = select(t.decks.c.id, t.decks.c.slug, t.decks.c.title, t.decks.c.owner).order_by(
        t.decks.c.slug
    )
    if decks:
        query = query.where(t.decks.c.slug.in_(decks))
    result = []
    for deck_id, slug, title, owner in conn.execute(query).all():
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
                overrides=overrides(conn, deck_id, since, limit),
                wrong_choices=wrong_choices(conn, deck_id, since, limit),
                owner=owner,
                review_due=review_due(conn, deck_id, today),
            )
        )
    return HealthReport(tuple(result))


def review_due(conn: Connection, deck_id: int, today: dt.date) -> list[ReviewDue]:
    """The deck, then its active cards in deck order, whose ``review_by`` has come."""
    d, c = t.decks.c, t.cards.c
    due = [
        ReviewDue(None, day)
        for day in conn.scalars(
            select(d.review_by).where(d.id == deck_id, review_due_clause(d.review_by, today))
        )
    ]
    due += [
        ReviewDue(slug, day)
        for slug, day in conn.execute(
            select(c.slug, c.review_by)
            .where(c.deck_id == deck_id, active_card(), review_due_clause(c.review_by, today))
            .order_by(c.position)
        )
    ]
    return due


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


def overrides(conn: Connection, deck_id: int, since: dt.date | None, limit: int) -> list[Overrides]:
    """Per card, reviews with a suggested grade and how many reps overrode it, most first."""
    r = t.reviews.c
    changed = r.grade != r.suggested_grade
    query = (
        select(
            t.cards.c.slug,
            func.count(),
            func.sum(case((changed, 1), else_=0)),
            func.avg(case((changed, r.grade - r.suggested_grade), else_=None)),
        )
        .select_from(t.reviews.join(t.cards, t.cards.c.id == r.card_id))
        .where(t.cards.c.deck_id == deck_id, r.suggested_grade.is_not(None), r.grade.is_not(None))
        .group_by(t.cards.c.slug)
    )
    if since is not None:
        query = query.where(r.review_date >= since)
    rows = [
        Overrides(slug, int(total), int(over or 0), float(mean or 0))
        for slug, total, over, mean in conn.execute(query)
    ]
    rows.sort(key=lambda o: (-o.overridden / o.suggested, -o.overridden, o.card))
    return [o for o in rows if o.overridden][:limit]


def wrong_choices(
    conn: Connection, deck_id: int, since: dt.date | None, limit: int
) -> list[WrongChoice]:
    """The wrong choices reps picked on multiple-choice cards, by share of answering reps."""
    answers = choice_answers(conn)
    r, v = answers.c, t.card_versions.c
    query = (
        select(t.cards.c.slug, r.answer, v.choices, func.count(r.rep_id.distinct()))
        .select_from(
            answers.join(t.cards, t.cards.c.id == r.card_id).join(
                t.card_versions, (v.card_id == r.card_id) & (v.content_hash == r.card_hash)
            )
        )
        .where(t.cards.c.deck_id == deck_id, v.choices.is_not(None), r.answer.is_not(None))
        .group_by(t.cards.c.slug, r.answer, v.choices)
    )
    if since is not None:
        query = query.where(r.review_date >= since)
    picked: dict[str, dict[str, int]] = {}
    wrong: dict[str, set[str]] = {}
    for slug, answer, stored, reps in conn.execute(query):
        choices = json.loads(stored)
        picked.setdefault(slug, {})
        picked[slug][answer] = picked[slug].get(answer, 0) + int(reps)
        wrong.setdefault(slug, set()).update(c["text"] for c in choices if not c["correct"])
    answering = _answering_reps(conn, answers, deck_id, since)
    result = [
        WrongChoice(slug, answer, reps, answering.get(slug, reps))
        for slug, answers in picked.items()
        for answer, reps in answers.items()
        if answer in wrong[slug]
    ]
    result.sort(key=lambda w: (-w.reps / w.answering_reps, w.card, w.choice))
    return result[:limit]


def _answering_reps(
    conn: Connection, answers: Table, deck_id: int, since: dt.date | None
) -> dict[str, int]:
    r = answers.c
    query = (
        select(t.cards.c.slug, func.count(r.rep_id.distinct()))
        .select_from(answers.join(t.cards, t.cards.c.id == r.card_id))
        .where(t.cards.c.deck_id == deck_id, r.answer.is_not(None))
        .group_by(t.cards.c.slug)
    )
    if since is not None:
        query = query.where(r.review_date >= since)
    return {slug: int(count) for slug, count in conn.execute(query)}
