"""The words reps use: wordings a key point missed, learnt from overrides in the log.

When a rep grades a typed answer 4 or 5 and the suggestion was 2 or less,
the rep is saying the answer covered points the grader missed. For each such
missed point, the clause of the answer closest to what the model answer says
for that point is a candidate wording. :func:`learnt_wordings` counts them
across reps, most used first; :func:`apply_wordings` adds chosen ones to a
deck file as alternatives, line by line, so comments and layout stay.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from dataclasses import dataclass

import yaml
from sqlalchemy import Connection, and_, select

from repdrill.grading import point_label, words_match, words_of
from repdrill.store import tables as t

#: A suggestion at most this many words long; longer clauses are cut.
FRAGMENT_WORDS = 12
#: The override that counts as evidence: the rep's grade at least, the suggestion at most.
OVERRIDE_GRADE, SUGGESTED_AT_MOST = 4, 2
_CLAUSES = re.compile(r"[.!?;:\n]+|,\s+|\s+(?:but|and then|so)\s+")


@dataclass(frozen=True, slots=True)
class Wording:
    """One fragment reps used for a point, and how many reps and answers used it."""

    text: str
    rep_count: int
    answer_count: int

    def to_json(self) -> dict[str, object]:
        return {
            "wording": self.text,
            "rep_count": self.rep_count,
            "answer_count": self.answer_count,
        }


@dataclass(frozen=True, slots=True)
class PointWordings:
    """The wordings reps used for one key point of one card."""

    deck: str
    card: str
    point: int
    alternatives: tuple[str, ...]
    wordings: tuple[Wording, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "ref": f"{self.deck}/{self.card}",
            "deck": self.deck,
            "card": self.card,
            "point_index": self.point,
            "key_point": point_label(self.alternatives),
            "wordings": [w.to_json() for w in self.wordings],
        }


@dataclass(frozen=True, slots=True)
class LearntWordings:
    """Every point with wordings to learn, most used first: ``deck wordings``."""

    points: tuple[PointWordings, ...]

    def to_json(self) -> dict[str, object]:
        return {"points": [p.to_json() for p in self.points]}

    def as_yaml(self) -> str:
        """The wordings as a patch an author reviews: each point with its new alternatives."""
        lines: list[str] = []
        for deck, card in dict.fromkeys((p.deck, p.card) for p in self.points):
            lines.append(f"# {deck}/{card}: add under key_points")
            for p in (p for p in self.points if (p.deck, p.card) == (deck, card)):
                lines.append(
                    f"# point {p.point + 1}, used by "
                    + ", ".join(
                        f"{w.rep_count} rep{'s' if w.rep_count != 1 else ''}" for w in p.wordings
                    )
                )
                lines.append(f"- {flow_list([*p.alternatives, *(w.text for w in p.wordings)])}")
        return "\n".join(lines) + ("\n" if lines else "")


def flow_list(texts: list[str]) -> str:
    """``[a, b]`` in YAML flow style, quoting only what YAML would misread."""
    return "[" + ", ".join(_scalar(text) for text in texts) + "]"


def _scalar(text: str) -> str:
    dumped = yaml.safe_dump(text, default_flow_style=True, width=10**6, allow_unicode=True)
    dumped = dumped.removesuffix("\n...\n").strip()
    if any(c in text for c in ",[]{}#") and not dumped.startswith(("'", '"')):
        dumped = json.dumps(text, ensure_ascii=False)
    return dumped


def learnt_wordings(
    conn: Connection, decks: list[str], *, since: dt.date | None = None, limit: int = 5
) -> LearntWordings:
    """Wordings reps' overrides say covered points the grader missed, per card and point."""
    r, v, p = t.reviews.c, t.card_versions.c, t.review_points.c
    query = (
        select(
            t.decks.c.slug,
            t.cards.c.slug,
            r.rep_id,
            r.answer,
            p.point,
            v.key_points,
            v.answer,
        )
        .select_from(
            t.reviews.join(t.review_points, p.review_id == r.id)
            .join(t.cards, t.cards.c.id == r.card_id)
            .join(t.decks, t.decks.c.id == t.cards.c.deck_id)
            .join(t.card_versions, and_(v.card_id == r.card_id, v.content_hash == r.card_hash))
        )
        .where(
            r.grade >= OVERRIDE_GRADE,
            r.suggested_grade <= SUGGESTED_AT_MOST,
            r.answer.is_not(None),
            p.hit.is_(False),
            r.uuid.not_in(select(r.undoes).where(r.undoes.is_not(None))),
        )
        .order_by(t.decks.c.slug, t.cards.c.position, p.point)
    )
    if decks:
        query = query.where(t.decks.c.slug.in_(decks))
    if since is not None:
        query = query.where(r.review_date >= since)
    found: dict[tuple[str, str, int], dict[str, set[tuple[int, str]]]] = defaultdict(
        lambda: defaultdict(set)
    )
    points: dict[tuple[str, str, int], tuple[str, ...]] = {}
    for deck, card, rep, answer, point, key_points, model in conn.execute(query):
        alternatives = tuple(json.loads(key_points)[point])
        fragment = closest_fragment(answer, alternatives, model)
        if fragment is None:
            continue
        key = (deck, card, point)
        points[key] = alternatives
        found[key][fragment.casefold()].add((rep, answer))
    result = []
    for key, fragments in found.items():
        ranked = sorted(
            fragments.items(),
            key=lambda item: (-len({rep for rep, _ in item[1]}), -len(item[1]), item[0]),
        )
        wordings = tuple(
            Wording(text, len({rep for rep, _ in uses}), len(uses)) for text, uses in ranked[:limit]
        )
        result.append(PointWordings(key[0], key[1], key[2], points[key], wordings))
    result.sort(key=lambda pw: -max(w.rep_count for w in pw.wordings))
    return LearntWordings(tuple(result))


