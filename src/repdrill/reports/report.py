"""Mastery reports for managers, aggregated in SQL.

Every figure is computed by the database: the headline (team mastery now and
a week ago, who is behind, who is on hold, the cards the team is losing, the
weakest tag), per-rep standing, the rep x tag (or deck) mastery matrix, the
hardest cards, mastery week by week, grading agreement and the key points the
team misses. Python only receives the aggregates, never the review log, so a
report over a large team stays small in memory. :meth:`Report.tables` gives
the same content as tidy tables for the exporters, :meth:`Report.blocks` the
matrix split by tag namespace, and :meth:`Report.to_json` the JSON document.
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

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    distinct,
    func,
    literal,
    or_,
    select,
)

from repdrill.cards import Scope, iso
from repdrill.decks.format import SLUG
from repdrill.errors import RepdrillError
from repdrill.reports import revisions
from repdrill.reports.revisions import Relearning, RevisedCard, revision_tables
from repdrill.schedule.rules import (
    MAX_OVERDUE_CARDS,
    cleared_clause,
    correct_clause,
    due_clause,
    is_behind,
    leech_clause,
    mastered_clause,
    overdue_clause,
    share,
)
from repdrill.standing import Hold
from repdrill.store import tables as t
from repdrill.store._sql import chunks, count_where
from repdrill.store.read import active_card, scope_filter

#: The matrix columns: ``namespace`` (every tag, one matrix per namespace),
#: ``tag`` (tags without a namespace), ``deck``, or one namespace (``competitor``).
MatrixBy = str
MATRIX_VIEWS = ("namespace", "tag", "deck")
TextFormat = Literal["csv", "json", "md", "html"]
DEFAULT_WEEKS = 12
HARDEST_LIMIT = 10
HARDEST_MIN_REVIEWS = 3
MISSED_LIMIT = 15
MISSED_MIN_ATTEMPTS = 3
#: A matrix cell (and a weakest tag) over fewer cards than this is marked: one
#: card shows only 0% or 100%.
MIN_CELL_CARDS = 3
#: Cards listed as the ones the team is losing.
LOSING_LIMIT = 5
#: The headline compares mastery with this many days before the period's end.
CHANGE_DAYS = 7
#: Bump when a key is renamed or removed; adding keys keeps the version.
#: 3: ``matrix.by`` defaults to ``namespace``; ``tag`` means tags without one.
REPORT_VERSION = 3


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
    matrix_by: MatrixBy = "namespace"
    #: A rep with more overdue cards than this is behind.
    max_overdue: int = MAX_OVERDUE_CARDS
    #: ``True`` when ``since`` was asked for: the trend then starts there, not
    #: at the first week with a drill.
    since_given: bool = False
    #: The view for a launch: each revised card's latest revision, whatever the
    #: period, and who has relearned it (:mod:`repdrill.reports.revisions`).
    since_revision: bool = False

    def to_json(self) -> dict[str, object]:
        """The ``period`` and ``scope`` keys every report document starts with."""
        return {
            "period": {"since": iso(self.since), "until": iso(self.until)},
            "scope": {
                "deck_filter": list(self.cards.decks),
                "tag_filter": list(self.cards.tags),
                "rep_filter": None if self.reps is None else list(self.reps),
                "team": self.team,
                "teams": list(self.teams),
            },
        }

    def describe(self) -> str:
        """The scope in words, for headings: ``team west · deck objection-handling``."""
        parts = [self.team_label] if self.team_label else []
        if self.reps is not None and not self.team_label:
            parts.append(("rep " if len(self.reps) == 1 else "reps ") + ", ".join(self.reps))
        parts += [f"deck {d}" for d in self.cards.decks]
        parts += [f"tag {tag}" for tag in self.cards.tags]
        return " · ".join(parts)

    @property
    def group_column(self) -> str:
        """The name of the matrix's group column in the tidy tables: ``tag`` or ``deck``."""
        return "deck" if self.matrix_by == "deck" else "tag"

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
    #: Too many cards overdue, or no drill in a week (see ``rules.is_behind``).
    behind: bool = False

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

    @property
    def few_cards(self) -> bool:
        """Too few cards to read much into the share (one card is 0% or 100%)."""
        return self.active_cards < MIN_CELL_CARDS


