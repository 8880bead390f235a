"""Pacing a day's drill to a time budget: how long a card takes, and what fits.

A rep who is shown 40 cards on day two stops opening the tool. So a session is
cut to the rep's daily budget (10 minutes unless they set another): overdue
reviews first, then new cards while the budget allows. How long a card takes
is estimated from the rep's own log (the time between one grade and the next
in a session); until there are enough timed reviews, the defaults below. Every
estimate is clamped, so that a run of instant answers cannot open the
floodgates. Pure functions: the store reads the samples, this decides.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

#: Seconds a new card and a review take, until the rep's log says otherwise.
DEFAULT_NEW_SECONDS = 45
DEFAULT_REVIEW_SECONDS = 20
#: Timed samples of a kind needed before the rep's own median replaces the default.
MIN_SAMPLES = 10
#: Every estimate lies in this range, in seconds per card.
CLAMP = (10, 180)
#: A gap longer than this between two grades is a break, not time on a card.
BREAK_SECONDS = 15 * 60


@dataclass(frozen=True, slots=True)
class Estimate:
    """Seconds per new card and per review (re-drills cost a review)."""

    new: float = DEFAULT_NEW_SECONDS
    review: float = DEFAULT_REVIEW_SECONDS
    #: Whether each figure comes from the rep's own log (else the default).
    new_measured: bool = False
    review_measured: bool = False

    def seconds(self, reviews: int, new: int) -> float:
        return reviews * self.review + new * self.new


def clamp(seconds: float) -> float:
    low, high = CLAMP
    return min(max(seconds, low), high)


def estimate(new_samples: Sequence[float], review_samples: Sequence[float]) -> Estimate:
    """The rep's median seconds per new card and per review, clamped, or the defaults."""

    def median_of(samples: Sequence[float], default: float) -> tuple[float, bool]:
        timed = [s for s in samples if 0 <= s <= BREAK_SECONDS]
        if len(timed) < MIN_SAMPLES:
            return clamp(default), False
        return clamp(statistics.median(timed)), True

    new, new_measured = median_of(new_samples, DEFAULT_NEW_SECONDS)
    review, review_measured = median_of(review_samples, DEFAULT_REVIEW_SECONDS)
    return Estimate(new, review, new_measured, review_measured)


@dataclass(frozen=True, slots=True)
class Plan:
    """What a session takes from what is due and new, within the budget."""

    reviews: int
    new: int
    reviews_left: int
    budget_seconds: float
    estimate: Estimate

    @property
    def seconds(self) -> float:
        return self.estimate.seconds(self.reviews, self.new)

    @property
    def minutes(self) -> int:
        """The estimate in whole minutes, rounded up (a session is never "about 0 min")."""
        return max(1, math.ceil(self.seconds / 60)) if self.reviews or self.new else 0


def plan(due: int, new: int, budget_minutes: float, estimate: Estimate) -> Plan:
    """Take reviews (most overdue first) while they fit, then new cards while they fit.

    Reviews that do not fit stay due for tomorrow, and then no new card is
    taken. A budget too small for one
    review still takes one, so that a rep who opens the drill is never shown
    nothing while cards are due.
    """
    budget = budget_minutes * 60
    reviews = min(due, int(budget // estimate.review))
    if due and not reviews:
        reviews = 1
    room = budget - reviews * estimate.review
    # New cards only once every due review is in: reviews that wait come first tomorrow.
    new_taken = 0 if reviews < due else min(new, max(0, int(room // estimate.new)))
    return Plan(reviews, new_taken, due - reviews, budget, estimate)


def room_for_new(spent_seconds: float, budget_seconds: float, estimate: Estimate) -> bool:
    """Whether one more new card fits after ``spent_seconds`` of planned work."""
    return spent_seconds + estimate.new <= budget_seconds
