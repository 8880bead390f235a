"""The deck format, declared once.

The validator (:mod:`repdrill.decks.parse`), the JSON Schema printed by
``repdrill schema`` and the documentation test all read these declarations, so
the three cannot disagree about which keys exist.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
TAG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*(?::[a-z0-9]+(?:-[a-z0-9]+)*)?$"
SLUG = re.compile(SLUG_PATTERN)
TAG = re.compile(TAG_PATTERN)

#: Top-level deck keys starting with this are ignored: a place to define anchors.
EXTENSION_PREFIX = "x-"
CARD_TYPES = ("objection", "messaging", "fact", "scenario")
DEFAULT_MIN_INTERVAL_DAYS = 21
DEFAULT_NEW_PER_DAY = 10

#: Languages a deck may be written in (ISO 639-1): grading stems and reads negations in it.
LANGUAGES = ("en", "de", "fr", "es")
DEFAULT_LANGUAGE = "en"
#: A multiple-choice card has this many choices.
MIN_CHOICES, MAX_CHOICES = 2, 6
#: A card's revision when the file gives none; the highest one accepted.
FIRST_REVISION, MAX_REVISION = 1, 1_000_000
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DATE = re.compile(DATE_PATTERN)

Kind = Literal[
    "slug",
    "text",
    "version",
    "choice",
    "tags",
    "points",
    "count",
    "cards",
    "mastery",
    "language",
    "choices",
    "correct",
    "revision",
    "date",
]


@dataclass(frozen=True, slots=True)
class Field:
    """One key of a deck, a card or a deck's ``mastery`` settings."""

    name: str
    kind: Kind
    description: str
    required: bool = False
    minimum: int = 0
    maximum: int = 0


MASTERY_FIELDS = (
    Field(
        "min_interval_days",
        "count",
        "A card is mastered once its SM-2 interval reaches this many days "
        f"(default {DEFAULT_MIN_INTERVAL_DAYS}).",
        minimum=1,
        maximum=3650,
    ),
    Field(
        "new_per_day",
        "count",
        f"New cards a rep is shown per day from this deck (default {DEFAULT_NEW_PER_DAY}).",
        minimum=0,
        maximum=1000,
    ),
)

CARD_FIELDS = (
    Field(
        "id",
        "slug",
        "The card's identity across every edit: keep it when the text changes.",
        required=True,
    ),
    Field("prompt", "text", "What the rep is asked: the buyer's words or the situation.", True),
    Field("answer", "text", "The model answer: what a strong rep says.", required=True),
    Field("type", "choice", "One of: " + ", ".join(CARD_TYPES) + "."),
    Field("tags", "tags", "Slugs, or namespace:value (competitor:acme, persona:cfo)."),
    Field(
        "key_points",
        "points",
        "Points a good answer must hit; a point may be a list of alternative wordings.",
    ),
    Field(
        "red_flags",
        "points",
        "Things a rep must not say; a flag may be a list of alternative wordings.",
    ),
    Field("explanation", "text", "Why the answer works; shown after answering."),
    Field("source", "text", "Link to the battlecard or document behind the card."),
    Field(
        "choices",
        "choices",
        f"A multiple-choice card's options ({MIN_CHOICES}-{MAX_CHOICES}): text, or "
        "{text, why} where why is shown after answering.",
        minimum=MIN_CHOICES,
        maximum=MAX_CHOICES,
    ),
    Field(
        "correct",
        "correct",
        "The right choice: its text, or its number counting from 1.",
        minimum=1,
        maximum=MAX_CHOICES,
    ),
    Field(
        "revision",
        "revision",
        f"The card's message version (default {FIRST_REVISION}). Raise it when the message "
        "changes (a new price, a new claim): every rep who reviewed the card relearns it. "
        "Leave it for a typo or a rewording.",
        minimum=FIRST_REVISION,
        maximum=MAX_REVISION,
    ),
    Field(
        "review_by",
        "date",
        "The day the card's owner should review it by (YYYY-MM-DD); validate warns from then.",
    ),
)

#: The keys of a choice given as a mapping.
CHOICE_FIELDS = (
    Field("text", "text", "The choice as reps see it.", required=True),
    Field("why", "text", "Why this choice is right or wrong; shown after answering."),
)

DECK_FIELDS = (
    Field("id", "slug", "The deck's identity: lowercase words joined by hyphens.", True),
    Field("title", "text", "The deck's name as reps see it.", required=True),
    Field("description", "text", "What the deck is for."),
    Field("owner", "text", "Who maintains the deck (a name or an address)."),
    Field("version", "version", "The authors' version label, text or a whole number."),
    Field(
        "language",
        "language",
        "The language the cards are written in: "
        + ", ".join(LANGUAGES)
        + f" (default {DEFAULT_LANGUAGE}).",
    ),
    Field(
        "review_by",
        "date",
        "The day the deck's owner should review it by (YYYY-MM-DD); validate warns from then.",
    ),
    Field("mastery", "mastery", "Mastery settings for this deck."),
    Field("cards", "cards", "The cards; at least one.", required=True),
)


