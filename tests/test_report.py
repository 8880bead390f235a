"""`repdrill report`: the figures, the scopes, and every export format."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import DECKS, TODAY, Cli, card_yaml
from repdrill.reports.report import week_endings

DAY = dt.timedelta(days=1)


@pytest.fixture
def team_db(cli: Cli, write_deck: Callable[..., Path]) -> Path:
    """Two decks, three reps with different histories, and a roster."""
    deck = write_deck(
        "alpha",
        [
            card_yaml(
                "a1", tags="[price, persona:cfo]", key_points="[total cost of ownership, payback]"
            ),
            card_yaml("a2", tags="[price]"),
            card_yaml("a3", tags="[security]"),
        ],
        header="mastery:\n  min_interval_days: 6\n",
    )
    write_deck("beta", [card_yaml("b1", tags="[security]")])
    assert cli("load", str(deck.parent)).exit_code == 0
    start = TODAY - 30 * DAY
    # ana: a1 mastered (5, 5 -> interval 6), a2 lapses every time.
    for offset, grades in (
        (0, {"a1": 5, "a2": 1}),
        (1, {"a1": 5, "a2": 1}),
        (2, {"a2": 2}),
        (3, {"a2": 1}),
    ):
        day = (start + offset * DAY).isoformat()
        for card, grade in grades.items():
            assert (
                cli("review", f"alpha/{card}", "--grade", str(grade), REPDRILL_TODAY=day).exit_code
                == 0
            )
    # ben: a2 lapses too, once, with a typed answer graded against key points.
    day = (start + 10 * DAY).isoformat()
    cli("review", "alpha/a2", "--grade", "2", REPDRILL_USER="ben", REPDRILL_TODAY=day)
    cli(
        "review",
        "alpha/a1",
        "--grade",
        "3",
        "--answer",
        "total cost of ownership",
        REPDRILL_USER="ben",
        REPDRILL_TODAY=day,
    )
    roster = deck.parent.parent / "teams.yaml"
    roster.write_text(
        "teams:\n  - name: west\n    manager: maria@example.com\n    reps: [ana, carla]\n"
        "  - name: east\n    reps: [ben]\n"
    )
    return roster


def report_json(cli: Cli, *args: str) -> dict[str, object]:
    result = cli("report", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_per_rep_figures(cli: Cli, team_db: Path) -> None:
    data = report_json(cli)
    reps = {r["rep"]: r for r in data["reps"]}  # type: ignore[union-attr]
    assert set(reps) == {"ana", "ben"}
    ana = reps["ana"]
    assert (ana["active_cards"], ana["mastered_cards"], ana["reviews"]) == (4, 1, 6)
    assert ana["correct_percent"] == round(100 * 2 / 6, 1)
    assert ana["last_active"] == (TODAY - 27 * DAY).isoformat()
    assert ana["mastery_percent"] == 25.0
    ben = reps["ben"]
    assert ben["graded_with_suggestion"] == 1 and ben["agreement_percent"] is not None
    assert data["active_cards"] == 4


def test_team_scope_lists_reps_who_never_drilled(cli: Cli, team_db: Path) -> None:
    data = report_json(cli, "--team", "west", "--roster", str(team_db))
    assert [r["rep"] for r in data["reps"]] == ["ana", "carla"]  # type: ignore[index]
    carla = data["reps"][1]  # type: ignore[index]
    assert (carla["mastered_cards"], carla["reviews"], carla["last_active"]) == (0, 0, None)
    assert data["scope"]["team"] == "west"  # type: ignore[index]


def test_roster_found_at_the_working_directory(
    cli: Cli, team_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(team_db.parent)
    data = report_json(cli, "--team", "east")
    assert [r["rep"] for r in data["reps"]] == ["ben"]  # type: ignore[index]


def test_unknown_team_and_missing_roster(
    cli: Cli, team_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = cli("report", "--team", "north", "--roster", str(team_db))
    assert (
        result.exit_code == 1
        and "no team 'north'" in result.stderr
        and "west, east" in result.stderr
    )
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    monkeypatch.chdir(empty)
    result = cli("report", "--team", "west")
    assert result.exit_code == 1 and "a team needs a roster" in result.stderr


def test_invalid_roster_is_located(cli: Cli, team_db: Path) -> None:
    team_db.write_text("teams:\n  - name: West Coast\n    reps: [ana]\n    colour: red\n")
    result = cli("report", "--team", "west", "--roster", str(team_db))
    assert result.exit_code == 1
    assert f"{team_db}:2:11: team 'West Coast': name must be a slug" in result.stderr
    assert f"{team_db}:4:5: team 'West Coast': unknown key 'colour'" in result.stderr


def test_matrix_by_namespace_tag_deck_and_one_namespace(cli: Cli, team_db: Path) -> None:
    data = report_json(cli)
    matrix = data["matrix"]
    assert matrix["by"] == "namespace"  # type: ignore[index]
    assert matrix["groups"] == ["persona:cfo", "price", "security"]  # type: ignore[index]
    cells = {(c["rep"], c["group"]): c for c in matrix["cells"]}  # type: ignore[index]
    assert (
        cells[("ana", "price")]["active_cards"] == 2
        and cells[("ana", "price")]["mastered_cards"] == 1
    )
    assert cells[("ana", "security")]["mastered_cards"] == 0
    assert report_json(cli, "--by", "tag")["matrix"]["groups"] == ["price", "security"]  # type: ignore[index]
    assert report_json(cli, "--by", "persona")["matrix"]["groups"] == ["persona:cfo"]  # type: ignore[index]
    by_deck = report_json(cli, "--by", "deck")["matrix"]
    assert by_deck["groups"] == ["alpha", "beta"]  # type: ignore[index]
    tidy = list(
        csv.DictReader(
            io.StringIO(cli("report", "-f", "csv", "--table", "matrix", "--by", "deck").stdout)
        )
    )
    assert set(tidy[0]) == {"rep", "deck", "active_cards", "mastered_cards", "mastery_percent"}
    unknown = cli("report", "--by", "competitor")
    assert unknown.exit_code == 1
    assert "no card in scope has a tag in namespace 'competitor'" in unknown.stderr
    assert "namespace, tag, deck, persona" in unknown.stderr
    assert cli("report", "--by", "Not A Slug").exit_code == 1


def test_hardest_cards_carry_their_text(cli: Cli, team_db: Path) -> None:
    hardest = report_json(cli)["hardest_cards"]
    top = hardest[0]  # type: ignore[index]
    assert (top["deck"], top["card"], top["lapses"], top["reviews"], top["rep_count"]) == (
        "alpha",
        "a2",
        5,
        5,
        2,
    )
    assert top["prompt"] == "Prompt for a2?"


def test_trend_follows_mastery_week_by_week(cli: Cli, team_db: Path) -> None:
    trend = report_json(cli, "--since", (TODAY - 41 * DAY).isoformat())["trend"]
    weeks = [t["week_ending"] for t in trend]  # type: ignore[union-attr]
    assert weeks[0] == (TODAY - 35 * DAY).isoformat() and weeks[-1] == TODAY.isoformat()
    # ana masters a1 on TODAY - 29: the week ending TODAY - 35 does not count it, later ones do.
    mastered = [t["mastered_pairs"] for t in trend]  # type: ignore[union-attr]
    assert mastered == [0, 1, 1, 1, 1, 1]
    assert trend[-1]["possible_pairs"] == 8  # type: ignore[index]  # 2 reps x 4 cards


def test_week_endings() -> None:
    assert week_endings(dt.date(2026, 3, 1), dt.date(2026, 3, 20)) == [
        dt.date(2026, 3, 6),
        dt.date(2026, 3, 13),
        dt.date(2026, 3, 20),
    ]


def test_scopes_by_deck_tag_rep_and_period(cli: Cli, team_db: Path) -> None:
    assert report_json(cli, "--deck", "beta")["active_cards"] == 1
    assert report_json(cli, "--tag", "price")["active_cards"] == 2
    assert [r["rep"] for r in report_json(cli, "--rep", "ben")["reps"]] == ["ben"]  # type: ignore[index]
    late = report_json(cli, "--since", (TODAY - 5 * DAY).isoformat())
    assert all(r["reviews"] == 0 for r in late["reps"])  # type: ignore[union-attr]
    bad = cli("report", "--since", "2026-03-05", "--until", "2026-03-01")
    assert bad.exit_code == 2
    missing = cli("report", "--deck", "nope")
    assert missing.exit_code == 1 and "no deck 'nope'" in missing.stderr


def test_terminal_report(cli: Cli, team_db: Path) -> None:
    result = cli("report")
    assert result.exit_code == 0
    for heading in ("Mastery by rep and tag", "Reps", "Mastery by week", "Hardest cards"):
        assert heading in result.stdout


def test_csv_is_one_tidy_table(cli: Cli, team_db: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(cli("report", "--format", "csv").stdout)))
    assert [r["rep"] for r in rows] == ["ana", "ben"]
    assert rows[0]["mastered_cards"] == "1"
    matrix = list(
        csv.DictReader(io.StringIO(cli("report", "-f", "csv", "--table", "matrix").stdout))
    )
    assert set(matrix[0]) == {"rep", "tag", "active_cards", "mastered_cards", "mastery_percent"}
    assert len(matrix) == 2 * 3
    bad = cli("report", "-f", "csv", "--table", "nope")
    assert bad.exit_code == 1 and "choose one of" in bad.stderr


def test_markdown(cli: Cli, team_db: Path) -> None:
    text = cli("report", "--format", "md").stdout
    assert text.startswith("# Mastery report")
    assert text.index("## Summary") < text.index("## Mastery by rep and persona")
    assert "- **Team mastery 12.5%**" in text
    # One matrix per namespace; each cell says of how many cards, and marks too few.
    assert "| rep | cfo |\n|---|---|\n| ana | 100% of 1\\* |" in text
    assert "| rep | price | security |" in text
    assert "| ana | 50% of 2\\* | 0% of 2\\* |" in text
    # Headers are words, not field names.
    assert "| rep | active cards | mastered | mastery % |" in text
    assert "within one %" in text and "within_one_percent" not in text
    assert "-0.0" not in text


def test_html_is_self_contained(cli: Cli, team_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = cli("report", "--format", "html", "--output", str(out))
    assert result.exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # not the temporary file's 0600
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "heatmap" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page and "<script" not in page and "<link" not in page


def test_existing_output_needs_force(cli: Cli, team_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    out.write_text("keep me")
    refused = cli("report", "--format", "json", "--output", str(out))
    assert refused.exit_code == 1 and "--force" in refused.stderr
    assert out.read_text() == "keep me"
    assert cli("report", "--format", "json", "--output", str(out), "--force").exit_code == 0
    assert json.loads(out.read_text())["report_version"] == 3


def test_xlsx_workbook(cli: Cli, team_db: Path, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "report.xlsx"
    assert cli("report", "--format", "xlsx").exit_code == 2  # binary: needs --output
    result = cli("report", "--format", "xlsx", "--output", str(out))
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [
        "Summary",
        "Heatmap persona",
        "Heatmap tags",
        "Reps",
        "Hardest cards",
        "Mastery by week",
        "Key points missed most",
        "Revised cards",
        "Mastery by rep and tag",
        "About",
    ]
    reps = book["Reps"]
    assert [c.value for c in reps[1]][:3] == ["rep", "active_cards", "mastered_cards"]
    assert [c.value for c in reps[2]][:3] == ["ana", 4, 1]
    heat = book["Heatmap tags"]
    assert [c.value for c in heat[1]] == ["rep", "price", "security"]
    assert heat["B2"].value == 50 and heat["B2"].number_format == '0"% of 2*"'
    # Every sheet prints landscape, one page wide, headers frozen and repeated.
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        # fitToWidth left out means 1, its default in the file format.
        assert sheet.page_setup.fitToWidth in (None, 1), sheet.title
        assert sheet.page_setup.fitToHeight == 0, sheet.title
    for name in ("Reps", "Heatmap tags", "Mastery by rep and tag"):
        assert book[name].print_title_rows == "$1:$1"
        assert book[name].print_title_cols == "$A:$A"
        assert book[name].freeze_panes == "B2"
    about = {row[0].value: row[1].value for row in book["About"].iter_rows(min_row=2)}
    assert about["Period to"].date() == TODAY and about["Deck filter"] == "(none)"
    assert about["Generated at"].startswith(TODAY.isoformat())
    summary = [row[0].value for row in book["Summary"].iter_rows()]
    assert any(str(v).startswith("Team mastery 12.5%") for v in summary)
    from openpyxl.chart.axis import DateAxis

    (chart,) = book["Mastery by week"]._charts
    assert isinstance(chart.x_axis, DateAxis)  # dates on the axis, a week apart
    assert chart.x_axis.number_format.formatCode == "dd mmm" and chart.x_axis.majorUnit == 7


def test_report_on_an_empty_database(cli: Cli) -> None:
    result = cli("report", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["reps"] == [] and data["active_cards"] == 0


def test_report_shows_agreement_and_missed_points(cli: Cli) -> None:
    cli("load", str(DECKS))
    # Two of five points: the suggestion is 3.
    for rep, grade in (("ana", "2"), ("ben", "5"), ("carla", "2")):
        cli(
            "review",
            "price-too-high",
            "--grade",
            grade,
            "--answer",
            "TCO and cost per invoice",
            REPDRILL_USER=rep,
        )
    data = json.loads(cli("report", "--format", "json").stdout)
    reps = {r["rep"]: r for r in data["reps"]}
    assert reps["ana"]["agreement_percent"] == 0.0 and reps["ana"]["within_one_percent"] == 100.0
    assert reps["ben"]["mean_grade_minus_suggested"] == 2.0
    missed = {m["key_point"] for m in data["missed_points"]}
    assert "Harlow Logistics / $2.80" in missed
    assert all(m["miss_percent"] == 100.0 for m in data["missed_points"])
