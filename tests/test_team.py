"""Team mode: log export/import between databases, and concurrent drills."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import DECKS, TODAY, Cli
from repdrill.store import tables as t
from repdrill.store.engine import Database
from repdrill.store.log import LineError, parse_line

GRADES = "\n".join(["", "5", "", "2", "", "4", "", "1", "", "u", "", "3", "", "5"]) + "\n"


def laptop(tmp_path: Path, cli: Cli) -> Cli:
    """A rep's own SQLite database, drilled offline over three days."""
    local = Cli(cli.runner, {**cli.env, "REPDRILL_DB": f"sqlite:///{tmp_path / 'laptop.db'}"})
    assert local("load", str(DECKS)).exit_code == 0
    for offset, day in enumerate(("2026-03-02", "2026-03-03", "2026-03-07")):
        result = local("drill", "--limit", str(4 + offset), REPDRILL_TODAY=day, input=GRADES * 2)
        assert result.exit_code == 0, result.output
    return local


def card_states(cli: Cli, rep: str = "ana") -> dict[str, tuple[object, ...]]:
    status = json.loads(cli("status", "--json", REPDRILL_USER=rep).stdout)
    states = {}
    export = [json.loads(line) for line in cli("log", "export", "--rep", rep).stdout.splitlines()]
    for card in sorted({f"{r['deck']}/{r['card']}" for r in export}):
        data = json.loads(cli("card", "show", card, "--json", REPDRILL_USER=rep).stdout)
        states[card] = (
            data["repetitions"],
            data["easiness"],
            data["interval"],
            data["due"],
            data["lapses"],
        )
    states["_status"] = tuple(
        (d["deck"], d["due_cards"], d["mastered_cards"]) for d in status["decks"]
    )
    return states


def test_export_then_import_shows_what_the_rep_sees(cli: Cli, tmp_path: Path) -> None:
    local = laptop(tmp_path, cli)
    exported = local("log", "export")
    assert exported.exit_code == 0
    lines = exported.stdout.splitlines()
    first = json.loads(lines[0])
    for key in ("review_id", "rep", "deck", "card", "grade", "reviewed_at", "card_hash"):
        assert key in first
    assert "+" in first["reviewed_at"] or first["reviewed_at"].endswith("Z")
    assert any(json.loads(line)["kind"] == "undo" for line in lines)
    path = tmp_path / "reviews.jsonl"
    path.write_text(exported.stdout)

    assert cli("load", str(DECKS)).exit_code == 0
    imported = cli("log", "import", str(path), "--json")
    assert imported.exit_code == 0, imported.output
    outcome = json.loads(imported.stdout)
    assert outcome["imported"] == len(lines) and outcome["rejected"] == 0
    assert card_states(cli) == card_states(local)


def test_import_is_idempotent_and_order_independent(cli: Cli, tmp_path: Path) -> None:
    local = laptop(tmp_path, cli)
    lines = local("log", "export").stdout.splitlines()
    early = tmp_path / "early.jsonl"
    late = tmp_path / "late.jsonl"
    early.write_text("\n".join(lines[: len(lines) // 2]) + "\n")
    late.write_text("\n".join(lines[len(lines) // 2 :]) + "\n")
    cli("load", str(DECKS))
    assert cli("log", "import", str(late)).exit_code == 0  # newer half first
    assert cli("log", "import", str(early)).exit_code == 0
    expected = card_states(local)
    assert card_states(cli) == expected
    again = json.loads(cli("log", "import", str(early), str(late), "--json").stdout)
    assert again["imported"] == 0 and again["duplicates"] == len(lines)
    assert card_states(cli) == expected


def test_since_filter(cli: Cli, tmp_path: Path) -> None:
    local = laptop(tmp_path, cli)
    recent = [
        json.loads(x) for x in local("log", "export", "--since", "2026-03-03").stdout.splitlines()
    ]
    assert recent and all(r["review_date"] >= "2026-03-03" for r in recent)


def test_malformed_lines_are_reported_and_the_rest_kept(
    cli: Cli, tmp_path: Path, db: Database
) -> None:
    local = laptop(tmp_path, cli)
    good = local("log", "export").stdout.splitlines()[:3]
    bad = [
        "not json",
        json.dumps({"review_id": "x"}),
        json.dumps(
            {**json.loads(good[0]), "review_id": "0190f7a2-0000-7000-8000-000000000001", "grade": 7}
        ),
        json.dumps(
            {
                **json.loads(good[0]),
                "review_id": "0190f7a2-0000-7000-8000-000000000002",
                "reviewed_at": "2026-03-02T09:00:00",
            }
        ),
        json.dumps(
            {
                **json.loads(good[0]),
                "review_id": "0190f7a2-0000-7000-8000-000000000003",
                "card": "no-such-card",
            }
        ),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join([good[0], *bad, good[1], "", good[2]]) + "\n")
    cli("load", str(DECKS))
    strict = cli("log", "import", str(path), "--strict")
    assert strict.exit_code == 1 and "Nothing imported" in strict.stderr
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(t.reviews)) == 0
    result = cli("log", "import", str(path))
    assert result.exit_code == 1
    messages = result.stderr.splitlines()
    assert f"{path}:2: not valid JSON (Expecting value)" in messages
    assert any(m.startswith(f"{path}:3: missing ") for m in messages)
    assert f"{path}:4: grade must be a whole number from 0 to 5, not 7" in messages
    assert any(m.startswith(f"{path}:5: reviewed_at needs a time zone") for m in messages)
    assert any(m.startswith(f"{path}:6: no card objection-handling/no-such-card") for m in messages)
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(t.reviews)) == 3


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("[]", "each line must be a JSON object"),
        ('{"review_id": "1"}', "missing rep, deck, card, grade, reviewed_at, card_hash"),
        (
            '{"review_id":"01a2134d-7acb-70a1-8401-7276cec7133c","rep":"a","deck":"d","card":"c",'
            '"grade":3,"reviewed_at":"2026-03-02T09:00:00+00:00","card_hash":"h","colour":1}',
            "unknown key colour",
        ),
        (
            '{"review_id":"nope","rep":"a","deck":"d","card":"c","grade":3,'
            '"reviewed_at":"2026-03-02T09:00:00+00:00","card_hash":"h"}',
            "review_id must be a UUID, not 'nope'",
        ),
        (
            '{"review_id":"01a2134d-7acb-70a1-8401-7276cec7133c","rep":"a","deck":"d","card":"c",'
            '"grade":3,"kind":"undo","reviewed_at":"2026-03-02T09:00:00+00:00","card_hash":"h"}',
            "an undo has no grade (null)",
        ),
    ],
)
def test_line_validation(line: str, message: str) -> None:
    with pytest.raises(LineError) as raised:
        parse_line(line)
    assert str(raised.value) == message


def test_lines_written_by_repdrill_0_1_are_still_read() -> None:
    old = (
        '{"id":"01a2134d-7acb-70a1-8401-7276cec7133c","rep":"a","deck":"d","card":"c",'
        '"grade":3,"reviewed_at":"2026-03-02T09:00:00+00:00","card_hash":"h"}'
    )
    assert parse_line(old).uuid == "01a2134d-7acb-70a1-8401-7276cec7133c"


def _spawn_drill(db_url: str, rep: str, cards: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "REPDRILL_DB": db_url,
        "REPDRILL_USER": rep,
        "REPDRILL_TODAY": TODAY.isoformat(),
        "NO_COLOR": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "repdrill", "drill", "--new", str(cards)],
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
