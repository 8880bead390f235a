"""What changed between two versions of a card: a word diff, and whether the message moved.

Pure functions on text. The drill shows a rep who relearns a revised card the
words that changed since the version they last reviewed (:func:`passages`);
``repdrill validate`` asks whether an edit looks like a change of message
whose ``revision`` did not move (:func:`message_changes`): a number, a price,
a percentage or a name changed, or a key point was added or removed.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from repdrill.cards import Points

#: A word diff's pieces: kept, removed from the old version, added by the new one.
Op = Literal["=", "-", "+"]
#: Unchanged words kept either side of a change, so it reads in context.
CONTEXT_WORDS = 4

#: A figure as sales text writes it: $2.80, 40%, 1,200, 3.5x, €12k, 30 days' "30".
_NUMBER = re.compile(
    r"(?<![\w.])(?P<currency>[$€£¥])?\s?\d+(?:[.,]\d+)*(?:\s?(?P<unit>%|x\b|k\b|m\b|bn\b))?",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][\w&+-]*")
_SENTENCE_END = (".", "!", "?", ":", ";", "\n", "—", "-", '"', "“", "(")
#: Capitalised words that are not names wherever they stand.
_NOT_NAMES = frozenset({"I", "I'm", "I'd", "I'll", "I've", "OK"})


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of words a diff kept, removed or added."""

    op: Op
    text: str


