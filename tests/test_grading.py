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
    grade_choice,
    grade_text,
    match_point,
    normalise,
    suggest_grade,
    wanted_words,
    words_match,
    words_of,
)

sys.path.insert(0, str(ROOT / "bench"))
from grading import Agreement, evaluate

#: Measured on the labelled set with the shipped decks; see docs/grading.md.
WITHIN_ONE_FLOOR = 0.84
EXACT_FLOOR = 0.52
RIGHT_TOO_LOW_CEILING = 0.31

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
    assert flagged.red_flags_hit == (
        "we are the cheapest | cheapest option (said: we are the cheapest)",
    )
    negated = grade_text(POINTS, FLAGS, full + ", we are not the cheapest")
    assert negated is not None and negated.suggested_grade == 5


@pytest.mark.parametrize(
    ("hits", "points", "flag", "grade"),
    [
        (4, 4, False, 5),
        (3, 4, False, 4),
        (3, 5, False, 4),
        (2, 3, False, 4),
        (2, 4, False, 3),
        (2, 5, False, 3),
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
        assert 0 <= first.suggested_grade <= 5
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


def test_labelled_answers_agree_with_the_coaches() -> None:
    """Floors measured on the whole labelled set (334 answers), a little below the latest run."""
    outcomes = evaluate(ROOT / "tests" / "data" / "labelled_answers.yaml", DECKS)
    assert len(outcomes) >= 334
    kinds = {o.kind for o in outcomes}
    assert {"right", "paraphrase", "clause-negation", "german", "red-flag"} <= kinds
    figures = Agreement.of(outcomes)
    assert figures.within_one >= WITHIN_ONE_FLOOR
    assert figures.exact >= EXACT_FLOOR
    assert figures.right_too_low <= RIGHT_TOO_LOW_CEILING
    assert figures.too_high <= 0.01
    # The grader may be strict, but it must never praise what a coach would fail.
    assert not [o for o in outcomes if o.suggested - o.coach > 1 and o.coach <= 1]


# -- the misreadings the labelled set showed -------------------------------------------


def grade(
    points: tuple[tuple[str, ...], ...], answer: str, flags: tuple[tuple[str, ...], ...] = ()
):  # type: ignore[no-untyped-def]
    result = grade_text(points, flags, answer)
    assert result is not None
    return result


def test_a_negation_stays_in_its_sentence() -> None:
    points = (("no PO, no pay",), ("over 90%", "PO compliance"))
    result = grade(points, "No PO, no pay. Over 90% compliance.")
    assert result.points_hit == (True, True)


def test_a_negation_stops_at_a_new_subject() -> None:
    points = (("sit on top of the ERP",), ("replace the ERP",))
    result = grade(points, "We don't replace the ERP, we sit on top of it")
    assert result.points_hit == (True, False)
    assert result.points[1].negated


@pytest.mark.parametrize("boundary", ["; ", " but ", ". ", ", we "])
def test_a_negation_does_not_reach_past_a_clause_boundary(boundary: str) -> None:
    answer = f"we don't lead with a discount{boundary}the total cost of ownership wins it"
    assert hit(POINTS[0], answer)


def test_a_negated_clause_still_cancels_its_own_words() -> None:
    assert not hit(POINTS[1], "I wouldn't bring up cost per invoice at all")
    assert not hit(POINTS[0], "I wouldn't talk about the price or total cost of ownership")


def test_a_negated_point_needs_the_negation() -> None:
    point = (("vendors don't have to change",),)
    assert grade(point, "vendors do not have to change anything").points_hit == (True,)
    assert grade(point, "vendors have to change their process").points_hit == (False,)


def test_w_slash_o_is_without() -> None:
    assert normalise("w/o a discount, w/ TCO") == ["without", "a", "discount", "with", "tco"]
    result = grade(POINTS, "hold the price w/o discounting: TCO", FLAGS)
    assert not any(f.hit for f in result.red_flags)


@pytest.mark.parametrize("said", ["soc2", "SOC 2", "Soc-2", "SOC two"])
def test_letters_and_digits_join_both_ways(said: str) -> None:
    assert hit(("SOC 2",), f"we have {said}")
    assert hit(("SOC2",), f"we have {said}")
    assert hit(("SOC 2 Type II",), f"{said} type 2 audited")


def test_a_maintained_stemmer_reads_inflections_alike() -> None:
    assert normalise("duties") == normalise("dutys")
    assert hit(("segregation of duties",), "segregation of dutys")


def test_a_leading_instruction_verb_is_not_required() -> None:
    point = (("ask which teams stopped and why",),)
    assert grade(point, "Which teams stopped using it, and why?").points_hit == (True,)
    assert wanted_words("offer to build the comparison").instruction == "offer"


def test_alternatives_are_shown_apart_from_a_slash() -> None:
    result = grade((("thank them / acknowledge",), ("TCO", "total cost")), "thank them, TCO")
    assert [p.label for p in result.points] == ["thank them / acknowledge", "TCO | total cost"]
    # A slash inside one wording is not an alternative: both words are needed.
    assert result.points_hit == (False, True)


def test_german_negations_cancel_a_german_red_flag() -> None:
    points = (("Gesamtkosten",),)
    flags = (("Rabatt",),)
    said = grade_text(points, flags, "Die Gesamtkosten zählen, ohne Rabatt.", language="de")
    assert said is not None and not any(f.hit for f in said.red_flags)
    said = grade_text(
        points, flags, "Wir geben keinen Rabatt, die Gesamtkosten zählen.", language="de"
    )
    assert said is not None and not any(f.hit for f in said.red_flags)
    offered = grade_text(points, flags, "Gesamtkosten, und 10 % Rabatt dazu.", language="de")
    assert offered is not None and offered.red_flags[0].hit


@pytest.mark.parametrize(
    ("language", "answer", "negated"),
    [
        ("fr", "Nous ne proposons pas de remise", True),
        ("fr", "Une remise de 10 %", False),
        ("es", "Sin descuento, nunca", True),
        ("es", "Un descuento del 10 %", False),
    ],
)
def test_french_and_spanish_negations(language: str, answer: str, negated: bool) -> None:
    flag = ("remise",) if language == "fr" else ("descuento",)
    said = grade_text((("x",),), (flag,), answer, language=language)
    assert said is not None and said.red_flags[0].hit is not negated


def test_numbers_as_reps_write_them() -> None:
    assert normalise("eighty-two percent") == normalise("82%")
    assert normalise("1.2k") == ["1200"]
    assert hit(("1.5% cash back",), "1.5% cashback on every card")


def test_an_off_topic_answer_suggests_zero() -> None:
    result = grade_text(POINTS, FLAGS, "The weather is lovely in Lisbon this week", context="price")
    assert result is not None and result.suggested_grade == 0
    near = grade_text(POINTS, FLAGS, "the price is what it is", context="The price is high")
    assert near is not None and near.suggested_grade == 1


# -- multiple choice ---------------------------------------------------------------


def test_choice_grades() -> None:
    choices = ("Starter", "Growth", "Enterprise")
    right = grade_choice(choices, 1, 1)
    assert right is not None and right.suggested_grade == 5 and right.picked_text == "Growth"
    retry = grade_choice(choices, 1, 1, second_try=True)
    assert retry is not None and retry.suggested_grade == 4
    wrong = grade_choice(choices, 1, 2)
    assert wrong is not None and wrong.suggested_grade == 1 and wrong.right is False
    assert grade_choice(choices, 1, None) is None


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
    assert data["suggested_grade"] == 4 and data["coverage"] == 0.6
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
    assert "Suggested grade: 4" in result.stdout, result.output
    history = json.loads(cli("card", "show", "price-too-high", "--json").stdout)["history"]
    assert [(h["grade"], h["suggested_grade"]) for h in history] == [(4, 4)]
