"""Grading a typed answer against a card's key points and red flags.

Deterministic and explainable, so that a rep can check it:

1. Normalise both texts (:func:`words_of`): Unicode NFKC, case folding,
   contractions expanded ("isn't" -> "is not"), "w/o" read as "without" and
   "w/" as "with", punctuation dropped (a number keeps its digits: "$2.80" ->
   "280", "18k" -> "18000", "40%" -> "40 percent"), letters and digits split
   apart ("SOC2" and "SOC 2" both -> "soc 2"), number words and typing
   shorthand read as what they stand for ("six wks" -> "6 week"), and each
   word stemmed by the Snowball stemmer of the deck's language.
2. A point (or any of its alternative wordings) is *hit* when, inside one
   window of the answer a few words longer than the point, at least two thirds
   of the point's content words are found. A leading instruction verb ("ask",
   "offer", ...) is not a content word. Words match when equal, when one is a
   prefix covering most of the other, or when their rapidfuzz similarity
   reaches :data:`FUZZY_THRESHOLD` (typos); words of four letters or fewer must
   be equal.
3. A negation ("not", "no", "without", ...; per language) reaches forward to
   the end of its clause: a sentence end, a semicolon, "but", "we", or a comma
   before a new subject. A hit is cancelled only when every matched word lies
   in a negation's reach, unless the point itself is negated. Set phrases such
   as "no problem" are not negations.
4. Red flags are matched the same way; any red flag caps the grade at 2.

Multiple-choice cards are graded by the choice picked (:func:`grade_choice`).
The suggested grade comes from :data:`GRADE_TABLE` (docs/grading.md).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

from rapidfuzz.fuzz import ratio

from repdrill import _language as lang
from repdrill.cards import CardView, Points

if TYPE_CHECKING:
    from repdrill.decks.parse import Card

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
#: Content words after a negation that it can reach, at most, inside its clause.
NEGATION_REACH = 5
#: A wording of this many words whose function words leave one word is matched whole.
LONG_WORDING = 3
#: Share of a red flag's content words that must be found together: all of them.
RED_FLAG_COVERAGE = 1.0
#: Any red flag caps the suggested grade here.
RED_FLAG_CAP = 2
#: (minimum share of key points hit, grade), checked in order; "some" is any hit at all.
GRADE_TABLE: tuple[tuple[Fraction, int], ...] = (
    (Fraction(1), 5),
    (Fraction(3, 5), 4),
    (Fraction(2, 5), 3),
)
SOME_POINTS_GRADE = 2
NO_POINTS_GRADE = 1
#: No point hit and fewer than this share of the answer's words found anywhere on
#: the card (prompt, model answer, key points): nothing relevant, grade 0.
OFF_TOPIC_SHARE = 0.15
OFF_TOPIC_GRADE = 0
#: The suggestion for a multiple-choice card: right, right on a second try, wrong.
CHOICE_RIGHT, CHOICE_RETRY, CHOICE_WRONG = 5, 4, 1
#: How alternative wordings of one point are shown: a slash stays part of a wording.
ALTERNATIVES_JOIN = " | "

_CONTRACTIONS = (
    (re.compile(r"\bcan['’]t\b"), "can not"),
    (re.compile(r"\bwon['’]t\b"), "will not"),
    (re.compile(r"n['’]t\b"), " not"),
    (re.compile(r"['’](re|ve|ll|d|m|s)\b"), ""),
)
_SHORTHAND_SLASHES = (
    (re.compile(r"\bw/o\b"), " without "),
    (re.compile(r"\bb/c\b"), " because "),
    (re.compile(r"\bw/(?=\s|\w)"), " with "),
    (re.compile(r"%"), " percent "),
    (re.compile(r"&"), " and "),
)
_DECIMAL_K = re.compile(r"\b(\d+)[.,](\d)k\b")
_DECIMAL = re.compile(r"(?<=\d)[.,](?=\d)")
_THOUSANDS = re.compile(r"\b(\d+)k\b")
#: Words, and the punctuation that ends a clause (kept as "." and ",").
_TOKEN = re.compile(r"[^\W_]+|[.!?;:]+|,|\s[-–—]+\s|[–—]", re.UNICODE)
_LETTER_DIGIT = re.compile(r"\d+|[^\W\d_]+", re.UNICODE)
#: Shorthand reps type in a hurry, read as what it stands for.
SHORTHAND = {
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
    "bc": "because",
    "cheque": "check",
}
_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000}
#: Roman numerals after these words are numbers ("SOC 2 Type II").
_ROMAN_AFTER = frozenset({"type", "typ", "tier", "phase", "level"})
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
_CLAUSE_END = "."
_QUESTION_END = "?"
_COMMA = ","


@dataclass(frozen=True, slots=True)
class PointResult:
    """How one key point (or red flag) fared against the answer."""

    alternatives: tuple[str, ...]
    hit: bool
    matched: str | None = None
    negated: bool = False

    @property
    def label(self) -> str:
        return point_label(self.alternatives)

    def to_json(self) -> dict[str, object]:
        return {
            "wordings": list(self.alternatives),
            "hit": self.hit,
            "matched": self.matched if self.hit else None,
            "negated": self.negated,
        }


def point_label(alternatives: Iterable[str]) -> str:
    """A point as reps see it: its wordings joined by " | " (a "/" inside one stays)."""
    return ALTERNATIVES_JOIN.join(alternatives)


@dataclass(frozen=True, slots=True)
class Grading:
    """The breakdown shown after an answer, and the grade it suggests.

    For a multiple-choice card ``points`` and ``red_flags`` are empty and
    ``picked`` is the index of the choice picked (``None`` when the answer
    named no choice).
    """

    points: tuple[PointResult, ...]
    red_flags: tuple[PointResult, ...]
    suggested_grade: int
    picked: int | None = None
    #: The choice picked, as the log keeps it (the text, not the rep's letter).
    picked_text: str | None = None
    right: bool | None = None

    @property
    def points_hit(self) -> tuple[bool, ...]:
        return tuple(p.hit for p in self.points)

    @property
    def coverage(self) -> float:
        if self.right is not None:
            return 1.0 if self.right else 0.0
        return 0.0 if not self.points else sum(self.points_hit) / len(self.points)

    @property
    def red_flags_hit(self) -> tuple[str, ...]:
        return tuple(f"{f.label} (said: {f.matched})" for f in self.red_flags if f.hit)


@dataclass(frozen=True, slots=True)
class Words:
    """A text as comparable stems, the words they came from, and where negations reach.

    ``negated[i]`` says that word ``i`` lies in the reach of a negation in its
    own clause.
    """

    stems: list[str]
    shown: list[str]
    negated: list[bool] = field(default_factory=list)

    def span(self, start: int, end: int) -> str:
        return " ".join(self.shown[max(0, start) : end])


def words_of(text: str, language: str = lang.DEFAULT_LANGUAGE) -> Words:
    """The text as comparable words, in the deck's ``language``."""
    tokens = _tokens(text)
    spoken = lang.language(language)
    negations = _negations(spoken, tokens)
    set_phrases = spoken.not_negating | lang.ENGLISH.not_negating
    shown: list[str] = []
    stems: list[str] = []
    negated: list[bool] = []
    reach = 0
    after_comma = False
    questions = _in_questions(tokens)
    for index, token in enumerate(tokens):
        if token in (_CLAUSE_END, _QUESTION_END):
            reach, after_comma = 0, False
            continue
        if token == _COMMA:
            after_comma = True
            continue
        if token in spoken.clause_words or (after_comma and token in spoken.subjects):
            reach = 0
        after_comma = False
        shown.append(token)
        stems.append(lang.stem(token, language))
        negated.append(reach > 0)
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        # "How do you know nothing was paid twice?" asks; it does not deny.
        if token in negations and following not in set_phrases and not questions[index]:
            reach = NEGATION_REACH
        elif reach and token not in spoken.stopwords:
            reach -= 1
    return Words(stems, shown, negated)


