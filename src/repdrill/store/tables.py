"""The database schema, as SQLAlchemy 2.0 declarative models.

The review log (:class:`ReviewRow`) is the record of what happened and is only
ever appended to. :class:`CardStateRow` and :class:`StateChangeRow` are derived
from it, kept up to date as reviews are recorded and rebuilt from the log when
logs are merged (``repdrill log import``) or a grade is undone.

Schema changes go through a migration in ``repdrill/migrations/versions``;
``tests/test_migrations.py`` checks that the migrations build exactly this.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import (
    Boolean,
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
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table(model: type[Base]) -> Table:
    """A model's Core table, for bulk inserts that skip the ORM's per-row work."""
    return cast(Table, model.__table__)


class DeckRow(Base):
    __tablename__ = "decks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(Text)
    version: Mapped[str | None] = mapped_column(Text)
    min_interval_days: Mapped[int] = mapped_column(Integer)
    new_per_day: Mapped[int] = mapped_column(Integer)
    #: The file the deck was last loaded from, and that file's hash: an
    #: unchanged file is skipped on the next load.
    source_path: Mapped[str | None] = mapped_column(Text)
    file_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CardRow(Base):
    """A card's identity: (deck, card id). Never deleted; retired instead."""

    __tablename__ = "cards"
    __table_args__ = (UniqueConstraint("deck_id", "slug", name="uq_cards_deck_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deck_id: Mapped[int] = mapped_column(ForeignKey("decks.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    #: The card's place in its deck file; new cards are introduced in this order.
    position: Mapped[int] = mapped_column(Integer)
    current_hash: Mapped[str] = mapped_column(String(64))
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CardVersionRow(Base):
    """Every text a card has had, keyed by its content hash."""

    __tablename__ = "card_versions"
    __table_args__ = (
        UniqueConstraint("card_id", "content_hash", name="uq_card_versions_card_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    prompt: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    type: Mapped[str | None] = mapped_column(String(20))
    #: JSON arrays, as the deck file gave them.
    tags: Mapped[str] = mapped_column(Text)
    key_points: Mapped[str] = mapped_column(Text)
    red_flags: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CardTagRow(Base):
    """The current tags of each card, one row each, for filtering in SQL."""

    __tablename__ = "card_tags"

    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(201), primary_key=True, index=True)


class RepRow(Base):
    __tablename__ = "reps"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CardStateRow(Base):
    """A rep's SM-2 state for one card (derived from the review log)."""

    __tablename__ = "card_states"
    __table_args__ = (Index("ix_card_states_rep_due", "rep_id", "due"),)

    rep_id: Mapped[int] = mapped_column(ForeignKey("reps.id"), primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), primary_key=True, index=True)
    repetitions: Mapped[int] = mapped_column(Integer)
    #: EF in integer hundredths: SM-2's EF steps are all whole hundredths.
    easiness_x100: Mapped[int] = mapped_column(Integer)
    interval_days: Mapped[int] = mapped_column(Integer)
    due: Mapped[dt.date] = mapped_column(Date)
    last_review_date: Mapped[dt.date] = mapped_column(Date)
    #: The day of the first scheduling review: new cards count against the
    #: daily new-card limit on that day.
    introduced_on: Mapped[dt.date] = mapped_column(Date)
    #: Scheduling reviews graded below 3.
    lapses: Mapped[int] = mapped_column(Integer)
    #: Scheduling reviews in all.
    reviews: Mapped[int] = mapped_column(Integer)


class ReviewRow(Base):
    """One entry of the append-only review log. Rows are never updated or deleted.

    ``kind`` is what the writer recorded: ``review`` (the day's first grade,
    which schedules), ``redrill`` (a later grade the same day), ``cram``
    (practice outside the schedule) or ``undo`` (takes back the review whose
    uuid is in ``undoes``).

    Triggers created by migration 0001 refuse UPDATE and DELETE on this table
    and on ``review_points``. On SQLite, a batch migration that alters either
    table recreates it, dropping the triggers: such a migration must create
    them again.
    """

    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_reviews_rep_card", "rep_id", "card_id"),
        Index("ix_reviews_rep_date", "rep_id", "review_date"),
        Index("ix_reviews_card", "card_id"),
        # Reports read one period of the log.
        Index("ix_reviews_date", "review_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("reps.id"))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"))
    card_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(10))
    grade: Mapped[int | None] = mapped_column(Integer)
    suggested_grade: Mapped[int | None] = mapped_column(Integer)
    answer: Mapped[str | None] = mapped_column(Text)
    review_date: Mapped[dt.date] = mapped_column(Date)
    reviewed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    session: Mapped[str | None] = mapped_column(String(36))
    undoes: Mapped[str | None] = mapped_column(String(36), index=True)
    #: Reviews still due for the rep right after this one: 0 means the rep had
    #: cleared the day's reviews ("days met").
    due_remaining: Mapped[int | None] = mapped_column(Integer)


class StateChangeRow(Base):
    """The SM-2 state each scheduling review left behind (derived from the log).

    Reports read mastery over time and lapse rates from here without
    replaying the log.
    """

    __tablename__ = "state_changes"
    __table_args__ = (
        Index("ix_state_changes_rep_card_date", "rep_id", "card_id", "review_date"),
        Index("ix_state_changes_card", "card_id"),
        # Reports read one period: changes made in it, and spans that ended in it.
        Index("ix_state_changes_date", "review_date"),
        Index("ix_state_changes_until", "valid_until"),
    )

    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), primary_key=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("reps.id"))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"))
    review_date: Mapped[dt.date] = mapped_column(Date)
    grade: Mapped[int] = mapped_column(Integer)
    repetitions: Mapped[int] = mapped_column(Integer)
    easiness_x100: Mapped[int] = mapped_column(Integer)
    interval_days: Mapped[int] = mapped_column(Integer)
    #: The date of the next scheduling review, when there is one: the state
    #: held from ``review_date`` until then (mastery over time in reports).
    valid_until: Mapped[dt.date | None] = mapped_column(Date)


class ReviewPointRow(Base):
    """Which key points a typed answer covered: part of the review log, append-only.

    ``point`` indexes the key points of the card version the rep saw
    (``reviews.card_hash``), so miss rates stay true across edits.
    """

    __tablename__ = "review_points"

    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), primary_key=True)
    point: Mapped[int] = mapped_column(Integer, primary_key=True)
    hit: Mapped[bool] = mapped_column(Boolean)