@dataclass(frozen=True, slots=True)
class MatrixBlock:
    """One heatmap of the matrix: the tags of one namespace, the plain tags, or the decks."""

    #: The namespace (``competitor``), ``""`` for tags without one, ``deck`` for decks.
    namespace: str
    title: str
    groups: tuple[str, ...]

    def label(self, group: str) -> str:
        """A column's short name: the tag without its namespace (``acme``)."""
        prefix = f"{self.namespace}:"
        return group.removeprefix(prefix) if self.namespace not in ("", "deck") else group


def namespace_of(tag: str) -> str:
    """``competitor`` for ``competitor:acme``; ``""`` for a tag without a namespace."""
    return tag.split(":", 1)[0] if ":" in tag else ""


@dataclass(frozen=True, slots=True)
class LosingCard:
    """A card fewer reps have mastered than a week before."""

    deck: str
    card: str
    mastered_reps: int
    lost_reps: int

    @property
    def ref(self) -> str:
        return f"{self.deck}/{self.card}"

    def to_json(self) -> dict[str, object]:
        return {
            "ref": self.ref,
            "deck": self.deck,
            "card": self.card,
            "mastered_rep_count": self.mastered_reps,
            "lost_rep_count": self.lost_reps,
        }


@dataclass(frozen=True, slots=True)
class TagMastery:
    """The team's mastery of the cards with one tag."""

    tag: str
    active_cards: int
    mastered_pairs: int
    possible_pairs: int

    @property
    def percent(self) -> float:
        return share(self.mastered_pairs, self.possible_pairs)

    def to_json(self) -> dict[str, object]:
        return {
            "tag": self.tag,
            "active_cards": self.active_cards,
            "mastery_percent": _round(self.percent),
        }


@dataclass(frozen=True, slots=True)
class Headline:
    """How the team is doing in one look: the summary every format starts with.

    Mastery is the share of (rep, card) pairs mastered; its changes are in
    percentage points against the same pairs :data:`CHANGE_DAYS` days before
    the end of the period and at its start.
    """

    since: dt.date
    until: dt.date
    possible_pairs: int
    mastered_pairs: int
    mastered_pairs_7d_ago: int
    mastered_pairs_at_start: int
    behind: tuple[RepStanding, ...]
    on_hold: tuple[RepStanding, ...]
    losing: tuple[LosingCard, ...]
    weakest_tag: TagMastery | None
    max_overdue: int

    @property
    def mastery_percent(self) -> float:
        return share(self.mastered_pairs, self.possible_pairs)

    @property
    def change_7d(self) -> float:
        return share(self.mastered_pairs - self.mastered_pairs_7d_ago, self.possible_pairs)

    @property
    def change_period(self) -> float:
        return share(self.mastered_pairs - self.mastered_pairs_at_start, self.possible_pairs)

    def to_json(self) -> dict[str, object]:
        return {
            "mastery_percent": _round(self.mastery_percent),
            "mastery_change_7d": _round(self.change_7d),
            "mastery_change_period": _round(self.change_period),
            "max_overdue_cards": self.max_overdue,
            "reps_behind": [
                {"rep": r.rep, "overdue_cards": r.overdue, "last_active": iso(r.last_active)}
                for r in self.behind
            ],
            "reps_on_hold": [
                {"rep": r.rep, "on_hold_until": iso(r.on_hold_until)} for r in self.on_hold
            ],
            "losing_cards": [card.to_json() for card in self.losing],
            "weakest_tag": None if self.weakest_tag is None else self.weakest_tag.to_json(),
        }


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


