"""SM-2 exactly as published: table tests for grade sequences, properties for invariants."""

from __future__ import annotations

import dataclasses
import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repdrill.errors import GradeError
from repdrill.schedule.sm2 import SM2State, due_date, easiness_after, review


def run(grades: list[int]) -> SM2State:
    state = SM2State()
    for grade in grades:
        state = review(state, grade)
    return state


def test_new_card_defaults() -> None:
    state = SM2State()
    assert (state.repetitions, float(state.easiness), state.interval) == (0, 2.5, 0)
    assert SM2State(repetitions=0, easiness=2.5, interval=0) == state


@pytest.mark.parametrize(
    ("grades", "repetitions", "easiness", "interval"),
    [
        ([5], 1, 2.6, 1),
        ([4], 1, 2.5, 1),
        ([3], 1, 2.36, 1),
        ([2], 0, 2.18, 1),
        ([1], 0, 1.96, 1),
        ([0], 0, 1.7, 1),
        ([5, 5], 2, 2.7, 6),
        ([4, 4, 4], 3, 2.5, 15),  # round(6 * 2.5) = 15
        ([5, 5, 5], 3, 2.8, 16),  # round(6 * 2.7) = round(16.2)
        ([5, 5, 5, 5], 4, 2.9, 45),  # round(16 * 2.8) = round(44.8)
        # The float trap: 45 * 2.9 is 130.5 exactly; half to even gives 130 (floats give 131).
        ([5, 5, 5, 5, 3], 5, 2.76, 130),
        ([4, 4, 4, 1], 0, 1.96, 1),  # a lapse resets repetitions and interval
        ([4, 4, 4, 1, 4], 1, 1.96, 1),
        ([4, 4, 4, 1, 4, 4], 2, 1.96, 6),
        ([4, 4, 4, 1, 4, 4, 4], 3, 1.96, 12),  # round(6 * 1.96) = round(11.76)
        ([0, 0, 0, 0], 0, 1.3, 1),  # EF floored at 1.3
        # EF 2.5 -> 2.36 -> 2.22 -> 2.08 -> 1.94; intervals 1, 6, round(6 * 2.22) = 13,
        # round(13 * 2.08) = round(27.04) = 27.
        ([3, 3, 3, 3], 4, 1.94, 27),
    ],
)
def test_grade_sequences(
    grades: list[int], repetitions: int, easiness: float, interval: int
) -> None:
    state = run(grades)
    assert (state.repetitions, float(state.easiness), state.interval) == (
        repetitions,
        easiness,
        interval,
    )


def test_interval_uses_easiness_before_the_update() -> None:
    state = SM2State(repetitions=2, easiness=2.5, interval=10)
    # With q=5 EF becomes 2.6 afterwards, but the interval uses 2.5.
    assert review(state, 5).interval == 25


def test_ties_round_half_to_even() -> None:
    assert review(SM2State(repetitions=2, easiness=2.5, interval=3), 4).interval == 8  # 7.5
    assert review(SM2State(repetitions=2, easiness=2.5, interval=5), 4).interval == 12  # 12.5
    assert review(SM2State(repetitions=2, easiness=1.5, interval=5), 4).interval == 8  # 7.5


def test_easiness_is_exact_and_uncapped() -> None:
    state = run([5] * 50)
    assert state.easiness == Fraction(75, 10)
    assert isinstance(state.easiness, Fraction)


@pytest.mark.parametrize("bad", [-1, 6, 2.5, "4", None, True])
def test_grades_outside_the_scale_are_rejected(bad: object) -> None:
    with pytest.raises(GradeError, match="0 to 5"):
        review(SM2State(), bad)  # type: ignore[arg-type]


def test_state_is_immutable() -> None:
    state = SM2State()
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.interval = 3  # type: ignore[misc]


def test_state_rejects_impossible_values() -> None:
    with pytest.raises(ValueError, match=r"1\.3"):
        SM2State(easiness=1.2)
    with pytest.raises(ValueError, match="negative"):
        SM2State(interval=-1)
    with pytest.raises(ValueError, match="interval"):
        SM2State(repetitions=2, interval=0)


def test_due_date_is_review_date_plus_interval() -> None:
    assert due_date(dt.date(2026, 1, 30), SM2State(3, 2.5, 6)) == dt.date(2026, 2, 5)


grades = st.integers(min_value=0, max_value=5)
reached = st.lists(grades, max_size=40).map(run)
constructed = st.builds(
    SM2State,
    repetitions=st.integers(min_value=1, max_value=30),
    easiness=st.integers(min_value=130, max_value=400).map(lambda h: Fraction(h, 100)),
    interval=st.integers(min_value=1, max_value=5000),
)
states = st.one_of(reached, constructed)


@given(st.lists(grades, max_size=60))
def test_easiness_never_below_floor(sequence: list[int]) -> None:
    assert run(sequence).easiness >= Fraction(13, 10)


@given(states, grades)
def test_interval_at_least_one_after_any_review(state: SM2State, grade: int) -> None:
    assert review(state, grade).interval >= 1


@given(states, grades, grades)
def test_monotone_in_grade(state: SM2State, low: int, high: int) -> None:
    low, high = sorted((low, high))
    worse, better = review(state, low), review(state, high)
    assert worse.easiness <= better.easiness
    assert worse.interval <= better.interval


@given(states, grades)
def test_failure_resets_and_pass_counts(state: SM2State, grade: int) -> None:
    after = review(state, grade)
    if grade < 3:
        assert (after.repetitions, after.interval) == (0, 1)
    else:
        assert after.repetitions == state.repetitions + 1


@given(states, grades)
def test_easiness_stays_in_whole_hundredths(state: SM2State, grade: int) -> None:
    after = review(state, grade)
    assert (after.easiness * 100).denominator == 1
    assert easiness_after(state.easiness, grade) == after.easiness
