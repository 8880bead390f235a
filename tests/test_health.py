"""``repdrill deck health`` (repdrill.reports.health): where a deck fails the team."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from conftest import DECKS, Cli, card_yaml


def test_deck_health(cli: Cli) -> None:
    cli("load", str(DECKS))
    for day in ("2026-03-02", "2026-03-03", "2026-03-04"):
        for rep in ("ana", "ben"):
            cli(
                "review",
                "no-budget",
                "--grade",
                "1",
                "--answer",
                "we have a discount",
                REPDRILL_USER=rep,
                REPDRILL_TODAY=day,
            )
            cli("review", "price-too-high", "--grade", "5", REPDRILL_USER=rep, REPDRILL_TODAY=day)
    result = cli(
        "deck",
        "health",
        str(DECKS / "objection-handling.yaml"),
        "--json",
        REPDRILL_TODAY="2026-03-04",
    )
    assert result.exit_code == 0, result.output
    (health,) = json.loads(result.stdout)
    assert health["deck"] == "objection-handling" and health["reviewed_cards"] == 2
    assert health["failing_cards"][0]["card"] == "no-budget"
    assert health["failing_cards"][0]["lapse_percent"] == 100.0
    assert len(health["unreviewed_ids"]) == 28 and "no-budget" not in health["unreviewed_ids"]
    assert health["missed_points"] and health["missed_points"][0]["card"] == "no-budget"
    human = cli("deck", "health", "--deck", "objection-handling", REPDRILL_TODAY="2026-03-04")
    assert "Cards the team fails most" in human.stdout and "Never reviewed (28)" in human.stdout
    assert cli("deck", "health", "--deck", "nope").exit_code == 1


def test_leeches_are_flagged(cli: Cli) -> None:

    cli("load", str(DECKS))
    day = dt.date(2026, 3, 2)
    for _ in range(8):
        cli("review", "no-budget", "--grade", "0", REPDRILL_TODAY=day.isoformat())
        day += dt.timedelta(days=1)
    shown = json.loads(cli("card", "show", "no-budget", "--json").stdout)
    assert shown["lapses"] == 8 and shown["leech"] is True
    status = json.loads(cli("status", "--json").stdout)
    assert next(d for d in status["decks"] if d["deck"] == "objection-handling")["leech_cards"] == 1
    report = json.loads(cli("report", "--format", "json", "--until", day.isoformat()).stdout)
    assert report["reps"][0]["leech_cards"] == 1
    health = json.loads(cli("deck", "health", "--deck", "objection-handling", "--json").stdout)[0]
    assert health["leeches"] == [{"card": "no-budget", "leech_rep_count": 1}]


def test_what_is_due_for_review_by_its_owner(cli: Cli, write_deck: Callable[..., Path]) -> None:
    deck = write_deck(
        "pricing",
        [
            card_yaml("fresh", review_by="2026-09-30"),
            card_yaml("stale", review_by="2026-03-01"),
            card_yaml("today", review_by="2026-03-02"),
            "plain",
        ],
        header="owner: enablement@ledgerline.example\nreview_by: 2026-02-28\n",
    )
    assert cli("load", str(deck)).exit_code == 0
    (health,) = json.loads(cli("deck", "health", "--deck", "pricing", "--json").stdout)
    assert health["owner"] == "enablement@ledgerline.example"
    assert health["review_due"] == [
        {"card": None, "review_by": "2026-02-28"},
        {"card": "stale", "review_by": "2026-03-01"},
        {"card": "today", "review_by": "2026-03-02"},
    ]
    human = cli("deck", "health", "--deck", "pricing")
    assert (
        "Due for review by its owner (enablement@ledgerline.example): the deck (review_by "
        "2026-02-28), stale (review_by 2026-03-01), today (review_by 2026-03-02)"
    ) in " ".join(human.stdout.split())
    # A new date in the file, loaded, clears it; a retired card is not listed.
    write_deck("pricing", [card_yaml("fresh", review_by="2026-09-30"), "plain"])
    assert cli("load", str(deck)).exit_code == 0
    (health,) = json.loads(cli("deck", "health", "--deck", "pricing", "--json").stdout)
    assert health["review_due"] == []
    later = cli("deck", "health", "--deck", "pricing", "--json", REPDRILL_TODAY="2026-10-01")
    assert json.loads(later.stdout)[0]["review_due"] == [
        {"card": "fresh", "review_by": "2026-09-30"}
    ]
