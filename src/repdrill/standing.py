"""A rep's standing as values: a hold, progress per deck, what ``repdrill status`` shows.

No database here, so that both readers build the same values: the front
door's query (:mod:`repdrill.store.standing`) and the standard-library reader
that answers ``repdrill status`` on SQLite (:mod:`repdrill.store.fastread`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from repdrill.cards import iso
from repdrill.schedule.rules import DAYS_MET_WINDOW, covers, new_available, share

#: The daily budget, in minutes, when the rep has not set one.
DEFAULT_DAILY_MINUTES = 10


@dataclass(frozen=True, slots=True)
class Hold:
    """Time off: nothing is due from ``starts_on`` through ``ends_on``."""

    starts_on: dt.date
    ends_on: dt.date

    def covers(self, day: dt.date) -> bool:
        return covers(self.starts_on, self.ends_on, day)

    def to_json(self) -> dict[str, object]:
        return {"on_hold_from": iso(self.starts_on), "on_hold_until": iso(self.ends_on)}


@dataclass(frozen=True, slots=True)
class DeckProgress:
    """One rep's standing in one deck on one day."""

    deck: str
    title: str
    active_cards: int
    retired_cards: int
    due: int
    overdue: int
    new_available: int
    unseen: int
    mastered: int
    leeches: int
    next_due: dt.date | None

    @classmethod
    def from_row(cls, row: Sequence[Any], next_due: dt.date | None) -> DeckProgress:
        """A deck's row of the status query, as both readers select it.

        ``row`` is (deck, title, active, retired, due, overdue, unseen,
        mastered, leeches, next due, new per day, introduced today); the next
        due date is passed as a date, since each driver gives it its own way.
        """
        deck, title, active, retired, due, overdue, unseen, mastered, leeches = row[:9]
        new_per_day, introduced = row[10], row[11]
        return cls(
            deck=deck,
            title=title,
            active_cards=active,
            retired_cards=retired,
            due=due,
            overdue=overdue,
            new_available=new_available(unseen, new_per_day, introduced),
            unseen=unseen,
            mastered=mastered,
            leeches=leeches,
            next_due=next_due,
        )

    @property
    def mastery_percent(self) -> float:
        return share(self.mastered, self.active_cards)

    def to_json(self) -> dict[str, object]:
        return {
            "deck": self.deck,
            "title": self.title,
            "due_cards": self.due,
            "overdue_cards": self.overdue,
            "new_available": self.new_available,
            "unseen_cards": self.unseen,
            "mastered_cards": self.mastered,
            "active_cards": self.active_cards,
            "retired_cards": self.retired_cards,
            "mastery_percent": round(self.mastery_percent, 1),
            "leech_cards": self.leeches,
            "next_due": iso(self.next_due),
        }


@dataclass(frozen=True, slots=True)
class Status:
    """What ``repdrill status`` shows: a rep's standing in every deck in scope."""

    rep: str
    today: dt.date
    days_met: int
    decks: tuple[DeckProgress, ...]
    hold: Hold | None = None
    daily_minutes: int = DEFAULT_DAILY_MINUTES
    days_met_window: int = DAYS_MET_WINDOW

    @classmethod
    def of(
        cls,
        rep: str,
        today: dt.date,
        days_met: int,
        decks: Iterable[DeckProgress],
        hold: Hold | None,
        daily_minutes: int,
    ) -> Status:
        """The status as the rep sees it: on hold today, nothing is due and nothing new."""
        if hold is not None and hold.covers(today):
            decks = [replace(d, due=0, overdue=0, new_available=0) for d in decks]
        return cls(rep, today, days_met, tuple(decks), hold, daily_minutes)

    @property
    def on_hold(self) -> bool:
        return self.hold is not None and self.hold.covers(self.today)

    @property
    def due(self) -> int:
        return sum(d.due for d in self.decks)

    @property
    def new_available(self) -> int:
        return sum(d.new_available for d in self.decks)

    def to_json(self) -> dict[str, object]:
        return {
            "rep": self.rep,
            "today": iso(self.today),
            "days_met": self.days_met,
            "days_met_window": self.days_met_window,
            "daily_minutes": self.daily_minutes,
            "on_hold_from": iso(self.hold.starts_on) if self.hold else None,
            "on_hold_until": iso(self.hold.ends_on) if self.hold else None,
            "decks": [d.to_json() for d in self.decks],
        }
