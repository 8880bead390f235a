"""Deck files: parse them, validate them, hash their cards.

This module never touches the database; :mod:`repdrill.store.load` takes the
:class:`Deck` values it returns. Parsing never raises for bad input: every
problem comes back as a located :class:`~repdrill.errors.Problem`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from repdrill.cards import Points
from repdrill.decks import format as fmt
from repdrill.decks._yaml import Entry, NodeReader, peek_text, read_document
from repdrill.decks.files import find_deck_files, read_file
from repdrill.errors import Problem


@dataclass(frozen=True, slots=True)
class Card:
    """A card as its deck file defines it."""

    id: str
    prompt: str
    answer: str
    type: str | None = None
    tags: tuple[str, ...] = ()
    key_points: Points = ()
    red_flags: Points = ()
    explanation: str | None = None
    source: str | None = None
    #: A multiple-choice card: its choices, the index of the right one, why each is
    #: right or wrong.
    choices: tuple[str, ...] = ()
    correct: int | None = None
    why: tuple[str | None, ...] = ()
    #: The card's message version: raised when reps must relearn it. Not part of
    #: the content hash, so bumping it alone is not a change of wording.
    revision: int = fmt.FIRST_REVISION
    review_by: dt.date | None = None
    line: int = field(default=0, compare=False)
    #: Where things are in the file, for warnings: ``(what, line, column)`` with what
    #: one of ``answer``, ``key_points``, ``key_points.N``, ``red_flags.N``, ``tags``,
    #: ``tags.N``, ``type``, ``revision``, ``review_by``.
    marks: tuple[tuple[str, int, int], ...] = field(default=(), compare=False)
    #: SHA-256 of everything a rep sees of the card; ties each review to the text.
    content_hash: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.content_hash:
            object.__setattr__(self, "content_hash", card_hash(self))

    def mark(self, what: str) -> tuple[int, int]:
        """The line and column of ``what`` (see :attr:`marks`), else the card's own."""
        for name, line, column in self.marks:
            if name == what:
                return line, column
        return self.line, 3


