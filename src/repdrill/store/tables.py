"""The database schema, as SQLAlchemy Core tables.

The review log (:data:`reviews` and :data:`review_points`) is the record of
what happened and is only ever appended to. :data:`card_states` and
:data:`state_changes` are derived from it: kept up to date as reviews are
recorded, and rebuilt from the log when logs are merged (``repdrill log
import``) or a grade is undone.

Core tables rather than ORM classes: every query here is a statement, never
an object graph, and the ORM would add its import to every command's start.

The roster tables (:data:`teams`, :data:`team_reps`, :data:`team_managers`)
serve team mode on PostgreSQL (``repdrill team``); elsewhere they stay empty.

Schema changes go through a migration in ``migrations/versions``;
``tests/test_migrations.py`` checks that the migrations build exactly this,
and that a new database made from these tables (:mod:`repdrill.store._schema`)
is the same as one migrated step by step: a column a migration adds goes
last in its table here, where ``ALTER TABLE`` puts it.
The review log's append-only triggers are declared here too
(:func:`log_triggers`), so that ``metadata.create_all()`` builds the same
protected log as the migrations, and ``repdrill db check`` knows what to look for.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    DDL,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.engine import Dialect

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timestamps stored in UTC and always read back time-zone aware.

    SQLite has no time zone type; PostgreSQL gets ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; repdrill stores aware timestamps only")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


metadata = MetaData(naming_convention=NAMING)

decks = Table(
    "decks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(100), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("description", Text),
    Column("owner", Text),
    Column("version", Text),
    Column("min_interval_days", Integer, nullable=False),
    Column("new_per_day", Integer, nullable=False),
    # The file the deck was last loaded from, and that file's hash: an
    # unchanged file is skipped on the next load.
    Column("source_path", Text),
    Column("file_hash", String(64), index=True),
    Column("loaded_at", UTCDateTime, nullable=False),
    # ISO 639-1: the language typed answers are stemmed and read for negations in.
    Column("language", String(8), nullable=False, server_default="en"),
    # The day the deck's owner should review it by (``review_by`` in the file).
    Column("review_by", Date),
)

#: A card's identity: (deck, card id). Never deleted; retired instead.
cards = Table(
    "cards",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("deck_id", Integer, ForeignKey("decks.id"), nullable=False, index=True),
    Column("slug", String(100), nullable=False),
    # The card's place in its deck file; new cards are introduced in this order.
    Column("position", Integer, nullable=False),
    Column("current_hash", String(64), nullable=False),
    Column("retired_at", UTCDateTime),
    # The card's ``revision`` as last loaded: a higher one in the file is a
    # change of message (see :data:`card_revisions`).
    Column("revision", Integer, nullable=False, server_default="1"),
    Column("review_by", Date),
    UniqueConstraint("deck_id", "slug", name="uq_cards_deck_slug"),
)

#: A change of a card's message: a load found its ``revision`` raised. Every rep
#: who had reviewed the card before ``revised_at`` relearns it. Like the review
#: log, these rows are input to the replay (:mod:`repdrill.schedule.replay`)
#: and are never updated or deleted.
card_revisions = Table(
    "card_revisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("card_id", Integer, ForeignKey("cards.id"), nullable=False),
    Column("revision", Integer, nullable=False),
    # The version of the card's text the revision introduced.
    Column("content_hash", String(64), nullable=False),
    Column("revised_on", Date, nullable=False),
    Column("revised_at", UTCDateTime, nullable=False),
    UniqueConstraint("card_id", "revision", name="uq_card_revisions_card_revision"),
    # Reports read the revisions of one period.
    Index("ix_card_revisions_revised_on", "revised_on"),
)

#: Every text a card has had, keyed by its content hash.
card_versions = Table(
    "card_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("card_id", Integer, ForeignKey("cards.id"), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("prompt", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("type", String(20)),
    # JSON arrays, as the deck file gave them.
    Column("tags", Text, nullable=False),
    Column("key_points", Text, nullable=False),
    Column("red_flags", Text, nullable=False),
    Column("explanation", Text),
    Column("source", Text),
    Column("created_at", UTCDateTime, nullable=False),
    # A multiple-choice card's choices as a JSON array of {text, why, correct};
    # NULL for a card graded by its key points.
    Column("choices", Text),
    UniqueConstraint("card_id", "content_hash", name="uq_card_versions_card_hash"),
)

#: The current tags of each card, one row each, for filtering in SQL.
card_tags = Table(
    "card_tags",
    metadata,
    Column("card_id", Integer, ForeignKey("cards.id"), primary_key=True),
    Column("tag", String(201), primary_key=True, index=True),
)

reps = Table(
    "reps",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

#: A rep's SM-2 state for one card (derived from the review log).
card_states = Table(
    "card_states",
    metadata,
    Column("rep_id", Integer, ForeignKey("reps.id"), primary_key=True),
    Column("card_id", Integer, ForeignKey("cards.id"), primary_key=True, index=True),
    Column("repetitions", Integer, nullable=False),
    # EF in integer hundredths: SM-2's EF steps are all whole hundredths.
    Column("easiness_x100", Integer, nullable=False),
    Column("interval_days", Integer, nullable=False),
    Column("due", Date, nullable=False),
    Column("last_review_date", Date, nullable=False),
    # The day of the first scheduling review: new cards count against the
    # daily new-card limit on that day.
    Column("introduced_on", Date, nullable=False),
    # Scheduling reviews graded below 3, and scheduling reviews in all.
    Column("lapses", Integer, nullable=False),
    Column("reviews", Integer, nullable=False),
    Index("ix_card_states_rep_due", "rep_id", "due"),
)

#: One entry of the append-only review log. Rows are never updated or deleted.
#:
#: ``kind`` is what the writer recorded (:class:`repdrill.schedule.replay.ReviewKind`).
#: Triggers refuse UPDATE and DELETE on this table and on ``review_points``
#: (migration 0001), and TRUNCATE on PostgreSQL (migration 0004); see
#: :func:`log_triggers`. On SQLite, a batch migration that alters either
#: table recreates it, dropping the triggers: such a migration must create
#: them again. In team mode the view ``repdrill_picked_choices``
#: (``sql/team-setup.sql``) reads ``answer``, ``card_hash`` and
#: ``card_versions.choices``: a migration that alters one of those columns on
#: PostgreSQL drops the view first; team setup, which runs after upgrades,
#: creates it again.
reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("rep_id", Integer, ForeignKey("reps.id"), nullable=False),
    Column("card_id", Integer, ForeignKey("cards.id"), nullable=False),
    Column("card_hash", String(64), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("grade", Integer),
    Column("suggested_grade", Integer),
    Column("answer", Text),
    Column("review_date", Date, nullable=False),
    Column("reviewed_at", UTCDateTime, nullable=False),
    Column("session", String(36)),
    Column("undoes", String(36), index=True),
    # Reviews still due for the rep right after this one: 0 means the rep had
    # cleared the day's reviews ("days met").
    Column("due_remaining", Integer),
    Index("ix_reviews_rep_card", "rep_id", "card_id"),
    Index("ix_reviews_rep_date", "rep_id", "review_date"),
    Index("ix_reviews_card", "card_id"),
    # Reports read one period of the log.
    Index("ix_reviews_date", "review_date"),
)

#: The SM-2 state each scheduling review left behind (derived from the log),
#: so that reports read mastery over time and lapse rates without a replay.
state_changes = Table(
    "state_changes",
    metadata,
    Column("review_id", Integer, ForeignKey("reviews.id"), primary_key=True),
    Column("rep_id", Integer, ForeignKey("reps.id"), nullable=False),
    Column("card_id", Integer, ForeignKey("cards.id"), nullable=False),
    Column("review_date", Date, nullable=False),
    Column("grade", Integer, nullable=False),
    Column("repetitions", Integer, nullable=False),
    Column("easiness_x100", Integer, nullable=False),
    Column("interval_days", Integer, nullable=False),
    # The date of the next scheduling review, when there is one: the state
    # held from ``review_date`` until then (mastery over time in reports).
    Column("valid_until", Date),
    Index("ix_state_changes_rep_card_date", "rep_id", "card_id", "review_date"),
    Index("ix_state_changes_card", "card_id"),
    # Reports read one period: changes made in it, and spans that ended in it.
    Index("ix_state_changes_date", "review_date"),
    Index("ix_state_changes_until", "valid_until"),
)

#: Which key points a typed answer covered: part of the review log, append-only.
#: ``point`` indexes the key points of the card version the rep saw
#: (``reviews.card_hash``), so miss rates stay true across edits.
review_points = Table(
    "review_points",
    metadata,
    Column("review_id", Integer, ForeignKey("reviews.id"), primary_key=True),
    Column("point", Integer, primary_key=True),
    Column("hit", Boolean, nullable=False),
)

#: A rep's own settings, kept in the database so they follow the rep across
#: machines in team mode. ``daily_minutes`` NULL means the default budget.
rep_settings = Table(
    "rep_settings",
    metadata,
    Column("rep_id", Integer, ForeignKey("reps.id"), primary_key=True),
    Column("daily_minutes", Integer),
    # The most days met in any 30-day window so far: a new best is celebrated.
    Column("best_days_met", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

#: Time off: from ``starts_on`` through ``ends_on`` nothing is due for the rep,
#: and those days count as days met. Not part of the review log: a hold can
#: be moved or cleared.
holds = Table(
    "holds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rep_id", Integer, ForeignKey("reps.id"), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_holds_rep_ends", "rep_id", "ends_on"),
)

#: What a rep has reached once (a deck or a tag fully mastered), so that it is
#: celebrated the first time only.
achievements = Table(
    "achievements",
    metadata,
    Column("rep_id", Integer, ForeignKey("reps.id"), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("subject", String(201), primary_key=True),
    Column("achieved_on", Date, nullable=False),
)
# -- the team roster (team mode on PostgreSQL) -------------------------------------

#: A team in the roster that ``repdrill team load`` copies from ``teams.yaml``.
teams = Table(
    "teams",
    metadata,
    Column("name", String(100), primary_key=True),
)

#: The reps on each team. ``rep`` is a rep's name, which in team mode is also
#: their login role. Not a foreign key to ``reps``: a roster lists reps before
#: their first drill.
team_reps = Table(
    "team_reps",
    metadata,
    Column(
        "team",
        String(100),
        ForeignKey("teams.name", ondelete="CASCADE", onupdate="CASCADE"),
        primary_key=True,
    ),
    Column("rep", String(100), primary_key=True, index=True),
)

#: Who manages each team: login role names. A manager reads the reps of the
#: teams they manage, and nothing else.
team_managers = Table(
    "team_managers",
    metadata,
    Column(
        "team",
        String(100),
        ForeignKey("teams.name", ondelete="CASCADE", onupdate="CASCADE"),
        primary_key=True,
    ),
    Column("manager", String(100), primary_key=True, index=True),
)

# -- the review log is append-only ------------------------------------------------

#: The tables of the review log.
LOG_TABLES = ("reviews", "review_points")
APPEND_ONLY = "the review log is append-only"


def log_triggers(dialect: str) -> tuple[str, ...]:
    """The triggers that keep the review log append-only on ``dialect``.

    UPDATE and DELETE everywhere; TRUNCATE too on PostgreSQL (SQLite has no
    TRUNCATE, and its DELETE without WHERE fires the DELETE trigger).
    """
    actions = ("update", "delete", "truncate") if dialect == "postgresql" else ("update", "delete")
    return tuple(f"{table}_no_{action}" for table in LOG_TABLES for action in actions)


def _on_create(table: Table, dialect: str, statement: str) -> None:
    ddl = DDL(statement).execute_if(dialect=dialect)  # type: ignore[no-untyped-call]
    event.listen(table, "after_create", ddl)


def _protect_log() -> None:
    """Create the log's triggers whenever ``metadata.create_all()`` creates its tables."""
    _on_create(
        reviews,
        "postgresql",
        "CREATE OR REPLACE FUNCTION repdrill_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$",
    )
    for table in (reviews, review_points):
        for action in ("UPDATE", "DELETE"):
            name = f"{table.name}_no_{action.lower()}"
            _on_create(
                table,
                "sqlite",
                f"CREATE TRIGGER {name} BEFORE {action} ON {table.name} "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
            )
            _on_create(
                table,
                "postgresql",
                f"CREATE TRIGGER {name} BEFORE {action} ON {table.name} "
                "FOR EACH ROW EXECUTE FUNCTION repdrill_append_only()",
            )
        _on_create(
            table,
            "postgresql",
            f"CREATE TRIGGER {table.name}_no_truncate BEFORE TRUNCATE ON {table.name} "
            "FOR EACH STATEMENT EXECUTE FUNCTION repdrill_append_only()",
        )


_protect_log()
