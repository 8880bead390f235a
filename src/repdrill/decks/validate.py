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
    #: What the grader will misread (:mod:`repdrill.decks.lint`); errors with ``strict``.
    warnings: tuple[Problem, ...] = ()
    strict: bool = False

    @property
    def valid(self) -> bool:
        failed = self.problems or (self.strict and self.warnings)
        return not failed and bool(self.files or self.rosters)

    def to_json(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "files": self.files,
            "decks": [
                {"deck": d.id, "path": d.path, "card_count": len(d.cards)} for d in self.decks
            ],
            "rosters": list(self.rosters),
            "problems": [p.to_json() for p in self.problems],
            "warnings": [w.to_json() for w in self.warnings],
            "strict": self.strict,
        }


def validate(
    paths: Sequence[str | os.PathLike[str]], *, lint: bool = True, strict: bool = False
) -> Validation:
    """Validate every deck file and roster under ``paths``, reporting all problems.

    With ``lint``, the valid decks are also checked for what the grader will
    misread (warnings); with ``strict``, any warning makes the files invalid.
    """
    decks, deck_problems, files = parse_decks(paths)
    rosters, roster_problems = validate_rosters(paths)
    problems = sorted([*deck_problems, *roster_problems], key=_place)
    warnings: list[Problem] = []
    if lint:
        from repdrill.decks.lint import lint_decks

        warnings = sorted(lint_decks(tuple(decks)), key=_place)
    return Validation(tuple(decks), tuple(rosters), tuple(problems), files, tuple(warnings), strict)


def _place(problem: Problem) -> tuple[str, int, int]:
    return problem.path, problem.line, problem.column