def _in_questions(tokens: list[str]) -> list[bool]:
    """For each token, whether its clause ends with a question mark."""
    flags = [False] * len(tokens)
    question = False
    for index in range(len(tokens) - 1, -1, -1):
        token = tokens[index]
        if token in (_CLAUSE_END, _QUESTION_END):
            question = token == _QUESTION_END
        flags[index] = question
    return flags


def _negations(spoken: lang.Language, tokens: list[str]) -> frozenset[str]:
    """The deck language's negation words, English's, and the answer's own language's."""
    negations = spoken.negations | lang.ENGLISH.negations
    marks = (_CLAUSE_END, _QUESTION_END, _COMMA)
    guessed, _share = lang.guess_language(t for t in tokens if t not in marks)
    if guessed is not None:
        negations |= lang.language(guessed).negations
    return negations


def _tokens(text: str) -> list[str]:
    """Normalised words and clause marks ("." ends a clause, "," may) of ``text``."""
    text = unicodedata.normalize("NFKC", text).casefold()
    for pattern, replacement in (*_CONTRACTIONS, *_SHORTHAND_SLASHES):
        text = pattern.sub(replacement, text)
    text = _DECIMAL_K.sub(r"\g<1>\g<2>00", text)
    text = _THOUSANDS.sub(r"\g<1>000", _DECIMAL.sub("", text))
    tokens: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token == _COMMA:
            tokens.append(_COMMA)
        elif not token[0].isalnum():
            tokens.append(_QUESTION_END if "?" in token else _CLAUSE_END)
        else:
            tokens.extend(SHORTHAND.get(part, part) for part in _LETTER_DIGIT.findall(token))
    return _numbers(tokens)


