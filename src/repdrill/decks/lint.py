"""Warnings about what the grader cannot read well: ``repdrill validate`` prints them.

A deck can be valid and still grade badly: a point whose words a rep never
types, two points one sentence hits together, a model answer that does not
earn a 5 against its own points. Each warning is a located
:class:`~repdrill.errors.Problem` whose message names the fix; ``validate
--strict`` treats them as errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from repdrill import _language as lang
from repdrill.decks.parse import Card, Deck
from repdrill.errors import Problem
from repdrill.grading import WINDOW_SLACK, grade_card, point_label, wanted_words

#: A point with more content words than this is hard to find within one window.
LONG_POINT_WORDS = 6
#: Two points whose wordings share this share of the smaller one's words overlap.
OVERLAP_SHARE = 2 / 3
#: Text needed, in function words, before the deck's language is second-guessed.
LANGUAGE_EVIDENCE = 0.12
#: A slash with a space beside it, or between two words: "thank them / acknowledge",
#: "approve/reject"; not "S/4HANA", "24/7" or "w/o".
_SLASH = re.compile(r"\s/|/\s|[^\W\d_]{3,}/[^\W\d_]{3,}")


def lint_decks(decks: tuple[Deck, ...]) -> list[Problem]:
    """Every warning about every card of ``decks``, in file order."""
    return [warning for deck in decks for warning in lint_deck(deck)]


def lint_deck(deck: Deck) -> list[Problem]:
    warnings = list(_language_warning(deck))
    for card in deck.cards:
        warnings.extend(
            Problem(deck.path, line, column, f"warning: card '{card.id}': {message}")
            for line, column, message in lint_card(card, deck.language)
        )
    return warnings


def lint_card(card: Card, language: str = lang.DEFAULT_LANGUAGE) -> Iterator[tuple[int, int, str]]:
    """(line, column, message) for each thing the grader will misread on ``card``."""
    if card.choices:
        return
    if not card.key_points:
        line, column = card.line, 5
        yield (
            line,
            column,
            (
                "no key_points, so a typed answer can never be graded; add the points a good "
                "answer must hit, or choices and correct for a question with one right answer"
            ),
        )
        return
    if card.type == "objection" and not card.red_flags:
        line, column = card.mark("key_points")
        yield (
            line,
            column,
            (
                "an objection card without red_flags; add what a coach would stop "
                "(discounting early, disparaging a competitor, over-promising)"
            ),
        )
    for name, points in (("key_points", card.key_points), ("red_flags", card.red_flags)):
        for index, point in enumerate(points):
            line, column = card.mark(f"{name}.{index}")
            for wording in point:
                yield from ((line, column, m) for m in _wording_warnings(wording, language))
    yield from _overlaps(card, language)
    yield from _model_answer(card, language)


def _wording_warnings(wording: str, language: str) -> Iterator[str]:
    if _SLASH.search(wording):
        parts = [p.strip() for p in re.split(r"\s*/\s*", wording) if p.strip()]
        yield (
            f"'{wording}' has a slash inside one wording, so the grader needs all of its "
            f"words; to accept any one of them, list them: [{', '.join(parts)}]"
        )
    wanted = wanted_words(wording, language)
    if wanted.instruction is not None:
        rest = wording.split(None, 1)[1] if " " in wording else wording
        yield (
            f"'{wording}' starts with the instruction '{wanted.instruction}', which a rep "
            f"doing it does not type (the grader ignores it); write what the rep says: "
            f"'{rest}'"
        )
    if len(wanted.words) > LONG_POINT_WORDS:
        yield (
            f"'{wording}' has {len(wanted.words)} content words; the grader looks for two "
            f"thirds of them within {len(wanted.words) + WINDOW_SLACK} words of the answer; "
            "shorten it or split it into two points"
        )


def _overlaps(card: Card, language: str) -> Iterator[tuple[int, int, str]]:
    words = [[set(wanted_words(w, language).words) for w in point] for point in card.key_points]
    for later in range(len(words)):
        for earlier in range(later):
            shared = _shared(words[earlier], words[later])
            if shared is None:
                continue
            line, column = card.mark(f"key_points.{later}")
            yield (
                line,
                column,
                (
                    f"points '{point_label(card.key_points[earlier])}' and "
                    f"'{point_label(card.key_points[later])}' share the words "
                    f"'{' '.join(sorted(shared))}', so one sentence hits both; "
                    "merge them or give each its own words"
                ),
            )


def _shared(first: list[set[str]], second: list[set[str]]) -> set[str] | None:
    for a in first:
        for b in second:
            common = a & b
            smaller = min(len(a), len(b))
            if common and smaller and len(common) >= OVERLAP_SHARE * smaller:
                return common
    return None


def _model_answer(card: Card, language: str) -> Iterator[tuple[int, int, str]]:
    grading = grade_card(card, card.answer, language=language)
    if grading is None or grading.suggested_grade == 5:
        return
    line, column = card.mark("answer")
    missed = [p.label for p in grading.points if not p.hit]
    said = [f.label for f in grading.red_flags if f.hit]
    why = []
    if missed:
        why.append("it misses " + "; ".join(f"'{m}'" for m in missed))
    if said:
        why.append("it says the red flag " + "; ".join(f"'{s}'" for s in said))
    yield (
        line,
        column,
        (
            f"the model answer earns {grading.suggested_grade}, not 5, against its own points "
            f"({', '.join(why)}); reword the point as the answer says it, or the answer"
        ),
    )


def _language_warning(deck: Deck) -> Iterator[Problem]:
    text = " ".join(f"{c.prompt} {c.answer}" for c in deck.cards)
    words = re.findall(r"[^\W\d_]+", text.casefold())
    guessed, share = lang.guess_language(words)
    if guessed is None or guessed == deck.language or share < LANGUAGE_EVIDENCE:
        return
    own = lang.language(deck.language)
    found = lang.language(guessed)
    yield Problem(
        deck.path,
        deck.id_line,
        1,
        f"warning: deck '{deck.id}' says language {deck.language} ({own.name}) but its "
        f"cards read as {found.name}; set language: {guessed} so answers are stemmed and "
        "negations read in it",
    )
