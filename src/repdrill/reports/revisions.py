"""Relearning after a change of message: who has re-mastered each revised card.

For each card revision (a load that raised a card's ``revision``), the reps
who had reviewed the card before it had to relearn it. The report counts, per
revision, how many of them have reviewed the card since and how many have
re-mastered it (reached the deck's mastery interval again); the
``--since-revision`` view lists each of those reps per card, for a launch:
who has relearned the new pricing. Aggregated in SQL from the state changes,
so a report over a large team stays small in memory.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, case, func, or_, select

from repdrill.schedule.rules import mastered_clause, share
from repdrill.store import tables as t
from repdrill.store.read import active_card, scope_filter

if TYPE_CHECKING:
    from repdrill.reports.report import ReportScope, Table

#: What a rep who had to relearn a revised card has done since, in the view.
REMASTERED, RELEARNING, NOT_STARTED = "re-mastered", "relearning", "not started"


@dataclass(frozen=True, slots=True)
class RevisedCard:
    """One revision of one card, and the reps relearning it."""

    deck: str
    card: str
    revision: int
    revised_on: dt.date
    #: Reps who had reviewed the card before the revision: who had to relearn it.
    relearn_reps: int
    #: Of those, reps who have reviewed it since, and who have re-mastered it.
    reviewed_reps: int
    remastered_reps: int

    @property
    def remastered_percent(self) -> float:
        return share(self.remastered_reps, self.relearn_reps)


@dataclass(frozen=True, slots=True)
class Relearning:
    """One rep relearning one revised card (the card's latest revision)."""

    rep: str
    deck: str
    card: str
    revision: int
    revised_on: dt.date
    reviews_since: int
    last_review: dt.date | None
    remastered: bool

    @property
    def status(self) -> str:
        if self.remastered:
            return REMASTERED
        return RELEARNING if self.reviews_since else NOT_STARTED


def revised_cards(
    conn: Connection, scope: ReportScope, rep_ids: dict[str, int]
) -> list[RevisedCard]:
    """The revisions in the period (each card's latest, with ``since_revision``), newest first."""
    per_rep = _per_rep(scope, rep_ids)
    had = per_rep.c.had
    rows = conn.execute(
        select(
            per_rep.c.revision_id,
            func.sum(had),
            func.sum(had * per_rep.c.reviewed),
            func.sum(had * per_rep.c.remastered),
        ).group_by(per_rep.c.revision_id)
    )
    counts = {revision_id: (int(a or 0), int(b or 0), int(c or 0)) for revision_id, a, b, c in rows}
    return [
        RevisedCard(deck, card, number, day, *counts.get(revision_id, (0, 0, 0)))
        for revision_id, deck, card, number, day, _position in conn.execute(
            _revisions(scope).order_by(
                t.card_revisions.c.revised_on.desc(), t.decks.c.slug, t.cards.c.position
            )
        )
    ]


def relearning(conn: Connection, scope: ReportScope, rep_ids: dict[str, int]) -> list[Relearning]:
    """Each rep who had to relearn a card's latest revision, and where they are with it."""
    per_rep = _per_rep(scope, rep_ids, latest=True)
    events = _revisions(scope, latest=True).subquery()
    rows = conn.execute(
        select(
            t.reps.c.name,
            events.c.deck,
            events.c.card,
            events.c.revision,
            events.c.revised_on,
            per_rep.c.reviews_since,
            per_rep.c.last_review,
            per_rep.c.remastered,
        )
        .select_from(
            per_rep.join(events, events.c.revision_id == per_rep.c.revision_id).join(
                t.reps, t.reps.c.id == per_rep.c.rep_id
            )
        )
        .where(per_rep.c.had == 1)
        .order_by(events.c.deck, events.c.position, t.reps.c.name)
    )
    return [
        Relearning(
            rep,
            deck,
            card,
            number,
            day,
            int(since or 0),
            _date(last),
            bool(remastered),
        )
        for rep, deck, card, number, day, since, last, remastered in rows
    ]


def revision_tables(revised: list[RevisedCard], relearners: list[Relearning]) -> list[Table]:
    """The two tidy tables of :class:`~repdrill.reports.report.Report` these figures fill."""
    from repdrill.reports.report import Table

    return [
        Table(
            "revised_cards",
            "Revised cards",
            (
                "deck",
                "card",
                "revision",
                "revised_on",
                "relearn_rep_count",
                "reviewed_rep_count",
                "remastered_rep_count",
                "remastered_percent",
            ),
            [
                (
                    r.deck,
                    r.card,
                    r.revision,
                    r.revised_on,
                    r.relearn_reps,
                    r.reviewed_reps,
                    r.remastered_reps,
                    round(r.remastered_percent, 1),
                )
                for r in revised
            ],
        ),
        Table(
            "relearning",
            "Who relearned revised cards",
            (
                "rep",
                "deck",
                "card",
                "revision",
                "revised_on",
                "status",
                "reviews_since",
                "last_review",
            ),
            [
                (
                    r.rep,
                    r.deck,
                    r.card,
                    r.revision,
                    r.revised_on,
                    r.status,
                    r.reviews_since,
                    r.last_review,
                )
                for r in relearners
            ],
        ),
    ]


# -- the queries ----------------------------------------------------------------------


def _revisions(scope: ReportScope, *, latest: bool = False) -> Any:
    """Revisions of cards in scope: in the period, or each card's latest up to its end."""
    v = t.card_revisions.c
    query = (
        select(
            v.id.label("revision_id"),
            t.decks.c.slug.label("deck"),
            t.cards.c.slug.label("card"),
            v.revision.label("revision"),
            v.revised_on.label("revised_on"),
            t.cards.c.position.label("position"),
        )
        .select_from(t.card_revisions.join(t.cards, t.cards.c.id == v.card_id).join(t.decks))
        .where(active_card(), *scope_filter(scope.cards), v.revised_on <= scope.until)
    )
    if latest or scope.since_revision:
        newest = t.card_revisions.alias("newest")
        query = query.where(
            v.revision
            == select(func.max(newest.c.revision))
            .where(newest.c.card_id == v.card_id, newest.c.revised_on <= scope.until)
            .scalar_subquery()
        )
    else:
        query = query.where(v.revised_on >= scope.since)
    return query


def _per_rep(scope: ReportScope, rep_ids: dict[str, int], *, latest: bool = False) -> Any:
    """Per (revision, rep): reviewed before it, reviewed since, re-mastered since."""
    events = _revisions(scope, latest=latest).subquery()
    v, c, r = t.card_revisions.c, t.state_changes.c, t.reviews.c
    before = or_(
        c.review_date < v.revised_on,
        and_(c.review_date == v.revised_on, r.reviewed_at < v.revised_at),
    )
    after = and_(~before, c.review_date <= scope.until)
    mastered = mastered_clause(c.interval_days, t.decks.c.min_interval_days)

    def flag(condition: Any) -> Any:
        return func.max(case((condition, 1), else_=0))

    query = (
        select(
            events.c.revision_id,
            c.rep_id,
            flag(before).label("had"),
            flag(after).label("reviewed"),
            flag(and_(after, mastered)).label("remastered"),
            func.count(case((after, 1))).label("reviews_since"),
            func.max(case((after, c.review_date))).label("last_review"),
        )
        .select_from(
            events.join(t.card_revisions, v.id == events.c.revision_id)
            .join(t.state_changes, c.card_id == v.card_id)
            .join(t.reviews, r.id == c.review_id)
            .join(t.cards, t.cards.c.id == v.card_id)
            .join(t.decks)
        )
        .group_by(events.c.revision_id, c.rep_id)
    )
    if scope.reps is not None:
        query = query.where(c.rep_id.in_(list(rep_ids.values()) or [-1]))
    return query.subquery()


def _date(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
