"""The tag taxonomy: ``repdrill.yaml`` at the root of the deck repository.

It declares the tag namespaces a team uses and the values each allows, and
which namespaces the cards of each type must carry::

    tags:
      competitor: [acme, billbot, paywise]
      persona: [cfo, controller, ap-manager]
    required_tags:
      objection: [persona]

``repdrill validate`` then reports a tag outside the taxonomy, and a card
missing a required namespace, at the tag's line and column with a
did-you-mean; ``repdrill schema`` lists the allowed values so that editors
offer them. Plain tags (``pricing``, no namespace) stay free. The file is
found as ``teams.yaml`` is: beside the deck files, else at the root of their
git checkout; directory walks for decks skip it.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode

from repdrill.decks import format as fmt
from repdrill.decks._yaml import NodeReader, read_document
from repdrill.decks.files import (
    TAXONOMY_NAMES,
    NotRegular,
    find_at_root,
    read_named,
    read_regular,
)
from repdrill.decks.parse import Card, Deck
from repdrill.errors import InvalidInput, Problem

TOP_KEYS = ("tags", "required_tags")


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """The allowed tag values per namespace, and the namespaces each card type needs."""

    path: str
    values: dict[str, tuple[str, ...]]
    required: dict[str, tuple[str, ...]]

    def check(self, deck: Deck) -> list[Problem]:
        """Every tag of ``deck`` outside the taxonomy, and every required namespace missing."""
        problems = []
        for card in deck.cards:
            problems += [
                Problem(deck.path, *place, f"card '{card.id}': {message}")
                for place, message in self.card_problems(card)
            ]
        return problems

    def card_problems(self, card: Card) -> Iterable[tuple[tuple[int, int], str]]:
        """(line and column, message) for each of the card's tags the taxonomy refuses."""
        for index, tag in enumerate(card.tags):
            namespace, _, value = tag.partition(":")
            if not value:
                continue
            place = card.mark(f"tags.{index}")
            if namespace not in self.values:
                yield (
                    place,
                    (
                        f"tag '{tag}': namespace '{namespace}' is not in {self.path}"
                        + _suggest(namespace, list(self.values), "namespaces")
                    ),
                )
            elif value not in self.values[namespace]:
                allowed = [f"{namespace}:{v}" for v in self.values[namespace]]
                yield place, f"tag '{tag}' is not in {self.path}" + _suggest(tag, allowed)
        carried = {tag.partition(":")[0] for tag in card.tags if ":" in tag}
        for namespace in self.required.get(card.type or "", ()):
            if namespace not in carried:
                example = f"{namespace}:{self.values[namespace][0]}"
                yield (
                    card.mark("tags" if card.tags else "type"),
                    (
                        f"a card of type {card.type} needs a '{namespace}:' tag ({self.path} "
                        f"requires it), for example {example}"
                    ),
                )

    def schema_arguments(self) -> dict[str, Any]:
        """The keywords :func:`repdrill.decks.format.json_schema` takes from a taxonomy."""
        return {"tag_values": self.values, "required_tags": self.required}


def find_taxonomy(start: Path | None = None) -> Path | None:
    """``repdrill.yaml`` in ``start`` (default: here), else at the root of its git checkout."""
    return find_at_root(TAXONOMY_NAMES, start)


def parse_taxonomy(path: str, data: bytes) -> tuple[Taxonomy | None, list[Problem]]:
    """Parse and check a taxonomy, reporting every problem with its location."""
    return read_document(
        path,
        data,
        lambda reader, root: _read(reader, root, path),
        "file is empty; a taxonomy needs 'tags' (namespaces and their values)",
    )


def read_taxonomy(path: str | os.PathLike[str]) -> Taxonomy:
    """The taxonomy in ``path``; raises :class:`InvalidInput` listing its problems."""
    name = str(path)
    data = read_named(name, "taxonomy")
    taxonomy, problems = parse_taxonomy(name, data)
    if taxonomy is None:
        raise InvalidInput(problems, f"{len(problems)} problem(s) in the taxonomy {name}")
    return taxonomy


