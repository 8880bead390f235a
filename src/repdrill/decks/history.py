"""A deck's earlier version, and whether an edit since moved its message without a revision.

``repdrill validate --against REF`` reads each deck file as git has it at
``REF`` (``git show REF:path``); ``validate --db`` reads the versions last
loaded into the database (:func:`repdrill.store.revisions.earlier_decks`).
:func:`compare` then warns about each card whose answer or key points look
changed in message (:func:`repdrill.decks.changes.message_changes`) while its
``revision`` stayed, and reports a revision lowered as an error. The author
decides: raise the revision, or leave it for a correction.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from repdrill.cards import Points
from repdrill.decks.changes import message_changes
from repdrill.decks.parse import Deck, parse_deck
from repdrill.errors import Problem, RepdrillError


@dataclass(frozen=True, slots=True)
class EarlierCard:
    """What a card said before: enough to tell whether its message moved."""

    answer: str
    key_points: Points
    revision: int


@dataclass(frozen=True, slots=True)
class EarlierDeck:
    """A deck's cards as they were, and where that version comes from (``HEAD~1``)."""

    label: str
    cards: Mapping[str, EarlierCard]


#: Given the decks being validated, their earlier versions by deck file path.
Earlier = Callable[[Sequence[Deck]], Mapping[str, EarlierDeck]]


def compare(deck: Deck, earlier: EarlierDeck) -> tuple[list[Problem], list[Problem]]:
    """The problems (revisions lowered) and warnings (message moved, revision not)."""
    problems, warnings = [], []
    for card in deck.cards:
        before = earlier.cards.get(card.id)
        if before is None:
            continue
        if card.revision < before.revision:
            line, column = card.mark("revision")
            problems.append(
                Problem(
                    deck.path,
                    line,
                    column,
                    f"card '{card.id}': revision {card.revision} is lower than revision "
                    f"{before.revision} in {earlier.label}; revisions only go up",
                )
            )
            continue
        if card.revision > before.revision:
            continue
        reasons = message_changes(before.answer, before.key_points, card.answer, card.key_points)
        if not reasons:
            continue
        where = "revision" if any(m[0] == "revision" for m in card.marks) else "answer"
        line, column = card.mark(where)
        warnings.append(
            Problem(
                deck.path,
                line,
                column,
                f"warning: card '{card.id}': the message looks changed since {earlier.label} "
                f"({'; '.join(reasons)}) but its revision is still {card.revision}: raise it "
                f"to {card.revision + 1} if reps must relearn the card, or leave it for a "
                "correction",
            )
        )
    return problems, warnings


def from_git(ref: str) -> Earlier:
    """Earlier versions as git has them at ``ref`` (a commit, branch or tag: ``HEAD~1``)."""

    def earlier(decks: Sequence[Deck]) -> dict[str, EarlierDeck]:
        found: dict[str, EarlierDeck] = {}
        checked: set[Path] = set()
        for deck in decks:
            path = Path(deck.path).resolve()
            if path.parent not in checked:
                _check_ref(ref, path.parent)
                checked.add(path.parent)
            data = _git(["show", f"{ref}:./{path.name}"], path.parent)
            if data is None:
                continue  # not in git at ref: a new deck file, nothing to compare
            old, _problems = parse_deck(f"{ref}:{deck.path}", data)
            if old is not None:
                found[deck.path] = EarlierDeck(ref, earlier_cards(old))
        return found

    return earlier


def earlier_cards(deck: Deck) -> dict[str, EarlierCard]:
    return {c.id: EarlierCard(c.answer, c.key_points, c.revision) for c in deck.cards}


def _check_ref(ref: str, directory: Path) -> None:
    if _git(["rev-parse", "--is-inside-work-tree"], directory) is None:
        raise RepdrillError(f"--against {ref}: {directory} is not in a git checkout")
    if _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], directory) is None:
        raise RepdrillError(
            f"--against {ref}: git knows no commit '{ref}' here (try HEAD~1, main or a tag)"
        )


def _git(args: list[str], directory: Path) -> bytes | None:
    """git's output, or ``None`` when git fails or is missing."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=directory, capture_output=True, check=False, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None
