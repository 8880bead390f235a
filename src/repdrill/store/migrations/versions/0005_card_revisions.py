"""Card revisions (a change of message reps relearn) and review-by dates.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decks") as batch:
        batch.add_column(sa.Column("review_by", sa.Date(), nullable=True))
    with op.batch_alter_table("cards") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
        batch.add_column(sa.Column("review_by", sa.Date(), nullable=True))
    op.create_table(
        "card_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("revised_on", sa.Date(), nullable=False),
        sa.Column("revised_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_card_revisions_card_id_cards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_revisions")),
        sa.UniqueConstraint("card_id", "revision", name="uq_card_revisions_card_revision"),
    )
    with op.batch_alter_table("card_revisions") as batch:
        batch.create_index("ix_card_revisions_revised_on", ["revised_on"], unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Team mode's policies let an author's load restart states on a revision.
        for table in ("card_states", "state_changes"):
            op.execute(f"DROP POLICY IF EXISTS repdrill_author_relearn ON {table}")
    with op.batch_alter_table("card_revisions") as batch:
        batch.drop_index("ix_card_revisions_revised_on")
    op.drop_table("card_revisions")
    with op.batch_alter_table("cards") as batch:
        batch.drop_column("review_by")
        batch.drop_column("revision")
    with op.batch_alter_table("decks") as batch:
        batch.drop_column("review_by")
