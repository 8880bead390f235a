"""The engine (repdrill.store.engine): pooled PostgreSQL connections that outlive a server restart."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from pgserver import PostgresServer
from repdrill.store import engine as engine_module
from repdrill.store.engine import Database


@pytest.mark.postgres
def test_a_connection_dropped_while_idle_is_replaced_before_use(
    pg_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = pg_server.create_database("idle_drop", template="repdrill_template")
    db = Database.open(url)
    with db.transaction() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    # The server drops the pooled connection (a restart, an idle timeout on the way).
    admin = Database.open(url)
    with admin.transaction() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.close()
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0)
    with db.transaction() as conn:
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    db.close()
    pg_server.drop_database("idle_drop")
