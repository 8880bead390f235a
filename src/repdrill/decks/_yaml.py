"""Strict reading of YAML node trees, with every problem located.

PyYAML's ``safe_load`` forgets where values came from, silently keeps the last
of two duplicate keys and turns ``answer: No`` into ``False``. Deck and roster
files are read instead as a node tree (composed by libyaml's C parser when it
is available) and walked by a :class:`NodeReader`, which checks each node
against what the format expects and records a :class:`~repdrill.errors.Problem`
with the node's own line and column.

Aliases are shared nodes in the tree, so a walk can revisit a node many times.
The reader keeps a budget of visited nodes and scalar characters proportional
to the file's size: ordinary anchors stay well within it, alias bombs ("billion
laughs") exhaust it within milliseconds. The budget is charged once per
mapping or list read, for all of its items at once (each item's characters,
or its own items), before any item is read.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from itertools import chain
from operator import attrgetter
from typing import NamedTuple, TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from repdrill._text import describe, unsafe_characters
from repdrill.errors import Problem

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

#: Largest file read, in bytes. A 10,000-card deck is about 9 MB.
MAX_FILE_BYTES = 32 * 1024 * 1024
#: Nodes plus scalar characters a walk may visit: this many per byte of the file, ...
EXPANSION_PER_BYTE = 8
#: ... plus this many, so that tiny files may still use a few anchors.
EXPANSION_ALLOWANCE = 100_000

YAML_TAG = "tag:yaml.org,2002:"
STR = YAML_TAG + "str"
MAP = YAML_TAG + "map"
SEQ = YAML_TAG + "seq"
INT = YAML_TAG + "int"
MERGE = YAML_TAG + "merge"
_PLAIN_TAGS = {YAML_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_COLLECTION_TAGS = {YAML_TAG + "seq", YAML_TAG + "map"}
_READ_AS = {
    YAML_TAG + "bool": "a boolean",
    YAML_TAG + "int": "a number",
    YAML_TAG + "float": "a number",
    YAML_TAG + "null": "empty (null)",
    YAML_TAG + "timestamp": "a date",
}


T = TypeVar("T")


class _FastLoader(_SafeLoader):
    """The safe loader, with a resolver that answers most scalars at once.

    PyYAML asks its pure-Python resolver for the tag of every node: on a
    large deck, a quarter of the time of composing. Quoted and block scalars
    are strings without a look, and a plain scalar is tried only against the
    implicit types (bool, int, float, null, timestamp, ...) that can start
    with its first character, most often none. The tags are exactly the stock
    loader's (a test compares them); there are no path resolvers to track, so
    descending and ascending the tree do nothing.
    """

    def resolve(self, kind: type[Node], value: str | None, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if implicit[0] and value is not None:
                # The implicit types that can start with this character, tried as PyYAML does.
                for tag, pattern in self.yaml_implicit_resolvers.get(value[:1], ()):
                    if pattern.match(value):
                        return tag  # type: ignore[no-any-return]
            return STR
        if kind is MappingNode:
            return MAP
        if kind is SequenceNode:
            return SEQ
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call,no-any-return]

    def descend_resolver(self, current_node: Node | None, current_index: object) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


# The shortcuts hold while the stock loader has no path resolvers and no
# resolver that applies whatever the first character.
_Loader = (
    _FastLoader
    if not _SafeLoader.yaml_path_resolvers and None not in _SafeLoader.yaml_implicit_resolvers
    else _SafeLoader
)


class ExpansionLimit(Exception):
    """Raised inside a walk when aliases expand beyond the file's budget."""


class Entry(NamedTuple):
    """A key of a mapping with the nodes that located it."""

    key: str
    key_node: Node
    value: Node


