"""What a rep looks at: ``status`` (repdrill.store.standing), ``card show`` and ``card list``."""

from __future__ import annotations

import json

import pytest

from conftest import DECKS, TODAY, Cli
from repdrill import AmbiguousCard, EmptyScope, Repdrill, UnknownCard, UnknownDeck


def test_status_counts_due_new_and_mastered(rd: Repdrill) -> None:
    rd.load([DECKS])
    rd.review("price-too-high", 5)
    deck = next(d for d in rd.status().decks if d.deck == "objection-handling")
    assert (deck.active_cards, deck.due, deck.mastered) == (30, 0, 0)
    assert deck.new_available == 9  # 10 per day, one begun today
    assert deck.next_due == TODAY + __import__("datetime").timedelta(days=1)


def test_status_json(cli: Cli) -> None:
    cli("load", str(DECKS))
    cli("review", "price-too-high", "--grade", "5")
    data = json.loads(cli("status", "--json").stdout)
    deck = next(d for d in data["decks"] if d["deck"] == "objection-handling")
    assert deck["active_cards"] == 30 and deck["due_cards"] == 0 and deck["mastered_cards"] == 0
    assert deck["new_available"] == 9
    assert deck["next_due"] == "2026-03-03"
    tomorrow = json.loads(cli("status", "--json", REPDRILL_TODAY="2026-03-03").stdout)
    deck = next(d for d in tomorrow["decks"] if d["deck"] == "objection-handling")
    assert deck["due_cards"] == 1 and deck["new_available"] == 10
    human = cli("status")
    assert "objection-handling" in human.stdout and "0/30" in human.stdout


def test_status_before_any_load(cli: Cli) -> None:
    result = cli("status")
    assert result.exit_code == 0 and "No decks loaded yet" in result.stdout


def test_status_with_a_scope_that_matches_nothing(cli: Cli, rd: Repdrill) -> None:
    cli("load", str(DECKS))
    result = cli("status", "--tag", "competitor:nobody")
    assert result.exit_code == 1 and "no active card matches" in result.stderr
    assert cli("status", "--deck", "nope").exit_code == 1
    assert cli("status", "--tag", "competitor:acme", "--json").exit_code == 0
    with pytest.raises(EmptyScope):
        rd.status(tag="competitor:nobody")
    with pytest.raises(UnknownDeck) as unknown:
        rd.status(deck=["nope", "objection-handling"])
    assert unknown.value.decks == ("nope",)


def test_card_show_json_has_state_and_marked_history(cli: Cli) -> None:
    cli("load", str(DECKS))
    cli("drill", "--limit", "1", input="\n2\n\nu\n\n5\n\n4\n")
    data = json.loads(cli("card", "show", "objection-handling/price-too-high", "--json").stdout)
    assert (data["ref"], data["deck"], data["card"]) == (
        "objection-handling/price-too-high",
        "objection-handling",
        "price-too-high",
    )
    assert (data["repetitions"], data["easiness"], data["interval"], data["due"]) == (
        1,
        2.6,
        1,
        "2026-03-03",
    )
    assert data["mastered"] is False and data["retired"] is False
    kinds = [(h["kind"], h["grade"], h["undone"]) for h in data["history"]]
    assert kinds == [("review", 2, True), ("undo", None, False), ("review", 5, False)]
    assert data["history"][1]["undoes"] == data["history"][0]["review_id"]
    human = cli("card", "show", "price-too-high")
    assert "Model answer" in human.stdout and "undone" in human.stdout


def test_card_show_of_a_new_card(rd: Repdrill) -> None:
    rd.load([DECKS])
    detail = rd.card("price-too-high")
    assert detail.schedule is None and detail.history == () and not detail.mastered
    data = detail.to_json()
    assert (data["repetitions"], data["easiness"], data["interval"], data["due"]) == (
        0,
        2.5,
        0,
        None,
    )


def test_two_reps_have_separate_schedules(cli: Cli) -> None:
    cli("load", str(DECKS))
    cli("review", "price-too-high", "--grade", "5")
    other = json.loads(cli("card", "show", "price-too-high", "--json", REPDRILL_USER="ben").stdout)
    assert other["history"] == [] and other["repetitions"] == 0


def test_unknown_and_ambiguous_cards_are_their_own_errors(rd: Repdrill, write_deck) -> None:  # type: ignore[no-untyped-def]
    rd.load([DECKS])
    with pytest.raises(UnknownCard):
        rd.card("no-such-card")
    rd.load([write_deck("other", ["price-too-high"])])
    with pytest.raises(AmbiguousCard) as ambiguous:
        rd.card("price-too-high")
    assert set(ambiguous.value.candidates) == {
        "objection-handling/price-too-high",
        "other/price-too-high",
    }
    assert rd.card("other/price-too-high").card.deck == "other"


def test_card_list_names_every_active_card_in_deck_order(cli: Cli, rd: Repdrill) -> None:
    rd.load([DECKS])
    listing = rd.cards(deck="objection-handling")
    assert len(listing.cards) == 30
    assert listing.cards[0].ref == "objection-handling/price-too-high"
    tagged = rd.cards(tag=["competitor:acme"])
    assert tagged.cards and all("competitor:acme" in c.tags for c in tagged.cards)
    data = json.loads(cli("card", "list", "--deck", "product-messaging", "--json").stdout)
    assert [c["ref"] for c in data["cards"]] == [
        c.ref for c in rd.cards(deck="product-messaging").cards
    ]
    human = cli("card", "list", "--tag", "competitor:acme")
    assert "objection-handling/price-too-high" in human.stdout
    assert f"{len(tagged.cards)} cards" in human.stdout
    assert cli("card", "list", "--deck", "nope").exit_code == 1