def word_diff(old: str, new: str) -> list[Piece]:
    """``old`` to ``new`` as runs of whole words kept, removed and added (blank space folded)."""
    before, after = old.split(), new.split()
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(Piece("=", " ".join(before[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("-", " ".join(before[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("+", " ".join(after[j1:j2])))
    return pieces


@dataclass(frozen=True, slots=True)
class Passage:
    """One changed place of a word diff, with unchanged words around it.

    ``cut_before`` and ``cut_after`` say whether unchanged text was left out
    before and after it.
    """

    pieces: tuple[Piece, ...]
    cut_before: bool
    cut_after: bool


def passages(old: str, new: str, context: int = CONTEXT_WORDS) -> list[Passage]:
    """The changed places of a word diff, each with a few unchanged words around it.

    Long unchanged stretches are left out, so a one-number change in a long
    answer reads as one short line. No change gives no passage.
    """
    pieces = word_diff(old, new)
    if all(p.op == "=" for p in pieces):
        return []
    found: list[list[Piece]] = [[]]
    cuts: list[bool] = [False]
    for index, piece in enumerate(pieces):
        if piece.op != "=":
            found[-1].append(piece)
            continue
        words = piece.text.split()
        first, last = index == 0, index == len(pieces) - 1
        if first:
            found[-1].append(Piece("=", " ".join(words[-context:])))
            cuts[-1] = len(words) > context
        elif last:
            found[-1].append(Piece("=", " ".join(words[:context])))
        elif len(words) <= 2 * context:
            found[-1].append(piece)
        else:
            found[-1].append(Piece("=", " ".join(words[:context])))
            found.append([Piece("=", " ".join(words[-context:]))])
            cuts.append(True)
    last_words = pieces[-1].text.split() if pieces[-1].op == "=" else []
    return [
        Passage(tuple(group), cuts[i], i < len(found) - 1 or len(last_words) > context)
        for i, group in enumerate(found)
    ]


def point_pairs(old: Points, new: Points) -> list[tuple[str | None, str | None]]:
    """Key points that differ, as (before, after): a changed point pairs its two versions.

    When as many points were removed as added, they pair in order (a point
    reworded in place); otherwise a removed point has no after and an added
    one no before.
    """
    removed, added = point_changes(old, new)
    if len(removed) == len(added):
        return list(zip(removed, added, strict=True))
    return [(p, None) for p in removed] + [(None, p) for p in added]


def point_labels(points: Points) -> list[str]:
    """Each key point as one line: its alternative wordings joined with `` | ``."""
    return [" | ".join(point) for point in points]


def point_changes(old: Points, new: Points) -> tuple[list[str], list[str]]:
    """The key points removed and the ones added, each as :func:`point_labels` gives it."""
    before, after = point_labels(old), point_labels(new)
    folded_before = {_fold(p) for p in before}
    folded_after = {_fold(p) for p in after}
    removed = [p for p in before if _fold(p) not in folded_after]
    added = [p for p in after if _fold(p) not in folded_before]
    return removed, added


def message_changes(
    old_answer: str, old_points: Points, new_answer: str, new_points: Points
) -> list[str]:
    """Why an edit looks like a change of message, as short phrases; empty for a rewording.

    A figure (number, price, percentage) or a name that appears or disappears
    in the answer or the key points (``price $2.80 → $2.40``), or a key point
    added, removed or changed.
    """
    before = " \n".join([old_answer, *point_labels(old_points)])
    after = " \n".join([new_answer, *point_labels(new_points)])
    reasons = []
    for kind, gone, came in (
        _figure_changes(before, after),
        ("name", *_name_changes(before, after)),
    ):
        if gone or came:
            reasons.append(f"{kind} {_listed(gone, came)}")
    for was, now in point_pairs(old_points, new_points):
        if was is None:
            reasons.append(f"key point added: '{now}'")
        elif now is None:
            reasons.append(f"key point removed: '{was}'")
        else:
            reasons.append(f"key point '{was}' → '{now}'")
    return reasons


def _figure_changes(before: str, after: str) -> tuple[str, list[str], list[str]]:
    gone, came = _differences(_figures(before), _figures(after))
    shown = [*gone, *came]
    if shown and all(f.endswith("%") for f in shown):
        kind = "percentage"
    elif shown and all(f[0] in "$€£¥" for f in shown):
        kind = "price"
    else:
        kind = "figure"
    return kind, gone, came


def _figures(text: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for match in _NUMBER.finditer(text):
        found[re.sub(r"\s+", "", match.group(0)).lower()] += 1
    return found


def _name_changes(before: str, after: str) -> tuple[list[str], list[str]]:
    """Names in the words the edit removed, and in the words it added.

    Only the changed words are read, each with what stands before it on its
    own side, so an unchanged word that starts a sentence never joins a name.
    """
    gone: Counter[str] = Counter()
    came: Counter[str] = Counter()
    old_before, new_before = "", ""
    for piece in word_diff(before, after):
        if piece.op == "-":
            gone.update(_names(piece.text, old_before))
        elif piece.op == "+":
            came.update(_names(piece.text, new_before))
        if piece.op != "+":
            old_before = piece.text
        if piece.op != "-":
            new_before = piece.text
    return _differences(gone, came)


def _names(text: str, preceding: str = "") -> Counter[str]:
    """Runs of capitalised words in ``text``: product, customer and competitor names.

    A single capitalised word at the start of a sentence is an ordinary word
    ("That's", "When"); two or more together are a name wherever they stand.
    """
    joined_text = f"{preceding} {text}" if preceding else text
    offset = len(joined_text) - len(text)
    found: Counter[str] = Counter()
    run: list[re.Match[str]] = []
    for match in [*_WORD.finditer(joined_text, offset), None]:
        word = match.group(0) if match else ""
        capitalised = bool(match) and word not in _NOT_NAMES and _looks_like_a_name(word)
        joined = (
            bool(run) and match is not None and joined_text[run[-1].end() : match.start()] == " "
        )
        if run and not (capitalised and joined):
            if len(run) > 1 or not _starts_sentence(joined_text, run[0].start()):
                found[" ".join(m.group(0) for m in run)] += 1
            run = []
        if capitalised and match is not None:
            run.append(match)
    return found


def _looks_like_a_name(word: str) -> bool:
    return word[0].isupper() or any(c.isupper() for c in word[1:])


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(" '‘\t")
    return not before or before.endswith(_SENTENCE_END)


def _differences(before: Counter[str], after: Counter[str]) -> tuple[list[str], list[str]]:
    """What appears fewer times after, and more times after, each named once."""
    return sorted(before - after), sorted(after - before)


def _listed(gone: Sequence[str], came: Sequence[str]) -> str:
    if gone and came:
        return f"{', '.join(gone)} → {', '.join(came)}"
    if gone:
        return f"{', '.join(gone)} removed"
    return f"{', '.join(came)} added"


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())