#: Column headers in words, for people (Markdown, HTML, the terminal); CSV,
#: JSON and the tidy sheets keep the column names.
LABELS = {
    "active_cards": "active cards",
    "mastered_cards": "mastered",
    "mastery_percent": "mastery %",
    "due_cards": "due",
    "overdue_cards": "overdue",
    "leech_cards": "leeches",
    "correct_percent": "correct %",
    "last_active": "last active",
    "days_met": "days met",
    "graded_with_suggestion": "graded with a suggestion",
    "agreement_percent": "agreed %",
    "within_one_percent": "within one %",
    "mean_grade_minus_suggested": "grade minus suggested",
    "on_hold_until": "on hold until",
    "lapse_percent": "lapse %",
    "rep_count": "reps",
    "week_ending": "week ending",
    "mastered_pairs": "mastered pairs",
    "possible_pairs": "possible pairs",
    "key_point": "key point",
    "miss_percent": "miss %",
    "revised_on": "revised on",
    "relearn_rep_count": "reps to relearn",
    "reviewed_rep_count": "reviewed since",
    "remastered_rep_count": "re-mastered",
    "remastered_percent": "re-mastered %",
    "reviews_since": "reviews since",
    "last_review": "last review",
}


def label(column: str) -> str:
    """A column's header in words: ``within one %`` for ``within_one_percent``."""
    return LABELS.get(column, column.replace("_", " "))


def signed(points: float) -> str:
    """A change in percentage points, signed, one decimal, never ``-0.0``."""
    value = round(points, 1) + 0.0
    return f"{value:+.1f}" if value else "0.0"


@dataclass(frozen=True, slots=True)
class Table:
    """One tidy table: a header and rows of plain values."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[object, ...]]

    @property
    def labels(self) -> tuple[str, ...]:
        """The column headers in words."""
        return tuple(label(column) for column in self.columns)

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
    headline: Headline | None = None

    _cells: dict[tuple[str, str], MatrixCell] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._cells.update(((c.rep, c.group), c) for c in self.matrix)

    def cell(self, rep: str, group: str) -> MatrixCell | None:
        """One cell of the matrix, found in constant time (renderers ask for every cell)."""
        return self._cells.get((rep, group))

    def blocks(self) -> list[MatrixBlock]:
        """The matrix as one heatmap per tag namespace (plain tags last), or the decks."""
        by = self.scope.matrix_by
        if by == "deck":
            return [MatrixBlock("deck", "deck", tuple(self.groups))] if self.groups else []
        spaces: dict[str, list[str]] = defaultdict(list)
        for group in self.groups:
            spaces[namespace_of(group)].append(group)
        names = sorted(name for name in spaces if name) + ([""] if "" in spaces else [])
        return [MatrixBlock(name, name or "tag", tuple(spaces[name])) for name in names]

    @property
    def trend_note(self) -> str | None:
        """Why the trend starts after the period does, if it does."""
        if not self.trend:
            return None if self.scope.since_given else "No drill in scope yet: no trend."
        first = self.trend[0].week_ending
        if first - dt.timedelta(days=6) <= self.scope.since:
            return None
        return (
            f"The trend starts with the week ending {first.isoformat()}, the first with a drill "
            "in scope; --since shows earlier weeks."
        )

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
                    "behind",
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
                        r.behind,
                    )
                    for r in self.reps
                ],
            ),
            Table(
                "matrix",
                f"Mastery by rep and {self.scope.group_column}",
                (
                    "rep",
                    self.scope.group_column,
                    "active_cards",
                    "mastered_cards",
                    "mastery_percent",
                ),
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
            **scope.to_json(),
            "summary": None if self.headline is None else self.headline.to_json(),
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
                        "mastery_percent": _round(c.percent),
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
    """One decimal; ``-0.0`` (a tiny negative rounded) becomes ``0.0``."""
    return None if value is None else round(value, 1) + 0.0


# -- building ---------------------------------------------------------------------


def build_report(conn: Connection, scope: ReportScope, *, generated_at: dt.datetime) -> Report:
    """Run the report's aggregates for ``scope``."""
    base = _Base.read(conn, scope)
    groups, totals = _group_totals(conn, scope, base.tag_totals)
    matrix = _matrix(conn, scope, base.rep_ids, base.names, groups, totals)
    weeks = _trend_weeks(scope, base.first_drill)
    # One pass over the state changes gives the trend and the headline's figures.
    days = sorted({*weeks, *_headline_days(scope)})
    mastered = dict(zip(days, mastered_pairs_at(conn, scope, base.rep_ids, days), strict=True))
    every_tag = matrix if scope.matrix_by == "namespace" else None
    return Report(
        scope=scope,
        generated_at=generated_at,
        active_cards=base.active,
        reps=base.standings,
        groups=groups,
        matrix=matrix,
        hardest=hardest_cards(conn, scope, base.rep_ids),
        trend=[TrendPoint(week, mastered[week], base.possible_pairs) for week in weeks],
        missed_points=missed_points(conn, scope, base.rep_ids),
        headline=_headline(conn, scope, base, mastered, every_tag),
        revised_cards=revisions.revised_cards(conn, scope, base.rep_ids),
        relearning=(
            revisions.relearning(conn, scope, base.rep_ids) if scope.since_revision else []
        ),
    )


