"""Grading a typed answer against a card's key points and red flags.

Deterministic and explainable, so that a rep can check it:

1. Normalise both texts: Unicode NFKC, case folding, contractions expanded
   ("isn't" -> "is not"), punctuation dropped (a number keeps its digits:
   "$2.80" -> "280", "18k" -> "18000"), number words and typing shorthand read
   as what they stand for ("six wks" -> "6 week"), light suffix stemming
   ("comparing" -> "compar").
2. A point (or any of its alternative wordings) is *hit* when, inside one
   window of the answer a few words longer than the point, at least two thirds
   of the point's content words are found. Words match when equal, when one
   is a prefix covering most of the other ("secur" ~ "security"), or when their
   rapidfuzz similarity reaches :data:`FUZZY_THRESHOLD` (typos); words of four
   letters or fewer must be equal.
3. A negation ("not", "no", "never", "without", ...) in the three words before
   the match, or inside it, cancels the hit unless the point itself is
   negated: "it is not secure" does not cover "secure". Set phrases such as
   "no problem" are not negations.
4. Red flags are matched the same way; any red flag caps the grade at 2.

The suggested grade comes from :data:`GRADE_TABLE` (docs/grading.md).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from rapidfuzz.fuzz import ratio

from repdrill.cards import CardView

#: Minimum rapidfuzz similarity (0-100) for two words of 5+ letters to match.
FUZZY_THRESHOLD = 80
#: Words this short must match exactly: one letter turns "cost" into "post".
SHORT_WORD = 4
#: Share of a point's content words that must be found together.
POINT_COVERAGE = 2 / 3
#: Extra words a match may spread over, beyond the point's own length.
WINDOW_SLACK = 4
#: A prefix matches a longer word when it covers this share of it ("secur" ~ "security",
#: but not "sign" ~ "signature").
PREFIX_SHARE = 0.6
#: Words before a match in which a negation cancels it.
NEGATION_REACH = 3
#: Any red flag caps the suggested grade here.
RED_FLAG_CAP = 2
#: (minimum share of key points hit, grade), checked in order; "some" is any hit at all.
GRADE_TABLE: tuple[tuple[Fraction, int], ...] = (
    (Fraction(1), 5),
    (Fraction(2, 3), 4),
    (Fraction(1, 2), 3),
)
SOME_POINTS_GRADE = 2
NO_POINTS_GRADE = 1

NEGATIONS = frozenset(
    {"not", "no", "never", "without", "cannot", "nor", "none", "neither", "nothing", "nobody"}
)
#: Words after "no"/"not" that make a set phrase rather than a negation.
NOT_NEGATING = frozenset({"problem", "prob", "worry", "worri", "doubt", "question", "matter"})
STOPWORDS = frozenset(
    """a an the of to and or in on at for with by from as is are be was were been it its
    this that these those we our us you your they their them i me my he she his her
    do does did so if then than into about up out over just very really can will would
    should could may might must have has had""".split()
)
_CONTRACTIONS = (
    (re.compile(r"\bcan['’]t\b"), "can not"),
    (re.compile(r"\bwon['’]t\b"), "will not"),
    (re.compile(r"n['’]t\b"), " not"),
    (re.compile(r"['’](re|ve|ll|d|m|s)\b"), ""),
)
_DECIMAL = re.compile(r"(?<=\d)[.,](?=\d)")
_THOUSANDS = re.compile(r"\b(\d+)k\b")
#: Shorthand and number words reps type in a hurry, read as what they stand for.
SHORTHAND = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "twelve": "12",
    "fifteen": "15",
    "twenty": "20",
    "thirty": "30",
    "sixty": "60",
    "ninety": "90",
    "hundred": "100",
    "min": "minute",
    "mins": "minute",
    "hr": "hour",
    "hrs": "hour",
    "wk": "week",
    "wks": "week",
    "mo": "month",
    "mos": "month",
    "yr": "year",
    "yrs": "year",
    "mtg": "meeting",
    "biz": "business",
    "w": "with",
    "ur": "your",
    "u": "you",
    "pct": "percent",
}
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class PointResult:
    """How one key point (or red flag) fared against the answer."""

    alternatives: tuple[str, ...]
    hit: bool
    matched: str | None = None
    negated: bool = False

    @property
    def label(self) -> str:
        return " / ".join(self.alternatives)

    def to_json(self) -> dict[str, object]:
        return {
            "wordings": list(self.alternatives),
            "hit": self.hit,
            "matched": self.matched if self.hit else None,
            "negated": self.negated,
        }


@dataclass(frozen=True, slots=True)
class Grading:
    """The breakdown shown after an answer, and the grade it suggests."""

    points: tuple[PointResult, ...]
    red_flags: tuple[PointResult, ...]
    suggested_grade: int

    @property
    def points_hit(self) -> tuple[bool, ...]:
        return tuple(p.hit for p in self.points)

    @property
    def coverage(self) -> float:
        return 0.0 if not self.points else sum(self.points_hit) / len(self.points)

    @property
    def red_flags_hit(self) -> tuple[str, ...]:
        return tuple(f"{f.label} (said: {f.matched})" for f in self.red_flags if f.hit)


@dataclass(frozen=True, slots=True)
class Words:
    """A text as comparable stems, with the words they came from (to show matches)."""

    stems: list[str]
    shown: list[str]

    def span(self, start: int, end: int) -> str:
        return " ".join(self.shown[max(0, start) : end])


def words_of(text: str) -> Words:
    text = unicodedata.normalize("NFKC", text).casefold()
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    text = _THOUSANDS.sub(r"\g<1>000", _DECIMAL.sub("", text))
    shown = _WORD.findall(text)
    return Words([stem(SHORTHAND.get(w, w)) for w in shown], shown)


def normalise(text: str) -> list[str]:
    """The text as a list of comparable words."""
    return words_of(text).stems


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """A light suffix stripper: enough to match compare/comparing/compared."""
    if len(word) <= 4 or word.isdigit():
        return word
    for suffix, replacement in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("ly", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)] + replacement
            break
    else:
        if word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def words_match(expected: str, said: str) -> bool:
    if expected == said:
        return True
    if min(len(expected), len(said)) <= SHORT_WORD:
        return False
    shorter, longer = sorted((expected, said), key=len)
    if longer.startswith(shorter) and len(shorter) >= PREFIX_SHARE * len(longer):
        return True
    return ratio(expected, said) >= FUZZY_THRESHOLD


def _content(words: list[str]) -> list[str]:
    kept = [w for w in words if w not in STOPWORDS]
    return kept or words


def match_point(alternatives: tuple[str, ...], answer: Words) -> PointResult:
    """Try each wording of a point against the answer."""
    negated_match: str | None = None
    for alternative in alternatives:
        words = normalise(alternative)
        point_negated = any(w in NEGATIONS for w in words)
        wanted = [w for w in _content(words) if w not in NEGATIONS] or words
        found = _best_window(wanted, answer.stems)
        if found is None:
            continue
        start, end = found
        context = answer.stems[max(0, start - NEGATION_REACH) : end]
        if not point_negated and _negated(context):
            negated_match = answer.span(start - NEGATION_REACH, end)
            continue
        return PointResult(alternatives, True, answer.span(start, end))
    if negated_match is not None:
        return PointResult(alternatives, False, negated_match, negated=True)
    return PointResult(alternatives, False)


def _negated(words: list[str]) -> bool:
    """A negation word, unless it is part of a set phrase ("no problem", "no doubt")."""
    return any(
        word in NEGATIONS and (index + 1 >= len(words) or words[index + 1] not in NOT_NEGATING)
        for index, word in enumerate(words)
    )


def _best_window(wanted: list[str], answer: list[str]) -> tuple[int, int] | None:
    """The span of the answer that covers enough of ``wanted``, tightest first."""
    if not wanted or not answer:
        return None
    needed = max(1, math.ceil(len(wanted) * POINT_COVERAGE - 1e-9))
    width = len(wanted) + WINDOW_SLACK
    best: tuple[int, int, int] | None = None  # (-found, span, start)
    for start in range(len(answer)):
        window = answer[start : start + width]
        positions = []
        for word in wanted:
            for offset, said in enumerate(window):
                if words_match(word, said):
                    positions.append(offset)
                    break
        if len(positions) >= needed and positions:
            first, last = min(positions), max(positions)
            candidate = (-len(positions), last - first, start + first)
            if best is None or candidate < best:
                best = candidate
    if best is None:
        return None
    _found, span, first = best
    return first, first + span + 1


def suggest_grade(hits: int, points: int, red_flag: bool) -> int:
    """The grade table: every point 5; two thirds 4; half 3; some 2; none 1."""
    share = Fraction(hits, points) if points else Fraction(0)
    grade = next((g for least, g in GRADE_TABLE if share >= least), None)
    if grade is None:
        grade = SOME_POINTS_GRADE if hits else NO_POINTS_GRADE
    return min(grade, RED_FLAG_CAP) if red_flag else grade


def grade_text(
    key_points: tuple[tuple[str, ...], ...],
    red_flags: tuple[tuple[str, ...], ...],
    answer: str,
) -> Grading | None:
    """Grade ``answer``; ``None`` when there is nothing to grade against or no answer."""
    words = words_of(answer)
    if not key_points or not words.stems:
        return None
    points = tuple(match_point(p, words) for p in key_points)
    flags = tuple(match_point(f, words) for f in red_flags)
    hits = sum(p.hit for p in points)
    return Grading(points, flags, suggest_grade(hits, len(points), any(f.hit for f in flags)))


def grade_answer(card: CardView, answer: str) -> Grading | None:
    """Grade a typed answer to ``card``."""
    return grade_text(card.key_points, card.red_flags, answer)


@dataclass(frozen=True, slots=True)
class GradeResult:
    """A typed answer graded against one card: what ``repdrill grade`` shows."""

    card: CardView
    answer: str
    grading: Grading | None

    def to_json(self) -> dict[str, object]:
        grading = self.grading
        return {
            **self.card.identity(),
            "suggested_grade": grading.suggested_grade if grading else None,
            "coverage": round(grading.coverage, 3) if grading else 0.0,
            "point_results": [p.to_json() for p in grading.points] if grading else [],
            "red_flag_results": [f.to_json() for f in grading.red_flags] if grading else [],
        }
