"""Reports after a revision, across a load, a drill and a report: who re-mastered what.

The team masters a pricing card; the price changes and the revision is
raised; a week of drilling later the report says, per revised card, how many
reps relearned and re-mastered it, the trend shows mastery lost at the
revision, and ``--since-revision`` lists each rep.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import TODAY, Cli, card_yaml, on
from scripted import ScriptedIO

DAY = dt.timedelta(days=1)
#: The deck counts a card mastered at a 6-day interval, so a week can re-master it.
HEADER = "mastery:\n  min_interval_days: 6\n"
REVISED_ON = TODAY + 20 * DAY
WEEK_LATER = REVISED_ON + 7 * DAY


def deck(write_deck: Callable[..., Path], price: str = "$2.80", revision: int = 1) -> Path:
    return write_deck(
        "pricing",
        [
            card_yaml(
                "per-invoice",
                "What does Ledgerline cost?",
                f"{price} an invoice.",
                revision=str(revision),
                tags="[price]",
            ),
            card_yaml("sync", "How often do we sync?", "Every 15 minutes.", tags="[erp]"),
        ],
        header=HEADER,
    )


@pytest.fixture
def launched(db_url: str, write_deck: Callable[..., Path]) -> str:
    """ana, ben and carla master per-invoice; the price changes; a week of drilling follows."""
    path = deck(write_deck)
    with on(db_url, TODAY) as rd:
        rd.load([path])
    for rep in ("ana", "ben", "carla"):
        for offset in (0, 1, 7):
            with on(db_url, TODAY + offset * DAY, user=rep) as rd:
                rd.review("per-invoice", 5)
    with on(db_url, TODAY, user="dev") as rd:
        rd.review("sync", 5)  # dev never saw the old price
    deck(write_deck, "$2.40", revision=2)
    with on(db_url, REVISED_ON) as rd:
        (changes,) = rd.load([path]).decks
    assert changes.revised == ("per-invoice",) and changes.relearn_reps == 3
    # ana drills it on the next two days' due dates and re-masters it: 1 day, then 6.
    for day in (REVISED_ON + DAY, REVISED_ON + 2 * DAY):
        with on(db_url, day) as rd:
            summary = rd.drill(ScriptedIO(["", 5]), deck="pricing", new=0)
            assert summary.cards == 1
    with on(db_url, REVISED_ON + 3 * DAY, user="ben") as rd:
        rd.review("per-invoice", 3)
    return db_url


def test_the_report_counts_who_relearned_and_re_mastered_each_revised_card(
    launched: str,
) -> None:
    with on(launched, WEEK_LATER) as rd:
        report = rd.report(since=TODAY)
    (revised,) = report.revised_cards
    assert (revised.card, revised.revision, revised.revised_on) == ("per-invoice", 2, REVISED_ON)
    assert (revised.relearn_reps, revised.reviewed_reps, revised.remastered_reps) == (3, 2, 1)
    assert report.relearning == []  # only with since_revision
    document = report.to_json()
    assert document["revised_cards"] == [
        {
            "deck": "pricing",
            "card": "per-invoice",
            "revision": 2,
            "revised_on": REVISED_ON.isoformat(),
            "relearn_rep_count": 3,
            "reviewed_rep_count": 2,
            "remastered_rep_count": 1,
            "remastered_percent": 33.3,
        }
    ]
    # A period that starts after the revision lists none; --since-revision still does.
    with on(launched, WEEK_LATER) as rd:
        assert rd.report(since=REVISED_ON + DAY).revised_cards == []
        assert len(rd.report(since=REVISED_ON + DAY, since_revision=True).revised_cards) == 1


def test_the_trend_shows_mastery_lost_at_the_revision(launched: str) -> None:
    with on(launched, WEEK_LATER) as rd:
        report = rd.report(since=TODAY, until=WEEK_LATER)
    by_week = {p.week_ending: p.mastered for p in report.trend}
    before = max(w for w in by_week if w < REVISED_ON)
    after = min(w for w in by_week if w >= REVISED_ON)
    assert by_week[before] == 3  # three reps had mastered per-invoice (dev: sync, 1 day)
    assert by_week[after] < 3
    assert by_week[WEEK_LATER] == 1  # ana re-mastered it
    with on(launched, WEEK_LATER, user="carla") as carla:
        assert carla.status().decks[0].mastered == 0  # carla lost it and has not relearned


def test_since_revision_lists_each_rep(launched: str, cli: Cli) -> None:
    with on(launched, WEEK_LATER) as rd:
        report = rd.report(since_revision=True)
    assert [(r.rep, r.status, r.reviews_since) for r in report.relearning] == [
        ("ana", "re-mastered", 2),
        ("ben", "relearning", 1),
        ("carla", "not started", 0),
    ]
    env = {"REPDRILL_TODAY": WEEK_LATER.isoformat()}
    shown = cli("report", "--since-revision", **env)
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.stdout.split())
    assert "Revised cards: reps to relearn, reviewed since, re-mastered" in text
    assert "pricing/per-invoice ana re-mastered 2" in text
    assert "carla not started 0 -" in text
    assert "Mastery by rep" not in text  # the view for a launch only
    relearning = cli("report", "--since-revision", "-f", "csv", "--table", "relearning", **env)
    rows = list(csv.DictReader(io.StringIO(relearning.stdout)))
    assert [(r["rep"], r["status"], r["last_review"]) for r in rows] == [
        ("ana", "re-mastered", (REVISED_ON + 2 * DAY).isoformat()),
        ("ben", "relearning", (REVISED_ON + 3 * DAY).isoformat()),
        ("carla", "not started", ""),
    ]
    document = json.loads(cli("report", "--since-revision", "-f", "json", **env).stdout)
    assert len(document["relearning"]) == 3
    assert (
        "## Who relearned revised cards"
        in cli("report", "--since-revision", "-f", "md", **env).stdout
    )
    html = cli("report", "--since-revision", "-f", "html", **env).stdout
    assert "Who has relearned each revised card" in html and "re-mastered" in html
    # The ordinary report shows the revised cards after the rest.
    ordinary = cli("report", **env)
    assert "Mastery by rep" in ordinary.stdout and "Revised cards" in ordinary.stdout
    assert "Who has relearned" not in ordinary.stdout


def test_the_views_follow_the_report_scope(launched: str) -> None:
    with on(launched, WEEK_LATER) as rd:
        only_ben = rd.report(rep="ben", since_revision=True)
        assert [r.rep for r in only_ben.relearning] == ["ben"]
        assert only_ben.revised_cards[0].relearn_reps == 1
        assert rd.report(tag="erp", since_revision=True).revised_cards == []
        assert rd.report(tag="price").revised_cards[0].remastered_reps == 1
