"""The tag taxonomy (repdrill.yaml): found at the deck repository's root, checked by validate,
carried into the JSON Schema."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import DECKS, ROOT, Cli
from repdrill.decks import format as deckformat
from repdrill.decks.taxonomy import find_taxonomy, parse_taxonomy, read_taxonomy

TAXONOMY = """\
tags:
  competitor: [acme, billbot]
  persona: [cfo, controller]
required_tags:
  objection: [persona]
"""

DECK = """\
id: pricing
title: Pricing
cards:
  - id: too-high
    type: objection
    tags: [price, competitor:acmee, persona:cfo]
    prompt: Too high?
    answer: Compare like for like.
  - id: no-persona
    type: objection
    tags: [price]
    prompt: Why you?
    answer: Because.
  - id: plain
    type: fact
    prompt: Uptime?
    answer: 99.9%.
  - id: unknown-namespace
    tags: [persona:cfo, competitr:acme]
    prompt: P?
    answer: A.
"""


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A git checkout with repdrill.yaml at its root and a deck below it."""
    root = tmp_path / "enablement"
    (root / "decks").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "repdrill.yaml").write_text(TAXONOMY)
    (root / "decks" / "pricing.yaml").write_text(DECK)
    return root


def test_unknown_tags_and_missing_namespaces_are_located_with_a_suggestion(
    plain_cli: Cli, repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repository)
    result = plain_cli("validate", "decks")
    assert result.exit_code == 1
    errors = [line for line in result.stdout.splitlines() if ": warning: " not in line]
    assert errors == [
        "decks/pricing.yaml:6:19: card 'too-high': tag 'competitor:acmee' is not in "
        "repdrill.yaml; did you mean 'competitor:acme'?",
        "decks/pricing.yaml:11:11: card 'no-persona': a card of type objection needs a "
        "'persona:' tag (repdrill.yaml requires it), for example persona:cfo",
        "decks/pricing.yaml:19:25: card 'unknown-namespace': tag 'competitr:acme': namespace "
        "'competitr' is not in repdrill.yaml; did you mean 'competitor'?",
    ]
    assert "3 problems in 1 of 2 files" in result.stderr


def test_the_taxonomy_is_found_from_the_deck_not_from_the_working_directory(
    plain_cli: Cli, repository: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = plain_cli("validate", str(repository / "decks"), "--format", "json")
    report = json.loads(result.stdout)
    assert report["taxonomies"] == [str(repository / "repdrill.yaml")]
    assert len(report["problems"]) == 3
    # A deck outside the repository falls under no taxonomy.
    loose = elsewhere / "loose.yaml"
    loose.write_text(DECK)
    assert plain_cli("validate", str(loose)).exit_code == 0
    assert find_taxonomy(repository / "decks") == repository / "repdrill.yaml"
    assert find_taxonomy(elsewhere) is None


def test_load_ignores_the_taxonomy_and_walks_skip_it(
    plain_cli: Cli, repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The taxonomy is for authors and CI; a rep's load does not fail on it."""
    monkeypatch.chdir(repository)
    (repository / "decks" / "repdrill.yaml").write_text(TAXONOMY)
    loaded = plain_cli("load", ".")
    assert loaded.exit_code == 0, loaded.output
    assert "Loaded 1 deck" in loaded.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "tags:\n  persona: [cfo, cfo]\n",
            "2:18: tags: namespace 'persona': value 'cfo' is listed twice",
        ),
        ("tags:\n  Persona: [cfo]\n", "2:3: tags: namespace 'Persona' must be a slug"),
        (
            "tags:\n  persona: [CFO]\n",
            "2:13: tags: namespace 'persona': value 'CFO' must be a slug",
        ),
        ("tags:\n  persona: []\n", "2:12: tags: namespace 'persona' must list at least one value"),
        ("tag:\n  persona: [cfo]\n", "1:1: taxonomy: unknown key 'tag'; did you mean 'tags'?"),
        (
            "tags:\n  persona: [cfo]\nrequired_tags:\n  objections: [persona]\n",
            "4:3: required_tags: unknown key 'objections'; did you mean 'objection'?",
        ),
        (
            "tags:\n  persona: [cfo]\nrequired_tags:\n  objection: [personas]\n",
            "4:15: required_tags: objection: namespace 'personas' is not declared under tags; "
            "did you mean 'persona'?",
        ),
        (
            "tags:\n  persona: [no]\n",
            "2:13: tags: namespace 'persona': value: YAML reads 'no' as a boolean",
        ),
    ],
)
def test_a_bad_taxonomy_is_located(text: str, message: str) -> None:
    taxonomy, problems = parse_taxonomy("repdrill.yaml", text.encode())
    assert taxonomy is None
    assert any(str(p).startswith(f"repdrill.yaml:{message}") for p in problems), problems


def test_validate_reports_a_bad_taxonomy(
    plain_cli: Cli, repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repository)
    (repository / "repdrill.yaml").write_text("tags:\n  persona: [cfo, cfo]\n")
    result = plain_cli("validate", "decks", "repdrill.yaml")
    assert result.exit_code == 1
    assert "repdrill.yaml:2:18: tags: namespace 'persona': value 'cfo' is listed twice" in (
        result.stdout
    )


def test_the_schema_carries_the_allowed_tags(
    plain_cli: Cli, repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repository / "decks")
    result = plain_cli("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft7Validator.check_schema(schema)
    items = schema["definitions"]["card"]["properties"]["tags"]["items"]
    assert items["anyOf"][0]["enum"] == [
        "competitor:acme",
        "competitor:billbot",
        "persona:cfo",
        "persona:controller",
    ]
    deck = yaml.safe_load(DECK)
    valid = {**deck, "cards": [deck["cards"][2], {**deck["cards"][0], "tags": ["persona:cfo"]}]}
    jsonschema.validate(valid, schema)
    for wrong in (
        {**deck, "cards": [deck["cards"][0]]},  # competitor:acmee
        {**deck, "cards": [deck["cards"][1]]},  # an objection without persona:
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(wrong, schema)
    # Without a taxonomy: any tag of the right shape.
    monkeypatch.chdir(repository.parent)
    assert json.loads(plain_cli("schema").stdout) == deckformat.json_schema()


def test_a_broken_taxonomy_fails_the_schema_command(
    plain_cli: Cli, repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repository)
    (repository / "repdrill.yaml").write_text("tags: [a]\n")
    result = plain_cli("schema")
    assert result.exit_code == 1
    assert "repdrill.yaml:1:7: tags must be a mapping" in result.stderr


def test_the_shipped_taxonomy_covers_the_shipped_decks() -> None:
    taxonomy = read_taxonomy(ROOT / "repdrill.yaml")
    from repdrill.decks.parse import parse_decks

    decks, problems, _ = parse_decks([DECKS])
    assert not problems
    assert [p for deck in decks for p in taxonomy.check(deck)] == []