def _numbers(tokens: list[str]) -> list[str]:
    """Number words as digits ("eighty two" -> "82", "twelve hundred" -> "1200")."""
    out: list[str] = []
    value: int | None = None
    for index, word in enumerate(tokens):
        previous = tokens[index - 1] if index else ""
        token = _ROMAN[word] if word in _ROMAN and previous in _ROMAN_AFTER else word
        if token in _TENS and value is None:
            value = _TENS[token]
            continue
        if token in _UNITS:
            if value is not None and value % 10 == 0 and value >= 20:
                value += _UNITS[token]
                continue
            if value is not None:
                out.append(str(value))
            value = _UNITS[token]
            continue
        if token in _SCALES and (value is not None or (out and out[-1].isdigit())):
            base = value if value is not None else int(out.pop())
            value = base * _SCALES[token]
            continue
        if value is not None:
            out.append(str(value))
            value = None
        out.append(token)
    if value is not None:
        out.append(str(value))
    return out


def normalise(text: str, language: str = lang.DEFAULT_LANGUAGE) -> list[str]:
    """The text as a list of comparable words."""
    return words_of(text, language).stems


def stem(word: str, language: str = lang.DEFAULT_LANGUAGE) -> str:
    """The Snowball stem of one word in ``language``."""
    return lang.stem(word, language)


def words_match(expected: str, said: str) -> bool:
    if expected == said:
        return True
    if min(len(expected), len(said)) <= SHORT_WORD:
        return False
    shorter, longer = sorted((expected, said), key=len)
    if longer.startswith(shorter) and len(shorter) >= PREFIX_SHARE * len(longer):
        return True
    return ratio(expected, said) >= FUZZY_THRESHOLD


@dataclass(frozen=True, slots=True)
class Wanted:
    """What a wording of a point asks of an answer: its content words."""

    words: tuple[str, ...]
    negated: bool
    #: A leading instruction verb ("ask", "offer") dropped from the words.
    instruction: str | None = None


def wanted_words(wording: str, language: str = lang.DEFAULT_LANGUAGE) -> Wanted:
    """The words of ``wording`` an answer must contain."""
    spoken = lang.language(language)
    words = words_of(wording, language)
    negations = spoken.negations | lang.ENGLISH.negations
    point_negated = any(w in negations for w in words.shown)
    pairs = [
        (shown, stemmed)
        for shown, stemmed in zip(words.shown, words.stems, strict=True)
        if shown not in spoken.stopwords and shown not in negations
    ]
    instruction = None
    first = words.shown[0] if words.shown else ""
    if len(pairs) > 1 and pairs[0][0] == first and first in spoken.instruction_verbs:
        instruction = pairs[0][0]
        pairs = pairs[1:]
    kept = tuple(dict.fromkeys(stemmed for _shown, stemmed in pairs))
    if not kept or (len(kept) == 1 and len(words.stems) >= LONG_WORDING):
        # "they'll have to get over it" is a phrase, not the word "get".
        kept = tuple(s for s in words.stems if s not in negations) or tuple(words.stems)
    return Wanted(kept, point_negated, instruction)


