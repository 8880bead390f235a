"""SM-2, exactly as P. Wozniak published it (SuperMemo, 1990).

Pure functions on an immutable :class:`SM2State`: no I/O, no clock. The
easiness factor (EF) is kept as an exact :class:`~fractions.Fraction`; every
SM-2 step changes EF by whole hundredths, and float drift would otherwise flip
the rounding of long intervals (grades 5,5,5,5,3 give 130 days exactly, 131
with floats).

>>> state = review(review(SM2State(), 5), 4)
>>> state.repetitions, float(state.easiness), state.interval
(2, 2.6, 6)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from repdrill.errors import GradeError

MIN_EASINESS = Fraction(13, 10)
INITIAL_EASINESS = Fraction(5, 2)
GRADES = range(6)
#: SM-2's grade scale, as shown beside each number when a rep grades.
GRADE_MEANINGS = {
    5: "perfect response",
    4: "correct after a hesitation",
    3: "correct, recalled with serious difficulty",
    2: "incorrect, but the correct one seemed easy to recall",
    1: "incorrect, the correct one remembered",
    0: "complete blackout",
}
PASSING_GRADE = 3


def _exact(value: float | int | Fraction | Decimal | str) -> Fraction:
    # str() first, so that 2.36 means 236/100 rather than the nearest binary float.
    if isinstance(value, float):
        return Fraction(str(value))
    return Fraction(value)


@dataclass(frozen=True, slots=True)
class SM2State:
    """A rep's memory of one card, as SM-2 models it.

    ``SM2State()`` is a card never reviewed. ``easiness`` accepts any number
    and is stored exactly; ``float(state.easiness)`` gives its value.
    """

    repetitions: int = 0
    easiness: Fraction = INITIAL_EASINESS
    interval: int = 0

    def __post_init__(self) -> None:
        easiness = _exact(self.easiness)
        if easiness < MIN_EASINESS:
            raise ValueError(f"easiness {float(easiness)} is below SM-2's floor of 1.3")
        if self.repetitions < 0 or self.interval < 0:
            raise ValueError("repetitions and interval cannot be negative")
        if self.repetitions > 0 and self.interval < 1:
            raise ValueError("a card with repetitions has an interval of at least one day")
        object.__setattr__(self, "easiness", easiness)

    @property
    def easiness_x100(self) -> int:
        """EF in integer hundredths, as the database stores it."""
        return round(self.easiness * 100)

    @classmethod
    def from_x100(cls, repetitions: int, easiness_x100: int, interval: int) -> SM2State:
        return cls(repetitions, Fraction(easiness_x100, 100), interval)


def check_grade(quality: object) -> int:
    """Return ``quality`` as a grade, or raise :class:`GradeError`."""
    if isinstance(quality, bool) or not isinstance(quality, int) or quality not in GRADES:
        raise GradeError(f"a grade is a whole number from 0 to 5, not {quality!r}")
    return quality


def easiness_after(easiness: Fraction, quality: int) -> Fraction:
    """EF' = EF + (0.1 - (5-q) * (0.08 + (5-q) * 0.02)), floored at 1.3."""
    miss = 5 - check_grade(quality)
    updated = easiness + Fraction(1, 10) - miss * (Fraction(8, 100) + miss * Fraction(2, 100))
    return max(updated, MIN_EASINESS)


def review(state: SM2State, quality: int) -> SM2State:
    """The state after grading a card ``quality`` (0..5).

    A pass (q >= 3) grows the interval: 1 day, then 6, then the previous
    interval times EF (EF as it was before this grade), rounded half to even.
    A failure starts the repetitions again with a 1-day interval. EF is
    updated after every grade, failures included.
    """
    quality = check_grade(quality)
    if quality >= PASSING_GRADE:
        if state.repetitions == 0:
            interval = 1
        elif state.repetitions == 1:
            interval = 6
        else:
            interval = round(state.interval * state.easiness)
        repetitions = state.repetitions + 1
    else:
        repetitions, interval = 0, 1
    return SM2State(repetitions, easiness_after(state.easiness, quality), interval)


def due_date(review_date: dt.date, state: SM2State) -> dt.date:
    """The day a card is next due: the review date plus the interval."""
    return review_date + dt.timedelta(days=state.interval)


def is_correct(quality: int) -> bool:
    """SM-2 counts grades of 3 and above as correct responses."""
    return quality >= PASSING_GRADE
