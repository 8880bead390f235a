"""YAML reading (repdrill.decks._yaml): the fast resolver tags every node as PyYAML does."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import strategies as st
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from conftest import DECKS, ROOT
from repdrill.decks._yaml import _Loader, compose

sys.path.insert(0, str(ROOT / "bench"))
from common import write_big_deck

#: Plain scalars near every implicit type's edge, and strings that only look like them.
EDGES = [
    "",
    "~",
    "null",
    "Null",
    "NULL",
    "nul",
    "yes",
    "No",
    "off",
    "On",
    "y",
    "n",
    "true",
    "False",
    "0",
    "-1",
    "+12",
    "0x1F",
    "0o17",
    "1_000",
    "3.14",
    ".5",
    "-.inf",
    ".NaN",
    "1e3",
    "6.8523015e+5",
    "190:20:30",
    "2026-03-02",
    "2026-03-02 10:00:00",
    "2026-3-2T1:2:3Z",
    "<<",
    "=",
    "price-too-high",
    "persona:cfo",
    "ok",
    "tag with spaces",
    "-dash first",
    ".dot first",
]


def tags(node: Node) -> list[str]:
    """Every node's tag, depth first."""
    found = [node.tag]
    if isinstance(node, SequenceNode):
        for item in node.value:
            found += tags(item)
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            found += tags(key) + tags(value)
    return found


def stock(data: str | bytes) -> Node:
    return yaml.compose(data, Loader=yaml.CSafeLoader)


def test_edge_scalars_get_the_stock_tags() -> None:
    for value in EDGES:
        for text in (value, f"key: {value}", f"- {value}", f'"{value}"', f"'{value}'"):
            assert tags(compose(text.encode()) or ScalarNode("", "")) == tags(
                stock(text) or ScalarNode("", "")
            ), text


@given(st.text(max_size=12))
def test_any_plain_scalar_gets_the_stock_tag(value: str) -> None:
    expected = yaml.CSafeLoader("").resolve(ScalarNode, value, (True, False))
    assert _Loader("").resolve(ScalarNode, value, (True, False)) == expected
    quoted = yaml.CSafeLoader("").resolve(ScalarNode, value, (False, True))
    assert _Loader("").resolve(ScalarNode, value, (False, True)) == quoted


def test_whole_decks_get_the_stock_tags(tmp_path: Path) -> None:
    big = write_big_deck(tmp_path / "big.yaml", 50)
    for path in [*sorted(DECKS.glob("*.yaml")), big, ROOT / "teams.yaml"]:
        data = path.read_bytes()
        mine = compose(data)
        assert mine is not None
        assert tags(mine) == tags(stock(data)), path