def match_point(
    alternatives: tuple[str, ...],
    answer: Words,
    language: str = lang.DEFAULT_LANGUAGE,
    *,
    coverage: float = POINT_COVERAGE,
) -> PointResult:
    """Try each wording of a point against the answer.

    A negated point ("nothing fails silently") is hit only by words in a
    negation's reach; any other point only by words not all in one.
    """
    negated_match: str | None = None
    for alternative in alternatives:
        wanted = wanted_words(alternative, language)
        positions = _best_window(list(wanted.words), answer.stems, coverage)
        if positions is None:
            continue
        start, end = min(positions), max(positions) + 1
        in_reach = _in_reach(answer, positions, language, every=not wanted.negated)
        if in_reach != wanted.negated:
            if in_reach:
                negated_match = answer.span(start, end)
            continue
        return PointResult(alternatives, True, answer.span(start, end))
    if negated_match is not None:
        return PointResult(alternatives, False, negated_match, negated=True)
    return PointResult(alternatives, False)


def _in_reach(answer: Words, positions: list[int], language: str, *, every: bool) -> bool:
    """Whether the matched words (function words aside) lie in a negation's reach.

    ``every``: all of them (a negation cancels a hit only then); else any (a
    negated point needs one).
    """
    stopwords = lang.language(language).stopwords
    content = [p for p in positions if answer.shown[p] not in stopwords] or positions
    reached = [answer.negated[p] for p in content]
    return all(reached) if every else any(reached)


def _best_window(
    wanted: list[str], answer: list[str], coverage: float = POINT_COVERAGE
) -> list[int] | None:
    """The positions in the answer that cover enough of ``wanted``, tightest first.

    Two wanted words also match one word written as a compound ("cash back" ~
    "cashback").
    """
    if not wanted or not answer:
        return None
    needed = max(1, math.ceil(len(wanted) * coverage - 1e-9))
    width = len(wanted) + WINDOW_SLACK
    best: tuple[int, int, int] | None = None  # (-found, span, start)
    best_positions: list[int] = []
    for start in range(len(answer)):
        window = answer[start : start + width]
        positions: list[int] = []
        compound = -1
        for index, word in enumerate(wanted):
            if index == compound:
                positions.append(positions[-1])
                continue
            joined = word + wanted[index + 1] if index + 1 < len(wanted) else ""
            for offset, said in enumerate(window):
                if start + offset in positions:
                    continue
                if words_match(word, said):
                    positions.append(start + offset)
                    break
                if joined and _compound(joined, said):
                    positions.append(start + offset)
                    compound = index + 1
                    break
        if len(positions) >= needed:
            candidate = (-len(positions), max(positions) - min(positions), min(positions))
            if best is None or candidate < best:
                best, best_positions = candidate, positions
    return best_positions if best is not None else None


def _compound(joined: str, said: str) -> bool:
    """Two words written as one: "cash back" ~ "cashback", not "100 percent" ~ "percent"."""
    return said == joined or (
        len(said) > SHORT_WORD
        and said.startswith(joined[: len(said)])
        and len(said) >= PREFIX_SHARE * len(joined)
        and len(said) > len(joined) - 3
    )


def suggest_grade(hits: int, points: int, red_flag: bool, *, off_topic: bool = False) -> int:
    """The grade table: every point 5; three fifths 4; two fifths 3; some 2; none 1.

    An answer that hits no point and shares almost no words with the card is
    off topic: 0.
    """
    share = Fraction(hits, points) if points else Fraction(0)
    grade = next((g for least, g in GRADE_TABLE if share >= least), None)
    if grade is None:
        grade = SOME_POINTS_GRADE if hits else NO_POINTS_GRADE
    if not hits and off_topic:
        grade = OFF_TOPIC_GRADE
    return min(grade, RED_FLAG_CAP) if red_flag else grade


