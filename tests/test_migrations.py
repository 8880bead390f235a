"""Migrations: the oldest schema upgrades step by step to exactly the models."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from repdrill.store.engine import SCHEMA_REVISION, Database
from repdrill.store.migrations import config, downgrade, upgrade
from repdrill.store.tables import Base


def revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_schema_revision_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(config()).get_current_head() == SCHEMA_REVISION


def test_upgrade_step_by_step_matches_the_models(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(db_url)
    for revision in revisions():
        upgrade(engine, revision)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert (
            conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            == SCHEMA_REVISION
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
    assert first.revision() == SCHEMA_REVISION
    first.close()
    second = Database.open(db_url)  # already current: no Alembic needed
    assert second.revision() == SCHEMA_REVISION
    second.close()
