"""Multiple-choice cards: each rep's stable order of the choices, and reading a letter.

The order is shuffled per rep and card but stable: it comes from a hash of
(rep, card), never from a random source, so a rep sees the same letters for a
card on every machine, and a re-drill does not reshuffle them.
"""

from __future__ import annotations

import hashlib
import string

from repdrill.cards import CardView

LETTERS = string.ascii_lowercase


def order(card: CardView, rep: str) -> tuple[int, ...]:
    """The indexes of ``card``'s choices in the order ``rep`` sees them."""

    def key(index: int) -> bytes:
        text = f"{rep}\x00{card.ref}\x00{index}"
        return hashlib.sha256(text.encode()).digest()

    return tuple(sorted(range(len(card.choices)), key=key))


def lettered(card: CardView, rep: str) -> tuple[tuple[str, int], ...]:
    """``(letter, choice index)`` pairs in the order ``rep`` sees them: a, b, c..."""
    return tuple(zip(LETTERS, order(card, rep), strict=False))


def pick(card: CardView, rep: str, answer: str) -> int | None:
    """The choice an answer names: a letter in the rep's order ("b", "B)") or a choice's text."""
    typed = answer.strip().rstrip(").:").strip().casefold()
    if not typed:
        return None
    for letter, index in lettered(card, rep):
        if typed == letter:
            return index
    for index, text in enumerate(card.choices):
        if typed == text.strip().casefold():
            return index
    return None
