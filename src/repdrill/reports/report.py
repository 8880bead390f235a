"""Mastery reports for managers, aggregated in SQL.

Every figure is computed by the database: per-rep standing, the rep x tag (or
deck) mastery matrix, the hardest cards, mastery week by week, grading
agreement and the key points the team misses. Python only receives the
aggregates, never the review log, so a report over a large team stays small
in memory. :meth:`Report.tables` gives the same content as tidy tables for the
exporters.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, case, distinct, func, literal, select
from sqlalchemy.orm import Session

from repdrill.schedule.rules import share
from repdrill.store.read import LEECH_LAPSES, Scope
from repdrill.store.tables import (
    CardRow,
    CardStateRow,
    CardTagRow,
    CardVersionRow,
    DeckRow,
    RepRow,
    ReviewPointRow,
    ReviewRow,
    StateChangeRow,
)

MatrixBy = Literal["tag", "deck"]
DEFAULT_WEEKS = 12
HARDEST_LIMIT = 10
HARDEST_MIN_REVIEWS = 3
MISSED_LIMIT = 15
MISSED_MIN_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class ReportScope:
    """Whose progress, on which cards, over which days."""

    until: dt.date
    since: dt.date
    cards: Scope = field(default_factory=Scope)
    reps: tuple[str, ...] | None = None
    team: str | None = None
    matrix_by: MatrixBy = "tag"

    @classmethod
    def weeks_back(cls, until: dt.date, weeks: int = DEFAULT_WEEKS, **kwargs: Any) -> ReportScope:
        return cls(until=until, since=until - dt.timedelta(days=7 * weeks - 1), **kwargs)


@dataclass(frozen=True, slots=True)
class RepStanding:
    rep: str
    active: int
    mastered: int
    due: int
    overdue: int
    leeches: int
    reviews: int
    correct: int
    last_active: dt.date | None
    days_met: int
    graded_with_suggestion: int = 0
    agreed: int = 0
    within_one: int = 0
    grade_gap: float | None = None

    @property
    def mastery_percent(self) -> float:
        return share(self.mastered, self.active)

    @property
    def correct_percent(self) -> float | None:
        return None if self.reviews == 0 else share(self.correct, self.reviews)

    @property
    def agreement_percent(self) -> float | None:
        if not self.graded_with_suggestion:
            return None
        return share(self.agreed, self.graded_with_suggestion)


@dataclass(frozen=True, slots=True)
class MatrixCell:
    rep: str
    group: str
    active: int
    mastered: int

    @property
    def percent(self) -> float:
        return share(self.mastered, self.active)


@dataclass(frozen=True, slots=True)
class HardCard:
    deck: str
    card: str
    prompt: str
    reviews: int
    lapses: int
    reps: int

    @property
    def lapse_percent(self) -> float:
        return share(self.lapses, self.reviews)


@dataclass(frozen=True, slots=True)
class TrendPoint:
    week_ending: dt.date
    mastered: int
    possible: int

    @property
    def percent(self) -> float:
        return share(self.mastered, self.possible)


@dataclass(frozen=True, slots=True)
class MissedPoint:
    deck: str
    card: str
    point: str
    attempts: int
    misses: int

    @property
    def miss_percent(self) -> float:
        return share(self.misses, self.attempts)


@dataclass(frozen=True, slots=True)
class Table:
    """One tidy table: a header and rows of plain values."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class Report:
    scope: ReportScope
    generated_at: dt.datetime
    active_cards: int
    reps: list[RepStanding]
    groups: list[str]
    matrix: list[MatrixCell]
    hardest: list[HardCard]
    trend: list[TrendPoint]
    missed_points: list[MissedPoint]

    _cells: dict[tuple[str, str], MatrixCell] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._cells.update(((c.rep, c.group), c) for c in self.matrix)

    def cell(self, rep: str, group: str) -> MatrixCell | None:
        """One cell of the matrix, found in constant time (renderers ask for every cell)."""
        return self._cells.get((rep, group))

    def tables(self) -> list[Table]:
        """The report as tidy tables: one row per observation, one column per variable."""
        pct = _round
        return [
            Table(
                "reps",
                "Reps",
                (
                    "rep",
                    "active_cards",
                    "mastered",
                    "mastery_percent",
                    "due",
                    "overdue",
                    "leeches",
                    "reviews",
                    "correct_percent",
                    "last_active",
                    "days_met",
                    "suggested_grades",
                    "agreement_percent",
                    "within_one_percent",
                    "mean_grade_minus_suggested",
                ),
                [
                    (
                        r.rep,
                        r.active,
                        r.mastered,
                        pct(r.mastery_percent),
                        r.due,
                        r.overdue,
                        r.leeches,
                        r.reviews,
                        pct(r.correct_percent),
                        r.last_active,
                        r.days_met,
                        r.graded_with_suggestion,
                        pct(r.agreement_percent),
                        pct(share(r.within_one, r.graded_with_suggestion))
                        if r.graded_with_suggestion
                        else None,
                        pct(r.grade_gap),
                    )
                    for r in self.reps
                ],
            ),
            Table(
                "matrix",
                f"Mastery by rep and {self.scope.matrix_by}",
                ("rep", self.scope.matrix_by, "active_cards", "mastered", "mastery_percent"),
                [(c.rep, c.group, c.active, c.mastered, pct(c.percent)) for c in self.matrix],
            ),
            Table(
                "hardest_cards",
                "Hardest cards",
                ("deck", "card", "prompt", "reviews", "lapses", "lapse_percent", "reps"),
                [
                    (h.deck, h.card, h.prompt, h.reviews, h.lapses, pct(h.lapse_percent), h.reps)
                    for h in self.hardest
                ],
            ),
            Table(
                "trend",
                "Mastery by week",
                ("week_ending", "mastered", "possible", "mastery_percent"),
                [(t.week_ending, t.mastered, t.possible, pct(t.percent)) for t in self.trend],
            ),
            Table(
                "missed_points",
                "Key points missed most",
                ("deck", "card", "key_point", "attempts", "misses", "miss_percent"),
                [
                    (m.deck, m.card, m.point, m.attempts, m.misses, pct(m.miss_percent))
                    for m in self.missed_points
                ],
            ),
        ]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# -- building ---------------------------------------------------------------------


