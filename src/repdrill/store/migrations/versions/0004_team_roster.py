"""The team roster for team mode, and TRUNCATE refused on the review log.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-14

The roster (teams, their reps and their managers) is what row-level security
reads on PostgreSQL to let a manager see their teams' reps; SQLite gets the
same tables, which stay empty. The triggers of 0001 refuse UPDATE and DELETE
on the log, but TRUNCATE fires neither: on PostgreSQL the table owner could
still empty the log with ``TRUNCATE reviews CASCADE``. Statement triggers
close that (SQLite has no TRUNCATE).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_LOG_TABLES = ("reviews", "review_points")


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_teams")),
    )
    op.create_table(
        "team_reps",
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("rep", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["team"],
            ["teams.name"],
            name=op.f("fk_team_reps_team_teams"),
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team", "rep", name=op.f("pk_team_reps")),
    )
    with op.batch_alter_table("team_reps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_reps_rep"), ["rep"], unique=False)
    op.create_table(
        "team_managers",
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("manager", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["team"],
            ["teams.name"],
            name=op.f("fk_team_managers_team_teams"),
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team", "manager", name=op.f("pk_team_managers")),
    )
    with op.batch_alter_table("team_managers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_managers_manager"), ["manager"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for table in _LOG_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION repdrill_append_only()"
            )


#: Downgrading below the roster ends team mode: its policies and functions
#: depend on the roster tables, and grants without policies would show every
#: rep's rows. The group roles and logins stay (roles belong to the server).
_END_TEAM_MODE = r"""
DO $$
DECLARE
    g text;
    p record;
BEGIN
    IF to_regprocedure('public.repdrill_groups()') IS NOT NULL THEN
        FOR g IN SELECT role_name FROM public.repdrill_groups() LOOP
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = g) THEN
                EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', g);
                EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %I', g);
            END IF;
        END LOOP;
    END IF;
    FOR p IN SELECT policyname, tablename FROM pg_policies
              WHERE schemaname = 'public' AND policyname LIKE 'repdrill\_%' LOOP
        EXECUTE format('DROP POLICY %I ON public.%I', p.policyname, p.tablename);
    END LOOP;
END $$
"""
_TEAM_FUNCTIONS = (
    "repdrill_may_write(text)",
    "repdrill_team_rep_ids()",
    "repdrill_team_rep_names()",
    "repdrill_my_rep_id()",
    "repdrill_groups()",
)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_END_TEAM_MODE)
        op.execute("DROP VIEW IF EXISTS public.repdrill_picked_choices")
        for function in _TEAM_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS public.{function}")
        for table in _LOG_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    with op.batch_alter_table("team_managers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_managers_manager"))
    op.drop_table("team_managers")
    with op.batch_alter_table("team_reps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_reps_rep"))
    op.drop_table("team_reps")
    op.drop_table("teams")
