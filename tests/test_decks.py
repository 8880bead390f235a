"""The deck format: parsing, validation with located problems, JSON Schema."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DECKS
from repdrill._text import unsafe_characters
from repdrill.decks import format as deckformat
from repdrill.decks._yaml import MAX_FILE_BYTES
from repdrill.decks.files import find_deck_files
from repdrill.decks.parse import parse_deck
from repdrill.decks.validate import validate
from repdrill.errors import Problem


def parse(text: str) -> tuple[object, list[Problem]]:
    return parse_deck("deck.yaml", textwrap.dedent(text).encode())


def problems_of(text: str) -> list[str]:
    deck, problems = parse(text)
    assert deck is None, "expected the deck to be invalid"
    return [f"{p.line}:{p.column}: {p.message}" for p in problems]


GOOD = """\
    id: objections
    title: Objections
    description: Handling the common ones.
    owner: enablement@example.com
    version: "1.2"
    mastery:
      min_interval_days: 30
      new_per_day: 5
    cards:
      - id: price-too-high
        type: objection
        tags: [price, persona:cfo, competitor:acme]
        prompt: |
          "Your price is too high."
        answer: |
          Compared with what? Let's look at the cost per invoice.
        key_points:
          - ask what they compare
          - [cost per invoice, cost of processing]
        red_flags:
          - [we are the cheapest]
        explanation: Reframes price as cost.
        source: https://example.com/battlecard
      - id: send-info
        prompt: Send me some info.
        answer: Happy to. What would you look for in it?
