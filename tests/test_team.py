"""Team mode: reps drilling one database at once, from several processes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from conftest import DECKS, TODAY, Cli
from repdrill.store import tables as t
from repdrill.store.engine import Database

#: Subprocesses and real terminals: seconds each; `pytest -m "not slow"` skips them.
pytestmark = pytest.mark.slow


def _spawn_drill(db_url: str, rep: str, cards: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "REPDRILL_DB": db_url,
        "REPDRILL_USER": rep,
        "REPDRILL_TODAY": TODAY.isoformat(),
        "NO_COLOR": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "repdrill", "drill", "--new", str(cards), "--minutes", "60"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_two_reps_drilling_at_once_lose_nothing(cli: Cli, db_url: str, db: Database) -> None:
    assert cli("load", str(DECKS)).exit_code == 0
    cards = 20
    script = "".join("\n5\n" for _ in range(cards))
    procs = [_spawn_drill(db_url, rep, cards) for rep in ("ana", "ben", "carla")]
    for proc in procs:
        _out, err = proc.communicate(script, timeout=180)
        assert proc.returncode == 0, err
    with db.transaction() as session:
        per_rep = {
            row[0]: row[1]
            for row in session.execute(
                select(t.reviews.c.rep_id, func.count()).group_by(t.reviews.c.rep_id)
            )
        }
        states = session.scalar(select(func.count()).select_from(t.card_states))
    assert sorted(per_rep.values()) == [cards, cards, cards]
    assert states == 3 * cards


def test_one_rep_in_two_terminals_loses_no_grade(cli: Cli, db_url: str, db: Database) -> None:
    assert cli("load", str(DECKS)).exit_code == 0
    env = {
        **os.environ,
        "REPDRILL_DB": db_url,
        "REPDRILL_USER": "ana",
        "REPDRILL_TODAY": TODAY.isoformat(),
    }
    cards = ["price-too-high", "just-give-me-a-discount", "no-budget", "bad-timing-next-quarter"]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import subprocess, sys\n"
                f"for card in {cards!r}:\n"
                "    subprocess.run([sys.executable, '-m', 'repdrill', 'review', card, '--grade', sys.argv[1]], check=True, capture_output=True)",
                grade,
            ],
            env=env,
        )
        for grade in ("4", "5")
    ]
    for proc in procs:
        assert proc.wait(timeout=180) == 0
    with db.transaction() as session:
        kinds = list(session.scalars(select(t.reviews.c.kind)))
    assert len(kinds) == 8
    assert kinds.count("review") == 4 and kinds.count("redrill") == 4
