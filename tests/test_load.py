"""`repdrill load`: upsert, retire, revive, versions, dry runs, all-or-nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from conftest import DECKS, Cli, card_yaml
from repdrill.store import tables as t
from repdrill.store.engine import Database


def counts(db: Database) -> dict[str, int]:
    with db.transaction() as session:
        return {
            "decks": session.scalar(select(func.count()).select_from(t.decks)) or 0,
            "cards": session.scalar(select(func.count()).select_from(t.cards)) or 0,
            "retired": session.scalar(
                select(func.count()).select_from(t.cards).where(t.cards.c.retired_at.is_not(None))
            )
            or 0,
            "versions": session.scalar(select(func.count()).select_from(t.card_versions)) or 0,
        }


def load_json(cli: Cli, *paths: Path | str, dry_run: bool = False) -> dict[str, object]:
    args = ["load", *map(str, paths), "--json"] + (["--dry-run"] if dry_run else [])
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_loading_the_shipped_decks(cli: Cli, db: Database) -> None:
    result = cli("load", str(DECKS))
    assert result.exit_code == 0, result.output
    assert "objection-handling (new deck)" in result.stdout
    assert "Loaded 2 decks: 60 new, 0 changed, 0 unchanged, 0 retired cards." in result.stdout
    assert counts(db) == {"decks": 2, "cards": 60, "retired": 0, "versions": 60}


def test_new_changed_unchanged_retired(
    cli: Cli, db: Database, write_deck: Callable[..., Path]
) -> None:
    path = write_deck("alpha", ["a", "b", "c"])
    first = load_json(cli, path)
    assert first["decks"][0]["new_ids"] == ["a", "b", "c"]  # type: ignore[index]
    write_deck("alpha", [card_yaml("a", answer="A better answer."), "c", "d"])
    second = load_json(cli, path)
    deck = second["decks"][0]  # type: ignore[index]
    assert (deck["new_ids"], deck["changed_ids"], deck["unchanged_cards"], deck["retired_ids"]) == (
        ["d"],
        ["a"],
        1,
        ["b"],
    )
    assert counts(db) == {"decks": 1, "cards": 4, "retired": 1, "versions": 5}


def test_dry_run_reports_and_writes_nothing(
    cli: Cli, db: Database, write_deck: Callable[..., Path]
) -> None:
    path = write_deck("alpha", ["a", "b"])
    load_json(cli, path)
    before = counts(db)
    write_deck("alpha", [card_yaml("a", answer="Edited."), "z"])
    report = load_json(cli, path, dry_run=True)
    deck = report["decks"][0]  # type: ignore[index]
    assert report["dry_run"] is True
    assert (deck["new_ids"], deck["changed_ids"], deck["retired_ids"]) == (["z"], ["a"], ["b"])
    assert counts(db) == before
    human = cli("load", str(path), "--dry-run")
    assert "Dry run: nothing was written." in human.stdout
    assert counts(db) == before


def test_editing_a_card_keeps_its_schedule_and_history(
    cli: Cli, db: Database, write_deck: Callable[..., Path]
) -> None:
    path = write_deck("alpha", ["a"])
    load_json(cli, path)
    assert cli("review", "alpha/a", "--grade", "5").exit_code == 0
    write_deck("alpha", [card_yaml("a", prompt="A reworded prompt?")])
    load_json(cli, path)
    shown = json.loads(cli("card", "show", "alpha/a", "--json").stdout)
    assert shown["prompt"] == "A reworded prompt?"
    assert shown["repetitions"] == 1 and shown["interval"] == 1
    assert len(shown["history"]) == 1
    # The review stays tied to the text the rep saw.
    assert shown["history"][0]["card_hash"] != shown["content_hash"]
    with db.transaction() as session:
        hashes = set(session.scalars(select(t.card_versions.c.content_hash)))
    assert shown["history"][0]["card_hash"] in hashes


def test_removed_card_is_retired_then_revived_with_history(
    cli: Cli, db: Database, write_deck: Callable[..., Path]
) -> None:
    path = write_deck("alpha", ["a", "b"])
    load_json(cli, path)
    assert cli("review", "alpha/b", "--grade", "4").exit_code == 0
    write_deck("alpha", ["a"])
    assert load_json(cli, path)["decks"][0]["retired_ids"] == ["b"]  # type: ignore[index]
    shown = json.loads(cli("card", "show", "alpha/b", "--json").stdout)
    assert shown["retired"] is True and len(shown["history"]) == 1
    status = json.loads(cli("status", "--json").stdout)
    assert status["decks"][0]["active_cards"] == 1 and status["decks"][0]["retired_cards"] == 1
    refused = cli("review", "alpha/b", "--grade", "4")
    assert refused.exit_code == 1 and "retired" in refused.stderr
    write_deck("alpha", ["a", "b"])
    assert load_json(cli, path)["decks"][0]["revived_ids"] == ["b"]  # type: ignore[index]
    shown = json.loads(cli("card", "show", "alpha/b", "--json").stdout)
    assert shown["retired"] is False and shown["repetitions"] == 1
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(t.reviews)) == 1


def test_invalid_deck_aborts_the_whole_load(
    cli: Cli, db: Database, write_deck: Callable[..., Path]
) -> None:
    write_deck("good", ["a", "b"])
    bad = write_deck(
        "bad", raw="id: bad\ntitle: Bad\ncards:\n  - id: x\n    prompt: p\n    answer: yes\n"
    )
    result = cli("load", str(bad.parent))
    assert result.exit_code == 1
    assert f"{bad}:6:13: card 'x': answer: YAML reads 'yes' as a boolean" in result.stderr
    assert "nothing was written" in result.stderr
    assert counts(db) == {"decks": 0, "cards": 0, "retired": 0, "versions": 0}


def test_unchanged_files_are_skipped(
    cli: Cli, db: Database, write_deck: Callable[..., Path]
) -> None:
    path = write_deck("alpha", ["a"])
    load_json(cli, path)
    again = load_json(cli, path)
    assert again["decks"][0]["skipped"] is True  # type: ignore[index]
    assert "file unchanged, skipped" in cli("load", str(path)).stdout


def test_only_named_decks_retire_cards(
    cli: Cli, db: Database, write_deck: Callable[..., Path]
) -> None:
    alpha = write_deck("alpha", ["a", "b"])
    beta = write_deck("beta", ["x"])
    load_json(cli, alpha.parent)
    write_deck("beta", ["y"])
    report = load_json(cli, beta)
    assert [d["deck"] for d in report["decks"]] == ["beta"]  # type: ignore[index]
    assert counts(db)["retired"] == 1  # beta/x only; alpha untouched
    del alpha


def test_same_deck_id_twice_in_one_load(
    cli: Cli, db: Database, write_deck: Callable[..., Path]
) -> None:
    write_deck("alpha", ["a"], name="one.yaml")
    second = write_deck("alpha", ["b"], name="two.yaml")
    result = cli("load", str(second.parent))
    assert result.exit_code == 1
    assert "deck id 'alpha' is also used by" in result.stderr
    assert counts(db)["decks"] == 0


def test_same_deck_id_twice_when_one_file_is_unchanged(
    cli: Cli, db: Database, write_deck: Callable[..., Path]
) -> None:
    one = write_deck("alpha", ["a"], name="one.yaml")
    load_json(cli, one)
    write_deck("alpha", ["b"], name="two.yaml")
    result = cli("load", str(one.parent))
    assert result.exit_code == 1 and "also used by" in result.stderr


def test_no_deck_files_is_an_error(cli: Cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli("load", str(empty))
    assert result.exit_code == 1 and "no deck files" in result.stderr


def test_missing_path_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("load", str(tmp_path / "nope"))
    assert result.exit_code == 2


def test_no_progress_bar_when_piped(cli: Cli, write_deck: Callable[..., Path]) -> None:
    path = write_deck("big", [f"c{i}" for i in range(2000)])
    result = cli("load", str(path))
    assert result.exit_code == 0
    assert "\r" not in result.output and "Loading" not in result.output


def test_reordering_cards_is_not_a_change(cli: Cli, write_deck: Callable[..., Path]) -> None:
    path = write_deck("alpha", ["a", "b"])
    load_json(cli, path)
    write_deck("alpha", ["b", "a"])
    deck = load_json(cli, path)["decks"][0]  # type: ignore[index]
    assert (deck["changed_ids"], deck["unchanged_cards"]) == ([], 2)
    result = cli("drill", "--limit", "1", input="\n5\n")
    assert "alpha/b" in result.stdout


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    db = Database.open(f"sqlite:///{tmp_path / 'wal.db'}")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.close()


@pytest.mark.parametrize("statement", ["UPDATE reviews SET grade = 0", "DELETE FROM reviews"])
def test_the_review_log_refuses_edits(
    cli: Cli, db: Database, write_deck: Callable[..., Path], statement: str
) -> None:
    load_json(cli, write_deck("alpha", ["a"]))
    assert cli("review", "alpha/a", "--grade", "4").exit_code == 0
    with pytest.raises(Exception, match="append-only"), db.transaction(write=True) as session:
        session.execute(text(statement))
    with db.transaction() as session:
        assert session.scalar(select(t.reviews.c.grade)) == 4


def test_retiring_a_dropped_deck_keeps_history(
    cli: Cli, db: Database, write_deck: Callable[..., Path]
) -> None:
    path = write_deck("old", ["a", "b"])
    load_json(cli, path)
    cli("review", "old/a", "--grade", "4")
    dry = cli("deck", "retire", "old", "--dry-run")
    assert dry.exit_code == 0 and "Would retire 2 cards of old" in dry.stdout
    assert counts(db)["retired"] == 0
    assert cli("deck", "retire", "old").exit_code == 0
    assert counts(db)["retired"] == 2
    shown = json.loads(cli("card", "show", "old/a", "--json").stdout)
    assert shown["retired"] is True and len(shown["history"]) == 1
    assert cli("drill", "--deck", "old").exit_code == 1  # nothing active to drill
    revived = load_json(cli, path)["decks"][0]  # type: ignore[index]
    assert revived["revived_ids"] == ["a", "b"] and not revived["skipped"]
    missing = cli("deck", "retire", "nope")
    assert missing.exit_code == 1 and "no deck 'nope'" in missing.stderr
