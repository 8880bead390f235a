"""Grading typed answers: matching, negation, red flags, the grade table, the labelled set."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import DECKS, ROOT, Cli, card_yaml
from repdrill.grading import (
    grade_text,
    match_point,
    normalise,
    suggest_grade,
    words_match,
    words_of,
)

sys.path.insert(0, str(ROOT / "bench"))
from grading import evaluate

POINTS = (
    ("total cost of ownership", "TCO"),
    ("cost per invoice",),
    ("SOC 2 Type II",),
    ("secure",),
)
FLAGS = (("we are the cheapest", "cheapest option"), ("discount",))


def hit(point: tuple[str, ...], answer: str) -> bool:
    return match_point(point, words_of(answer)).hit


def test_normalisation() -> None:
    assert normalise("Comparing the TOTAL cost, isn't it? $2.80 / 18k ﬁnance") == [
        "compar",
        "the",
        "total",
        "cost",
        "is",
        "not",
        "it",
        "280",
        "18000",
        "financ",
    ]
    assert normalise("six wks, 15 mins") == ["6", "week", "15", "minut"]


@pytest.mark.parametrize(
    ("expected", "said", "match"),
    [
        ("invoic", "invoic", True),
        ("invoic", "invoce", True),  # a typo
        ("ownership", "ownrship", True),
        ("secur", "security", True),  # prefix
        ("sign", "signatur", False),  # too short a prefix
        ("what", "whatever", False),
        ("soc", "sock", False),  # short words must be equal
        ("cost", "post", False),
    ],
)
def test_word_matching(expected: str, said: str, match: bool) -> None:
    assert words_match(expected, said) is match


def test_points_match_with_alternatives_typos_and_order() -> None:
    assert hit(POINTS[0], "we'd look at TCO over three years")
    assert hit(POINTS[0], "the totl cost of ownrship is what matters")
    assert hit(POINTS[1], "what each invoice costs: cost per invoce drops")
    assert not hit(
        POINTS[1], "cost is high, all of it manual and slow and painful for the team, every invoice"
    )


@pytest.mark.parametrize(
    "answer",
    [
        "it is not secure",
        "honestly we're not SOC 2 Type II certified yet",
        "I wouldn't say it's secure",
        "we never talk about total cost of ownership",
    ],
)
def test_negation_is_not_a_hit(answer: str) -> None:
    results = [match_point(p, words_of(answer)) for p in POINTS]
    assert not any(r.hit for r in results)
    assert any(r.negated for r in results)


def test_set_phrases_are_not_negations() -> None:
    assert hit(POINTS[3], "no problem, it is secure")


def test_red_flags_cap_the_grade_and_can_be_negated() -> None:
    full = "TCO, cost per invoice, SOC 2 Type II, secure"
    assert grade_text(POINTS, FLAGS, full).suggested_grade == 5  # type: ignore[union-attr]
    flagged = grade_text(POINTS, FLAGS, full + " and we are the cheapest option")
    assert flagged is not None and flagged.suggested_grade == 2
    assert flagged.red_flags_hit == ("we are the cheapest / cheapest option (said: cheapest)",)
    negated = grade_text(POINTS, FLAGS, full + ", we are not the cheapest")
    assert negated is not None and negated.suggested_grade == 5


@pytest.mark.parametrize(
    ("hits", "points", "flag", "grade"),
    [
        (4, 4, False, 5),
        (3, 4, False, 4),
        (2, 3, False, 4),
        (2, 4, False, 3),
        (1, 3, False, 2),
        (1, 4, False, 2),
        (0, 4, False, 1),
        (4, 4, True, 2),
        (0, 4, True, 1),
    ],
)
def test_grade_table(hits: int, points: int, flag: bool, grade: int) -> None:
    assert suggest_grade(hits, points, flag) == grade


def test_nothing_to_grade() -> None:
    assert grade_text(POINTS, FLAGS, "  ...  ") is None
    assert grade_text((), FLAGS, "anything") is None


@given(st.text(max_size=300))
def test_grading_is_deterministic_and_in_range(answer: str) -> None:
    first = grade_text(POINTS, FLAGS, answer)
    assert first == grade_text(POINTS, FLAGS, answer)
    if first is not None:
        assert 1 <= first.suggested_grade <= 5
        assert len(first.points_hit) == len(POINTS)


@given(st.text(max_size=120), st.sampled_from(["TCO", "cost per invoice", "SOC 2 Type II"]))
def test_adding_a_key_point_never_lowers_the_grade(answer: str, extra: str) -> None:
    before = grade_text(POINTS, (), answer)
    after = grade_text(POINTS, (), answer + ". " + extra)
    assert after is not None
    assert before is None or after.suggested_grade >= before.suggested_grade


def test_every_model_answer_earns_a_five() -> None:
    from repdrill.decks.validate import validate

    for deck in validate([DECKS]).decks:
        for card in deck.cards:
            grading = grade_text(card.key_points, card.red_flags, card.answer)
            assert grading is not None and grading.suggested_grade == 5, f"{deck.id}/{card.id}"


def test_labelled_answers_agree_with_the_coach() -> None:
    outcomes = evaluate(ROOT / "tests" / "data" / "labelled_answers.yaml", DECKS)
    assert len(outcomes) >= 60
    kinds = {o.kind for o in outcomes}
    assert {"right", "partial", "wrong", "off-topic", "negated", "typos"} <= kinds
    within = sum(abs(o.coach - o.suggested) <= 1 for o in outcomes) / len(outcomes)
    assert within >= 0.85
    # The grader may be strict, but it must never praise what a coach would fail.
    assert not [o for o in outcomes if o.suggested - o.coach > 1 and o.coach <= 2]


# -- through the command line -------------------------------------------------------


def test_grade_command_records_nothing(cli: Cli) -> None:
    cli("load", str(DECKS))
    result = cli(
        "grade",
        "price-too-high",
        "--answer",
        "compare like for like, TCO, cost per invoice",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["suggested_grade"] == 3 and data["coverage"] == 0.6
    assert [p["hit"] for p in data["point_results"]] == [True, True, True, False, False]
    assert data["point_results"][1]["matched"] == "tco"
    human = cli("grade", "price-too-high", "-a", "we're the cheapest option, no question")
    assert "red flag" in human.stdout and "suggested grade 1" in human.stdout
    assert json.loads(cli("card", "show", "price-too-high", "--json").stdout)["history"] == []


def test_grade_command_needs_key_points(cli: Cli, write_deck: Callable[..., Path]) -> None:
    cli("load", str(write_deck("plain", [card_yaml("a")])))
    result = cli("grade", "plain/a", "--answer", "x")
    assert result.exit_code == 1 and "no key_points" in result.stderr


def test_drill_suggests_a_grade_and_logs_both(cli: Cli) -> None:
    cli("load", str(DECKS))
    answer = "what does the Acme quote include? total cost of ownership, cost per invoice"
    result = cli("drill", "--limit", "1", input=f"{answer}\n\n\n4\n")
    assert "Suggested grade: 3" in result.stdout
    history = json.loads(cli("card", "show", "price-too-high", "--json").stdout)["history"]
    assert [(h["grade"], h["suggested_grade"]) for h in history] == [(3, 3), (4, None)]