def _read(reader: NodeReader, root: Node, path: str) -> Taxonomy:
    top = reader.mapping(root, "taxonomy", TOP_KEYS, ("tags",)) or {}
    values: dict[str, tuple[str, ...]] = {}
    if "tags" in top:
        values = _namespaces(reader, top["tags"].value)
    required: dict[str, tuple[str, ...]] = {}
    if "required_tags" in top:
        required = _required(reader, top["required_tags"].value, values)
    return Taxonomy(path, values, required)


def _shown(path: str) -> str:
    """A path as messages name it: relative to here when it is below here."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive, on Windows
        return path
    return path if relative.startswith("..") else relative


def _keys(node: Node) -> list[str]:
    if not isinstance(node, MappingNode):
        return []
    return [k.value for k, _ in node.value if isinstance(k, ScalarNode)]


def _namespaces(reader: NodeReader, node: Node) -> dict[str, tuple[str, ...]]:
    entries = reader.mapping(node, "tags", _keys(node))
    if entries is not None and not entries:
        reader.problem(node, "tags must declare at least one namespace (competitor: [acme])")
    namespaces: dict[str, tuple[str, ...]] = {}
    for namespace, entry in (entries or {}).items():
        what = f"tags: namespace '{namespace}'"
        if not fmt.SLUG.match(namespace):
            reader.problem(entry.key_node, f"{what} must be a slug (persona, deal-stage)")
            continue
        items = reader.sequence(entry.value, what)
        if items is None:
            continue
        if not items:
            reader.problem(entry.value, f"{what} must list at least one value")
        found: list[str] = []
        for item in items:
            value = reader.text(item, f"{what}: value")
            if value is None:
                continue
            if not fmt.SLUG.match(value):
                reader.problem(item, f"{what}: value '{value}' must be a slug (ap-manager)")
            elif value in found:
                reader.problem(item, f"{what}: value '{value}' is listed twice")
            else:
                found.append(value)
        namespaces[namespace] = tuple(found)
    return namespaces


def _required(
    reader: NodeReader, node: Node, values: dict[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    entries = reader.mapping(node, "required_tags", fmt.CARD_TYPES) or {}
    required: dict[str, tuple[str, ...]] = {}
    for card_type, entry in entries.items():
        what = f"required_tags: {card_type}"
        namespaces: list[str] = []
        for item in reader.sequence(entry.value, what) or []:
            namespace = reader.text(item, f"{what}: namespace")
            if namespace is None:
                continue
            if namespace not in values:
                reader.problem(
                    item,
                    f"{what}: namespace '{namespace}' is not declared under tags"
                    + _suggest(namespace, list(values), "namespaces"),
                )
            elif namespace not in namespaces:
                namespaces.append(namespace)
        required[card_type] = tuple(namespaces)
    return required


def _suggest(word: str, allowed: Sequence[str], what: str = "allowed") -> str:
    close = difflib.get_close_matches(word, allowed, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    shown = ", ".join(allowed[:12]) + (", ..." if len(allowed) > 12 else "")
    return f"; {what}: {shown}" if allowed else ""


class Taxonomies:
    """The taxonomy each deck file falls under, found and read once per directory and file."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._files: dict[Path, Taxonomy | None] = {}
        self._dirs: dict[Path, Path | None] = {}

    def paths(self) -> list[str]:
        """The taxonomy files read, valid or not, as messages name them."""
        return [_shown(str(p)) for p in self._files]

    def read(self, path: Path) -> Taxonomy | None:
        key = path.resolve()
        if key not in self._files:
            shown = _shown(str(key))
            try:
                data = read_regular(str(key))
            except NotRegular:
                problem = Problem(shown, 1, 1, "not a regular file (a FIFO, device or socket)")
                self.problems.append(problem)
                self._files[key] = None
                return None
            except OSError as error:
                problem = Problem(shown, 1, 1, f"cannot read file: {error.strerror or error}")
                self.problems.append(problem)
                self._files[key] = None
                return None
            taxonomy, problems = parse_taxonomy(shown, data)
            self.problems += problems
            self._files[key] = taxonomy
        return self._files[key]

    def for_deck(self, deck_path: str) -> Taxonomy | None:
        """The taxonomy beside the deck file, else at the root of its git checkout."""
        directory = Path(deck_path).resolve().parent
        if directory not in self._dirs:
            self._dirs[directory] = find_taxonomy(directory)
        found = self._dirs[directory]
        return None if found is None else self.read(found)
