"""Validating deck files and team rosters together: what ``repdrill validate`` reports.

Besides each file's own problems: the tag taxonomy (``repdrill.yaml``) the
decks fall under, review-by dates that have come (warnings), and, given an
earlier version of the decks (a git commit or the database), cards whose
message looks changed while their revision did not move (warnings) or whose
revision went down (problems).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from repdrill.decks.files import find_taxonomy_files
from repdrill.decks.history import Earlier, compare
from repdrill.decks.parse import Deck, parse_decks
from repdrill.decks.roster import validate_rosters
from repdrill.decks.taxonomy import Taxonomies
from repdrill.errors import Problem
from repdrill.schedule.rules import is_review_due


@dataclass(frozen=True, slots=True)
class Validation:
    """The outcome of validating a set of files: the valid decks and every problem."""

    decks: tuple[Deck, ...]
    rosters: tuple[str, ...]
    problems: tuple[Problem, ...]
    #: Deck files read (rosters are counted in ``rosters``).
    files: int
    #: What the grader will misread (:mod:`repdrill.decks.lint`), review-by dates
    #: that have come, messages changed without a revision; errors with ``strict``.
    warnings: tuple[Problem, ...] = ()
    strict: bool = False
    #: The tag taxonomies (``repdrill.yaml``) read.
    taxonomies: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        failed = self.problems or (self.strict and self.warnings)
        return not failed and bool(self.files or self.rosters or self.taxonomies)

    def to_json(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "files": self.files,
            "decks": [
                {"deck": d.id, "path": d.path, "card_count": len(d.cards)} for d in self.decks
            ],
            "rosters": list(self.rosters),
            "taxonomies": list(self.taxonomies),
            "problems": [p.to_json() for p in self.problems],
            "warnings": [w.to_json() for w in self.warnings],
            "strict": self.strict,
        }


def validate(
    paths: Sequence[str | os.PathLike[str]],
    *,
    lint: bool = True,
    strict: bool = False,
    today: dt.date | None = None,
    earlier: Iterable[Earlier] = (),
) -> Validation:
    """Validate every deck file, roster and taxonomy under ``paths``, reporting all problems.

    With ``lint``, the valid decks are also checked for what the grader will
    misread (warnings); with ``today``, review-by dates on or before it are
    warnings; each of ``earlier`` gives earlier versions of the decks to compare
    with. With ``strict``, any warning makes the files invalid.
    """
    decks, deck_problems, files = parse_decks(paths)
    rosters, roster_problems = validate_rosters(paths)
    taxonomies = Taxonomies()
    for name in find_taxonomy_files(paths):
        taxonomies.read(Path(name))
    problems = [*deck_problems, *roster_problems]
    warnings: list[Problem] = []
    for deck in decks:
        taxonomy = taxonomies.for_deck(deck.path)
        if taxonomy is not None:
            problems += taxonomy.check(deck)
    problems += taxonomies.problems
    if lint:
        from repdrill.decks.lint import lint_decks

        warnings += lint_decks(tuple(decks))
    if today is not None:
        warnings += review_warnings(decks, today)
    for versions in earlier:
        before = versions(decks)
        for deck in decks:
            if deck.path in before:
                lowered, moved = compare(deck, before[deck.path])
                problems += lowered
                warnings += moved
    return Validation(
        tuple(decks),
        tuple(rosters),
        tuple(sorted(set(problems), key=_place)),
        files,
        tuple(sorted(warnings, key=_place)),
        strict,
        tuple(taxonomies.paths()),
    )


def review_warnings(decks: Iterable[Deck], today: dt.date) -> list[Problem]:
    """A warning for each deck and card whose review-by date has come."""
    warnings = []
    for deck in decks:
        owner = f" with its owner ({deck.owner})" if deck.owner else ""
        if deck.review_by is not None and is_review_due(deck.review_by, today):
            warnings.append(
                Problem(
                    deck.path,
                    *deck.review_by_mark,
                    f"warning: deck '{deck.id}': {_due(deck.review_by, today)}; review the "
                    f"deck{owner} and set the next review_by",
                )
            )
        for card in deck.cards:
            if card.review_by is not None and is_review_due(card.review_by, today):
                warnings.append(
                    Problem(
                        deck.path,
                        *card.mark("review_by"),
                        f"warning: card '{card.id}': {_due(card.review_by, today)}; review the "
                        f"card{owner} and set the next review_by",
                    )
                )
    return warnings


def _due(review_by: dt.date, today: dt.date) -> str:
    if review_by == today:
        return f"review_by {review_by.isoformat()} is today"
    return f"review_by {review_by.isoformat()} has passed"


def _place(problem: Problem) -> tuple[str, int, int]:
    return problem.path, problem.line, problem.column