def build_headline(conn: Connection, scope: ReportScope) -> Headline:
    """Only the headline: what ``repdrill brief`` sends."""
    base = _Base.read(conn, scope)
    days = sorted(_headline_days(scope))
    mastered = dict(zip(days, mastered_pairs_at(conn, scope, base.rep_ids, days), strict=True))
    return _headline(conn, scope, base, mastered, None)


@dataclass(frozen=True, slots=True)
class _Base:
    """What every part of a report needs: the reps, the cards and the standings."""

    rep_ids: dict[str, int]
    names: list[str]
    active: int
    tag_totals: dict[str, int]
    standings: list[RepStanding]
    #: The first day a rep in scope drilled a card in scope.
    first_drill: dt.date | None

    @property
    def possible_pairs(self) -> int:
        return len(self.names) * self.active

    @classmethod
    def read(cls, conn: Connection, scope: ReportScope) -> _Base:
        rep_ids = _rep_ids(conn, scope.reps)
        # Reps named in the scope are listed even before their first drill: a
        # manager needs to see who has not started.
        names = sorted(set(scope.reps) if scope.reps is not None else set(rep_ids))
        active = conn.scalar(_active_cards_count(scope.cards)) or 0
        standings, first_drill = _standings(conn, scope, rep_ids, names, active)
        return cls(
            rep_ids=rep_ids,
            names=names,
            active=active,
            tag_totals=_tag_totals(conn, scope.cards),
            standings=standings,
            first_drill=first_drill,
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
) -> tuple[list[RepStanding], dt.date | None]:
    """Each rep's standing, and the first day any of them drilled a card in scope."""
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
                # The first drill; after the period's end when there was none by then.
                func.min(s.introduced_on),
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
    met = case((cleared_clause(r.due_remaining), r.review_date))
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
    holds = _holds(conn, scope, rep_ids)
    met_days = _met_days(conn, scope, [rep for rep, held in holds.items() if held.days])
    standings = []
    for name in names:
        rep_id = rep_ids.get(name, -1)
        s_mastered, s_due, s_overdue, s_leeches, _first = states.get(rep_id, (0, 0, 0, 0, None))
        held = holds.get(rep_id, _Held())
        if held.current is not None:
            s_due = s_overdue = 0
        reviews, correct = activity.get(rep_id, (0, 0))
        days, with_suggestion, agreed, within, mean_gap = log.get(rep_id, (0, 0, 0, 0, None))
        if held.days:
            # Days on hold count as met, as they do for the rep's own days met.
            days = len(held.days | met_days.get(rep_id, set()))
        active_on = _as_date(last_active.get(rep_id))
        seen = max((d for d in (active_on, held.last_day) if d is not None), default=None)
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
                last_active=active_on,
                days_met=int(days),
                graded_with_suggestion=int(with_suggestion),
                agreed=int(agreed),
                within_one=int(within),
                grade_gap=None if mean_gap is None else float(mean_gap),
                on_hold_until=held.current.ends_on if held.current else None,
                behind=held.current is None
                and is_behind(int(s_overdue), seen, today, scope.max_overdue),
            )
        )
    firsts = [day for day in (_as_date(row[-1]) for row in states.values()) if day is not None]
    return standings, min(firsts, default=None)


