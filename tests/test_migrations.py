"""Migrations (repdrill.store.migrations): the oldest schema upgrades step by step to the tables."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from repdrill.store import tables as t
from repdrill.store.engine import Database
from repdrill.store.migrations import config, downgrade, head_revision, upgrade


def revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_the_head_read_from_file_names_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(config())
    assert script.get_current_head() == head_revision()
    for revision in script.walk_revisions():
        # The convention head_revision() relies on: the file is named after its revision.
        assert revision.path is not None
        assert Path(revision.path).name.startswith(f"{revision.revision}_")


def test_upgrade_step_by_step_matches_the_tables(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(db_url)
    for revision in revisions():
        upgrade(engine, revision)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, t.metadata) == []
        assert (
            conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            == head_revision()
        )
    engine.dispose()


def test_downgrade_to_nothing_and_back(db_url: str) -> None:
    engine = create_engine(db_url)
    upgrade(engine, "head")
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine, "head")
    assert {"decks", "cards", "reviews"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_opening_a_database_migrates_it_once(db_url: str) -> None:
    first = Database.open(db_url)
    assert first.revision() == head_revision()
    first.close()
    second = Database.open(db_url)  # already current: no Alembic needed
    assert second.revision() == head_revision()
    second.close()
