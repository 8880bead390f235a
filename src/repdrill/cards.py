"""Values every layer shares: a card as a rep sees it, its history, a selection.

No database here: the store builds these values, grading and the drill read
them, and the front door hands them to callers with ``to_json()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from repdrill.schedule.replay import ReviewKind

Points = tuple[tuple[str, ...], ...]
#: One name or several: ``deck="a"`` or ``deck=["a", "b"]``.
Names = str | Iterable[str] | None


def iso(value: dt.date | None) -> str | None:
    """A date or timestamp as JSON carries it: ISO 8601, or ``null``."""
    return None if value is None else value.isoformat()


@dataclass(frozen=True, slots=True)
class CardView:
    """A card as a rep sees it: its current text and its deck's settings.

    ``id`` is the card's id in its deck file, ``ref`` the ``deck/card`` name
    commands accept. ``db_id`` is the database's key, for the store only.
    """

    db_id: int
    deck: str
    id: str
    prompt: str
    answer: str
    type: str | None
    tags: tuple[str, ...]
    key_points: Points
    red_flags: Points
    explanation: str | None
    source: str | None
    content_hash: str
    min_interval_days: int
    retired: bool
    #: A multiple-choice card's choices in deck order, the index of the right one,
    #: and why each is right or wrong (``None`` where the deck says nothing).
    choices: tuple[str, ...] = ()
    correct: int | None = None
    why: tuple[str | None, ...] = ()
    #: The deck's language (ISO 639-1), which grading reads the answer in.
    language: str = "en"
    #: The card's message version (``revision`` in the deck file).
    revision: int = 1

    @property
    def ref(self) -> str:
        return f"{self.deck}/{self.id}"

    def identity(self) -> dict[str, object]:
        """How every JSON object that is about one card names it."""
        return {"ref": self.ref, "deck": self.deck, "card": self.id}

    def to_json(self) -> dict[str, object]:
        return {
            **self.identity(),
            "type": self.type,
            "tags": list(self.tags),
            "prompt": self.prompt,
            "answer": self.answer,
            "key_points": [list(p) for p in self.key_points],
            "red_flags": [list(p) for p in self.red_flags],
            "explanation": self.explanation,
            "source": self.source,
            "content_hash": self.content_hash,
            "revision": self.revision,
            "retired": self.retired,
            "language": self.language,
            "choices": [
                {"text": text, "correct": index == self.correct, "why": why}
                for index, (text, why) in enumerate(zip(self.choices, self._whys(), strict=True))
            ],
        }

    def _whys(self) -> tuple[str | None, ...]:
        return self.why or (None,) * len(self.choices)


@dataclass(frozen=True, slots=True)
class Revised:
    """A card whose message changed since the rep last reviewed it: the drill marks it.

    ``answer_before`` and ``key_points_before`` are the text of the version the
    rep last reviewed, for a word diff against the current one.
    """

    revision: int
    revised_on: dt.date
    answer_before: str
    key_points_before: Points


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One logged review of a card, for ``card show``."""

    review_id: str
    kind: ReviewKind
    grade: int | None
    suggested_grade: int | None
    review_date: dt.date
    reviewed_at: dt.datetime
    card_hash: str
    answer: str | None
    undoes: str | None
    undone: bool

    def to_json(self) -> dict[str, object]:
        return {
            "review_id": self.review_id,
            "kind": self.kind.value,
            "grade": self.grade,
            "suggested_grade": self.suggested_grade,
            "review_date": iso(self.review_date),
            "reviewed_at": iso(self.reviewed_at),
            "card_hash": self.card_hash,
            "typed_answer": self.answer,
            "undoes": self.undoes,
            "undone": self.undone,
        }


@dataclass(frozen=True, slots=True)
class Scope:
    """Which cards a command works on: decks (any of) and tags (all of)."""

    decks: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @classmethod
    def of(cls, deck: Names = None, tag: Names = None) -> Scope:
        """A scope from one name or several, as callers pass them."""
        return cls(decks=names_of(deck), tags=names_of(tag))

    @property
    def everything(self) -> bool:
        return not self.decks and not self.tags

    def to_json(self) -> dict[str, object]:
        return {"decks": list(self.decks), "tags": list(self.tags)}


def names_of(value: Names) -> tuple[str, ...]:
    """One name or several as a tuple: ``"a"`` and ``["a"]`` both give ``("a",)``."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


@dataclass(frozen=True, slots=True)
class Nudge:
    """What ``repdrill due`` says: reviews due and new cards waiting, in one line."""

    rep: str
    today: dt.date
    due: int
    new: int
    on_hold_until: dt.date | None = None

    def line(self, template: str | None = None) -> str:
        """``3 due, 5 new`` (nothing when there is nothing), or ``template`` filled in."""
        if template is not None:
            return template.format(due=self.due, new=self.new, rep=self.rep)
        parts = [f"{self.due} due"] if self.due else []
        if self.new:
            parts.append(f"{self.new} new")
        return ", ".join(parts)

    def to_json(self) -> dict[str, object]:
        return {
            "rep": self.rep,
            "today": iso(self.today),
            "due_cards": self.due,
            "new_available": self.new,
            "on_hold_until": iso(self.on_hold_until),
        }
