"""A deck's language, and the choices of multiple-choice cards.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decks") as batch:
        batch.add_column(
            sa.Column("language", sa.String(length=8), server_default="en", nullable=False)
        )
    with op.batch_alter_table("card_versions") as batch:
        batch.add_column(sa.Column("choices", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("card_versions") as batch:
        batch.drop_column("choices")
    with op.batch_alter_table("decks") as batch:
        batch.drop_column("language")