def build_report(session: Session, scope: ReportScope, *, generated_at: dt.datetime) -> Report:
    """Run the report's aggregates for ``scope``."""
    rep_ids = _rep_ids(session, scope.reps)
    names = _rep_names(session, scope.reps, rep_ids)
    active = session.scalar(_active_cards_count(scope.cards)) or 0
    groups, totals = _group_totals(session, scope)
    return Report(
        scope=scope,
        generated_at=generated_at,
        active_cards=active,
        reps=_standings(session, scope, rep_ids, names, active),
        groups=groups,
        matrix=_matrix(session, scope, rep_ids, names, groups, totals),
        hardest=hardest_cards(session, scope, rep_ids),
        trend=_trend(session, scope, rep_ids, len(names) * active),
        missed_points=missed_points(session, scope, rep_ids),
    )


def _rep_ids(session: Session, reps: tuple[str, ...] | None) -> dict[str, int]:
    query = select(RepRow.name, RepRow.id)
    if reps is not None:
        query = query.where(RepRow.name.in_(reps))
    return {row[0]: row[1] for row in session.execute(query)}


def _rep_names(
    session: Session, reps: tuple[str, ...] | None, rep_ids: dict[str, int]
) -> list[str]:
    # Reps named in the scope are listed even before their first drill: a
    # manager needs to see who has not started.
    return sorted(set(reps) if reps is not None else set(rep_ids))


def _card_filter(scope: Scope) -> list[ColumnElement[bool]]:
    return [CardRow.retired_at.is_(None), *scope.where()]


def _rep_filter(column: Any, rep_ids: dict[str, int], scope: ReportScope) -> list[Any]:
    return [] if scope.reps is None else [column.in_(list(rep_ids.values()) or [-1])]