def names(fields: tuple[Field, ...]) -> tuple[str, ...]:
    return tuple(f.name for f in fields)


def required(fields: tuple[Field, ...]) -> tuple[str, ...]:
    return tuple(f.name for f in fields if f.required)


def json_schema(
    tag_values: Mapping[str, Sequence[str]] | None = None,
    required_tags: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The deck format as JSON Schema (draft-07, which editors support best).

    With a tag taxonomy (``repdrill.yaml``), ``tag_values`` maps each tag
    namespace to its allowed values, so editors offer them; ``required_tags``
    maps a card type to the namespaces its cards must carry.
    """
    card = _object(CARD_FIELDS)
    card["dependencies"] = {"choices": ["correct"], "correct": ["choices"]}
    if tag_values is not None:
        card["properties"]["tags"]["items"] = _taxonomy_tags(tag_values)
    if required_tags:
        card["allOf"] = [
            {
                "if": {"properties": {"type": {"const": card_type}}, "required": ["type"]},
                "then": {
                    "required": ["tags"],
                    "properties": {
                        "tags": {
                            "allOf": [
                                {"contains": {"type": "string", "pattern": f"^{namespace}:"}}
                                for namespace in namespaces
                            ]
                        }
                    },
                },
            }
            for card_type, namespaces in required_tags.items()
        ]
    deck = _object(DECK_FIELDS)
    deck["properties"]["cards"] = {
        "description": _field("cards", DECK_FIELDS).description,
        "type": "array",
        "minItems": 1,
        "items": {"$ref": "#/definitions/card"},
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://repdrill.dev/schema/deck.json",
        "title": "repdrill deck",
        "description": "One deck of sales drill cards. See docs/deck-format.md.",
        **deck,
        "patternProperties": {f"^{EXTENSION_PREFIX}": {}},
        "definitions": {"card": card},
    }


def _taxonomy_tags(tag_values: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    allowed = [
        f"{namespace}:{value}" for namespace, values in tag_values.items() for value in values
    ]
    return {
        "anyOf": [
            {"type": "string", "enum": allowed},
            {"type": "string", "pattern": SLUG_PATTERN},
        ],
        "description": "A plain tag (a slug), or namespace:value from the taxonomy in "
        "repdrill.yaml.",
    }


def _field(name: str, fields: tuple[Field, ...]) -> Field:
    return next(f for f in fields if f.name == name)


def _object(fields: tuple[Field, ...]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(required(fields)),
        "properties": {f.name: _property(f) for f in fields},
    }


def _property(field: Field) -> dict[str, Any]:
    text: dict[str, Any] = {"type": "string", "minLength": 1, "pattern": r"\S"}
    schema: dict[str, Any]
    match field.kind:
        case "slug":
            schema = {"type": "string", "pattern": SLUG_PATTERN}
        case "text":
            schema = dict(text)
        case "version":
            schema = {"anyOf": [text, {"type": "integer"}]}
        case "choice":
            schema = {"type": "string", "enum": list(CARD_TYPES)}
        case "tags":
            schema = {
                "type": "array",
                "uniqueItems": True,
                "items": {"type": "string", "pattern": TAG_PATTERN},
            }
        case "points":
            schema = {
                "type": "array",
                "items": {
                    "anyOf": [text, {"type": "array", "minItems": 1, "items": text}],
                },
            }
        case "count":
            schema = {"type": "integer", "minimum": field.minimum, "maximum": field.maximum}
        case "mastery":
            schema = _object(MASTERY_FIELDS)
        case "language":
            schema = {"type": "string", "enum": list(LANGUAGES)}
        case "choices":
            schema = {
                "type": "array",
                "minItems": field.minimum,
                "maxItems": field.maximum,
                "items": {"anyOf": [text, _object(CHOICE_FIELDS)]},
            }
        case "correct":
            schema = {
                "anyOf": [
                    text,
                    {"type": "integer", "minimum": field.minimum, "maximum": field.maximum},
                ]
            }
        case "revision":
            schema = {"type": "integer", "minimum": field.minimum, "maximum": field.maximum}
        case "date":
            schema = {"type": "string", "pattern": DATE_PATTERN}
        case "cards":  # pragma: no cover - replaced by json_schema()
            schema = {"type": "array"}
    schema["description"] = field.description
    return schema
