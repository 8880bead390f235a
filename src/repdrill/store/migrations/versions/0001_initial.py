"""Initial schema: decks, cards and their versions, reps, states and the review log.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "decks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("version", sa.Text(), nullable=True),
        sa.Column("min_interval_days", sa.Integer(), nullable=False),
        sa.Column("new_per_day", sa.Integer(), nullable=False),
        sa.Column("source_path", sa.Text(), nullable=True),
        sa.Column("file_hash", sa.String(length=64), nullable=True),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decks")),
        sa.UniqueConstraint("slug", name=op.f("uq_decks_slug")),
    )
    with op.batch_alter_table("decks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decks_file_hash"), ["file_hash"], unique=False)

    op.create_table(
        "reps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reps")),
        sa.UniqueConstraint("name", name=op.f("uq_reps_name")),
    )
    op.create_table(
        "cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deck_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("current_hash", sa.String(length=64), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["deck_id"], ["decks.id"], name=op.f("fk_cards_deck_id_decks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cards")),
        sa.UniqueConstraint("deck_id", "slug", name="uq_cards_deck_slug"),
    )
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cards_deck_id"), ["deck_id"], unique=False)

    op.create_table(
        "card_states",
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("repetitions", sa.Integer(), nullable=False),
        sa.Column("easiness_x100", sa.Integer(), nullable=False),
        sa.Column("interval_days", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("last_review_date", sa.Date(), nullable=False),
        sa.Column("introduced_on", sa.Date(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_card_states_card_id_cards")
        ),
        sa.ForeignKeyConstraint(["rep_id"], ["reps.id"], name=op.f("fk_card_states_rep_id_reps")),
        sa.PrimaryKeyConstraint("rep_id", "card_id", name=op.f("pk_card_states")),
    )
    with op.batch_alter_table("card_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_card_states_card_id"), ["card_id"], unique=False)
        batch_op.create_index("ix_card_states_rep_due", ["rep_id", "due"], unique=False)

    op.create_table(
        "card_tags",
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=201), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], name=op.f("fk_card_tags_card_id_cards")),
        sa.PrimaryKeyConstraint("card_id", "tag", name=op.f("pk_card_tags")),
    )
    with op.batch_alter_table("card_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_card_tags_tag"), ["tag"], unique=False)

    op.create_table(
        "card_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=True),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("key_points", sa.Text(), nullable=False),
        sa.Column("red_flags", sa.Text(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_card_versions_card_id_cards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_versions")),
        sa.UniqueConstraint("card_id", "content_hash", name="uq_card_versions_card_hash"),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("card_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("suggested_grade", sa.Integer(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("session", sa.String(length=36), nullable=True),
        sa.Column("undoes", sa.String(length=36), nullable=True),
        sa.Column("due_remaining", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], name=op.f("fk_reviews_card_id_cards")),
        sa.ForeignKeyConstraint(["rep_id"], ["reps.id"], name=op.f("fk_reviews_rep_id_reps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("uuid", name=op.f("uq_reviews_uuid")),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index("ix_reviews_card", ["card_id"], unique=False)
        batch_op.create_index("ix_reviews_date", ["review_date"], unique=False)
        batch_op.create_index("ix_reviews_rep_card", ["rep_id", "card_id"], unique=False)
        batch_op.create_index("ix_reviews_rep_date", ["rep_id", "review_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviews_undoes"), ["undoes"], unique=False)

    op.create_table(
        "review_points",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("point", sa.Integer(), nullable=False),
        sa.Column("hit", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_review_points_review_id_reviews")
        ),
        sa.PrimaryKeyConstraint("review_id", "point", name=op.f("pk_review_points")),
    )
    op.create_table(
        "state_changes",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("repetitions", sa.Integer(), nullable=False),
        sa.Column("easiness_x100", sa.Integer(), nullable=False),
        sa.Column("interval_days", sa.Integer(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_state_changes_card_id_cards")
        ),
        sa.ForeignKeyConstraint(["rep_id"], ["reps.id"], name=op.f("fk_state_changes_rep_id_reps")),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_state_changes_review_id_reviews")
        ),
        sa.PrimaryKeyConstraint("review_id", name=op.f("pk_state_changes")),
    )
    with op.batch_alter_table("state_changes", schema=None) as batch_op:
        batch_op.create_index("ix_state_changes_card", ["card_id"], unique=False)
        batch_op.create_index("ix_state_changes_date", ["review_date"], unique=False)
        batch_op.create_index("ix_state_changes_until", ["valid_until"], unique=False)
        batch_op.create_index(
            "ix_state_changes_rep_card_date", ["rep_id", "card_id", "review_date"], unique=False
        )
    _protect_log()


#: The review log is append-only; the database itself refuses edits.
_LOG_TABLES = ("reviews", "review_points")


def _protect_log() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION repdrill_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the review log is append-only'; END $$"
        )
    for table in _LOG_TABLES:
        for action in ("UPDATE", "DELETE"):
            name = f"{table}_no_{action.lower()}"
            if dialect == "sqlite":
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'the review log is append-only'); END"
                )
            elif dialect == "postgresql":
                op.execute(
                    f"CREATE TRIGGER {name} BEFORE {action} ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION repdrill_append_only()"
                )


def _unprotect_log() -> None:
    dialect = op.get_bind().dialect.name
    for table in _LOG_TABLES:
        for action in ("update", "delete"):
            if dialect == "sqlite":
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
            elif dialect == "postgresql":
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action} ON {table}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS repdrill_append_only()")


def downgrade() -> None:
    _unprotect_log()

    with op.batch_alter_table("state_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_state_changes_rep_card_date")
        batch_op.drop_index("ix_state_changes_until")
        batch_op.drop_index("ix_state_changes_date")
        batch_op.drop_index("ix_state_changes_card")

    op.drop_table("state_changes")
    op.drop_table("review_points")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviews_undoes"))
        batch_op.drop_index("ix_reviews_rep_date")
        batch_op.drop_index("ix_reviews_rep_card")
        batch_op.drop_index("ix_reviews_date")
        batch_op.drop_index("ix_reviews_card")

    op.drop_table("reviews")
    op.drop_table("card_versions")
    with op.batch_alter_table("card_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_tags_tag"))

    op.drop_table("card_tags")
    with op.batch_alter_table("card_states", schema=None) as batch_op:
        batch_op.drop_index("ix_card_states_rep_due")
        batch_op.drop_index(batch_op.f("ix_card_states_card_id"))

    op.drop_table("card_states")
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cards_deck_id"))

    op.drop_table("cards")
    op.drop_table("reps")
    with op.batch_alter_table("decks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decks_file_hash"))

    op.drop_table("decks")
