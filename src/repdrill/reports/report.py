"""Mastery reports for managers, aggregated in SQL.

Every figure is computed by the database: per-rep standing, the rep x tag (or
deck) mastery matrix, the hardest cards, mastery week by week, grading
agreement and the key points the team misses. Python only receives the
aggregates, never the review log, so a report over a large team stays small
in memory. :meth:`Report.tables` gives the same content as tidy tables for the
exporters, and :meth:`Report.to_json` the JSON document.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Literal

from sqlalchemy import ColumnElement, Connection, and_, case, distinct, func, literal, select

from repdrill.cards import Scope, iso
from repdrill.reports import revisions
from repdrill.reports.revisions import Relearning, RevisedCard, revision_tables
from repdrill.schedule.rules import (
    correct_clause,
    due_clause,
    leech_clause,
    mastered_clause,
    overdue_clause,
    share,
)
from repdrill.store import tables as t
from repdrill.store._sql import count_where
from repdrill.store.read import active_card, scope_filter
from repdrill.store.reps import holds_covering

MatrixBy = Literal["tag", "deck"]
TextFormat = Literal["csv", "json", "md", "html"]
DEFAULT_WEEKS = 12
HARDEST_LIMIT = 10
HARDEST_MIN_REVIEWS = 3
MISSED_LIMIT = 15
MISSED_MIN_ATTEMPTS = 3
#: Bump when a key is renamed or removed; adding keys keeps the version.
REPORT_VERSION = 2


@dataclass(frozen=True, slots=True)
class ReportScope:
    """Whose progress, on which cards, over which days."""

    until: dt.date
    since: dt.date
    cards: Scope = field(default_factory=Scope)
    reps: tuple[str, ...] | None = None
    team: str | None = None
    #: The teams whose reps the report covers: the one ``team``, or in team
    #: mode the teams a manager manages.
    teams: tuple[str, ...] = ()
    matrix_by: MatrixBy = "tag"
    #: The view for a launch: each revised card's latest revision, whatever the
    #: period, and who has relearned it (:mod:`repdrill.reports.revisions`).
    since_revision: bool = False

    @property
    def team_label(self) -> str | None:
        """How a report's header names its teams: ``team west``, ``teams east, west``."""
        teams = self.teams or ((self.team,) if self.team else ())
        if not teams:
            return None
        return ("team " if len(teams) == 1 else "teams ") + ", ".join(teams)

    @classmethod
    def weeks_back(cls, until: dt.date, weeks: int = DEFAULT_WEEKS, **kwargs: Any) -> ReportScope:
        return cls(until=until, since=until - dt.timedelta(days=7 * weeks - 1), **kwargs)


@dataclass(frozen=True, slots=True)
class RepStanding:
    rep: str
    active_cards: int
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
    #: The last day of the hold the rep is on at the end of the period, if any:
    #: a rep on hold has nothing due, and is shown as on hold, not as overdue.
    on_hold_until: dt.date | None = None

    @property
    def mastery_percent(self) -> float:
        return share(self.mastered, self.active_cards)

    @property
    def correct_percent(self) -> float | None:
        return None if self.reviews == 0 else share(self.correct, self.reviews)

    @property
    def agreement_percent(self) -> float | None:
        if not self.graded_with_suggestion:
            return None
        return share(self.agreed, self.graded_with_suggestion)

    @property
    def within_one_percent(self) -> float | None:
        if not self.graded_with_suggestion:
            return None
        return share(self.within_one, self.graded_with_suggestion)


@dataclass(frozen=True, slots=True)
class MatrixCell:
    rep: str
    group: str
    active_cards: int
    mastered: int

    @property
    def percent(self) -> float:
        return share(self.mastered, self.active_cards)


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

    def records(self) -> list[dict[str, object]]:
        """The rows as JSON objects: one key per column, dates in ISO 8601."""
        return [
            {
                column: value.isoformat() if isinstance(value, dt.date) else value
                for column, value in zip(self.columns, row, strict=True)
            }
            for row in self.rows
        ]