def closest_fragment(answer: str, alternatives: tuple[str, ...], model: str) -> str | None:
    """The clause of ``answer`` closest to what the model answer says for this point."""
    target = _target_words(alternatives, model)
    best: tuple[int, str] | None = None
    for clause in _CLAUSES.split(answer):
        words = words_of(clause)
        shared = sum(any(words_match(w, t) for t in target) for w in set(words.stems))
        if shared and (best is None or shared > best[0]):
            best = (shared, " ".join(clause.split()[:FRAGMENT_WORDS]).strip(" -"))
    return best[1] if best else None


def _target_words(alternatives: tuple[str, ...], model: str) -> set[str]:
    """The point's words and those of the model answer's clause that says it."""
    point = {w for a in alternatives for w in words_of(a).stems}
    clauses = [words_of(c).stems for c in _CLAUSES.split(model)]
    scored = [(sum(any(words_match(p, w) for w in c) for p in point), c) for c in clauses]
    best = max(scored, default=(0, []), key=lambda s: s[0])
    content = {w for w in best[1] if len(w) > 3}
    return point | content


@dataclass(frozen=True, slots=True)
class AppliedWordings:
    """What ``deck wordings --apply`` changed (or, in a dry run, would change) in a file."""

    path: str
    changed_lines: tuple[tuple[int, str, str], ...]
    skipped: tuple[str, ...]
    dry_run: bool

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "changes": [
                {"line": line, "before": before, "after": after}
                for line, before, after in self.changed_lines
            ],
            "skipped": list(self.skipped),
            "dry_run": self.dry_run,
        }


def apply_wordings(path: str, learnt: LearntWordings, *, dry_run: bool = True) -> AppliedWordings:
    """Add the learnt wordings to the deck file at ``path`` as alternatives of their points.

    Each point written on one line (text, or a ``[...]`` list) is rewritten in
    place as a flow list; everything else in the file is kept byte for byte. A
    point spread over several lines is skipped and named.
    """
    from repdrill.decks.parse import parse_deck
    from repdrill.errors import InvalidInput

    with open(path, encoding="utf-8") as file:
        text = file.read()
    deck, problems = parse_deck(path, text.encode())
    if deck is None:
        raise InvalidInput(problems)
    lines = text.splitlines(keepends=True)
    cards = {c.id: c for c in deck.cards}
    changed: list[tuple[int, str, str]] = []
    skipped: list[str] = []
    for point in learnt.points:
        card = cards.get(point.card)
        if point.deck != deck.id or card is None or point.point >= len(card.key_points):
            continue
        line, column = card.mark(f"key_points.{point.point}")
        before = lines[line - 1]
        head, tail = before[: column - 1], before[column - 1 :].rstrip("\n")
        current = card.key_points[point.point]
        try:
            parsed = yaml.safe_load(tail.split(" #", 1)[0])
        except yaml.YAMLError:
            parsed = None
        if [parsed] != [list(current)] and parsed != current[0]:
            skipped.append(f"{card.id} point {point.point + 1}")
            continue
        known = {a.casefold() for a in current}
        added = [w.text for w in point.wordings if w.text.casefold() not in known]
        if not added:
            continue
        after = head + flow_list([*current, *added]) + "\n"
        lines[line - 1] = after
        changed.append((line, before.rstrip("\n"), after.rstrip("\n")))
    if changed and not dry_run:
        with open(path, "w", encoding="utf-8") as file:
            file.write("".join(lines))
    return AppliedWordings(path, tuple(changed), tuple(skipped), dry_run)