def compose(data: bytes) -> Node | None:
    """Parse ``data`` into a node tree (``None`` for an empty document).

    The garbage collector is paused while libyaml builds the tree: the tree is
    one large acyclic allocation burst, and collections during it cost a large
    share of the parse time without ever freeing anything.
    """
    with gc_paused():
        return yaml.compose(data, Loader=_Loader)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a burst of acyclic allocations.

    Parsing builds hundreds of thousands of long-lived objects; with the
    collector running, each generation-2 pass rescans all of them, which costs
    several times the parse itself. Reference counting still frees everything.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def syntax_problem(path: str, error: Exception, data: bytes = b"") -> Problem:
    """Turn a PyYAML error into a located problem."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if isinstance(error, yaml.reader.ReaderError):
        line, column = _line_and_column(data, error.position)
        if "UTF-8" in error.reason:
            return Problem(path, line, column, f"not valid UTF-8 text: {error.reason}")
        # PyYAML reports UTF-8 past U+10FFFF as a code point chr() refuses.
        code = error.character
        found = (
            describe(chr(code))
            if isinstance(code, int) and 0 <= code <= 0x10FFFF
            else "a character outside Unicode"
        )
        return Problem(path, line, column, f"{found} is not allowed in a deck file")
    if isinstance(error, RecursionError):
        return Problem(path, 1, 1, "YAML is nested too deeply")
    problem = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    message = f"YAML syntax: {problem}" + (f" ({context})" if context else "")
    if mark is None:
        return Problem(path, 1, 1, message)
    return Problem(path, mark.line + 1, mark.column + 1, message)


def _line_and_column(data: bytes, offset: int) -> tuple[int, int]:
    """The 1-based line and column (in characters) of a byte offset in ``data``."""
    offset = max(0, min(offset, len(data)))
    start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, len(data[start:offset].decode("utf-8", "replace")) + 1


#: Byte-order marks of the encodings YAML would read but decks do not use.
_OTHER_ENCODINGS = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}


def read_document(
    path: str, data: bytes, read: Callable[[NodeReader, Node], T], empty: str
) -> tuple[T | None, list[Problem]]:
    """Parse ``data`` and hand its root node to ``read``; never raises for bad input.

    Returns what ``read`` built when no problem was found, and every problem,
    sorted by position, otherwise. ``empty`` is the message for an empty file.
    """
    if len(data) > MAX_FILE_BYTES:
        return None, [Problem(path, 1, 1, f"file exceeds {MAX_FILE_BYTES // 2**20} MiB")]
    for mark, encoding in _OTHER_ENCODINGS.items():
        if data.startswith(mark):
            message = f"the file is {encoding}; repdrill reads UTF-8 only: save it as UTF-8"
            return None, [Problem(path, 1, 1, message)]
    with gc_paused():
        try:
            root = compose(data)
        except (yaml.YAMLError, RecursionError) as error:
            return None, [syntax_problem(path, error, data)]
        if root is None:
            return None, [Problem(path, 1, 1, empty)]
        reader = NodeReader(path, len(data))
        try:
            reader.spend_for(1, [root])
            value = read(reader, root)
        except ExpansionLimit:
            message = (
                f"YAML aliases expand to more than {EXPANSION_PER_BYTE}x the file's size; "
                "alias bombs are rejected"
            )
            return None, [Problem(path, 1, 1, message)]
    if reader.problems:
        return None, sorted(reader.problems, key=lambda p: (p.line, p.column))
    return value, []


class NodeReader:
    """Walks one file's node tree, collecting problems instead of raising."""

    def __init__(self, path: str, size: int) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self._budget = size * EXPANSION_PER_BYTE + EXPANSION_ALLOWANCE

    # -- recording ---------------------------------------------------------
    def problem(self, node: Node, message: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(self.path, mark.line + 1, mark.column + 1, message))

    def spend_for(self, count: int, nodes: Iterable[Node]) -> None:
        """Charge for reading ``count`` nodes: one each, and their characters or items."""
        self._budget -= count + sum(map(len, map(_VALUE, nodes)))
        if self._budget < 0:
            raise ExpansionLimit

    # -- checks ------------------------------------------------------------
    def plain(self, node: Node, what: str) -> bool:
        """True when ``node`` carries plain data; a problem otherwise."""
        tag = node.tag
        if tag in _PLAIN_TAGS or tag in _COLLECTION_TAGS:
            return True
        if tag.startswith(YAML_TAG):
            tag = "!!" + tag[len(YAML_TAG) :]
        self.problem(node, f"{what}: YAML tag {tag} is not allowed: files hold plain data only")
        return False

    def mapping(
        self,
        node: Node,
        what: str,
        allowed: Sequence[str],
        required: Sequence[str] = (),
        extension_prefix: str | None = None,
    ) -> dict[str, Entry] | None:
        """Read a mapping with string keys from ``allowed``.

        Unknown, duplicate and missing keys are problems; ``<<`` merge keys
        are honoured as YAML 1.1 defines them (explicit keys win). Keys that
        start with ``extension_prefix`` are accepted and ignored: they hold
        anchors for the rest of the file, as in Docker Compose's ``x-`` keys.
        """
        if type(node) is not MappingNode or node.tag not in _COLLECTION_TAGS:
            if not self.plain(node, what):
                return None
            if not isinstance(node, MappingNode):
                self.problem(node, f"{what} must be a mapping of keys to values, not {_kind(node)}")
                return None
        pairs = node.value
        self.spend_for(2 * len(pairs), chain.from_iterable(pairs))
        entries: dict[str, Entry] = {}
        merged: dict[str, Entry] = {}
        for key_node, value_node in pairs:
            tag = key_node.tag
            if tag == MERGE:
                self._merge(value_node, what, merged, frozenset({id(node)}))
                continue
            if tag != STR or not isinstance(key_node, ScalarNode):
                self.problem(key_node, f"{what}: keys must be plain words, not {_kind(key_node)}")
                continue
            key = key_node.value
            if key in entries:
                first = entries[key].key_node.start_mark
                self.problem(
                    key_node,
                    f"{what}: key '{key}' is given twice (first at line {first.line + 1})",
                )
                continue
            entries[key] = Entry(key, key_node, value_node)
        for key, entry in merged.items():
            entries.setdefault(key, entry)
        known = _as_set(allowed)
        result = {}
        for key, entry in entries.items():
            if key in known:
                result[key] = entry
            elif not (extension_prefix and key.startswith(extension_prefix)):
                self.problem(entry.key_node, f"{what}: unknown key '{key}'{_suggest(key, allowed)}")
        for key in required:
            if key not in result:
                self.problem(node, f"{what}: missing required key '{key}'")
        return result

    def _merge(
        self, node: Node, what: str, merged: dict[str, Entry], within: frozenset[int]
    ) -> None:
        """Merge the mappings under a ``<<`` key; ``within`` are the mappings being merged into."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, MappingNode):
                self.problem(source, f"{what}: '<<' merges mappings only, not {_kind(source)}")
                continue
            if id(source) in within:
                self.problem(source, f"{what}: '<<' merges a mapping into itself")
                continue
            self.spend_for(2 * len(source.value), chain.from_iterable(source.value))
            for key_node, value_node in source.value:
                if key_node.tag == MERGE:
                    self._merge(value_node, what, merged, within | {id(source)})
                elif isinstance(key_node, ScalarNode) and key_node.tag == STR:
                    merged.setdefault(key_node.value, Entry(key_node.value, key_node, value_node))

    def sequence(self, node: Node, what: str) -> list[Node] | None:
        if type(node) is not SequenceNode or node.tag not in _COLLECTION_TAGS:
            if not self.plain(node, what):
                return None
            if not isinstance(node, SequenceNode):
                self.problem(node, f"{what} must be a list, not {_kind(node)}")
                return None
        items = list(node.value)
        self.spend_for(len(items), items)
        return items

    def text(self, node: Node, what: str) -> str | None:
        """A non-empty string, stripped of surrounding blank space."""
        if type(node) is not ScalarNode or node.tag != STR:
            if not isinstance(node, ScalarNode):
                if self.plain(node, what):
                    self.problem(node, f"{what} must be text, not {_kind(node)}")
                return None
            if node.tag != STR:
                if self.plain(node, what):
                    read_as = _READ_AS.get(node.tag, "something other than text")
                    self.problem(
                        node,
                        f"{what}: YAML reads {node.value!r} as {read_as}; "
                        f'quote it to keep it as text: "{node.value}"',
                    )
                return None
        value: str = node.value.strip()
        if not value:
            self.problem(node, f"{what} must not be empty")
            return None
        unsafe = unsafe_characters(value)
        if unsafe:
            self.problem(
                node,
                f"{what}: {describe(unsafe[0][1])} is not allowed (terminal escapes and "
                "invisible characters would reach people's screens)",
            )
            return None
        return value

    def integer(self, node: Node, what: str, minimum: int, maximum: int) -> int | None:
        if not isinstance(node, ScalarNode) or node.tag != INT:
            if self.plain(node, what):
                self.problem(node, f"{what} must be a whole number, not {_kind(node)}")
            return None
        value = int(yaml.SafeLoader.construct_yaml_int(_INT_CONSTRUCTOR, node))
        if not minimum <= value <= maximum:
            self.problem(node, f"{what} must be between {minimum} and {maximum}, not {value}")
            return None
        return value


_VALUE = attrgetter("value")


def _as_set(allowed: Sequence[str] | AbstractSet[str]) -> AbstractSet[str]:
    """``allowed`` for membership tests: a set as it is, anything else as a frozenset."""
    return allowed if isinstance(allowed, AbstractSet) else frozenset(allowed)


_INT_CONSTRUCTOR = yaml.SafeLoader("")


def peek_text(node: Node, key: str) -> str | None:
    """The text under ``key`` when ``node`` is a mapping that has it: names items in messages."""
    if isinstance(node, MappingNode):
        for key_node, value in node.value:
            if key_node.value == key and isinstance(value, ScalarNode) and value.tag == STR:
                return str(value.value)
    return None


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == STR:
        return f"the text {_short(node.value)!r}"
    return f"{_READ_AS.get(node.tag, 'a value')} ({_short(node.value)})"


def _short(value: str) -> str:
    return value if len(value) <= 40 else value[:37] + "..."


def _suggest(key: str, allowed: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; expected one of: {', '.join(allowed)}"
