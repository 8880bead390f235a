"""Deck files: parse them, validate them, hash their cards.

This module never touches the database; :mod:`repdrill.store.load` takes the
:class:`Deck` values it returns. Parsing never raises for bad input: every
problem comes back as a located :class:`~repdrill.errors.Problem`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from yaml.nodes import Node, ScalarNode, SequenceNode

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
    line: int = field(default=0, compare=False)
    #: SHA-256 of everything a rep sees of the card; ties each review to the text.
    content_hash: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.content_hash:
            object.__setattr__(self, "content_hash", card_hash(self))


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
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


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
    id_line: int = field(default=1, compare=False)


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
        id_line=id_line,
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


def _version(reader: NodeReader, entry: Entry | None) -> str | None:
    if entry is None:
        return None
    node = entry.value
    if isinstance(node, ScalarNode) and node.tag.endswith(":int"):
        number = reader.integer(node, "version", 0, 10**12)
        return None if number is None else str(number)
    return reader.text(node, "version")


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
        line=node.start_mark.line + 1,
    )


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
