"""Pacing a day's drill (repdrill.schedule.pacing): estimates, the budget, what waits."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from conftest import DECKS, TODAY, on
from repdrill import Estimate
from repdrill.config import Clock
from repdrill.drill import DrillSession
from repdrill.schedule import pacing
from repdrill.store import read
from repdrill.store.engine import Database
from repdrill.store.load import load
from scripted import ScriptedIO, at


def test_defaults_until_ten_timed_reviews() -> None:
    assert pacing.estimate([], []) == Estimate(45, 20)
    nine = pacing.estimate([30.0] * 9, [12.0] * 9)
    assert (nine.new, nine.review, nine.new_measured) == (45, 20, False)
    ten = pacing.estimate([30.0] * 10, [12.0] * 10)
    assert (ten.new, ten.review, ten.new_measured, ten.review_measured) == (30, 12, True, True)


def test_estimates_are_clamped_and_breaks_ignored() -> None:
    instant = pacing.estimate([0.2] * 50, [0.1] * 50)
    assert (instant.new, instant.review) == (10, 10)
    slow = pacing.estimate([900.0] * 50, [500.0] * 50)
    assert (slow.new, slow.review) == (180, 180)
    with_breaks = pacing.estimate([40.0] * 12 + [3600.0] * 20, [15.0] * 12)
    assert with_breaks.new == 40  # an hour away from the keyboard is not time on a card


@given(
    due=st.integers(0, 200),
    new=st.integers(0, 40),
    minutes=st.integers(1, 60),
    new_seconds=st.floats(10, 180),
    review_seconds=st.floats(10, 180),
)
def test_a_plan_fits_its_budget_and_takes_reviews_first(
    due: int, new: int, minutes: int, new_seconds: float, review_seconds: float
) -> None:
    estimate = Estimate(new_seconds, review_seconds)
    plan = pacing.plan(due, new, minutes, estimate)
    assert plan.reviews + plan.reviews_left == due
    assert plan.new <= new
    if plan.new:
        assert plan.reviews_left == 0  # new cards only once every due review fits
    if plan.reviews > 1 or plan.new:
        assert plan.seconds <= minutes * 60
    assert (plan.reviews == 1) if due and review_seconds > minutes * 60 else True


def session(db: Database, day: dt.date, clock: Clock | None = None) -> DrillSession:
    return DrillSession(db=db, rep_name="ana", clock=clock or at(day))


def test_a_new_rep_sees_at_most_thirteen_cards_on_day_one(db_url: str) -> None:
    with on(db_url, TODAY) as rd:
        rd.load([DECKS])
        io = ScriptedIO(["", 5] * 40)
        summary = rd.drill(io)
    assert io.plan is not None
    assert (io.plan.plan.reviews, io.plan.plan.new) == (0, 13)
    assert io.plan.plan.minutes == 10
    assert summary.cards == 13


def test_fourteen_days_of_fives_meet_thirty_cards_within_budget(db_url: str) -> None:
    met: set[str] = set()
    for offset in range(14):
        day = TODAY + dt.timedelta(days=offset)
        with on(db_url, day) as rd:
            if offset == 0:
                rd.load([DECKS])
            io = ScriptedIO(["", 5] * 200)
            rd.drill(io)
        if io.plan is None:  # nothing due and no new card left that day
            assert io.nothing is not None
            continue
        plan = io.plan.plan
        # The day's queue never exceeds the budget by the estimate in force that day.
        assert plan.seconds <= plan.budget_seconds or plan.reviews == 1
        met.update(r.card.ref for r in io.recorded)
    assert len(met) >= 30


def test_reviews_that_do_not_fit_wait_for_tomorrow_most_overdue_first(
    db: Database, write_deck: Callable[..., Path]
) -> None:
    deck = write_deck("alpha", [f"c{i}" for i in range(12)], header="mastery:\n  new_per_day: 12\n")
    load(db, [deck], now=at(TODAY).now())
    drill = DrillSession(db=db, rep_name="ana", clock=at(TODAY), minutes=60)
    drill.run(ScriptedIO(["", 5] * 12))
    later = TODAY + dt.timedelta(days=3)
    tight = DrillSession(db=db, rep_name="ana", clock=at(later), minutes=1)
    io = ScriptedIO(["", 5] * 12)
    summary = tight.run(io)
    assert io.plan is not None and (io.plan.plan.reviews, io.plan.plan.reviews_left) == (3, 9)
    assert summary.reviews_left == 9
    with db.transaction() as conn:
        assert read.due_count(conn, read.rep_id(conn, "ana"), later) == 9


def test_a_redrill_counts_against_the_budget_and_crowds_out_new_cards(
    db: Database, write_deck: Callable[..., Path]
) -> None:
    deck = write_deck("alpha", [f"c{i}" for i in range(10)], header="mastery:\n  new_per_day: 10\n")
    load(db, [deck], now=at(TODAY).now())
    # 3 minutes at 45 s a new card: four fit; a failed card's re-drill (20 s) pushes one out.
    io = ScriptedIO(["", 1, "", 5, "", 5, "", 5, "", 5])
    DrillSession(db=db, rep_name="ana", clock=at(TODAY), minutes=3).run(io)
    assert io.plan is not None and io.plan.plan.new == 4
    assert io.shown == ["c0:new:1/4", "c1:new:2/4", "c2:new:3/4", "c0:redrill:4/4"]


def test_timing_comes_from_the_gaps_between_grades(
    db: Database, write_deck: Callable[..., Path]
) -> None:
    deck = write_deck("alpha", [f"c{i}" for i in range(14)], header="mastery:\n  new_per_day: 14\n")
    load(db, [deck], now=at(TODAY).now())
    start = dt.datetime.combine(TODAY, dt.time(9), tzinfo=dt.UTC)
    ticks = itertools.count()
    # Every reading of the clock 6 s after the last: a grade every 30 s or so.
    clock = Clock(TODAY, timer=lambda: start + dt.timedelta(seconds=6 * next(ticks)))
    DrillSession(db=db, rep_name="ana", clock=clock, minutes=60).run(ScriptedIO(["", 5] * 14))
    with db.transaction() as conn:
        new, reviews = read.timing_samples(conn, read.rep_id(conn, "ana"))
    assert len(new) == 13 and reviews == []  # the first card of a session is not timed
    assert len(set(new)) == 1 and 5 < new[0] < 120
    assert pacing.estimate(new, reviews).new_measured
