"""Schema migrations, run with Alembic.

Every schema change is a revision script in ``versions/``; never change a
table by hand. To add one: ``alembic -c src/repdrill/store/migrations/alembic.ini
revision -m "what changes"``, then set ``repdrill.store.engine.SCHEMA_REVISION`` to
the new revision id (a test checks they agree).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

HERE = Path(__file__).parent


def config() -> "Config":  # type: ignore[name-defined]  # noqa: F821, UP037
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision``, in one transaction."""
    from alembic import command

    cfg = config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    cfg = config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)
