"""The domain rules, each in one place: in Python, and beside it as its SQL clause.

A status table, a drill summary, a report and deck health all ask the same
questions (is this card mastered? a leech? was that grade correct? is it
due?). Each question is answered here once, as a Python predicate for values
in memory and as a SQL clause for aggregates in the database, side by side,
so the two can never disagree. The clause functions take column expressions
and build on their operators, so this module imports no SQL library.

- **Mastered**: a card is mastered by a rep once its SM-2 interval reaches
  the deck's ``mastery.min_interval_days`` (21 by default: Anki's "mature"
  threshold and Wozniak's own three-week cut-off). A lapse resets the
  interval to one day and so takes mastery away; mastered cards keep coming
  back at their long intervals, so mastery is kept, not assumed.
- **Correct**: SM-2 counts grades of 3 and above as correct; a grade below
  3 is a lapse.
- **Leech**: a card a rep has lapsed :data:`LEECH_LAPSES` times.
- **Re-drill**: a card graded below :data:`REDRILL_BELOW` comes back later in
  the same session (SM-2 step 7).
- **Due**: a card whose due date is today or earlier; overdue before today.
- **Days met**: days in the last :data:`DAYS_MET_WINDOW` on which the rep
  cleared what was due. Days on hold count as met: time off never costs
  what was earned.
- **Review due**: a deck or card whose ``review_by`` date is today or
  earlier is due for review by its owner.
- **On hold**: a rep on hold (from ``starts_on`` through ``ends_on``) has
  nothing due.
- **Behind**: a rep not on hold with more than a manager's threshold of cards
  overdue (:data:`MAX_OVERDUE_CARDS` unless the report says otherwise), or
  with no drill in the last :data:`IDLE_DAYS` days. Days on hold count as
  drilled, as they count as met: a rep back from time off is not idle.

The clause functions only use the operators of what they are given, so they
build SQLAlchemy expressions from columns and plain SQL text from
:class:`repdrill.store._textsql.Sql` (the stdlib reader behind ``repdrill
due`` and ``repdrill status`` on SQLite): one definition for both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from repdrill.schedule.sm2 import PASSING_GRADE, is_correct

#: What a clause function returns: a SQLAlchemy ``ColumnElement[bool]`` when given
#: columns, SQL text when given :class:`~repdrill.store._textsql.Sql` pieces.
Clause = Any

#: A card lapsed this many times by one rep is a leech.
LEECH_LAPSES = 8
#: A grade below this sends the card back into the same session.
REDRILL_BELOW = 4
#: The rolling window, in days and today included, of "days met".
DAYS_MET_WINDOW = 30
#: A rep with more cards overdue than this is behind (a report may set another).
MAX_OVERDUE_CARDS = 10
#: A rep with no drill (and no day on hold) in this many days, today included, is behind.
IDLE_DAYS = 7

__all__ = [
    "DAYS_MET_WINDOW",
    "IDLE_DAYS",
    "LEECH_LAPSES",
    "MAX_OVERDUE_CARDS",
    "PASSING_GRADE",
    "REDRILL_BELOW",
    "behind_clause",
    "cleared_clause",
    "cleared_what_was_due",
    "correct_clause",
    "covers",
    "covers_clause",
    "days_met_since",
    "days_on_hold",
    "due_clause",
    "idle_since",
    "is_behind",
    "is_correct",
    "is_due",
    "is_leech",
    "is_mastered",
    "is_overdue",
    "is_review_due",
    "leech_clause",
    "mastered_clause",
    "needs_redrill",
    "new_available",
    "overdue_clause",
    "review_due_clause",
    "share",
]


def is_mastered(interval_days: int | None, min_interval_days: int) -> bool:
    """A card never reviewed (``None``) is not mastered."""
    return interval_days is not None and interval_days >= min_interval_days


def mastered_clause(interval_days: Any, min_interval_days: Any) -> Clause:
    return interval_days >= min_interval_days


def correct_clause(grade: Any) -> Clause:
    return grade >= PASSING_GRADE


def is_leech(lapses: int) -> bool:
    return lapses >= LEECH_LAPSES


def leech_clause(lapses: Any) -> Clause:
    return lapses >= LEECH_LAPSES


def needs_redrill(grade: int) -> bool:
    return grade < REDRILL_BELOW


def is_due(due: dt.date, today: dt.date) -> bool:
    return due <= today


def due_clause(due: Any, today: Any) -> Clause:
    return due <= today


def is_overdue(due: dt.date, today: dt.date) -> bool:
    return due < today


def overdue_clause(due: Any, today: Any) -> Clause:
    return due < today


def is_review_due(review_by: dt.date, today: dt.date) -> bool:
    return review_by <= today


def review_due_clause(review_by: Any, today: Any) -> Clause:
    return review_by <= today


def covers(starts_on: dt.date, ends_on: dt.date, day: dt.date) -> bool:
    """A hold from ``starts_on`` through ``ends_on`` covers ``day``."""
    return starts_on <= day <= ends_on


def covers_clause(starts_on: Any, ends_on: Any, day: Any) -> Clause:
    return _both(starts_on <= day, ends_on >= day)


def days_on_hold(
    holds: Iterable[tuple[dt.date, dt.date]], since: dt.date, until: dt.date
) -> set[dt.date]:
    """The days from ``since`` through ``until`` that the holds ``(starts_on, ends_on)`` cover."""
    days: set[dt.date] = set()
    for start, end in holds:
        day = max(start, since)
        while day <= min(end, until):
            days.add(day)
            day += dt.timedelta(days=1)
    return days


def _both(first: Any, second: Any) -> Any:
    """``first AND second`` for column expressions and for SQL text alike."""
    return first & second


def new_available(unseen: int, new_per_day: int, begun_today: int) -> int:
    """New cards a deck still gives a rep today: what is left of its daily limit."""
    return max(0, min(unseen, new_per_day - begun_today))


def idle_since(today: dt.date, days: int = IDLE_DAYS) -> dt.date:
    """The first day of the window a rep must have drilled in (or been on hold) not to be idle."""
    return today - dt.timedelta(days=days - 1)


def is_behind(
    overdue_cards: int,
    last_seen: dt.date | None,
    today: dt.date,
    max_overdue: int = MAX_OVERDUE_CARDS,
) -> bool:
    """Behind: more than ``max_overdue`` cards overdue, or not seen in :data:`IDLE_DAYS` days.

    ``last_seen`` is the later of the rep's last drill and last day on hold
    (``None``: neither, ever). A rep on hold today is never behind: ask
    :func:`covers` first, as the report does.
    """
    return overdue_cards > max_overdue or last_seen is None or last_seen < idle_since(today)


def behind_clause(
    overdue_cards: Any, last_seen: Any, today: dt.date, max_overdue: int = MAX_OVERDUE_CARDS
) -> Clause:
    """:func:`is_behind` in SQL. ``last_seen`` must not be NULL: coalesce a rep never
    seen to a day long past."""
    return (overdue_cards > max_overdue) | (last_seen < idle_since(today))


def cleared_what_was_due(due_remaining: int | None) -> bool:
    """Whether a review left nothing due that day: a day with one such review is met.

    Every review records how many of the rep's cards were still due after it
    (``due_remaining``); a log written before that was recorded has ``None``.
    """
    return due_remaining is not None and due_remaining <= 0


def cleared_clause(due_remaining: Any) -> Clause:
    """:func:`cleared_what_was_due` in SQL (NULL is not cleared, as NULL <= 0 is not true)."""
    return due_remaining <= 0


def days_met_since(today: dt.date, window: int = DAYS_MET_WINDOW) -> dt.date:
    """The first day of the days-met window that ends today."""
    return today - dt.timedelta(days=window - 1)


def share(part: int, whole: int) -> float:
    """``part / whole`` as a percentage, 0 for an empty whole."""
    return 0.0 if whole == 0 else 100.0 * part / whole
