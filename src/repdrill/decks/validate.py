"""Validating deck files and team rosters together: what ``repdrill validate`` reports."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from repdrill.decks.parse import Deck, parse_decks
from repdrill.decks.roster import validate_rosters
from repdrill.errors import Problem


@dataclass(frozen=True, slots=True)
class Validation:
    """The outcome of validating a set of files: the valid decks and every problem."""

    decks: tuple[Deck, ...]
    rosters: tuple[str, ...]
    problems: tuple[Problem, ...]
    #: Deck files read (rosters are counted in ``rosters``).
    files: int

    @property
    def valid(self) -> bool:
        return not self.problems and bool(self.files or self.rosters)

    def to_json(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "files": self.files,
            "decks": [
                {"deck": d.id, "path": d.path, "card_count": len(d.cards)} for d in self.decks
            ],
            "rosters": list(self.rosters),
            "problems": [p.to_json() for p in self.problems],
        }


def validate(paths: Sequence[str | os.PathLike[str]]) -> Validation:
    """Validate every deck file and roster under ``paths``, reporting all problems."""
    decks, deck_problems, files = parse_decks(paths)
    rosters, roster_problems = validate_rosters(paths)
    problems = sorted([*deck_problems, *roster_problems], key=lambda p: (p.path, p.line, p.column))
    return Validation(tuple(decks), tuple(rosters), tuple(problems), files)
