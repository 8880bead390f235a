"""Review logs between databases (repdrill.store.log): export, import, line validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import DECKS, Cli
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
        f'"grade":3,"reviewed_at":"2026-03-02T09:00:00+00:00","card_hash":"{"0" * 64}"}}'
    )
    assert parse_line(old).uuid == "01a2134d-7acb-70a1-8401-7276cec7133c"