def _active_cards_count(scope: Scope) -> Any:
    return (
        select(func.count())
        .select_from(CardRow)
        .join(DeckRow, DeckRow.id == CardRow.deck_id)
        .where(*_card_filter(scope))
    )


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _standings(
    session: Session,
    scope: ReportScope,
    rep_ids: dict[str, int],
    names: list[str],
    active: int,
) -> list[RepStanding]:
    today = scope.until
    mastered = CardStateRow.interval_days >= DeckRow.min_interval_days
    states = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                CardStateRow.rep_id,
                _count(mastered),
                _count(CardStateRow.due <= today),
                _count(CardStateRow.due < today),
                _count(CardStateRow.lapses >= LEECH_LAPSES),
            )
            .join(CardRow, CardRow.id == CardStateRow.card_id)
            .join(DeckRow, DeckRow.id == CardRow.deck_id)
            .where(*_card_filter(scope.cards), *_rep_filter(CardStateRow.rep_id, rep_ids, scope))
            .group_by(CardStateRow.rep_id)
        )
    }
    period = and_(StateChangeRow.review_date >= scope.since, StateChangeRow.review_date <= today)
    activity = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                StateChangeRow.rep_id,
                func.count(),
                _count(StateChangeRow.grade >= 3),
            )
            .join(CardRow, CardRow.id == StateChangeRow.card_id)
            .join(DeckRow, DeckRow.id == CardRow.deck_id)
            .where(
                period,
                *_card_filter(scope.cards),
                *_rep_filter(StateChangeRow.rep_id, rep_ids, scope),
            )
            .group_by(StateChangeRow.rep_id)
        )
    }
    in_period = and_(ReviewRow.review_date >= scope.since, ReviewRow.review_date <= today)
    suggested = and_(ReviewRow.suggested_grade.is_not(None), ReviewRow.grade.is_not(None))
    gap = ReviewRow.grade - ReviewRow.suggested_grade
    met = case((ReviewRow.due_remaining == 0, ReviewRow.review_date))
    log = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                ReviewRow.rep_id,
                func.count(distinct(met)),
                _count(suggested),
                _count(and_(suggested, gap == 0)),
                _count(and_(suggested, gap >= -1, gap <= 1)),
                func.avg(case((suggested, gap))),
            )
            .where(in_period, *_rep_filter(ReviewRow.rep_id, rep_ids, scope))
            .group_by(ReviewRow.rep_id)
        )
    }
    last_active = _last_active(session, scope, rep_ids)
    standings = []
    for name in names:
        rep_id = rep_ids.get(name, -1)
        s_mastered, s_due, s_overdue, s_leeches = states.get(rep_id, (0, 0, 0, 0))
        reviews, correct = activity.get(rep_id, (0, 0))
        met, with_suggestion, agreed, within, mean_gap = log.get(rep_id, (0, 0, 0, 0, None))
        last = last_active.get(rep_id)
        standings.append(
            RepStanding(
                rep=name,
                active=active,
                mastered=int(s_mastered),
                due=int(s_due),
                overdue=int(s_overdue),
                leeches=int(s_leeches),
                reviews=int(reviews),
                correct=int(correct),
                last_active=_as_date(last),
                days_met=int(met),
                graded_with_suggestion=int(with_suggestion),
                agreed=int(agreed),
                within_one=int(within),
                grade_gap=None if mean_gap is None else float(mean_gap),
            )
        )
    return standings


def _last_active(
    session: Session, scope: ReportScope, rep_ids: dict[str, int]
) -> dict[int, object]:
    """Each rep's latest review day: one index lookup per rep, not a scan of the log."""
    latest = (
        select(func.max(ReviewRow.review_date))
        .where(ReviewRow.rep_id == RepRow.id, ReviewRow.review_date <= scope.until)
        .scalar_subquery()
    )
    query = select(RepRow.id, latest).where(*_rep_filter(RepRow.id, rep_ids, scope))
    return {row[0]: row[1] for row in session.execute(query)}


