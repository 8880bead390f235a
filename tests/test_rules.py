"""Each domain rule (repdrill.schedule.rules) says the same in Python and in SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Connection, Date, Integer, MetaData, Table, create_engine, select

from repdrill.schedule import rules

facts = Table(
    "facts",
    MetaData(),
    Column("interval_days", Integer),
    Column("min_interval_days", Integer),
    Column("lapses", Integer),
    Column("grade", Integer),
    Column("due", Date),
    Column("overdue_cards", Integer),
    Column("last_seen", Date),
    Column("due_remaining", Integer),
)


@pytest.fixture(scope="module")
def conn() -> Iterator[Connection]:
    engine = create_engine("sqlite://")
    facts.metadata.create_all(engine)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def sql_says(conn: Connection, clause: object, **row: object) -> bool:
    """Evaluate ``clause`` on one row holding ``row``, in the database."""
    conn.execute(facts.delete())
    conn.execute(facts.insert().values(**row))
    return bool(conn.execute(select(clause)).scalar_one())  # type: ignore[call-overload]


days = st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 400), st.integers(1, 400))
def test_mastered(conn: Connection, interval: int, minimum: int) -> None:
    clause = rules.mastered_clause(facts.c.interval_days, facts.c.min_interval_days)
    in_sql = sql_says(conn, clause, interval_days=interval, min_interval_days=minimum)
    assert in_sql == rules.is_mastered(interval, minimum)


def test_a_new_card_is_never_mastered() -> None:
    assert not rules.is_mastered(None, 1)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 20))
def test_leech(conn: Connection, lapses: int) -> None:
    in_sql = sql_says(conn, rules.leech_clause(facts.c.lapses), lapses=lapses)
    assert in_sql == rules.is_leech(lapses) == (lapses >= rules.LEECH_LAPSES)


@given(st.integers(0, 5))
def test_correct(conn: Connection, grade: int) -> None:
    in_sql = sql_says(conn, rules.correct_clause(facts.c.grade), grade=grade)
    assert in_sql == rules.is_correct(grade) == (grade >= 3)


@settings(max_examples=60, deadline=None)
@given(days, days)
def test_due_and_overdue(conn: Connection, due: dt.date, today: dt.date) -> None:
    assert sql_says(conn, rules.due_clause(facts.c.due, today), due=due) == rules.is_due(due, today)
    overdue = sql_says(conn, rules.overdue_clause(facts.c.due, today), due=due)
    assert overdue == rules.is_overdue(due, today)


@given(st.none() | st.integers(0, 50))
def test_cleared_what_was_due(conn: Connection, remaining: int | None) -> None:
    clause = rules.cleared_clause(facts.c.due_remaining)
    in_sql = sql_says(conn, clause, due_remaining=remaining)
    assert in_sql == rules.cleared_what_was_due(remaining) == (remaining == 0)


def test_redrill_is_every_grade_below_four() -> None:
    assert [g for g in range(6) if rules.needs_redrill(g)] == [0, 1, 2, 3]


def test_days_met_window_ends_today() -> None:
    today = dt.date(2026, 3, 31)
    assert rules.days_met_since(today) == dt.date(2026, 3, 2)
    assert (today - rules.days_met_since(today)).days + 1 == rules.DAYS_MET_WINDOW


def test_share() -> None:
    assert rules.share(1, 4) == 25.0 and rules.share(3, 0) == 0.0


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 40), days, days, st.integers(0, 30))
def test_behind(
    conn: Connection, overdue: int, last_seen: dt.date, today: dt.date, threshold: int
) -> None:
    clause = rules.behind_clause(facts.c.overdue_cards, facts.c.last_seen, today, threshold)
    in_sql = sql_says(conn, clause, overdue_cards=overdue, last_seen=last_seen)
    assert in_sql == rules.is_behind(overdue, last_seen, today, threshold)


def test_behind_by_overdue_cards_or_a_week_without_a_drill() -> None:
    today = dt.date(2026, 3, 2)
    assert rules.is_behind(11, today, today) and not rules.is_behind(10, today, today)
    assert rules.is_behind(3, today, today, max_overdue=2)
    assert not rules.is_behind(0, dt.date(2026, 2, 24), today)  # drilled 6 days ago
    assert rules.is_behind(0, dt.date(2026, 2, 23), today)  # a whole week without
    assert rules.is_behind(0, None, today)  # never drilled
    assert rules.idle_since(today) == dt.date(2026, 2, 24)
