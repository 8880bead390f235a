"""A rep's own pacing (repdrill.store.reps): holds, the budget setting, ``due``, recognition."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import DECKS, TODAY, Cli, on
from repdrill import RepdrillError
from scripted import ScriptedIO

DAY = dt.timedelta(days=1)


def test_on_hold_nothing_is_due_and_days_count_as_met(db_url: str) -> None:
    with on(db_url, TODAY) as rd:
        rd.load([DECKS])
        rd.drill(ScriptedIO(["", 5] * 13))
        status = rd.hold(TODAY + 7 * DAY, start=TODAY + DAY)
        assert status.to_json()["on_hold_until"] == (TODAY + 7 * DAY).isoformat()
    with on(db_url, TODAY + 3 * DAY) as rd:
        assert rd.due().due == 0 and rd.due().on_hold_until == TODAY + 7 * DAY
        io = ScriptedIO([])
        rd.drill(io)
        assert io.nothing is not None and io.on_hold is not None
        standing = rd.status()
        assert standing.on_hold and all(d.due == 0 and d.new_available == 0 for d in standing.decks)
        # Drilled on day 0, on hold days 1 to 3 so far: 4 days met, none lost to time off.
        assert standing.days_met == 4
    with on(db_url, TODAY + 8 * DAY) as rd:
        back = rd.due()
        assert back.on_hold_until is None and back.due == 13  # due during the hold, due now
        io = ScriptedIO(["", 5] * 20)
        rd.drill(io)
        assert io.plan is not None and io.plan.plan.reviews == 13  # within the budget
        assert rd.status().days_met == 9


def test_clearing_a_hold_keeps_the_days_already_off(db_url: str) -> None:
    with on(db_url, TODAY) as rd:
        rd.load([DECKS])
        rd.hold(TODAY + 10 * DAY)
    with on(db_url, TODAY + 2 * DAY) as rd:
        rd.clear_hold()
        assert rd.settings().hold is None
        assert rd.status().days_met == 2  # days 0 and 1 were on hold
        assert rd.due().new > 0


def test_a_hold_must_make_sense(rd) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RepdrillError, match="ends on or after it starts"):
        rd.hold(TODAY + DAY, start=TODAY + 5 * DAY)
    with pytest.raises(RepdrillError, match="has passed"):
        rd.hold(TODAY - DAY, start=TODAY - 5 * DAY)


def test_hold_command(cli: Cli) -> None:
    cli("load", str(DECKS))
    assert "Not on hold" in cli("hold").stdout
    result = cli("hold", "--until", "2026-03-10")
    assert result.exit_code == 0 and "On hold through 2026-03-10" in result.stdout
    assert "On hold through 2026-03-10" in cli("status").stdout
    data = json.loads(cli("hold", "--json").stdout)
    assert data == {"rep": "ana", "on_hold_from": "2026-03-02", "on_hold_until": "2026-03-10"}
    assert "On hold through" in cli("drill").stdout
    assert cli("hold", "--clear", "--until", "2026-03-04").exit_code == 2
    assert "Hold cleared" in cli("hold", "--clear").stdout


def test_the_daily_budget_is_a_setting_that_follows_the_rep(cli: Cli) -> None:
    cli("load", str(DECKS))
    assert "minutes = 10 (the default)" in cli("config", "list").stdout
    assert cli("config", "set", "minutes", "3").exit_code == 0
    assert json.loads(cli("config", "list", "--json").stdout) == {
        "rep": "ana",
        "daily_minutes": 3,
        "default": False,
    }
    drilled = cli("drill", input="\n5\n" * 10)
    assert "Today: 4 new cards, about 3 min" in drilled.stdout
    assert "Today: 13 new cards" in cli("drill", REPDRILL_USER="ben", input="").stdout
    assert cli("config", "set", "minutes", "0").exit_code == 1
    assert cli("config", "set", "minutes", "lots").exit_code == 2
    assert cli("config", "set", "colour", "red").exit_code == 2
    assert "(the default)" in cli("config", "unset", "minutes").stdout
    assert "--minutes" in cli("drill", "--help").stdout


def test_drill_minutes_for_one_session(cli: Cli) -> None:
    cli("load", str(DECKS))
    assert "Today: 2 new cards, about 2 min" in cli("drill", "--minutes", "2", input="").stdout


# -- due --------------------------------------------------------------------------


def test_due_prints_one_line_and_nothing_when_there_is_nothing(cli: Cli) -> None:
    cli("load", str(DECKS))
    assert cli("due").stdout == "20 new\n"
    cli("drill", input="\n5\n" * 13)
    tomorrow = cli("due", REPDRILL_TODAY="2026-03-03")
    assert tomorrow.stdout == "13 due, 20 new\n" and tomorrow.exit_code == 0
    assert cli("due", "--format", "{due}/{new}").stdout == "0/7\n"
    assert json.loads(cli("due", "--json").stdout)["new_available"] == 7
    cli("hold", "--until", "2026-03-09")
    assert cli("due").stdout == ""
    assert cli("due", "--format", "{nope}").exit_code == 2


def run_due(db: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "repdrill", *args],
        env={
            **os.environ,
            "REPDRILL_DB": str(db),
            "REPDRILL_USER": "ana",
            "REPDRILL_TODAY": "2026-03-03",
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
def test_due_on_sqlite_reads_with_the_standard_library_and_agrees(plain_cli: Cli) -> None:
    db = Path(plain_cli.env["REPDRILL_DB"].removeprefix("sqlite:///"))
    plain_cli("load", str(DECKS))
    plain_cli("drill", input="\n5\n" * 13)
    probe = (
        "import runpy, sys\n"
        "sys.argv = ['repdrill', 'due', '--json']\n"
        "try:\n    runpy.run_module('repdrill', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'typer', 'rich', 'click')))\n"
    )
    fast = subprocess.run(
        [sys.executable, "-c", probe],
        env={
            **os.environ,
            "REPDRILL_DB": str(db),
            "REPDRILL_USER": "ana",
            "REPDRILL_TODAY": "2026-03-03",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    document, imported = fast.stdout.rsplit("\n", 2)[:2]
    assert imported == "[]"
    with on(str(db), TODAY + DAY) as rd:
        assert json.loads(document) == rd.due().to_json()
    assert run_due(db, "--user", "ben", "due").stdout == "20 new\n"
    assert run_due(db, "due", "--format", "{rep}: {due}").stdout == "ana: 13\n"
    missing = run_due(db.parent / "none.db", "due")
    assert missing.returncode == 0 and missing.stdout == ""
    assert not (db.parent / "none.db").exists()  # never created by a prompt


def test_celebrations_for_a_deck_mastered_the_first_time(
    db_url: str, write_deck: Callable[..., Path]
) -> None:
    deck = write_deck(
        "tiny",
        ["a", "b"],
        header="mastery:\n  min_interval_days: 6\n  new_per_day: 2\n",
    )
    days = [TODAY, TODAY + DAY, TODAY + 7 * DAY]
    summaries = []
    for day in days:
        with on(db_url, day) as rd:
            if day == TODAY:
                rd.load([deck])
            summaries.append(rd.drill(ScriptedIO(["", 5] * 4)))
    assert "All 2 tiny cards mastered" in summaries[1].celebrations
    assert "2 cards newly mastered" in summaries[1].celebrations
    assert not any("tiny cards mastered" in c for c in summaries[2].celebrations)


def test_reports_show_a_rep_on_hold_as_on_hold_not_overdue(db_url: str) -> None:
    with on(db_url, TODAY) as rd:
        rd.load([DECKS])
        rd.drill(ScriptedIO(["", 5] * 13))
    with on(db_url, TODAY + 5 * DAY) as rd:
        assert rd.report().to_json()["reps"][0]["overdue_cards"] == 13
        rd.hold(TODAY + 9 * DAY)
        ana = rd.report().to_json()["reps"][0]
    assert (ana["overdue_cards"], ana["due_cards"]) == (0, 0)
    assert ana["on_hold_until"] == (TODAY + 9 * DAY).isoformat()