def card_hash(card: Card) -> str:
    canonical = json.dumps(
        [
            card.prompt,
            card.answer,
            card.type,
            card.tags,
            card.key_points,
            card.red_flags,
            card.explanation,
            card.source,
            # Only multiple-choice cards carry these, so other cards keep their hashes.
            *([card.choices, card.correct, card.why] if card.choices else []),
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def choices_json(card: Card) -> str | None:
    """A multiple-choice card's choices as the store keeps them; ``None`` for other cards."""
    if not card.choices:
        return None
    whys = card.why or (None,) * len(card.choices)
    return json.dumps(
        [
            {"text": text, "why": why, "correct": index == card.correct}
            for index, (text, why) in enumerate(zip(card.choices, whys, strict=True))
        ],
        ensure_ascii=False,
    )


@dataclass(frozen=True, slots=True)
class Deck:
    """A deck as its file defines it."""

    id: str
    title: str
    cards: tuple[Card, ...]
    path: str
    description: str | None = None
    owner: str | None = None
    version: str | None = None
    min_interval_days: int = fmt.DEFAULT_MIN_INTERVAL_DAYS
    new_per_day: int = fmt.DEFAULT_NEW_PER_DAY
    language: str = fmt.DEFAULT_LANGUAGE
    review_by: dt.date | None = None
    id_line: int = field(default=1, compare=False)
    #: Where the deck's ``review_by`` is: (line, column), for warnings.
    review_by_mark: tuple[int, int] = field(default=(1, 1), compare=False)


def parse_deck(path: str, data: bytes) -> tuple[Deck | None, list[Problem]]:
    """Parse and validate one deck file's contents.

    Returns the deck when it is valid, and every problem found otherwise.
    """
    return read_document(
        path,
        data,
        lambda reader, root: _read_deck(reader, root, path),
        "file is empty; a deck needs id, title and cards",
    )


def parse_decks(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[Deck], list[Problem], int]:
    """Parse every deck file under ``paths``: the valid decks, every problem, the file count."""
    names = find_deck_files(paths)
    decks: list[Deck] = []
    problems: list[Problem] = []
    for path in names:
        deck_file, problem = read_file(path)
        if deck_file is None:
            if problem is not None:
                problems.append(problem)
            continue
        deck, found = parse_deck(path, deck_file.data)
        problems.extend(found)
        if deck is not None:
            decks.append(deck)
    problems.extend(duplicate_deck_ids(decks))
    return decks, problems, len(names)


def duplicate_deck_ids(decks: Iterable[Deck]) -> list[Problem]:
    first: dict[str, Deck] = {}
    problems = []
    for deck in decks:
        if deck.id in first:
            other = first[deck.id]
            problems.append(
                Problem(
                    deck.path,
                    deck.id_line,
                    5,
                    f"deck id '{deck.id}' is also used by {other.path}:{other.id_line}; "
                    "each deck needs its own id",
                )
            )
        else:
            first[deck.id] = deck
    return problems


# -- the walk -----------------------------------------------------------------


def _read_deck(reader: NodeReader, root: Node, path: str) -> Deck | None:
    entries = reader.mapping(
        root,
        "deck",
        fmt.names(fmt.DECK_FIELDS),
        fmt.required(fmt.DECK_FIELDS),
        extension_prefix=fmt.EXTENSION_PREFIX,
    )
    if entries is None:
        return None
    deck_id = _slug(reader, entries.get("id"), "deck id")
    title = _text(reader, entries.get("title"), "title")
    description = _text(reader, entries.get("description"), "description")
    owner = _text(reader, entries.get("owner"), "owner")
    version = _version(reader, entries.get("version"))
    language = _language(reader, entries.get("language"))
    review_by = _date(reader, entries.get("review_by"), "review_by")
    min_interval, new_per_day = _mastery(reader, entries.get("mastery"))
    cards = _cards(reader, entries.get("cards"))
    if deck_id is None or title is None or cards is None or reader.problems:
        return None
    id_line = entries["id"].value.start_mark.line + 1
    return Deck(
        id=deck_id,
        title=title,
        cards=cards,
        path=path,
        description=description,
        owner=owner,
        version=version,
        min_interval_days=min_interval,
        new_per_day=new_per_day,
        language=language,
        review_by=review_by,
        id_line=id_line,
        review_by_mark=_place(entries.get("review_by")),
    )


def _text(reader: NodeReader, entry: Entry | None, what: str) -> str | None:
    return None if entry is None else reader.text(entry.value, what)


def _slug(reader: NodeReader, entry: Entry | None, what: str) -> str | None:
    value = _text(reader, entry, what)
    if value is None or entry is None:
        return None
    if not fmt.SLUG.match(value):
        reader.problem(
            entry.value,
            f"{what} '{value}' is not a slug: use lowercase letters and digits in words "
            "joined by single hyphens (price-too-high)",
        )
        return None
    return value


def _place(entry: Entry | None) -> tuple[int, int]:
    if entry is None:
        return (1, 1)
    mark = entry.value.start_mark
    return (mark.line + 1, mark.column + 1)


def _date(reader: NodeReader, entry: Entry | None, what: str) -> dt.date | None:
    """A day written YYYY-MM-DD: YAML reads it unquoted as a date, which is right here."""
    if entry is None:
        return None
    node = entry.value
    if isinstance(node, ScalarNode) and node.tag.endswith(":timestamp"):
        value: str | None = str(node.value).strip()
    else:
        value = reader.text(node, what)
    if value is None:
        return None
    try:
        if not fmt.DATE.match(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        reader.problem(node, f"{what} must be a day as YYYY-MM-DD (2026-06-30), not '{value}'")
        return None


def _revision(reader: NodeReader, entry: Entry | None, what: str) -> int:
    if entry is None:
        return fmt.FIRST_REVISION
    number = reader.integer(entry.value, what, fmt.FIRST_REVISION, fmt.MAX_REVISION)
    return fmt.FIRST_REVISION if number is None else number


def _version(reader: NodeReader, entry: Entry | None) -> str | None:
    if entry is None:
        return None
    node = entry.value
    if isinstance(node, ScalarNode) and node.tag.endswith(":int"):
        number = reader.integer(node, "version", 0, 10**12)
        return None if number is None else str(number)
    return reader.text(node, "version")


def _language(reader: NodeReader, entry: Entry | None) -> str:
    value = _text(reader, entry, "language")
    if value is None or entry is None:
        return fmt.DEFAULT_LANGUAGE
    if value not in fmt.LANGUAGES:
        reader.problem(
            entry.value,
            f"language '{value}' is not one of: {', '.join(fmt.LANGUAGES)} "
            "(ISO 639-1 codes; leave it out for English)",
        )
        return fmt.DEFAULT_LANGUAGE
    return value


def _mastery(reader: NodeReader, entry: Entry | None) -> tuple[int, int]:
    minimum, per_day = fmt.DEFAULT_MIN_INTERVAL_DAYS, fmt.DEFAULT_NEW_PER_DAY
    if entry is None:
        return minimum, per_day
    settings = reader.mapping(entry.value, "mastery", fmt.names(fmt.MASTERY_FIELDS))
    if not settings:
        return minimum, per_day
    values = {}
    for spec in fmt.MASTERY_FIELDS:
        if spec.name in settings:
            values[spec.name] = reader.integer(
                settings[spec.name].value, f"mastery.{spec.name}", spec.minimum, spec.maximum
            )
    return (
        values.get("min_interval_days") or minimum,
        per_day if values.get("new_per_day") is None else values["new_per_day"],  # type: ignore[return-value]
    )


def _cards(reader: NodeReader, entry: Entry | None) -> tuple[Card, ...] | None:
    if entry is None:
        return None
    items = reader.sequence(entry.value, "cards")
    if items is None:
        return None
    if not items:
        reader.problem(entry.value, "cards must list at least one card")
        return None
    cards: list[Card] = []
    seen: dict[str, int] = {}
    for index, node in enumerate(items, start=1):
        card_id, card = _card(reader, node, index)
        if card_id in seen:
            reader.problem(
                node,
                f"card id '{card_id}' is used twice in this deck (first at line {seen[card_id]})",
            )
            continue
        if card_id is not None:
            seen[card_id] = node.start_mark.line + 1
        if card is not None:
            cards.append(card)
    return tuple(cards)


_CARD_KEYS = fmt.names(fmt.CARD_FIELDS)
_CARD_REQUIRED = fmt.required(fmt.CARD_FIELDS)


def _card(reader: NodeReader, node: Node, index: int) -> tuple[str | None, Card | None]:
    """Read card number ``index``; its id comes back even when the card is invalid."""
    peeked = peek_text(node, "id")
    what = f"card '{peeked}'" if peeked and fmt.SLUG.match(peeked) else f"card {index}"
    entries = reader.mapping(node, what, _CARD_KEYS, _CARD_REQUIRED)
    if entries is None:
        return None, None
    card_id = _slug(reader, entries.get("id"), f"{what}: id")
    before = len(reader.problems)
    prompt = _text(reader, entries.get("prompt"), f"{what}: prompt")
    answer = _text(reader, entries.get("answer"), f"{what}: answer")
    card_type = _card_type(reader, entries.get("type"), what)
    tags = _tags(reader, entries.get("tags"), what)
    key_points = _points(reader, entries.get("key_points"), f"{what}: key_points")
    red_flags = _points(reader, entries.get("red_flags"), f"{what}: red_flags")
    explanation = _text(reader, entries.get("explanation"), f"{what}: explanation")
    source = _text(reader, entries.get("source"), f"{what}: source")
    choices, why = _choices(reader, entries.get("choices"), what)
    correct = _correct(reader, entries, choices, what)
    revision = _revision(reader, entries.get("revision"), f"{what}: revision")
    review_by = _date(reader, entries.get("review_by"), f"{what}: review_by")
    if choices and (key_points or red_flags):
        reader.problem(
            entries["choices"].key_node,
            f"{what}: a card with choices is graded by the choice picked; "
            "remove its key_points and red_flags, or its choices",
        )
    if card_id is None or prompt is None or answer is None or len(reader.problems) > before:
        return card_id, None
    return card_id, Card(
        id=card_id,
        prompt=prompt,
        answer=answer,
        type=card_type,
        tags=tags,
        key_points=key_points,
        red_flags=red_flags,
        explanation=explanation,
        source=source,
        choices=choices,
        correct=correct,
        why=why if any(w is not None for w in why) else (),
        revision=revision,
        review_by=review_by,
        line=node.start_mark.line + 1,
        marks=_marks(entries),
    )


def _marks(entries: dict[str, Entry]) -> tuple[tuple[str, int, int], ...]:
    """Where the card's answer and each of its points are, for warnings."""
    marks = []
    for name in ("answer", "key_points", "red_flags", "tags", "type", "revision", "review_by"):
        entry = entries.get(name)
        if entry is None:
            continue
        start = entry.value.start_mark
        marks.append((name, start.line + 1, start.column + 1))
        if name in ("key_points", "red_flags", "tags") and isinstance(entry.value, SequenceNode):
            for index, point in enumerate(entry.value.value):
                mark = point.start_mark
                marks.append((f"{name}.{index}", mark.line + 1, mark.column + 1))
    return tuple(marks)


def _choices(
    reader: NodeReader, entry: Entry | None, what: str
) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    if entry is None:
        return (), ()
    items = reader.sequence(entry.value, f"{what}: choices")
    if items is None:
        return (), ()
    texts: list[str] = []
    whys: list[str | None] = []
    for item in items:
        if isinstance(item, MappingNode):
            keys = reader.mapping(
                item, f"{what}: a choice", fmt.names(fmt.CHOICE_FIELDS), ("text",)
            )
            if not keys or "text" not in keys:
                continue
            text = reader.text(keys["text"].value, f"{what}: a choice's text")
            why = _text(reader, keys.get("why"), f"{what}: a choice's why")
        else:
            text, why = reader.text(item, f"{what}: a choice"), None
        if text is None:
            continue
        if text.casefold() in (t.casefold() for t in texts):
            reader.problem(item, f"{what}: choice '{text}' is listed twice")
            continue
        texts.append(text)
        whys.append(why)
    if not fmt.MIN_CHOICES <= len(items) <= fmt.MAX_CHOICES:
        reader.problem(
            entry.value,
            f"{what}: choices must list {fmt.MIN_CHOICES} to {fmt.MAX_CHOICES} choices, "
            f"not {len(items)}",
        )
    return tuple(texts), tuple(whys)


def _correct(
    reader: NodeReader, entries: dict[str, Entry], choices: tuple[str, ...], what: str
) -> int | None:
    entry = entries.get("correct")
    if entry is None:
        if "choices" in entries:
            reader.problem(
                entries["choices"].key_node,
                f"{what}: a card with choices needs correct: the right choice's text or number",
            )
        return None
    if "choices" not in entries:
        reader.problem(entry.key_node, f"{what}: correct needs choices to pick from")
        return None
    node = entry.value
    if isinstance(node, ScalarNode) and node.tag.endswith(":int"):
        number = reader.integer(node, f"{what}: correct", 1, max(1, len(choices)))
        return None if number is None else number - 1
    text = reader.text(node, f"{what}: correct")
    if text is None:
        return None
    for index, choice in enumerate(choices):
        if choice.casefold() == text.casefold():
            return index
    if choices:
        listed = ", ".join(f"'{c}'" for c in choices)
        reader.problem(
            node, f"{what}: correct '{text}' is not among the choices ({listed}); copy one exactly"
        )
    return None


def _card_type(reader: NodeReader, entry: Entry | None, what: str) -> str | None:
    value = _text(reader, entry, f"{what}: type")
    if value is None or entry is None:
        return None
    if value not in fmt.CARD_TYPES:
        reader.problem(
            entry.value,
            f"{what}: type '{value}' is not one of: {', '.join(fmt.CARD_TYPES)}",
        )
        return None
    return value


def _tags(reader: NodeReader, entry: Entry | None, what: str) -> tuple[str, ...]:
    if entry is None:
        return ()
    items = reader.sequence(entry.value, f"{what}: tags")
    if items is None:
        return ()
    tags: list[str] = []
    for node in items:
        tag = reader.text(node, f"{what}: tag")
        if tag is None:
            continue
        if not fmt.TAG.match(tag):
            reader.problem(
                node,
                f"{what}: tag '{tag}' must be a slug (pricing) or namespace:value "
                "(competitor:acme), lowercase words joined by hyphens",
            )
        elif tag in tags:
            reader.problem(node, f"{what}: tag '{tag}' is listed twice")
        else:
            tags.append(tag)
    return tuple(tags)


def _points(reader: NodeReader, entry: Entry | None, what: str) -> Points:
    if entry is None:
        return ()
    items = reader.sequence(entry.value, what)
    if items is None:
        return ()
    points: list[tuple[str, ...]] = []
    for node in items:
        if isinstance(node, ScalarNode):
            text = reader.text(node, what)
            if text is not None:
                points.append((text,))
            continue
        if not isinstance(node, SequenceNode):
            if reader.plain(node, what):
                reader.problem(node, f"{what}: a point must be text or a list of alternatives")
            continue
        alternatives = reader.sequence(node, f"{what}: a point")
        if alternatives is None:
            continue
        if not alternatives:
            reader.problem(node, f"{what}: a list of alternatives must not be empty")
            continue
        texts = [reader.text(alt, f"{what}: an alternative") for alt in alternatives]
        if all(t is not None for t in texts):
            points.append(tuple(t for t in texts if t is not None))
    return tuple(points)