@dataclass(slots=True)
class _Held:
    """One rep's holds as the report sees them."""

    #: The hold covering the period's last day.
    current: Hold | None = None
    #: Days of the period on hold.
    days: set[dt.date] = field(default_factory=set)
    #: The latest day on hold up to the period's end.
    last_day: dt.date | None = None


def _holds(conn: Connection, scope: ReportScope, rep_ids: dict[str, int]) -> dict[int, _Held]:
    """Every rep's holds up to the end of the period (a few rows per rep at most)."""
    h = t.holds.c
    query = select(h.rep_id, h.starts_on, h.ends_on).where(
        h.starts_on <= scope.until, *_rep_filter(h.rep_id, rep_ids, scope)
    )
    found: dict[int, _Held] = defaultdict(_Held)
    for rep_id, starts_on, ends_on in conn.execute(query):
        held = found[rep_id]
        hold = Hold(starts_on, ends_on)
        if hold.covers(scope.until):
            held.current = hold
        last = min(hold.ends_on, scope.until)
        held.last_day = last if held.last_day is None else max(held.last_day, last)
        day = max(hold.starts_on, scope.since)
        while day <= last:
            held.days.add(day)
            day += dt.timedelta(days=1)
    return found


def _met_days(conn: Connection, scope: ReportScope, rep_ids: list[int]) -> dict[int, set[dt.date]]:
    """The days met in the period of the reps given (those with days on hold in it)."""
    r = t.reviews.c
    found: dict[int, set[dt.date]] = defaultdict(set)
    for some in chunks(rep_ids):
        query = (
            select(r.rep_id, r.review_date)
            .where(
                r.rep_id.in_(list(some)),
                cleared_clause(r.due_remaining),
                r.review_date >= scope.since,
                r.review_date <= scope.until,
            )
            .distinct()
        )
        for rep_id, day in conn.execute(query):
            found[rep_id].add(day)
    return found


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
    return t.decks.c.slug if by == "deck" else t.card_tags.c.tag


def _grouped(joined: Any, by: MatrixBy) -> Any:
    """``joined`` (which includes ``cards``) with the card's tags when grouping by tag."""
    if by == "deck":
        return joined
    return joined.join(t.card_tags, t.card_tags.c.card_id == t.cards.c.id)


def _tag_totals(conn: Connection, cards: Scope) -> dict[str, int]:
    """Active cards in scope per tag."""
    tag = t.card_tags.c.tag
    query = (
        select(tag, func.count())
        .select_from(_grouped(t.cards.join(t.decks), "tag"))
        .where(*_card_filter(cards))
        .group_by(tag)
    )
    return {str(name): int(count) for name, count in conn.execute(query)}


