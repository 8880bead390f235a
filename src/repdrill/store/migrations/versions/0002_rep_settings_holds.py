"""Rep settings (the daily time budget), holds for time off, and achievements.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rep_settings",
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("daily_minutes", sa.Integer(), nullable=True),
        sa.Column("best_days_met", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["rep_id"], ["reps.id"], name=op.f("fk_rep_settings_rep_id_reps")),
        sa.PrimaryKeyConstraint("rep_id", name=op.f("pk_rep_settings")),
    )
    op.create_table(
        "holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["rep_id"], ["reps.id"], name=op.f("fk_holds_rep_id_reps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
    )
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.create_index("ix_holds_rep_ends", ["rep_id", "ends_on"], unique=False)
    op.create_table(
        "achievements",
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=201), nullable=False),
        sa.Column("achieved_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["rep_id"], ["reps.id"], name=op.f("fk_achievements_rep_id_reps")),
        sa.PrimaryKeyConstraint("rep_id", "kind", "subject", name=op.f("pk_achievements")),
    )


def downgrade() -> None:
    op.drop_table("achievements")
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.drop_index("ix_holds_rep_ends")
    op.drop_table("holds")
    op.drop_table("rep_settings")