#: The report's tables by name, in the order every format shows them.
TABLE_NAMES = (
    "reps",
    "matrix",
    "hardest_cards",
    "trend",
    "missed_points",
    "revised_cards",
    "relearning",
)


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
    #: Revised cards and who re-mastered them; who relearns what, with ``since_revision``.
    revised_cards: list[RevisedCard] = field(default_factory=list)
    relearning: list[Relearning] = field(default_factory=list)

    _cells: dict[tuple[str, str], MatrixCell] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._cells.update(((c.rep, c.group), c) for c in self.matrix)

    def cell(self, rep: str, group: str) -> MatrixCell | None:
        """One cell of the matrix, found in constant time (renderers ask for every cell)."""
        return self._cells.get((rep, group))

    def table(self, name: str) -> Table:
        """One of :data:`TABLE_NAMES`."""
        return next(table for table in self.tables() if table.name == name)

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
                    "mastered_cards",
                    "mastery_percent",
                    "due_cards",
                    "overdue_cards",
                    "leech_cards",
                    "reviews",
                    "correct_percent",
                    "last_active",
                    "days_met",
                    "graded_with_suggestion",
                    "agreement_percent",
                    "within_one_percent",
                    "mean_grade_minus_suggested",
                    "on_hold_until",
                ),
                [
                    (
                        r.rep,
                        r.active_cards,
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
                        pct(r.within_one_percent),
                        pct(r.grade_gap),
                        r.on_hold_until,
                    )
                    for r in self.reps
                ],
            ),
            Table(
                "matrix",
                f"Mastery by rep and {self.scope.matrix_by}",
                ("rep", self.scope.matrix_by, "active_cards", "mastered_cards", "mastery_percent"),
                [(c.rep, c.group, c.active_cards, c.mastered, pct(c.percent)) for c in self.matrix],
            ),
            Table(
                "hardest_cards",
                "Hardest cards",
                ("deck", "card", "prompt", "reviews", "lapses", "lapse_percent", "rep_count"),
                [
                    (h.deck, h.card, h.prompt, h.reviews, h.lapses, pct(h.lapse_percent), h.reps)
                    for h in self.hardest
                ],
            ),
            Table(
                "trend",
                "Mastery by week",
                ("week_ending", "mastered_pairs", "possible_pairs", "mastery_percent"),
                [(p.week_ending, p.mastered, p.possible, pct(p.percent)) for p in self.trend],
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
            *revision_tables(self.revised_cards, self.relearning),
        ]

    def write(
        self, out: IO[str], fmt: TextFormat = "json", *, table: str = "reps", pretty: bool = False
    ) -> None:
        """Render as ``csv`` (the one ``table``), ``json``, ``md`` or ``html`` to ``out``.

        JSON is one line, unless ``pretty`` indents it.
        """
        from repdrill.reports.exporters import write_text

        write_text(self, fmt, out, table=table, pretty=pretty)

    def write_xlsx(self, path: str | os.PathLike[str]) -> None:
        """Save as an Excel workbook at ``path``."""
        from repdrill.reports.exporters import write_xlsx

        write_xlsx(self, str(path))

    def to_json(self) -> dict[str, object]:
        """The JSON document documented in docs/reports.md."""
        tables = {table.name: table for table in self.tables()}
        scope = self.scope
        return {
            "report_version": REPORT_VERSION,
            "generated_at": iso(self.generated_at),
            "period": {"since": iso(scope.since), "until": iso(scope.until)},
            "scope": {
                "deck_filter": list(scope.cards.decks),
                "tag_filter": list(scope.cards.tags),
                "rep_filter": None if scope.reps is None else list(scope.reps),
                "team": scope.team,
                "teams": list(scope.teams),
            },
            "active_cards": self.active_cards,
            "reps": tables["reps"].records(),
            "matrix": {
                "by": scope.matrix_by,
                "groups": self.groups,
                "cells": [
                    {
                        "rep": c.rep,
                        "group": c.group,
                        "active_cards": c.active_cards,
                        "mastered_cards": c.mastered,
                        "mastery_percent": round(c.percent, 1),
                    }
                    for c in self.matrix
                ],
            },
            "hardest_cards": tables["hardest_cards"].records(),
            "trend": tables["trend"].records(),
            "missed_points": tables["missed_points"].records(),
            "revised_cards": tables["revised_cards"].records(),
            "relearning": tables["relearning"].records(),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# -- building ---------------------------------------------------------------------


def build_report(conn: Connection, scope: ReportScope, *, generated_at: dt.datetime) -> Report:
    """Run the report's aggregates for ``scope``."""
    rep_ids = _rep_ids(conn, scope.reps)
    # Reps named in the scope are listed even before their first drill: a
    # manager needs to see who has not started.
    names = sorted(set(scope.reps) if scope.reps is not None else set(rep_ids))
    active = conn.scalar(_active_cards_count(scope.cards)) or 0
    groups, totals = _group_totals(conn, scope)
    return Report(
        scope=scope,
        generated_at=generated_at,
        active_cards=active,
        reps=_standings(conn, scope, rep_ids, names, active),
        groups=groups,
        matrix=_matrix(conn, scope, rep_ids, names, groups, totals),
        hardest=hardest_cards(conn, scope, rep_ids),
        trend=_trend(conn, scope, rep_ids, len(names) * active),
        missed_points=missed_points(conn, scope, rep_ids),
        revised_cards=revisions.revised_cards(conn, scope, rep_ids),
        relearning=revisions.relearning(conn, scope, rep_ids) if scope.since_revision else [],
    )


def _rep_ids(conn: Connection, reps: tuple[str, ...] | None) -> dict[str, int]:
    query = select(t.reps.c.name, t.reps.c.id)
    if reps is not None:
        query = query.where(t.reps.c.name.in_(reps))
    return {name: rep_id for name, rep_id in conn.execute(query)}


def _card_filter(scope: Scope) -> list[ColumnElement[bool]]:
    return [active_card(), *scope_filter(scope)]


def _rep_filter(column: Any, rep_ids: dict[str, int], scope: ReportScope) -> list[Any]:
    return [] if scope.reps is None else [column.in_(list(rep_ids.values()) or [-1])]


def _cards_of(table: Any) -> Any:
    """``table`` joined to the cards it names and their decks, for the card filter."""
    return table.join(t.cards, t.cards.c.id == table.c.card_id).join(t.decks)


def _active_cards_count(scope: Scope) -> Any:
    return select(func.count()).select_from(t.cards.join(t.decks)).where(*_card_filter(scope))


def _standings(
    conn: Connection,
    scope: ReportScope,
    rep_ids: dict[str, int],
    names: list[str],
    active: int,
) -> list[RepStanding]:
    today = scope.until
    s = t.card_states.c
    states = {
        row[0]: row[1:]
        for row in conn.execute(
            select(
                s.rep_id,
                count_where(mastered_clause(s.interval_days, t.decks.c.min_interval_days)),
                count_where(due_clause(s.due, today)),
                count_where(overdue_clause(s.due, today)),
                count_where(leech_clause(s.lapses)),
            )
            .select_from(_cards_of(t.card_states))
            .where(*_card_filter(scope.cards), *_rep_filter(s.rep_id, rep_ids, scope))
            .group_by(s.rep_id)
        )
    }
    c = t.state_changes.c
    activity = {
        row[0]: row[1:]
        for row in conn.execute(
            select(c.rep_id, func.count(), count_where(correct_clause(c.grade)))
            .select_from(_cards_of(t.state_changes))
            .where(
                c.review_date >= scope.since,
                c.review_date <= today,
                *_card_filter(scope.cards),
                *_rep_filter(c.rep_id, rep_ids, scope),
            )
            .group_by(c.rep_id)
        )
    }
    r = t.reviews.c
    suggested = and_(r.suggested_grade.is_not(None), r.grade.is_not(None))
    gap = r.grade - r.suggested_grade
    met = case((r.due_remaining == 0, r.review_date))
    log = {
        row[0]: row[1:]
        for row in conn.execute(
            select(
                r.rep_id,
                func.count(distinct(met)),
                count_where(suggested),
                count_where(and_(suggested, gap == 0)),
                count_where(and_(suggested, gap >= -1, gap <= 1)),
                func.avg(case((suggested, gap))),
            )
            .where(
                r.review_date >= scope.since,
                r.review_date <= today,
                *_rep_filter(r.rep_id, rep_ids, scope),
            )
            .group_by(r.rep_id)
        )
    }
    last_active = _last_active(conn, scope, rep_ids)
    on_hold = holds_covering(conn, today, rep_ids.values() if scope.reps is not None else None)
    standings = []
    for name in names:
        rep_id = rep_ids.get(name, -1)
        s_mastered, s_due, s_overdue, s_leeches = states.get(rep_id, (0, 0, 0, 0))
        hold = on_hold.get(rep_id)
        if hold is not None:
            s_due = s_overdue = 0
        reviews, correct = activity.get(rep_id, (0, 0))
        days, with_suggestion, agreed, within, mean_gap = log.get(rep_id, (0, 0, 0, 0, None))
        standings.append(
            RepStanding(
                rep=name,
                active_cards=active,
                mastered=int(s_mastered),
                due=int(s_due),
                overdue=int(s_overdue),
                leeches=int(s_leeches),
                reviews=int(reviews),
                correct=int(correct),
                last_active=_as_date(last_active.get(rep_id)),
                days_met=int(days),
                graded_with_suggestion=int(with_suggestion),
                agreed=int(agreed),
                within_one=int(within),
                grade_gap=None if mean_gap is None else float(mean_gap),
                on_hold_until=hold.ends_on if hold else None,
            )
        )
    return standings


def _last_active(
    conn: Connection, scope: ReportScope, rep_ids: dict[str, int]
) -> dict[int, object]:
    """Each rep's latest review day: one index lookup per rep, not a scan of the log."""
    r = t.reviews.c
    latest = (
        select(func.max(r.review_date))
        .where(r.rep_id == t.reps.c.id, r.review_date <= scope.until)
        .scalar_subquery()
    )
    query = select(t.reps.c.id, latest).where(*_rep_filter(t.reps.c.id, rep_ids, scope))
    return {rep_id: day for rep_id, day in conn.execute(query)}


def _as_date(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _group_column(by: MatrixBy) -> Any:
    return t.card_tags.c.tag if by == "tag" else t.decks.c.slug


def _grouped(joined: Any, by: MatrixBy) -> Any:
    """``joined`` (which includes ``cards``) with the card's tags when grouping by tag."""
    if by == "tag":
        return joined.join(t.card_tags, t.card_tags.c.card_id == t.cards.c.id)
    return joined


def _group_totals(conn: Connection, scope: ReportScope) -> tuple[list[str], dict[str, int]]:
    group = _group_column(scope.matrix_by)
    query = (
        select(group, func.count())
        .select_from(_grouped(t.cards.join(t.decks), scope.matrix_by))
        .where(*_card_filter(scope.cards))
        .group_by(group)
    )
    totals = {str(name): int(count) for name, count in conn.execute(query)}
    return sorted(totals), totals


def _matrix(
    conn: Connection,
    scope: ReportScope,
    rep_ids: dict[str, int],
    names: list[str],
    groups: list[str],
    totals: dict[str, int],
) -> list[MatrixCell]:
    group = _group_column(scope.matrix_by)
    s = t.card_states.c
    query = (
        select(s.rep_id, group, func.count())
        .select_from(_grouped(_cards_of(t.card_states), scope.matrix_by))
        .where(
            mastered_clause(s.interval_days, t.decks.c.min_interval_days),
            *_card_filter(scope.cards),
            *_rep_filter(s.rep_id, rep_ids, scope),
        )
        .group_by(s.rep_id, group)
    )
    mastered = {(rep_id, str(g)): int(n) for rep_id, g, n in conn.execute(query)}
    return [
        MatrixCell(name, g, totals[g], mastered.get((rep_ids.get(name, -1), g), 0))
        for name in names
        for g in groups
    ]


def hardest_cards(
    conn: Connection, scope: ReportScope, rep_ids: dict[str, int], limit: int = HARDEST_LIMIT
) -> list[HardCard]:
    """Cards with the highest lapse rate in the period (at least a few reviews)."""
    c = t.state_changes.c
    reviews = func.count()
    lapses = count_where(~correct_clause(c.grade))
    query = (
        select(c.card_id, reviews, lapses, func.count(distinct(c.rep_id)))
        .select_from(_cards_of(t.state_changes))
        .where(
            c.review_date >= scope.since,
            c.review_date <= scope.until,
            *_card_filter(scope.cards),
            *_rep_filter(c.rep_id, rep_ids, scope),
        )
        .group_by(c.card_id)
        .having(reviews >= HARDEST_MIN_REVIEWS, lapses > 0)
        .order_by((lapses * 1.0 / reviews).desc(), reviews.desc(), c.card_id)
        .limit(limit)
    )
    rows = conn.execute(query).all()
    texts = card_texts(conn, [row[0] for row in rows])
    return [
        HardCard(*texts[card_id], reviews=int(n), lapses=int(lapsed), reps=int(reps))
        for card_id, n, lapsed, reps in rows
    ]


def card_texts(conn: Connection, card_ids: Sequence[int]) -> dict[int, tuple[str, str, str]]:
    """Deck id, card id and current prompt of each card."""
    if not card_ids:
        return {}
    v = t.card_versions.c
    current = and_(v.card_id == t.cards.c.id, v.content_hash == t.cards.c.current_hash)
    rows = conn.execute(
        select(t.cards.c.id, t.decks.c.slug, t.cards.c.slug, v.prompt)
        .select_from(t.cards.join(t.decks).join(t.card_versions, current))
        .where(t.cards.c.id.in_(card_ids))
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
    conn: Connection, scope: ReportScope, rep_ids: dict[str, int], possible: int
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

    def in_scope(query: Any, table: Any) -> Any:
        return query.select_from(_cards_of(table)).where(*_card_filter(scope.cards))

    min_interval = t.decks.c.min_interval_days
    # Spans still open are the current states; spans that closed are state
    # changes with an end date. Both read only what overlaps the period.
    s = t.card_states.c
    open_spans = (
        in_scope(select(s.last_review_date, func.count()), t.card_states)
        .where(
            mastered_clause(s.interval_days, min_interval),
            s.last_review_date <= weeks[-1],
            *_rep_filter(s.rep_id, rep_ids, scope),
        )
        .group_by(s.last_review_date)
    )
    # Only the spans that ended inside the period matter: a few percent of all
    # state changes, found through the end-date index. Materialised first, so
    # that no planner prefers walking every (rep, card) pair instead.
    c = t.state_changes.c
    ended_in_period = (
        select(c.card_id, c.review_date, c.valid_until, c.interval_days)
        .where(
            c.valid_until > weeks[0],
            c.review_date <= weeks[-1],
            *_rep_filter(c.rep_id, rep_ids, scope),
        )
        .cte("ended_in_period")
        .prefix_with("MATERIALIZED")
    )
    started, ended = bucket(ended_in_period.c.review_date), bucket(ended_in_period.c.valid_until)
    closed_spans = (
        select(started, ended, func.count())
        .select_from(
            ended_in_period.join(t.cards, t.cards.c.id == ended_in_period.c.card_id).join(t.decks)
        )
        .where(
            *_card_filter(scope.cards),
            mastered_clause(ended_in_period.c.interval_days, min_interval),
        )
        .group_by(started, ended)
    )
    spans = [
        (bisect.bisect_left(weeks, _as_date(opened) or weeks[0]), len(weeks), count)
        for opened, count in conn.execute(open_spans)
    ]
    spans += [(row[0], row[1], row[2]) for row in conn.execute(closed_spans)]
    mastered = [0] * len(weeks)
    for start, end, count in spans:
        for index in range(int(start), min(int(end), len(weeks))):
            mastered[index] += int(count)
    return [TrendPoint(week, mastered[i], possible) for i, week in enumerate(weeks)]


def missed_points(
    conn: Connection, scope: ReportScope, rep_ids: dict[str, int], limit: int = MISSED_LIMIT
) -> list[MissedPoint]:
    """The key points typed answers missed most often, per card version."""
    r, p = t.reviews.c, t.review_points.c
    misses = count_where(p.hit.is_(False))
    attempts = func.count()
    query = (
        select(r.card_id, r.card_hash, p.point, attempts, misses)
        .select_from(
            t.review_points.join(t.reviews, t.reviews.c.id == p.review_id)
            .join(t.cards, t.cards.c.id == r.card_id)
            .join(t.decks)
        )
        .where(
            r.review_date >= scope.since,
            r.review_date <= scope.until,
            *_card_filter(scope.cards),
            *_rep_filter(r.rep_id, rep_ids, scope),
        )
        .group_by(r.card_id, r.card_hash, p.point)
        .having(attempts >= MISSED_MIN_ATTEMPTS, misses > 0)
        .order_by((misses * 1.0 / attempts).desc(), attempts.desc())
        .limit(limit)
    )
    rows = conn.execute(query).all()
    points = _point_texts(conn, {(row[0], row[1]) for row in rows})
    names = card_texts(conn, list({row[0] for row in rows}))
    result = []
    for card_id, card_hash, point, n, missed in rows:
        deck, card, _prompt = names[card_id]
        texts = points.get((card_id, card_hash), [])
        label = " / ".join(texts[point]) if point < len(texts) else f"point {point + 1}"
        result.append(MissedPoint(deck, card, label, int(n), int(missed)))
    return result


def _point_texts(
    conn: Connection, versions: set[tuple[int, str]]
) -> dict[tuple[int, str], list[list[str]]]:
    if not versions:
        return {}
    v = t.card_versions.c
    card_ids = list({card_id for card_id, _ in versions})
    found: dict[tuple[int, str], list[list[str]]] = defaultdict(list)
    for card_id, content_hash, key_points in conn.execute(
        select(v.card_id, v.content_hash, v.key_points).where(v.card_id.in_(card_ids))
    ):
        if (card_id, content_hash) in versions:
            found[(card_id, content_hash)] = json.loads(key_points)
    return found
