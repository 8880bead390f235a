"""Migrations (repdrill.store.migrations): the oldest schema upgrades step by step to the tables."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from repdrill.store import tables as t
from repdrill.store.engine import Database
from repdrill.store.migrations import config, downgrade, head_revision, upgrade


@pytest.fixture
def empty_db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A second database on the same backend, with no schema at all."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server = request.getfixturevalue("pg_server")
    name = f"empty_{os.getpid()}_{id(request)}"
    yield server.create_database(name)
    server.drop_database(name)


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


def describe(url: str) -> dict[str, object]:
    """Everything the schema is made of: tables, columns in order, keys, indexes, triggers."""
    engine = create_engine(url)
    found: dict[str, object] = {}
    with engine.connect() as conn:
        schema = inspect(conn)
        for table in sorted(schema.get_table_names()):
            found[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                    for c in schema.get_columns(table)
                ],
                "primary_key": schema.get_pk_constraint(table),
                "foreign_keys": sorted(map(repr, schema.get_foreign_keys(table))),
                "indexes": sorted(map(repr, schema.get_indexes(table))),
                "unique": sorted(map(repr, schema.get_unique_constraints(table))),
                "checks": sorted(map(repr, schema.get_check_constraints(table))),
            }
        if conn.dialect.name == "sqlite":
            found["objects"] = conn.execute(
                text(
                    "SELECT type, name, tbl_name, sql FROM sqlite_master "
                    "WHERE type NOT IN ('table', 'index') ORDER BY name"
                )
            ).all()
        else:
            found["objects"] = conn.execute(
                text(
                    "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
                    "WHERE NOT tgisinternal ORDER BY tgname"
                )
            ).all()
            found["functions"] = conn.execute(
                text(
                    "SELECT proname, pg_get_functiondef(p.oid) FROM pg_proc p "
                    "JOIN pg_namespace n ON n.oid = p.pronamespace "
                    "WHERE n.nspname = 'public' ORDER BY proname"
                )
            ).all()
            found["sequences"] = conn.execute(
                text(
                    "SELECT sequence_name, data_type, start_value, increment "
                    "FROM information_schema.sequences ORDER BY sequence_name"
                )
            ).all()
            found["security"] = conn.execute(
                text(
                    "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND relkind = 'r' ORDER BY relname"
                )
            ).all()
            found["policies"] = conn.execute(
                text("SELECT * FROM pg_policies ORDER BY tablename, policyname")
            ).all()
    engine.dispose()
    return found


def test_a_new_database_gets_the_schema_the_migrations_build(
    db_url: str, empty_db_url: str
) -> None:
    fresh = Database.open(db_url)
    assert fresh.revision() == head_revision()
    fresh.close()
    engine = create_engine(empty_db_url)
    for revision in revisions():
        upgrade(engine, revision)
    engine.dispose()
    assert describe(db_url) == describe(empty_db_url)


def test_a_new_database_is_made_without_alembic(tmp_path: Path) -> None:
    script = (
        "import sys; from repdrill.store.engine import Database; "
        f"Database.open('sqlite:///{tmp_path / 'new.db'}').close(); "
        "assert 'alembic' not in sys.modules, 'Alembic was imported'"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_two_processes_opening_a_new_database_at_once(empty_db_url: str) -> None:
    """Both find the schema made, once; neither fails on the other's tables."""
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            Database.open(empty_db_url).close()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db = Database.open(empty_db_url)
    assert db.revision() == head_revision()
    db.close()
