"""Multiple-choice cards: the deck keys, the per-rep stable order, the drill, grade and review."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import repdrill
from conftest import TODAY, Cli
from repdrill.choices import lettered, order, pick
from repdrill.decks.parse import parse_deck
from scripted import UNDO, ScriptedIO

PLANS = """\
id: plans
title: Plans
cards:
  - id: sso-plan
    type: fact
    prompt: Which plan is the first to include SSO?
    answer: Growth. Starter has no SSO; Enterprise adds SCIM on top.
    choices:
      - Starter
      - text: Growth
        why: SSO comes with Growth and every plan above it.
      - text: Enterprise
        why: Enterprise adds SCIM provisioning; SSO starts at Growth.
      - Free
    correct: Growth
"""


@pytest.fixture
def plans(write_deck: Callable[..., Path]) -> Path:
    return write_deck("plans", raw=PLANS)


def letter_of(rd: repdrill.Repdrill, text: str) -> str:
    card = rd.card("sso-plan").card
    return next(letter for letter, i in lettered(card, rd.user) if card.choices[i] == text)


def test_the_deck_keys_parse() -> None:
    deck, problems = parse_deck("plans.yaml", PLANS.encode())
    assert not problems and deck is not None
    card = deck.cards[0]
    assert card.choices == ("Starter", "Growth", "Enterprise", "Free")
    assert card.correct == 1
    assert card.why[1] == "SSO comes with Growth and every plan above it."


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("    correct: Growth\n", "    correct: Pro\n"),
        ("    correct: Growth\n", "    correct: 9\n"),
        ("      - Free\n", "      - Free\n      - A\n      - B\n      - C\n"),
        ("    correct: Growth\n", ""),
        ("    correct: Growth\n", "    correct: Growth\n    key_points: [Growth]\n"),
        ("      - Free\n", "      - starter\n"),
    ],
)
def test_bad_choices_are_errors(change: str, message: str) -> None:
    _deck, problems = parse_deck("plans.yaml", PLANS.replace(change, message).encode())
    assert problems, message
    text = str(problems[0])
    assert text.startswith("plans.yaml:")
    if "Pro" in message:
        assert "correct 'Pro' is not among the choices" in text


def test_the_order_is_shuffled_per_rep_and_stable(rd: repdrill.Repdrill, plans: Path) -> None:
    rd.load([plans])
    card = rd.card("sso-plan").card
    orders = {order(card, rep) for rep in ("ana", "ben", "carla", "dev", "erin", "femi")}
    assert len(orders) > 1
    assert order(card, "ana") == order(card, "ana")
    assert sorted(order(card, "ana")) == [0, 1, 2, 3]
    assert pick(card, "ana", letter_of(rd, "Growth").upper() + ")") == 1
    assert pick(card, "ana", "growth") == 1
    assert pick(card, "ana", "z") is None


def test_the_drill_suggests_5_right_1_wrong_4_on_a_second_try(
    rd: repdrill.Repdrill, plans: Path
) -> None:
    rd.load([plans])
    wrong, right = letter_of(rd, "Starter"), letter_of(rd, "Growth")
    # Wrong, graded 1; the re-drill answered right; that grade undone and answered again.
    io = ScriptedIO([wrong, 1, right, UNDO, right, 4])
    rd.drill(io)
    suggested = [g.suggested_grade if g else None for g in io.gradings]
    assert suggested == [1, 4, 4]
    history = rd.card("sso-plan").history
    # The log keeps the choice picked, by its text, whatever letter the rep saw.
    graded = [(h.answer, h.grade, h.suggested_grade, h.undone) for h in history if h.grade]
    assert ("Starter", 1, 1, True) in graded and ("Growth", 4, 4, False) in graded


def test_a_first_right_answer_suggests_5(rd: repdrill.Repdrill, plans: Path) -> None:
    rd.load([plans])
    io = ScriptedIO([letter_of(rd, "Growth"), 5])
    rd.drill(io)
    assert io.gradings[0] is not None and io.gradings[0].suggested_grade == 5


def test_grade_and_review_take_a_letter(cli: Cli, plans: Path) -> None:
    cli("load", str(plans))
    with repdrill.open(cli.env["REPDRILL_DB"], user="ana", today=TODAY) as rd:
        right = letter_of(rd, "Growth")
    data = json.loads(cli("grade", "sso-plan", "--answer", right, "--json").stdout)
    assert data["suggested_grade"] == 5 and data["picked_choice"] == "Growth"
    assert data["right_choice"] is True
    bad = cli("grade", "sso-plan", "--answer", "z")
    assert bad.exit_code == 1 and "names no choice" in bad.stderr
    cli("review", "sso-plan", "--grade", "4", "--answer", right)
    shown = json.loads(cli("card", "show", "sso-plan", "--json").stdout)
    assert shown["history"][0]["typed_answer"] == "Growth"
    assert [c["correct"] for c in shown["choices"]] == [False, True, False, False]


def test_the_terminal_shows_lettered_choices(cli: Cli, plans: Path) -> None:
    cli("load", str(plans))
    result = cli("drill", input="b\n\n")
    assert "a) " in result.stdout and "d) " in result.stdout
    assert "Your choice (a-d" in result.stdout


def test_deck_health_shows_wrong_choices_and_overrides(cli: Cli, plans: Path) -> None:
    cli("load", str(plans))
    for rep, answer, grade in (
        ("ana", "Starter", 1),
        ("ben", "Starter", 3),
        ("carla", "Growth", 5),
    ):
        assert (
            cli(
                "--user", rep, "review", "sso-plan", "--grade", str(grade), "--answer", answer
            ).exit_code
            == 0
        )
    data = json.loads(cli("deck", "health", "--deck", "plans", "--json").stdout)[0]
    assert data["wrong_choices"] == [
        {
            "card": "sso-plan",
            "choice": "Starter",
            "rep_count": 2,
            "answering_rep_count": 3,
            "rep_percent": 66.7,
        }
    ]
    assert data["overrides"] == [
        {
            "card": "sso-plan",
            "suggested_reviews": 3,
            "overridden_reviews": 1,
            "override_percent": 33.3,
            "mean_override": 2.0,
        }
    ]
    assert (
        "Wrong choice: sso-plan 'Starter' picked by 2 of 3 reps"
        in cli("deck", "health", "--deck", "plans").stdout
    )
