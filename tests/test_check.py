"""``repdrill db check`` (repdrill.store.check): integrity, revision, triggers, states = replay."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from conftest import DECKS, TODAY, Cli
from pgserver import PostgresServer
from repdrill.store import tables as t
from repdrill.store.engine import Database
from repdrill.store.migrations import head_revision


def drilled(cli: Cli) -> Cli:
    """Three reps, several days, re-drills, a cram and an undo: states worth replaying."""
    assert cli("load", str(DECKS)).exit_code == 0
    for rep in ("ana", "ben", "carla"):
        for offset, grade in enumerate(("2", "5", "4")):
            day = (TODAY + dt.timedelta(days=offset)).isoformat()
            for card in ("price-too-high", "no-budget"):
                cli("review", card, "--grade", grade, REPDRILL_USER=rep, REPDRILL_TODAY=day)
    cli("review", "no-budget", "--grade", "1", REPDRILL_USER="ana")  # a re-drill
    cli("cram", "--limit", "1", input="\n3\n")
    cli("drill", "--limit", "1", input="\n2\n\nu\n\n5\n", REPDRILL_USER="dev")
    return cli


def check(cli: Cli) -> tuple[int, dict[str, object]]:
    result = cli("db", "check", "--json")
    return result.exit_code, json.loads(result.stdout)


def execute(db_url: str, *statements: str) -> None:
    """Change the database behind repdrill's back (as its owner or superuser)."""
    engine = create_engine(db_url)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def test_a_healthy_database_passes(cli: Cli, db_url: str) -> None:
    code, found = check(drilled(cli))
    assert code == 0, found
    assert found["ok"] and found["state_mismatches"] == 0 and found["mismatches"] == []
    assert found["states_checked"] == 7  # 3 reps x 2 cards, and dev's card
    assert found["revision"] == found["expected_revision"] == head_revision()
    assert found["missing_triggers"] == []
    assert found["integrity_problems"] == ([] if db_url.startswith("sqlite") else None)
    assert found["hardened"] is (None if db_url.startswith("sqlite") else False)
    text_output = cli("db", "check").stdout
    assert "✓ append-only log" in text_output and "7 card state(s) checked" in text_output


def test_a_corrupted_state_is_reported(cli: Cli, db_url: str) -> None:
    drilled(cli)
    execute(
        db_url,
        "UPDATE card_states SET interval_days = 99 WHERE rep_id ="
        " (SELECT id FROM reps WHERE name = 'ben') AND card_id ="
        " (SELECT id FROM cards WHERE slug = 'no-budget')",
        "DELETE FROM card_states WHERE rep_id = (SELECT id FROM reps WHERE name = 'carla')"
        " AND card_id = (SELECT id FROM cards WHERE slug = 'price-too-high')",
    )
    code, found = check(cli)
    assert code == 1 and not found["ok"]
    assert found["state_mismatches"] == 2
    assert {(m["rep"], m["ref"]) for m in found["mismatches"]} == {  # type: ignore[union-attr]
        ("ben", "objection-handling/no-budget"),
        ("carla", "objection-handling/price-too-high"),
    }
    result = cli("db", "check")
    assert "✗ 7 card state(s) checked against the replay of their log; 2 differ" in result.stdout
    assert "ben: objection-handling/no-budget" in result.stdout
    assert "Problem: 2 card state(s) differ" in result.stderr


def test_a_state_without_a_log_is_reported(cli: Cli, db_url: str) -> None:
    drilled(cli)
    execute(
        db_url,
        "INSERT INTO card_states SELECT r.id, c.id, 1, 250, 1, '2026-03-03', '2026-03-02',"
        " '2026-03-02', 0, 1 FROM reps r, cards c WHERE r.name = 'ana' AND c.slug = 'cfo-core-value-prop'",
    )
    code, found = check(cli)
    assert code == 1 and found["state_mismatches"] == 1


def test_missing_triggers_are_reported(cli: Cli, db_url: str) -> None:
    drilled(cli)
    on = " ON reviews" if db_url.startswith("postgresql") else ""
    execute(db_url, f"DROP TRIGGER reviews_no_update{on}")
    code, found = check(cli)
    assert code == 1 and found["missing_triggers"] == ["reviews_no_update"]
    assert "no longer append-only" in cli("db", "check").stderr


@pytest.mark.postgres
def test_a_disabled_or_emptied_trigger_counts_as_missing(pg_server: PostgresServer) -> None:
    url = pg_server.create_database("check_disabled", template="repdrill_template")
    try:
        execute(url, "ALTER TABLE review_points DISABLE TRIGGER review_points_no_truncate")
        code, found = check(Cli(CliRunner(), {"REPDRILL_DB": url, "NO_COLOR": "1"}))
        assert code == 1 and found["missing_triggers"] == ["review_points_no_truncate"]
        execute(
            url,
            "CREATE OR REPLACE FUNCTION repdrill_append_only() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        )
        code, found = check(Cli(CliRunner(), {"REPDRILL_DB": url, "NO_COLOR": "1"}))
        assert set(found["missing_triggers"]) == set(t.log_triggers("postgresql"))
    finally:
        pg_server.drop_database("check_disabled")


def test_an_old_schema_is_reported_not_upgraded(cli: Cli, db_url: str) -> None:
    drilled(cli)
    execute(db_url, "UPDATE alembic_version SET version_num = '0002'")
    code, found = check(cli)
    assert code == 1
    assert found["revision"] == "0002" and found["states_checked"] is None
    assert "upgrades it" in cli("db", "check").stderr
    db = Database.open(db_url, migrate=False)
    assert db.revision() == "0002"
    db.close()


def test_create_all_builds_the_same_protected_log(
    backend: str, tmp_path: object, request: pytest.FixtureRequest
) -> None:
    """``metadata.create_all()`` (no migrations) gets the log's triggers from the tables."""
    from repdrill.store.check import check as run_check
    from repdrill.store.team import SINGLE_USER

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/create_all.db"
    else:
        url = request.getfixturevalue("pg_server").create_database("create_all")
    try:
        engine = create_engine(url)
        t.metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
            conn.execute(
                text("INSERT INTO alembic_version VALUES (:head)"), {"head": head_revision()}
            )
        engine.dispose()
        db = Database.open(url)
        found = run_check(db, SINGLE_USER)
        db.close()
        assert found.ok, found.problems()
        assert found.missing_triggers == ()
    finally:
        if backend != "sqlite":
            request.getfixturevalue("pg_server").drop_database("create_all")


def test_a_revised_card_passes(cli: Cli, write_deck: Callable[..., Path]) -> None:
    """A revision restarts the state on load; the check replays it the same way."""
    card = "  - id: price\n    prompt: The price?\n    answer: It is $2.80 an invoice.\n"
    deck = write_deck("d", [card])
    assert cli("load", str(deck)).exit_code == 0
    for offset in (0, 1):
        day = (TODAY + dt.timedelta(days=offset)).isoformat()
        assert cli("review", "d/price", "--grade", "5", REPDRILL_TODAY=day).exit_code == 0
    revised = card.replace("$2.80", "$2.40") + "    revision: 2\n"
    write_deck("d", [revised])
    later = (TODAY + dt.timedelta(days=3)).isoformat()
    loaded = cli("load", str(deck), "--json", REPDRILL_TODAY=later)
    assert json.loads(loaded.stdout)["decks"][0]["revised_ids"] == ["price"]
    code, found = check(cli)
    assert code == 0, found
    assert found["states_checked"] == 1 and found["state_mismatches"] == 0
