"""Schema migrations, run with Alembic.

Every schema change is a revision script in ``versions/``, named
``NNNN_what_changes.py`` with ``revision = "NNNN"``; never change a table by
hand. To add one: ``alembic -c src/repdrill/store/migrations/alembic.ini
revision --rev-id NNNN -m "what changes"``. The newest revision is read from
the file names (:func:`head_revision`), so opening a database knows whether
it is current without importing Alembic; a test checks that Alembic agrees.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine

HERE = Path(__file__).parent


def head_revision() -> str:
    """The newest revision id: the highest ``NNNN`` prefix among the version scripts."""
    numbers = [
        name.split("_", 1)[0]
        for name in os.listdir(HERE / "versions")
        if name.endswith(".py") and name[:4].isdigit()
    ]
    return max(numbers)


def config() -> Config:
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