"""


def test_a_valid_deck_parses_into_values() -> None:
    deck, problems = parse(GOOD)
    assert problems == []
    assert deck is not None
    assert deck.id == "objections"  # type: ignore[attr-defined]
    assert deck.min_interval_days == 30 and deck.new_per_day == 5  # type: ignore[attr-defined]
    first = deck.cards[0]  # type: ignore[attr-defined]
    assert first.prompt == '"Your price is too high."'
    assert first.tags == ("price", "persona:cfo", "competitor:acme")
    assert first.key_points == (
        ("ask what they compare",),
        ("cost per invoice", "cost of processing"),
    )
    assert first.red_flags == (("we are the cheapest",),)
    assert deck.cards[1].type is None  # type: ignore[attr-defined]
    assert len(first.content_hash) == 64


def test_defaults_for_mastery() -> None:
    deck, _ = parse("id: d\ntitle: D\ncards:\n  - {id: a, prompt: p, answer: a}\n")
    assert deck.min_interval_days == 21 and deck.new_per_day == 10  # type: ignore[attr-defined]


def test_content_hash_changes_with_text_only() -> None:
    deck, _ = parse(GOOD)
    edited, _ = parse(GOOD.replace("Send me some info.", "Send me a PDF."))
    moved, _ = parse(GOOD.replace("id: objections", "id: other"))
    assert deck.cards[1].content_hash != edited.cards[1].content_hash  # type: ignore[attr-defined]
    assert deck.cards[0].content_hash == edited.cards[0].content_hash  # type: ignore[attr-defined]
    assert deck.cards[0].content_hash == moved.cards[0].content_hash  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "id: d\ntitle: D\ncards:\n  - id: a\n    prompt: p\n    anwser: x\n",
            [
                "4:5: card 'a': missing required key 'answer'",
                "6:5: card 'a': unknown key 'anwser'; did you mean 'answer'?",
            ],
        ),
        (
            "title: D\ncards: []\n",
            ["1:1: deck: missing required key 'id'", "2:8: cards must list at least one card"],
        ),
        (
            "id: d\ntitle: D\ncards:\n  - id: a\n    prompt: p\n    answer: No\n",
            [
                "6:13: card 'a': answer: YAML reads 'No' as a boolean; quote it to keep it as text: \"No\""
            ],
        ),
        (
            "id: d\ntitle: D\ncards:\n  - id: a\n    prompt: 2026-01-01\n    answer: '3'\n",
            [
                "5:13: card 'a': prompt: YAML reads '2026-01-01' as a date; quote it to keep it as text: \"2026-01-01\""
            ],
        ),
        (
            "id: d\ntitle: D\ncards:\n  - id: a\n    prompt: 12\n    answer: x\n",
            [
                "5:13: card 'a': prompt: YAML reads '12' as a number; quote it to keep it as text: \"12\""
            ],
        ),
        (
            "id: d\ntitle: D\ncards:\n  - id: a\n    prompt: '   '\n    answer: x\n",
            ["5:13: card 'a': prompt must not be empty"],
        ),
        (
            "id: d\ntitle: D\ncards:\n  - id: a\n    prompt: p\n    answer: x\n    answer: y\n",
            ["7:5: card 'a': key 'answer' is given twice (first at line 6)"],
        ),
        (
            "id: d\nid: e\ntitle: D\ncards:\n  - {id: a, prompt: p, answer: x}\n",
            ["2:1: deck: key 'id' is given twice (first at line 1)"],
        ),
        (
            "id: d\ntitle: D\ncards:\n  - {id: a, prompt: p, answer: x}\n  - {id: a, prompt: q, answer: y}\n",
            ["5:5: card id 'a' is used twice in this deck (first at line 4)"],
        ),
        (
            "id: Bad_Deck\ntitle: D\ncards:\n  - {id: price--high, prompt: p, answer: x}\n",
            [
                "1:5: deck id 'Bad_Deck' is not a slug: use lowercase letters and digits in words joined by single hyphens (price-too-high)",
                "4:10: card 1: id 'price--high' is not a slug: use lowercase letters and digits in words joined by single hyphens (price-too-high)",
            ],
        ),
        (
            "id: d\ntitle: D\ncards:\n  - {id: a, prompt: p, answer: x, tags: [ok, 'Not OK', 'a:b:c', ok]}\n",
            [
                "4:46: card 'a': tag 'Not OK' must be a slug (pricing) or namespace:value (competitor:acme), lowercase words joined by hyphens",
                "4:56: card 'a': tag 'a:b:c' must be a slug (pricing) or namespace:value (competitor:acme), lowercase words joined by hyphens",
                "4:65: card 'a': tag 'ok' is listed twice",
            ],
        ),
        (
            "id: d\ntitle: D\ncards:\n  - {id: a, prompt: p, answer: x, type: rebuttal}\n",
            ["4:41: card 'a': type 'rebuttal' is not one of: objection, messaging, fact, scenario"],
        ),
        (
            "id: d\ntitle: D\nmastery: {min_interval_days: 0, new_per_day: many}\ncards:\n  - {id: a, prompt: p, answer: x}\n",
            [
                "3:30: mastery.min_interval_days must be between 1 and 3650, not 0",
                "3:46: mastery.new_per_day must be a whole number, not the text 'many'",
            ],
        ),
        (
            "id: d\ntitle: D\ncards:\n  - id: a\n    prompt: !!python/object/apply:os.system [echo hi]\n    answer: x\n",
            [
                "5:13: card 'a': prompt: YAML tag !!python/object/apply:os.system is not allowed: files hold plain data only"
            ],
        ),
        (
            "id: d\ntitle: D\ncards:\n  - {id: a, prompt: p, answer: x, key_points: [ok, [], {x: y}]}\n",
            [
                "4:52: card 'a': key_points: a list of alternatives must not be empty",
                "4:56: card 'a': key_points: a point must be text or a list of alternatives",
            ],
        ),
        ("- just\n- a list\n", ["1:1: deck must be a mapping of keys to values, not a list"]),
        ("", ["1:1: file is empty; a deck needs id, title and cards"]),
    ],
)
def test_problems_are_located_at_the_offending_node(text: str, expected: list[str]) -> None:
    assert problems_of(text) == expected


def test_syntax_errors_point_at_the_error() -> None:
    found = problems_of(
        "id: d\ntitle: D\ncards:\n  - id: a\n    prompt: [unclosed\n    answer: x\n"
    )
    assert len(found) == 1
    line = int(found[0].split(":")[0])
    assert line >= 5 and "YAML syntax" in found[0]


def test_two_documents_are_rejected() -> None:
    found = problems_of("id: d\n---\nid: e\n")
    assert "YAML syntax" in found[0] and found[0].startswith("2:")


def test_invalid_utf8_is_a_problem_not_a_crash() -> None:
    deck, problems = parse_deck("x.yaml", b"id: d\ntitle: \xff\xfe\n")
    assert deck is None and "UTF-8" in problems[0].message


def test_every_problem_in_a_file_is_reported() -> None:
    text = "id: d\ntitle: D\ncards:\n" + "".join(
        f"  - {{id: c{i}, prompt: p, answer: yes}}\n" for i in range(5)
    )
    assert len(problems_of(text)) == 5


def test_anchors_aliases_and_merge_keys_work() -> None:
    deck, problems = parse(
        """\
        id: d
        title: D
        x-defaults: &defaults
          type: objection
          tags: [price, persona:cfo]
        cards:
          - <<: *defaults
            id: a
            prompt: p
            answer: &shared Shared answer.
          - <<: *defaults
            id: b
            type: fact
            prompt: q
            answer: *shared
        """
    )
    assert problems == []
    a, b = deck.cards  # type: ignore[attr-defined]
    assert (a.type, a.tags, b.type, b.answer) == (
        "objection",
        ("price", "persona:cfo"),
        "fact",
        "Shared answer.",
    )


def test_alias_bomb_is_rejected_quickly() -> None:
    lines = ["id: d", "title: D", "x-a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        previous = chr(ord("a") + level - 1)
        name = chr(ord("a") + level)
        lines.append(f"x-{name}: &{name} [{', '.join(['*' + previous] * 10)}]")
    lines.append("cards:")
    lines.append("  - {id: c, prompt: p, answer: x, key_points: *i}")
    started = time.perf_counter()
    deck, problems = parse_deck("bomb.yaml", "\n".join(lines).encode())
    elapsed = time.perf_counter() - started
    assert deck is None
    assert elapsed < 5
    assert problems and all(isinstance(p, Problem) for p in problems)


def test_alias_bomb_through_cards_is_bounded() -> None:
    card = "{id: c, prompt: p, answer: " + "x" * 5000 + "}"
    lines = ["id: d", "title: D", f"x-c: &c {card}", "x-l: &l [" + ", ".join(["*c"] * 100) + "]"]
    lines.append("x-m: &m [" + ", ".join(["*l"] * 100) + "]")
    lines.append("cards: *m")
    deck, problems = parse_deck("bomb.yaml", "\n".join(lines).encode())
    assert deck is None
    assert len(problems) <= 200


def test_recursive_alias_is_rejected() -> None:
    deck, problems = parse_deck("r.yaml", b"id: d\ntitle: D\ncards: &c\n  - *c\n")
    assert deck is None and problems


def test_oversized_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    result = validate([path])
    assert not result.valid
    assert "limited to 32 MiB" in result.problems[0].message


def test_directories_are_walked_without_rosters_or_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".git").mkdir()
    for name in ["a.yaml", "sub/b.yml", "teams.yaml", ".hidden.yaml", ".git/c.yaml", "notes.txt"]:
        (tmp_path / name).write_text("x: 1\n")
    found = [Path(p).relative_to(tmp_path).as_posix() for p in find_deck_files([tmp_path])]
    assert found == ["a.yaml", "sub/b.yml"]


def test_same_deck_id_in_two_files(tmp_path: Path) -> None:
    for name in ("one.yaml", "two.yaml"):
        (tmp_path / name).write_text(
            "id: same\ntitle: T\ncards:\n  - {id: a, prompt: p, answer: x}\n"
        )
    result = validate([tmp_path])
    assert [str(p) for p in result.problems] == [
        f"{tmp_path / 'two.yaml'}:1:5: deck id 'same' is also used by {tmp_path / 'one.yaml'}:1; each deck needs its own id"
    ]


def test_shipped_decks_are_valid_and_substantial() -> None:
    result = validate([DECKS])
    assert result.valid, result.problems
    assert len(result.decks) >= 2
    assert all(len(deck.cards) >= 25 for deck in result.decks)
    assert all(card.key_points for deck in result.decks for card in deck.cards)


def test_json_schema_accepts_the_shipped_decks() -> None:
    schema = deckformat.json_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    for path in sorted(DECKS.glob("*.yaml")):
        if path.name == "teams.yaml":
            continue
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)


@pytest.mark.parametrize(
    "mutation",
    [
        lambda d: d["cards"][0].update(anwser="typo"),
        lambda d: d["cards"][0].update(tags=["Bad Tag"]),
        lambda d: d["cards"][0].pop("prompt"),
        lambda d: d.update(id="Not A Slug"),
        lambda d: d.update(cards=[]),
    ],
)
def test_json_schema_rejects_what_the_validator_rejects(mutation: object) -> None:
    data = yaml.safe_load((DECKS / "objection-handling.yaml").read_text())
    mutation(data)  # type: ignore[operator]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, deckformat.json_schema())


def test_schema_and_validator_know_the_same_keys() -> None:
    schema = deckformat.json_schema()
    assert set(schema["properties"]) == set(deckformat.names(deckformat.DECK_FIELDS))
    assert set(schema["definitions"]["card"]["properties"]) == set(
        deckformat.names(deckformat.CARD_FIELDS)
    )


yaml_ish = st.text(
    alphabet=st.sampled_from(list("abc:-[]{}&*!|>'\"\n #%@`,?0123 \t")), max_size=300
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(yaml_ish)
def test_no_input_raises_anything_but_problems(text: str) -> None:
    deck, problems = parse_deck("fuzz.yaml", text.encode())
    assert (deck is None) == bool(problems)
    assert all(isinstance(p, Problem) and p.line >= 1 and p.column >= 1 for p in problems)


def test_bytes_past_the_last_code_point_are_a_problem() -> None:
    """UTF-8 for U+110000, which PyYAML decodes and then refuses: a located problem."""
    deck, problems = parse_deck("fuzz.yaml", b"\xf4\x90\x80\x80")
    assert deck is None
    assert [(p.line, p.column) for p in problems] == [(1, 1)]
    assert "outside Unicode" in problems[0].message


@settings(max_examples=200)
@given(st.binary(max_size=200))
def test_no_bytes_raise_anything_but_problems(data: bytes) -> None:
    deck, problems = parse_deck("fuzz.yaml", data)
    assert (deck is None) == bool(problems)
    assert all(isinstance(p, Problem) and p.line >= 1 and p.column >= 1 for p in problems)


# YAML itself folds the other Unicode line breaks (NEL, LS, PS, CR) into "\n" or " ".
# Control and invisible characters are refused in deck text (repdrill._text).
card_text = st.characters(
    blacklist_categories=("Cs",), blacklist_characters="\r\x85\u2028\u2029"
).filter(lambda c: not unsafe_characters(c))


@settings(max_examples=100)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "id": st.from_regex(deckformat.SLUG, fullmatch=True),
                "prompt": st.text(card_text, min_size=1),
                "answer": st.text(card_text, min_size=1),
            }
        ),
        min_size=1,
        max_size=5,
        unique_by=lambda c: c["id"],
    )
)
def test_round_trip_of_generated_decks(cards: list[dict[str, str]]) -> None:
    text = yaml.safe_dump({"id": "gen", "title": "Generated", "cards": cards}, allow_unicode=True)
    deck, problems = parse_deck("gen.yaml", text.encode())
    if all(c["prompt"].strip() and c["answer"].strip() for c in cards):
        assert problems == []
        assert [c.id for c in deck.cards] == [c["id"] for c in cards]  # type: ignore[union-attr]
        assert [c.answer for c in deck.cards] == [c["answer"].strip() for c in cards]  # type: ignore[union-attr]
    else:
        assert problems and all("must not be empty" in p.message for p in problems)


def test_schema_command_prints_the_schema(
    plain_cli: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # outside any deck repository: no taxonomy
    result = plain_cli("schema")  # type: ignore[operator]
    assert result.exit_code == 0
    assert json.loads(result.stdout) == deckformat.json_schema()