def _as_date(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _group_column(by: MatrixBy) -> Any:
    return CardTagRow.tag if by == "tag" else DeckRow.slug


def _grouped(query: Any, by: MatrixBy) -> Any:
    if by == "tag":
        return query.join(CardTagRow, CardTagRow.card_id == CardRow.id)
    return query


def _group_totals(session: Session, scope: ReportScope) -> tuple[list[str], dict[str, int]]:
    group = _group_column(scope.matrix_by)
    query = (
        _grouped(
            select(group, func.count())
            .select_from(CardRow)
            .join(DeckRow, DeckRow.id == CardRow.deck_id),
            scope.matrix_by,
        )
        .where(*_card_filter(scope.cards))
        .group_by(group)
    )
    totals = {str(name): int(count) for name, count in session.execute(query)}
    return sorted(totals), totals


def _matrix(
    session: Session,
    scope: ReportScope,
    rep_ids: dict[str, int],
    names: list[str],
    groups: list[str],
    totals: dict[str, int],
) -> list[MatrixCell]:
    group = _group_column(scope.matrix_by)
    query = (
        _grouped(
            select(CardStateRow.rep_id, group, func.count())
            .select_from(CardStateRow)
            .join(CardRow, CardRow.id == CardStateRow.card_id)
            .join(DeckRow, DeckRow.id == CardRow.deck_id),
            scope.matrix_by,
        )
        .where(
            CardStateRow.interval_days >= DeckRow.min_interval_days,
            *_card_filter(scope.cards),
            *_rep_filter(CardStateRow.rep_id, rep_ids, scope),
        )
        .group_by(CardStateRow.rep_id, group)
    )
    mastered = {(rep_id, str(g)): int(n) for rep_id, g, n in session.execute(query)}
    return [
        MatrixCell(name, g, totals[g], mastered.get((rep_ids.get(name, -1), g), 0))
        for name in names
        for g in groups
    ]


def hardest_cards(
    session: Session, scope: ReportScope, rep_ids: dict[str, int], limit: int = HARDEST_LIMIT
) -> list[HardCard]:
    """Cards with the highest lapse rate in the period (at least a few reviews)."""
    reviews = func.count()
    lapses = _count(StateChangeRow.grade < 3)
    query = (
        select(
            StateChangeRow.card_id,
            reviews,
            lapses,
            func.count(distinct(StateChangeRow.rep_id)),
        )
        .join(CardRow, CardRow.id == StateChangeRow.card_id)
        .join(DeckRow, DeckRow.id == CardRow.deck_id)
        .where(
            StateChangeRow.review_date >= scope.since,
            StateChangeRow.review_date <= scope.until,
            *_card_filter(scope.cards),
            *_rep_filter(StateChangeRow.rep_id, rep_ids, scope),
        )
        .group_by(StateChangeRow.card_id)
        .having(reviews >= HARDEST_MIN_REVIEWS, lapses > 0)
        .order_by((lapses * 1.0 / reviews).desc(), reviews.desc(), StateChangeRow.card_id)
        .limit(limit)
    )
    rows = session.execute(query).all()
    texts = card_texts(session, [row[0] for row in rows])
    return [
        HardCard(*texts[card_id], reviews=int(n), lapses=int(lapsed), reps=int(reps))
        for card_id, n, lapsed, reps in rows
    ]


def card_texts(session: Session, card_ids: Sequence[int]) -> dict[int, tuple[str, str, str]]:
    """Deck id, card id and current prompt of each card."""
    if not card_ids:
        return {}
    rows = session.execute(
        select(CardRow.id, DeckRow.slug, CardRow.slug, CardVersionRow.prompt)
        .join(DeckRow, DeckRow.id == CardRow.deck_id)
        .join(
            CardVersionRow,
            and_(
                CardVersionRow.card_id == CardRow.id,
                CardVersionRow.content_hash == CardRow.current_hash,
            ),
        )
        .where(CardRow.id.in_(card_ids))
    )
    return {card_id: (deck, card, prompt) for card_id, deck, card, prompt in rows}


def week_endings(since: dt.date, until: dt.date) -> list[dt.date]:
    """Every seventh day back from ``until``, not before ``since``, oldest first."""
    days = []
    day = until
    while day >= since:
        days.append(day)
        day -= dt.timedelta(days=7)
    return days[::-1]


def _trend(
    session: Session, scope: ReportScope, rep_ids: dict[str, int], possible: int
) -> list[TrendPoint]:
    """Mastered (rep, card) pairs at the end of each week, in one pass over state changes.

    A state change holds from its review date until the next one. Each change
    that left a card mastered is bucketed by the week its span starts and the
    week it ends; a span counts for every week ending inside it.
    """
    weeks = week_endings(scope.since, scope.until)
    if not weeks:
        return []

    def bucket(column: Any) -> ColumnElement[int]:
        """How many week ends come before the day in ``column``."""
        return sum((case((column > week, 1), else_=0) for week in weeks), start=literal(0))

    def in_scope(query: Any, column: Any) -> Any:
        return (
            query.join(CardRow, CardRow.id == column)
            .join(DeckRow, DeckRow.id == CardRow.deck_id)
            .where(*_card_filter(scope.cards))
        )

    # Spans still open are the current states; spans that closed are state
    # changes with an end date. Both read only what overlaps the period.
    day = CardStateRow.last_review_date
    open_spans = in_scope(select(day, func.count()), CardStateRow.card_id)
    open_spans = open_spans.where(
        CardStateRow.interval_days >= DeckRow.min_interval_days,
        day <= weeks[-1],
        *_rep_filter(CardStateRow.rep_id, rep_ids, scope),
    ).group_by(day)
    # Only the spans that ended inside the period matter: a few percent of all
    # state changes, found through the end-date index. Materialised first, so
    # that no planner prefers walking every (rep, card) pair instead.
    ended_in_period = (
        select(
            StateChangeRow.card_id,
            StateChangeRow.review_date,
            StateChangeRow.valid_until,
            StateChangeRow.interval_days,
        )
        .where(
            StateChangeRow.valid_until > weeks[0],
            StateChangeRow.review_date <= weeks[-1],
            *_rep_filter(StateChangeRow.rep_id, rep_ids, scope),
        )
        .cte("ended_in_period")
        .prefix_with("MATERIALIZED")
    )
    started, ended = bucket(ended_in_period.c.review_date), bucket(ended_in_period.c.valid_until)
    closed_spans = (
        in_scope(select(started, ended, func.count()), ended_in_period.c.card_id)
        .where(ended_in_period.c.interval_days >= DeckRow.min_interval_days)
        .group_by(started, ended)
    )
    spans = [
        (bisect.bisect_left(weeks, _as_date(opened) or weeks[0]), len(weeks), count)
        for opened, count in session.execute(open_spans)
    ]
    spans += [(row[0], row[1], row[2]) for row in session.execute(closed_spans)]
    mastered = [0] * len(weeks)
    for start, end, count in spans:
        for index in range(int(start), min(int(end), len(weeks))):
            mastered[index] += int(count)
    return [TrendPoint(week, mastered[i], possible) for i, week in enumerate(weeks)]


def missed_points(
    session: Session, scope: ReportScope, rep_ids: dict[str, int], limit: int = MISSED_LIMIT
) -> list[MissedPoint]:
    """The key points typed answers missed most often, per card version."""
    misses = _count(ReviewPointRow.hit.is_(False))
    attempts = func.count()
    query = (
        select(ReviewRow.card_id, ReviewRow.card_hash, ReviewPointRow.point, attempts, misses)
        .join(ReviewRow, ReviewRow.id == ReviewPointRow.review_id)
        .join(CardRow, CardRow.id == ReviewRow.card_id)
        .join(DeckRow, DeckRow.id == CardRow.deck_id)
        .where(
            ReviewRow.review_date >= scope.since,
            ReviewRow.review_date <= scope.until,
            *_card_filter(scope.cards),
            *_rep_filter(ReviewRow.rep_id, rep_ids, scope),
        )
        .group_by(ReviewRow.card_id, ReviewRow.card_hash, ReviewPointRow.point)
        .having(attempts >= MISSED_MIN_ATTEMPTS, misses > 0)
        .order_by((misses * 1.0 / attempts).desc(), attempts.desc())
        .limit(limit)
    )
    rows = session.execute(query).all()
    points = _point_texts(session, {(r[0], r[1]) for r in rows})
    names = card_texts(session, list({r[0] for r in rows}))
    result = []
    for card_id, card_hash, point, n, missed in rows:
        deck, card, _prompt = names[card_id]
        texts = points.get((card_id, card_hash), [])
        label = " / ".join(texts[point]) if point < len(texts) else f"point {point + 1}"
        result.append(MissedPoint(deck, card, label, int(n), int(missed)))
    return result


def _point_texts(
    session: Session, versions: set[tuple[int, str]]
) -> dict[tuple[int, str], list[list[str]]]:
    if not versions:
        return {}
    card_ids = list({card_id for card_id, _ in versions})
    found: dict[tuple[int, str], list[list[str]]] = defaultdict(list)
    for card_id, content_hash, key_points in session.execute(
        select(
            CardVersionRow.card_id, CardVersionRow.content_hash, CardVersionRow.key_points
        ).where(CardVersionRow.card_id.in_(card_ids))
    ):
        if (card_id, content_hash) in versions:
            found[(card_id, content_hash)] = json.loads(key_points)
    return found
