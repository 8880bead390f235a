"""Warnings about key points the grader will misread (repdrill.decks.lint), via validate."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import DECKS, Cli

CARD = """\
  - id: sso-plan
    type: objection
    prompt: Which plan includes SSO?
    answer: Ask which teams stopped and why, then thank them.
    key_points:
      - thank them / acknowledge
      - ask which teams stopped and why
      - [cost per invoice, price per invoice]
      - [invoice cost per month]
      - reconcile vendors POs receipts bills payments every fifteen minutes
"""


@pytest.fixture
def lint_deck(write_deck: Callable[..., Path]) -> Path:
    return write_deck("lint", raw="id: lint\ntitle: Lint\ncards:\n" + CARD)


def warnings_of(plain_cli: Cli, path: Path, *extra: str) -> list[str]:
    result = plain_cli("validate", *extra, str(path))
    return [line for line in result.stdout.splitlines() if ": warning: " in line]


def test_each_misreading_is_a_located_warning_with_its_fix(plain_cli: Cli, lint_deck: Path) -> None:
    lines = warnings_of(plain_cli, lint_deck)
    text = "\n".join(lines)
    assert (
        f"{lint_deck}:9:9: warning: card 'sso-plan': 'thank them / acknowledge' has a slash" in text
    )
    assert "list them: [thank them, acknowledge]" in text
    assert f"{lint_deck}:10:9:" in text and "starts with the instruction 'ask'" in text
    assert "write what the rep says: 'which teams stopped and why'" in text
    assert "an objection card without red_flags" in text
    assert "share the words" in text and "merge them" in text
    assert "content words; the grader looks for two thirds" in text
    assert "the model answer earns" in text


def test_warnings_pass_unless_strict(plain_cli: Cli, lint_deck: Path) -> None:
    relaxed = plain_cli("validate", str(lint_deck))
    assert relaxed.exit_code == 0 and "1 deck valid, " in relaxed.stderr
    strict = plain_cli("validate", "--strict", str(lint_deck))
    assert strict.exit_code == 1 and "errors with --strict" in strict.stderr
    data = json.loads(plain_cli("validate", "--strict", "--format", "json", str(lint_deck)).stdout)
    assert data["valid"] is False and data["strict"] is True
    assert data["warnings"][0]["message"].startswith("warning: card 'sso-plan'")


def test_github_annotates_warnings_as_warnings(plain_cli: Cli, lint_deck: Path) -> None:
    out = plain_cli("validate", "--format", "github", str(lint_deck)).stdout.splitlines()
    assert out and all(line.startswith("::warning file=") for line in out)


def test_a_card_without_key_points_can_never_be_graded(
    plain_cli: Cli, write_deck: Callable[..., Path]
) -> None:
    path = write_deck(
        "bare", raw="id: bare\ntitle: Bare\ncards:\n  - id: a\n    prompt: P?\n    answer: A.\n"
    )
    assert any("can never be graded" in line for line in warnings_of(plain_cli, path))


def test_a_deck_that_does_not_read_as_its_language(
    plain_cli: Cli, write_deck: Callable[..., Path]
) -> None:
    german = (
        "Der Kunde sagt, dass wir zu teuer sind und er keinen Rabatt bekommt. "
        "Wir fragen, was in dem Angebot ist, und wir zeigen die Kosten pro Rechnung. "
        "Das ist für die meisten Kunden ein gutes Argument, und es hat sich bewährt."
    )
    raw = (
        "id: preise\ntitle: Preise\ncards:\n  - id: a\n    prompt: Zu teuer?\n"
        f"    answer: {german}\n    key_points: [Kosten pro Rechnung]\n"
    )
    path = write_deck("preise", raw=raw)
    lines = warnings_of(plain_cli, path)
    assert any("says language en (English) but its cards read as German" in line for line in lines)
    assert any("set language: de" in line for line in lines)
    fixed = write_deck(
        "preise", raw=raw.replace("title: Preise\n", "title: Preise\nlanguage: de\n")
    )
    assert not any("language" in line for line in warnings_of(plain_cli, fixed))


def test_the_shipped_decks_have_only_the_red_flag_warnings(plain_cli: Cli) -> None:
    lines = warnings_of(plain_cli, DECKS)
    assert lines and all("without red_flags" in line for line in lines)
