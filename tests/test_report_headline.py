"""The report's headline: team mastery and its changes, who is behind, who is on hold,
the cards the team is losing, the weakest tag; and the trend that starts with the first drill."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import TODAY, Cli, card_yaml, on
from repdrill.cards import Scope
from repdrill.reports.report import (
    Headline,
    MatrixCell,
    Report,
    ReportScope,
    RepStanding,
    TrendPoint,
)

TEAM = ["ana", "ben", "carla", "dev", "erin", "femi"]


def day(n: int) -> dt.date:
    """``n`` days before TODAY."""
    return TODAY - dt.timedelta(days=n)


@pytest.fixture
def west(db_url: str, write_deck: Callable[..., Path]) -> Path:
    """A team of six with the habits a manager meets; returns the roster.

    - ana masters a1 and a2 three weeks ago, and lapses on a2 three days ago;
    - ben reviewed everything 30 days ago and stopped: idle, 4 overdue;
    - carla drilled 10 days ago and is on hold from 5 days ago until 3 days ahead;
    - dev is in the team and has never drilled;
    - erin has 3 overdue and drilled yesterday;
    - femi drilled 20 days ago, then was on hold until 2 days ago.
    """
    deck = write_deck(
        "alpha",
        [
            card_yaml("a1", tags="[competitor:acme, persona:cfo]"),
            card_yaml("a2", tags="[competitor:acme, price]"),
            card_yaml("a3", tags="[price]"),
            card_yaml("a4", tags="[persona:cfo, price]"),
        ],
        header="mastery:\n  min_interval_days: 6\n",
    )
    with on(db_url, day(40), "enablement") as rd:
        rd.load([deck])

    def review(rep: str, days_ago: int, grades: dict[str, int]) -> None:
        with on(db_url, day(days_ago), rep) as rd:
            for card, grade in grades.items():
                rd.review(f"alpha/{card}", grade)

    everything = {"a1": 4, "a2": 4, "a3": 4, "a4": 4}
    review("ana", 20, {"a1": 5, "a2": 5})
    review("ana", 19, {"a1": 5, "a2": 5})
    review("ana", 3, {"a1": 5, "a2": 1})
    review("ben", 30, everything)
    review("erin", 30, everything)
    review("erin", 1, {"a1": 2})
    review("carla", 10, {"a1": 4})
    with on(db_url, day(5), "carla") as rd:
        rd.hold(TODAY + dt.timedelta(days=3))
    review("femi", 20, {"a1": 4})
    with on(db_url, day(12), "femi") as rd:
        rd.hold(day(2))
    roster = deck.parent.parent / "teams.yaml"
    roster.write_text(f"teams:\n  - name: west\n    reps: [{', '.join(TEAM)}]\n")
    return roster


def report(cli: Cli, roster: Path, *args: str) -> dict[str, object]:
    result = cli("report", "--format", "json", "--team", "west", "--roster", str(roster), *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_the_summary_says_how_the_team_is_doing(cli: Cli, west: Path) -> None:
    summary = report(cli, west)["summary"]
    # 6 reps x 4 cards: ana has a1 mastered now; a week ago a1 and a2; none at the start.
    assert summary == {
        "mastery_percent": 4.2,
        "mastery_change_7d": -4.2,
        "mastery_change_period": 4.2,
        "max_overdue_cards": 10,
        "reps_behind": [
            {"rep": "ben", "overdue_cards": 4, "last_active": day(30).isoformat()},
            {"rep": "dev", "overdue_cards": 0, "last_active": None},
        ],
        "reps_on_hold": [
            {"rep": "carla", "on_hold_until": (TODAY + dt.timedelta(days=3)).isoformat()}
        ],
        "losing_cards": [
            {
                "ref": "alpha/a2",
                "deck": "alpha",
                "card": "a2",
                "mastered_rep_count": 0,
                "lost_rep_count": 1,
            }
        ],
        # price has 3 cards; competitor:acme and persona:cfo have too few to count.
        "weakest_tag": {"tag": "price", "active_cards": 3, "mastery_percent": 0.0},
    }


def test_behind_follows_the_threshold_and_hold_days(cli: Cli, west: Path) -> None:
    data = report(cli, west, "--max-overdue", "2")
    behind = [r["rep"] for r in data["summary"]["reps_behind"]]  # type: ignore[index]
    # erin's 3 overdue are now too many; carla (on hold) and femi (back from
    # hold two days ago) are never idle; ana's one overdue card is fine.
    assert behind == ["ben", "erin", "dev"]
    flags = {r["rep"]: r["behind"] for r in data["reps"]}  # type: ignore[union-attr]
    assert flags == {
        "ana": False,
        "ben": True,
        "carla": False,
        "dev": True,
        "erin": True,
        "femi": False,
    }
    assert data["summary"]["max_overdue_cards"] == 2  # type: ignore[index]
    assert cli("report", "--max-overdue", "-1").exit_code == 2


def test_days_on_hold_count_as_met_in_the_period(cli: Cli, west: Path, db_url: str) -> None:
    reps = {r["rep"]: r for r in report(cli, west)["reps"]}  # type: ignore[union-attr]
    # carla: the day she drilled, and the 6 days of her hold up to today.
    assert reps["carla"]["days_met"] == 7
    # femi: the day she drilled and the 11 days of a hold that has ended.
    assert reps["femi"]["days_met"] == 12
    for rep in ("carla", "femi", "ana"):
        with on(db_url, TODAY, rep) as rd:
            # The whole period is inside the 30 days of the rep's own count: they agree.
            assert rd.status().days_met == reps[rep]["days_met"], rep


def test_the_trend_starts_with_the_first_drill_unless_since_is_given(cli: Cli, west: Path) -> None:
    trend = report(cli, west)["trend"]
    assert [p["week_ending"] for p in trend] == [day(n).isoformat() for n in (28, 21, 14, 7, 0)]  # type: ignore[union-attr]
    text = cli("report", "--team", "west", "--roster", str(west)).stdout
    assert f"The trend starts with the week ending {day(28).isoformat()}" in text
    since = report(cli, west, "--since", day(83).isoformat())["trend"]
    assert len(since) == 12 and since[0]["mastery_percent"] == 0.0  # type: ignore[index, arg-type]
    assert "The trend starts" not in cli("report", "--since", day(83).isoformat()).stdout


def test_a_period_before_any_drill_has_no_trend(cli: Cli, west: Path) -> None:
    data = report(cli, west, "--until", day(35).isoformat())
    assert data["trend"] == [] and data["summary"]["mastery_percent"] == 0.0  # type: ignore[index]
    text = cli("report", "--until", day(35).isoformat()).stdout
    assert "No drill in scope yet: no trend." in text


def test_an_empty_team_has_an_empty_headline(cli: Cli, write_deck: Callable[..., Path]) -> None:
    assert cli("load", str(write_deck("alpha", ["a1"]).parent)).exit_code == 0
    summary = json.loads(cli("report", "--format", "json", "--rep", "nobody").stdout)["summary"]
    assert summary["mastery_percent"] == 0.0 and summary["losing_cards"] == []
    assert summary["reps_behind"] == [{"rep": "nobody", "overdue_cards": 0, "last_active": None}]
    assert summary["weakest_tag"] is None


def test_brief_and_report_say_the_same(cli: Cli, west: Path) -> None:
    args = ("--team", "west", "--roster", str(west))
    brief = cli("brief", "--format", "json", *args)
    assert brief.exit_code == 0, brief.output
    assert json.loads(brief.stdout)["summary"] == report(cli, west)["summary"]


def test_minus_zero_never_appears() -> None:
    """A tiny negative (a mean grade gap of -0.04, a change of -1 pair in 3,000) rounds to 0.0."""
    scope = ReportScope(until=TODAY, since=day(83), cards=Scope())
    rep = RepStanding(
        rep="ana", active_cards=30, mastered=3, due=0, overdue=0, leeches=0, reviews=25,
        correct=20, last_active=TODAY, days_met=5, graded_with_suggestion=25, agreed=10,
        within_one=20, grade_gap=-0.04,
    )  # fmt: skip
    headline = Headline(
        since=scope.since, until=TODAY, possible_pairs=3000, mastered_pairs=100,
        mastered_pairs_7d_ago=101, mastered_pairs_at_start=101, behind=(), on_hold=(),
        losing=(), weakest_tag=None, max_overdue=10,
    )  # fmt: skip
    built = Report(
        scope=scope,
        generated_at=dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC),
        active_cards=30,
        reps=[rep],
        groups=["price"],
        matrix=[MatrixCell("ana", "price", 3, 1)],
        hardest=[],
        trend=[TrendPoint(TODAY, 100, 3000)],
        missed_points=[],
        headline=headline,
    )
    document = built.to_json()
    assert document["summary"]["mastery_change_7d"] == 0.0  # type: ignore[index]
    assert document["reps"][0]["mean_grade_minus_suggested"] == 0.0  # type: ignore[index]
    import io

    for fmt in ("json", "md", "html", "csv"):
        out = io.StringIO()
        built.write(out, fmt)  # type: ignore[arg-type]
        assert "-0.0" not in out.getvalue() and "+0.0" not in out.getvalue(), fmt
