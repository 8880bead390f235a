"""Revisions in team mode: an author's load restarts every rep, and may do nothing more."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from conftest import DECKS, TeamDB

pytestmark = pytest.mark.postgres


def revised(tmp_path: Path) -> Path:
    text = (DECKS / "objection-handling.yaml").read_text()
    text = text.replace("$2.80", "$2.40").replace(
        "  - id: price-too-high\n", "  - id: price-too-high\n    revision: 2\n", 1
    )
    path = tmp_path / "objection-handling.yaml"
    path.write_text(text)
    return path


def states(team: TeamDB) -> list[tuple[Any, ...]]:
    with team.superuser() as su:
        return list(
            su.execute(
                "SELECT r.name, s.repetitions, s.interval_days, s.due FROM card_states s"
                " JOIN reps r ON r.id = s.rep_id JOIN cards c ON c.id = s.card_id"
                " WHERE c.slug = 'price-too-high' ORDER BY r.name"
            ).fetchall()
        )


def test_an_authors_load_restarts_every_rep_who_reviewed_the_card(
    staffed: TeamDB, tmp_path: Path
) -> None:
    priya = staffed.cli("priya")
    loaded = priya("load", str(revised(tmp_path)), "--json", REPDRILL_TODAY="2026-03-05")
    assert loaded.exit_code == 0, loaded.output
    deck = json.loads(loaded.stdout)["decks"][0]
    assert (deck["revised_ids"], deck["relearn_rep_count"]) == (["price-too-high"], 3)
    import datetime as dt

    assert states(staffed) == [(rep, 0, 1, dt.date(2026, 3, 6)) for rep in ("ana", "ben", "erin")]
    # A rep replays her own log with the revision (an undo), and sees the mark.
    ana = staffed.cli("ana")
    shown = json.loads(ana("card", "show", "price-too-high", "--json").stdout)
    assert shown["revision"] == 2
    # The manager's view for a launch covers their team only.
    maria = staffed.cli("maria")
    view = json.loads(
        maria("report", "--since-revision", "-f", "json", REPDRILL_TODAY="2026-03-06").stdout
    )
    assert sorted(r["rep"] for r in view["relearning"]) == ["ana", "ben"]


def test_an_author_may_take_mastery_away_on_a_revision_and_nothing_else(
    staffed: TeamDB, tmp_path: Path
) -> None:
    assert staffed.cli("priya")("load", str(revised(tmp_path))).exit_code == 0
    with staffed.connect("priya") as author:
        for statement in (
            "UPDATE card_states SET interval_days = 30",
            "UPDATE card_states SET due = '2030-01-01'",
            "UPDATE card_states SET lapses = 0",
            "UPDATE state_changes SET interval_days = 60",
            "DELETE FROM card_states",
            "UPDATE card_revisions SET revised_on = '2020-01-01'",
        ):
            with pytest.raises(psycopg.Error, match=r"permission denied|row-level security"):
                author.execute(statement)
            author.rollback()
        # A span already ended is out of reach: only open spans may be ended.
        done = author.execute(
            "UPDATE state_changes SET valid_until = '2030-01-01' WHERE valid_until IS NOT NULL"
        )
        assert done.rowcount == 0
        author.rollback()
    with staffed.connect("ana") as rep, pytest.raises(psycopg.Error, match="permission denied"):
        rep.execute(
            "INSERT INTO card_revisions (card_id, revision, content_hash, revised_on,"
            " revised_at) VALUES (1, 9, 'h', '2026-03-02', now())"
        )
