"""Practice before a call (``prep``) and practice in deck order (``cram``)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from conftest import TODAY, Cli, card_yaml, on
from scripted import ScriptedIO

DAY = dt.timedelta(days=1)


def deck_of_six(write_deck: Callable[..., Path]) -> Path:
    return write_deck(
        "acme",
        [
            card_yaml(name, tags="[competitor:acme]", key_points="[total cost, payback, roadmap]")
            for name in ("strong", "lapsed", "hard", "missed", "unseen", "also-unseen")
        ],
        header="mastery:\n  new_per_day: 10\n",
    )


def test_prep_shows_the_weakest_first_and_leaves_the_schedule_alone(
    db_url: str, write_deck: Callable[..., Path]
) -> None:
    with on(db_url, TODAY) as rd:
        rd.load([deck_of_six(write_deck)])
        for card, grade, answer in (
            ("strong", 5, None),
            ("lapsed", 1, None),
            ("hard", 3, None),
            ("missed", 5, "total cost"),
        ):
            rd.review(f"acme/{card}", grade, answer=answer)
    with on(db_url, TODAY + DAY) as rd:
        before = rd.status().to_json()
        io = ScriptedIO(["", 5] * 3 + ["payback only", 4] + ["", 5] * 2, interrupt_after=None)
        summary = rd.prep(io, tag="competitor:acme", minutes=60)
        assert [line.split(":")[0] for line in io.shown] == [
            "lapsed",
            "hard",
            "missed",
            "unseen",
            "also-unseen",
            "strong",
        ]
        assert {r.kind.value for r in io.recorded} == {"cram"}
        assert rd.status().to_json() == before  # the schedule is untouched
        assert summary.cram and summary.missed
        assert {m.point for m in summary.missed} == {"total cost", "roadmap"}


def test_prep_fits_its_minutes(db_url: str, write_deck: Callable[..., Path]) -> None:
    with on(db_url, TODAY) as rd:
        rd.load([deck_of_six(write_deck)])
        io = ScriptedIO(["", 5] * 6)
        rd.prep(io, tag="competitor:acme", minutes=1)
    assert io.plan is not None and io.plan.cram
    assert len(io.shown) == 3  # 20 s a card until the rep's own times are known


def test_prep_command_ends_with_what_to_remember(cli: Cli, write_deck: Callable[..., Path]) -> None:
    cli("load", str(deck_of_six(write_deck)))
    answers = "payback\n2\n" + "\n5\n" * 8
    result = cli("prep", "--tag", "competitor:acme", "--minutes", "2", input=answers)
    assert result.exit_code == 0, result.output
    assert "Practice: 6 cards" in result.stdout
    assert "Remember these:" in result.stdout and "acme/strong: total cost" in result.stdout
    history = json.loads(cli("card", "show", "acme/strong", "--json").stdout)["history"]
    assert [h["kind"] for h in history] == ["cram", "cram"]  # graded 2: practised again


def test_cram_keeps_deck_order_and_redrills_what_was_missed(
    cli: Cli, write_deck: Callable[..., Path]
) -> None:
    cli("load", str(deck_of_six(write_deck)))
    result = cli("cram", "--tag", "competitor:acme", input="\n1\n" + "\n5\n" * 6)
    assert result.exit_code == 0, result.output
    assert "Card 1 of 6" in result.stdout and "Card 7 of 7 · again" in result.stdout
    assert "Practice done" in result.stdout