def _group_totals(
    conn: Connection, scope: ReportScope, tag_totals: dict[str, int]
) -> tuple[list[str], dict[str, int]]:
    by = scope.matrix_by
    if by == "deck":
        slug = t.decks.c.slug
        query = (
            select(slug, func.count())
            .select_from(t.cards.join(t.decks))
            .where(*_card_filter(scope.cards))
            .group_by(slug)
        )
        totals = {str(name): int(count) for name, count in conn.execute(query)}
    elif by == "namespace":
        totals = dict(tag_totals)
    else:
        if by != "tag" and not SLUG.match(by):
            raise RepdrillError(
                f"--by takes {', '.join(MATRIX_VIEWS)} or a tag namespace (competitor), not '{by}'"
            )
        wanted = "" if by == "tag" else by
        totals = {tag: n for tag, n in tag_totals.items() if namespace_of(tag) == wanted}
        if not totals and by != "tag":
            known = sorted({namespace_of(tag) for tag in tag_totals} - {""})
            raise RepdrillError(
                f"no card in scope has a tag in namespace '{by}'; --by takes "
                + ", ".join([*MATRIX_VIEWS, *known])
            )
    return sorted(totals), totals


def _matrix(
    conn: Connection,
    scope: ReportScope,
    rep_ids: dict[str, int],
    names: list[str],
    groups: list[str],
    totals: dict[str, int],
) -> list[MatrixCell]:
    if not groups or not names:
        return []
    group = _group_column(scope.matrix_by)
    some_tags = [] if scope.matrix_by in ("namespace", "deck") else [group.in_(groups)]
    s = t.card_states.c
    query = (
        select(s.rep_id, group, func.count())
        .select_from(_grouped(_cards_of(t.card_states), scope.matrix_by))
        .where(
            mastered_clause(s.interval_days, t.decks.c.min_interval_days),
            *_card_filter(scope.cards),
            *_rep_filter(s.rep_id, rep_ids, scope),
            *some_tags,
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


def _trend_weeks(scope: ReportScope, first_drill: dt.date | None) -> list[dt.date]:
    """The trend's week endings: from ``--since`` when it was given, else from the
    first week with a drill in scope (weeks of 0% before anyone drilled say nothing)."""
    first_day = scope.since
    if not scope.since_given:
        if first_drill is None:
            return []
        first_day = max(first_day, first_drill)
    return week_endings(first_day, scope.until)


def mastered_pairs_at(
    conn: Connection, scope: ReportScope, rep_ids: dict[str, int], days: Sequence[dt.date]
) -> list[int]:
    """Mastered (rep, card) pairs at the end of each of ``days`` (sorted), in one pass.

    A state change holds from its review date until the next one. Each change
    that left a card mastered is bucketed by the day its span starts and the
    day it ends; a span counts for every day inside it.
    """
    if not days:
        return []
    weeks = list(days)

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
    return mastered


def _headline_days(scope: ReportScope) -> tuple[dt.date, dt.date, dt.date]:
    """The days the headline compares: the end, a week before it, the eve of the period."""
    until = scope.until
    return until, until - dt.timedelta(days=CHANGE_DAYS), scope.since - dt.timedelta(days=1)


def _headline(
    conn: Connection,
    scope: ReportScope,
    base: _Base,
    mastered: dict[dt.date, int],
    matrix: list[MatrixCell] | None,
) -> Headline:
    until, week_ago, eve = _headline_days(scope)
    behind = sorted(
        (r for r in base.standings if r.behind),
        key=lambda r: (-r.overdue, r.last_active or dt.date.min, r.rep),
    )
    return Headline(
        since=scope.since,
        until=until,
        possible_pairs=base.possible_pairs,
        mastered_pairs=mastered[until],
        mastered_pairs_7d_ago=mastered[week_ago],
        mastered_pairs_at_start=mastered[eve],
        behind=tuple(behind),
        on_hold=tuple(r for r in base.standings if r.on_hold_until is not None),
        losing=tuple(_losing_cards(conn, scope, base.rep_ids)),
        weakest_tag=_weakest_tag(conn, scope, base, matrix),
        max_overdue=scope.max_overdue,
    )


def _losing_cards(
    conn: Connection, scope: ReportScope, rep_ids: dict[str, int], limit: int = LOSING_LIMIT
) -> list[LosingCard]:
    """Cards fewer reps have mastered than a week before, most lost first.

    Only the (rep, card) pairs reviewed in the last week can have changed: the
    state each ended (in effect a week ago) is set against the state each is
    in now. Both are found through the date indexes, never by a scan.
    """
    until = scope.until
    week_ago = until - dt.timedelta(days=CHANGE_DAYS)
    c = t.state_changes.c
    mastered = mastered_clause(c.interval_days, t.decks.c.min_interval_days)
    ended = and_(c.valid_until > week_ago, c.valid_until <= until, c.review_date <= week_ago)
    current = and_(
        c.review_date > week_ago,
        c.review_date <= until,
        or_(c.valid_until.is_(None), c.valid_until > until),
    )
    lost = count_where(and_(ended, mastered)) - count_where(and_(current, mastered))
    query = (
        select(c.card_id, lost)
        .select_from(_cards_of(t.state_changes))
        .where(
            or_(
                and_(c.valid_until > week_ago, c.valid_until <= until),
                and_(c.review_date > week_ago, c.review_date <= until),
            ),
            *_card_filter(scope.cards),
            *_rep_filter(c.rep_id, rep_ids, scope),
        )
        .group_by(c.card_id)
        .having(lost > 0)
        .order_by(lost.desc(), c.card_id)
        .limit(limit)
    )
    rows = conn.execute(query).all()
    if not rows:
        return []
    card_ids = [card_id for card_id, _ in rows]
    # Who has each of these few cards mastered now, as the trend counts it.
    now: dict[int, int] = dict(
        conn.execute(
            select(c.card_id, func.count())
            .select_from(_cards_of(t.state_changes))
            .where(
                c.card_id.in_(card_ids),
                c.review_date <= until,
                or_(c.valid_until.is_(None), c.valid_until > until),
                mastered,
                *_rep_filter(c.rep_id, rep_ids, scope),
            )
            .group_by(c.card_id)
        ).all()
    )
    texts = card_texts(conn, card_ids)
    return [
        LosingCard(texts[card_id][0], texts[card_id][1], int(now.get(card_id, 0)), int(n))
        for card_id, n in rows
    ]


def _weakest_tag(
    conn: Connection, scope: ReportScope, base: _Base, matrix: list[MatrixCell] | None
) -> TagMastery | None:
    """The tag the team has mastered least, among tags with enough cards to tell.

    From the matrix when it covers every tag; else from each card's mastered
    reps, which is one pass over the states of the cards in scope.
    """
    if not base.names or not base.tag_totals:
        return None
    by_tag: dict[str, int] = defaultdict(int)
    if matrix is not None:
        for cell in matrix:
            by_tag[cell.group] += cell.mastered
    else:
        s = t.card_states.c
        per_card = (
            select(s.card_id, func.count())
            .select_from(_cards_of(t.card_states))
            .where(
                mastered_clause(s.interval_days, t.decks.c.min_interval_days),
                *_card_filter(scope.cards),
                *_rep_filter(s.rep_id, base.rep_ids, scope),
            )
            .group_by(s.card_id)
        )
        reps_of = {card_id: int(n) for card_id, n in conn.execute(per_card)}
        tags = (
            select(t.cards.c.id, t.card_tags.c.tag)
            .select_from(_grouped(t.cards.join(t.decks), "tag"))
            .where(*_card_filter(scope.cards))
        )
        for card_id, tag in conn.execute(tags):
            by_tag[str(tag)] += reps_of.get(card_id, 0)
    sized = {g: n for g, n in base.tag_totals.items() if n >= MIN_CELL_CARDS} or base.tag_totals
    candidates = [TagMastery(g, n, by_tag[g], len(base.names) * n) for g, n in sized.items()]
    return min(candidates, key=lambda m: (m.percent, -m.active_cards, m.tag))


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
