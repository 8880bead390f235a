"""Recording one grade (repdrill.store.record) through ``review`` and ``undo``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import DECKS, TODAY, Cli, card_yaml, on
from repdrill import NotFound, Repdrill, RetiredCard, ReviewKind


def test_review_command_and_same_day_redrill(cli: Cli) -> None:
    cli("load", str(DECKS))
    first = cli("review", "price-too-high", "--grade", "4", "--json")
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert (data["kind"], data["interval"], data["due"]) == ("review", 1, "2026-03-03")
    assert data["ref"] == "objection-handling/price-too-high" and data["review_id"]
    second = json.loads(
        cli("review", "objection-handling/price-too-high", "-g", "1", "--json").stdout
    )
    assert second["kind"] == "redrill" and second["interval"] == 1 and second["repetitions"] == 1
    human = cli("review", "price-too-high", "--grade", "5", REPDRILL_TODAY="2026-03-03")
    assert "Next review 2026-03-09" in human.stdout


def test_review_rejects_bad_grades_and_unknown_cards(
    cli: Cli, write_deck: Callable[..., Path]
) -> None:
    cli("load", str(DECKS))
    assert cli("review", "price-too-high", "--grade", "6").exit_code == 2
    missing = cli("review", "no-such-card", "--grade", "3")
    assert missing.exit_code == 1 and "no card 'no-such-card'" in missing.stderr
    cli("load", str(write_deck("other", [card_yaml("price-too-high")])))
    ambiguous = cli("review", "price-too-high", "--grade", "3")
    assert ambiguous.exit_code == 1 and "is in several decks" in ambiguous.stderr


def test_review_with_an_answer_logs_the_suggestion(rd: Repdrill) -> None:
    rd.load([DECKS])
    recorded = rd.review(
        "price-too-high", 4, answer="compare like for like, total cost of ownership"
    )
    assert recorded.suggested_grade is not None and recorded.suggested_grade <= 3
    entry = rd.card("price-too-high").history[0]
    assert entry.answer == "compare like for like, total cost of ownership"
    assert entry.suggested_grade == recorded.suggested_grade


def test_a_retired_card_cannot_be_reviewed(rd: Repdrill, write_deck: Callable[..., Path]) -> None:
    rd.load([write_deck("alpha", ["a", "b"])])
    rd.load([write_deck("alpha", ["a"])])
    with pytest.raises(RetiredCard):
        rd.review("alpha/b", 4)


def test_four_days_of_reviews_through_the_front_door(db_url: str) -> None:
    days = [TODAY + dt.timedelta(days=n) for n in (0, 1, 7, 23)]
    intervals = []
    for day in days:
        with on(db_url, day) as rd:
            if day == TODAY:
                rd.load([DECKS])
            intervals.append(rd.review("price-too-high", 5).interval)
    assert intervals == [1, 6, 16, 45]
    with on(db_url, days[-1]) as rd:
        assert rd.card("price-too-high").mastered


def test_undo_through_the_front_door(rd: Repdrill) -> None:
    rd.load([DECKS])
    first = rd.review("price-too-high", 5)
    undone = rd.undo(first.review_id)
    assert undone.schedule is None and undone.to_json()["undoes"] == first.review_id
    history = rd.card("price-too-high").history
    assert [(h.kind, h.undone) for h in history] == [
        (ReviewKind.REVIEW, True),
        (ReviewKind.UNDO, False),
    ]
    with pytest.raises(NotFound):
        rd.undo(first.review_id.replace(first.review_id[:8], "00000000"))
