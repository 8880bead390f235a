"""What "mastered" means.

A card is mastered by a rep once its SM-2 interval reaches the deck's
``mastery.min_interval_days`` (21 by default: Anki's "mature" threshold and
Wozniak's own three-week cut-off). A lapse resets the interval to one day and
so takes mastery away; mastered cards keep coming back at their long
intervals, so mastery is kept, not assumed. A deck is mastered when all of its
active cards are.
"""

from __future__ import annotations

from repdrill.decks.format import DEFAULT_MIN_INTERVAL_DAYS


def is_mastered(
    interval_days: int | None, min_interval_days: int = DEFAULT_MIN_INTERVAL_DAYS
) -> bool:
    return interval_days is not None and interval_days >= min_interval_days


def share(part: int, whole: int) -> float:
    """``part / whole`` as a percentage, 0 for an empty whole."""
    return 0.0 if whole == 0 else 100.0 * part / whole