def grade_text(
    key_points: Points,
    red_flags: Points,
    answer: str,
    *,
    language: str = lang.DEFAULT_LANGUAGE,
    context: str = "",
) -> Grading | None:
    """Grade ``answer``; ``None`` when there is nothing to grade against or no answer.

    ``context`` is the rest of the card (prompt and model answer): an answer
    that shares almost no words with it or the points is off topic.
    """
    words = words_of(answer, language)
    if not key_points or not words.stems:
        return None
    points = tuple(match_point(p, words, language) for p in key_points)
    flags = tuple(match_point(f, words, language, coverage=RED_FLAG_COVERAGE) for f in red_flags)
    hits = sum(p.hit for p in points)
    off_topic = not hits and _off_topic(words, key_points, context, language)
    grade = suggest_grade(hits, len(points), any(f.hit for f in flags), off_topic=off_topic)
    return Grading(points, flags, grade)


def _off_topic(words: Words, key_points: Points, context: str, language: str) -> bool:
    stopwords = lang.language(language).stopwords
    said = [s for s, w in zip(words.stems, words.shown, strict=True) if w not in stopwords]
    card_text = " ".join([context, *(w for point in key_points for w in point)])
    card = {s for s in words_of(card_text, language).stems}
    found = sum(any(words_match(s, c) for c in card) for s in said)
    return found < OFF_TOPIC_SHARE * max(1, len(said))


# -- multiple choice ----------------------------------------------------------------


def grade_choice(
    choices: tuple[str, ...],
    correct: int,
    picked: int | None,
    *,
    second_try: bool = False,
) -> Grading | None:
    """The suggestion for a multiple-choice answer: right 5 (4 on a second try), wrong 1."""
    if picked is None:
        return None
    right = picked == correct
    grade = (CHOICE_RETRY if second_try else CHOICE_RIGHT) if right else CHOICE_WRONG
    return Grading((), (), grade, picked=picked, picked_text=choices[picked], right=right)


def grade_answer(
    card: CardView, answer: str, *, rep: str = "", second_try: bool = False
) -> Grading | None:
    """Grade a typed answer to ``card``: key points, or the choice picked.

    For a multiple-choice card ``answer`` is a letter in ``rep``'s order of the
    choices (:func:`repdrill.choices.lettered`) or a choice's text.
    """
    if card.choices and card.correct is not None:
        from repdrill.choices import pick

        return grade_choice(
            card.choices, card.correct, pick(card, rep, answer), second_try=second_try
        )
    return grade_text(
        card.key_points,
        card.red_flags,
        answer,
        language=card.language,
        context=f"{card.prompt}\n{card.answer}",
    )


def grade_card(card: Card, answer: str, *, language: str = lang.DEFAULT_LANGUAGE) -> Grading | None:
    """Grade a typed answer to a card read from a deck file (no database)."""
    return grade_text(
        card.key_points,
        card.red_flags,
        answer,
        language=language,
        context=f"{card.prompt}\n{card.answer}",
    )


class SessionGrader:
    """The grader of one drill session for one rep.

    A multiple-choice card graded a second time in the session (after an undo,
    or as a re-drill once the right choice was shown) is a second try: right
    suggests 4, not 5.
    """

    def __init__(self, rep: str) -> None:
        self.rep = rep
        self._seen: set[int] = set()

    def __call__(self, card: CardView, answer: str) -> Grading | None:
        second_try = card.db_id in self._seen
        if card.choices:
            self._seen.add(card.db_id)
        return grade_answer(card, answer, rep=self.rep, second_try=second_try)


@dataclass(frozen=True, slots=True)
class GradeResult:
    """A typed answer graded against one card: what ``repdrill grade`` shows."""

    card: CardView
    answer: str
    grading: Grading | None

    def to_json(self) -> dict[str, object]:
        grading = self.grading
        data: dict[str, object] = {
            **self.card.identity(),
            "suggested_grade": grading.suggested_grade if grading else None,
            "coverage": round(grading.coverage, 3) if grading else 0.0,
            "point_results": [p.to_json() for p in grading.points] if grading else [],
            "red_flag_results": [f.to_json() for f in grading.red_flags] if grading else [],
        }
        if self.card.choices:
            data["picked_choice"] = grading.picked_text if grading else None
            data["right_choice"] = grading.right if grading else None
        return data
