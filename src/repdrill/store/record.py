"""Recording reviews: the one writer of the review log and the states derived from it.

Each function takes a connection in a write transaction
(``db.transaction(write=True)``); the caller commits (one transaction per
grade) before showing the next card. A grade is applied incrementally when it
is the day's next scheduling review; an undo, an out-of-order grade or an
imported log is applied by replaying the card's log
(:mod:`repdrill.schedule.replay`), so the stored state always equals the
replay.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    Date,
    Executable,
    Insert,
    Integer,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from repdrill.cards import CardView, iso
from repdrill.config import Clock
from repdrill.errors import NotFound, RetiredCard
from repdrill.ids import uuid7
from repdrill.schedule.replay import (
    LogEntry,
    ReviewKind,
    Revision,
    Schedule,
    Step,
    final,
    replay,
    schedule_after,
    schedules,
)
from repdrill.schedule.rules import is_mastered
from repdrill.schedule.sm2 import INITIAL_EASINESS, check_grade
from repdrill.store import tables as t
from repdrill.store._sql import insert_rows
from repdrill.store.engine import KEPT
from repdrill.store.read import (
    card_views,
    due_count_query,
    lock_rep,
    revised_after,
    revision_events,
    schedule_from_row,
)

#: Stands for the id of a log entry not inserted yet.
_NEW_ENTRY = -1


@dataclass(frozen=True, slots=True)
class Recorded:
    """What recording one grade did: the review logged and the schedule it left.

    ``review_id`` is the review's id in the log (a time-ordered UUID), the one
    :meth:`repdrill.Repdrill.undo` takes.
    """

    review_id: str
    card: CardView
    kind: ReviewKind
    grade: int
    suggested_grade: int | None
    before: Schedule | None
    after: Schedule | None
    due_remaining: int

    @property
    def interval(self) -> int:
        return self.after.state.interval if self.after else 0

    @property
    def easiness(self) -> float:
        return float(self.after.state.easiness) if self.after else float(INITIAL_EASINESS)

    @property
    def repetitions(self) -> int:
        return self.after.state.repetitions if self.after else 0

    @property
    def due(self) -> dt.date | None:
        return self.after.due if self.after else None

    @property
    def mastered(self) -> bool:
        return is_mastered(self.after.state.interval if self.after else None, self._threshold)

    @property
    def newly_mastered(self) -> bool:
        return self.mastered and not self._was_mastered

    @property
    def lost_mastery(self) -> bool:
        return self._was_mastered and not self.mastered

    @property
    def _was_mastered(self) -> bool:
        return is_mastered(self.before.state.interval if self.before else None, self._threshold)

    @property
    def _threshold(self) -> int:
        return self.card.min_interval_days

    def to_json(self) -> dict[str, object]:
        return {
            **self.card.identity(),
            "review_id": self.review_id,
            "kind": self.kind.value,
            "grade": self.grade,
            "suggested_grade": self.suggested_grade,
            "repetitions": self.repetitions,
            "easiness": self.easiness,
            "interval": self.interval,
            "due": iso(self.due),
            "mastered": self.mastered,
            "newly_mastered": self.newly_mastered,
        }


def state_values(schedule: Schedule) -> dict[str, object]:
    return {
        "repetitions": schedule.state.repetitions,
        "easiness_x100": schedule.state.easiness_x100,
        "interval_days": schedule.state.interval,
        "due": schedule.due,
        "last_review_date": schedule.last_review_date,
        "introduced_on": schedule.introduced_on,
        "lapses": schedule.lapses,
        "reviews": schedule.reviews,
    }


def record_grade(
    conn: Connection,
    *,
    rep: int,
    card: CardView,
    grade: int,
    clock: Clock,
    answer: str | None = None,
    suggested_grade: int | None = None,
    points_hit: Sequence[bool] = (),
    session_id: str | None = None,
    cram: bool = False,
) -> Recorded:
    """Log one grade and apply it to the rep's schedule if it is the day's first.

    The caller commits before showing the next card.
    """
    sql = _statements(conn)
    # The card as the database has it now: it may have been retired while on screen.
    if card.retired or conn.execute(sql.retired, {"card": card.db_id}).scalar() is not None:
        raise RetiredCard(card.ref)
    grade = check_grade(grade)
    if suggested_grade is not None:
        suggested_grade = check_grade(suggested_grade)
    today, now = clock.today, clock.now()
    review_uuid = uuid7()
    due_count = _DueCount(conn, rep, today)
    kept = due_count.kept()
    if sql.lock is not None:
        conn.execute(sql.lock, {"rep": rep})
    row = conn.execute(sql.read_state, {"rep": rep, "card": card.db_id, "today": today}).first()
    before = None if row is None or row[0] is None else schedule_from_row(row[:-1])
    # The reviews due apart from this card: what the count kept since the
    # last grade says, less this card's own part in it (none for a new card).
    others = None if kept is None else kept - (0 if row is None else int(row[-1]))
    after = before
    steps: list[Step] | None = None
    # A grade dated before a revision of the card (a simulated --today going
    # back) is replayed too, so the revision restarts what it scheduled.
    revised_later = card.revision > 1 and revised_after(conn, card.db_id, today, now)
    if cram:
        kind = ReviewKind.CRAM
    elif schedules(before, today) and not revised_later:
        kind = ReviewKind.REVIEW
        after = schedule_after(before, grade, today)
        save = sql.update_state if before is not None else sql.insert_state
        conn.execute(save, {"rep": rep, "card": card.db_id, **state_values(after)})
    elif (before is not None and today < before.last_review_date) or (
        revised_later and schedules(before, today)
    ):
        # A grade dated before the last review (a simulated --today going
        # back): the replay of the log decides what it changes.
        entry = LogEntry(review_uuid, ReviewKind.REVIEW, grade, today, now, None, _NEW_ENTRY)
        steps, after = _replay_and_save(conn, rep, card.db_id, entry)
        # The replay decides whether this grade is its day's first: the same rule
        # labels it whatever order the days were graded in.
        scheduled = any(step.entry.uuid == review_uuid for step in steps)
        kind = ReviewKind.REVIEW if scheduled else ReviewKind.REDRILL
        others = None
    else:
        kind = ReviewKind.REDRILL
    review = {
        "uuid": review_uuid,
        "rep_id": rep,
        "card_id": card.db_id,
        "card_hash": card.content_hash,
        "kind": kind.value,
        "grade": grade,
        "suggested_grade": suggested_grade,
        "answer": answer or None,
        "review_date": today,
        "reviewed_at": now,
        "session": session_id,
        "undoes": None,
    }
    changed = kind is ReviewKind.REVIEW and steps is None and after is not None
    if changed and sql.review_and_close is not None and others is None:
        review_id, remaining = conn.execute(
            sql.review_and_close, {_FOLDED + name: value for name, value in review.items()}
        ).one()
    else:
        review_id, remaining = _insert_review(conn, sql, review, others)
        if changed:
            conn.execute(sql.close_spans, {"rep": rep, "card": card.db_id, "today": today})
    if changed:
        assert after is not None
        conn.execute(
            sql.insert_change,
            {"review_id": review_id, "rep_id": rep, "card_id": card.db_id}
            | _change_values(after, grade),
        )
    if points_hit:
        conn.execute(
            sql.insert_points,
            [{"review_id": review_id, "point": i, "hit": hit} for i, hit in enumerate(points_hit)],
        )
    if steps is not None:
        _write_state_changes(conn, rep, card.db_id, steps, review_id)
    due_count.keep(remaining)
    return Recorded(
        review_id=review_uuid,
        card=card,
        kind=kind,
        grade=grade,
        suggested_grade=suggested_grade,
        before=before,
        after=after,
        due_remaining=remaining,
    )


def _change_values(schedule: Schedule, grade: int) -> dict[str, object]:
    return {
        "review_date": schedule.last_review_date,
        "grade": grade,
        "repetitions": schedule.state.repetitions,
        "easiness_x100": schedule.state.easiness_x100,
        "interval_days": schedule.state.interval,
        "valid_until": None,
    }


def _insert_review(
    conn: Connection, sql: _Statements, review: dict[str, object], others: int | None
) -> tuple[int, int]:
    """Log one review with the count of reviews still due right after it.

    With ``others`` (the due reviews of every other card, kept since the
    last grade) the database adds this card's own part, by the same rule;
    without, it counts them all.
    """
    if others is None:
        review_id, remaining = conn.execute(sql.insert_counted_review, review).one()
    else:
        statement = sql.insert_review
        review_id, remaining = conn.execute(statement, {**review, "others": others}).one()
    return int(review_id), int(remaining)


class _DueCount:
    """The count of reviews still due, kept between one rep's grades on SQLite.

    Counting every due card after each grade is most of what a grade costs
    the database. A grade changes one card's state, so the count after it
    is the count after the previous grade, less that card's part before and
    plus its part after, as long as nothing else changed in between. SQLite
    tells exactly that: ``PRAGMA data_version`` changes when another
    connection commits, and ``total_changes`` counts this connection's own
    writes. Whenever either has moved, and on other databases, the count is
    taken afresh (on PostgreSQL, inside the statement that logs the review).
    Made inside the grade's write transaction, so nothing can commit meanwhile;
    a transaction that rolls back drops it (:data:`~repdrill.store.engine.KEPT`).
    """

    def __init__(self, conn: Connection, rep: int, today: dt.date) -> None:
        self.conn, self.rep, self.today = conn, rep, today
        self.raw: Any = None
        self.version = 0
        if conn.dialect.name == "sqlite":
            self.raw = conn.connection.dbapi_connection
            self.version = int(conn.exec_driver_sql("PRAGMA data_version").scalar_one())

    def kept(self) -> int | None:
        """The count after this rep's previous grade, if nothing has changed since."""
        found = self.conn.info.get(KEPT, {}).get("due_count") if self.raw is not None else None
        if found is None or found[:-1] != self._stamp():
            return None
        return int(found[-1])

    def keep(self, count: int) -> None:
        if self.raw is not None:
            self.conn.info.setdefault(KEPT, {})["due_count"] = (*self._stamp(), count)

    def _stamp(self) -> tuple[object, ...]:
        return (id(self.raw), self.version, self.raw.total_changes, self.rep, self.today)


@dataclass(frozen=True, slots=True)
class _Statements:
    """A grade's statements, built once per database dialect, with bound parameters.

    Building and compiling a statement costs more than SQLite takes to run
    it; built once, each execution only binds its values.
    """

    #: PostgreSQL: the rep's row lock, taken before the state is read.
    lock: Executable | None
    #: When the card was retired (NULL while it is active).
    retired: Executable
    read_state: Executable
    insert_state: Executable
    update_state: Executable
    #: The review, its count of reviews due added to the kept count of the others.
    insert_review: Executable
    #: The review, with every review due counted afresh.
    insert_counted_review: Executable
    close_spans: Executable
    insert_change: Executable
    insert_points: Executable
    #: PostgreSQL: the review with its count, and the end of the previous
    #: state's span, in one statement (one round trip instead of three). The
    #: new state change follows on its own: in team mode its row-level check
    #: looks for the review, which a statement's own CTEs cannot see.
    review_and_close: Executable | None


_BUILT: dict[str, _Statements] = {}


def _statements(conn: Connection) -> _Statements:
    dialect = conn.dialect.name
    if dialect not in _BUILT:
        _BUILT[dialect] = _build_statements(dialect)
    return _BUILT[dialect]


#: The prefix of the parameters of the folded statement on PostgreSQL.
_FOLDED = "p_"


def _param(table: Table, column: str, prefix: str = "") -> BindParameter[Any]:
    return bindparam(prefix + column, type_=table.c[column].type)


def _counted_review(prefix: str, others: BindParameter[int] | None = None) -> Insert:
    """Log a review, with the count of reviews still due taken in the same statement.

    With ``others``, only the reviewed card is counted, and added to it.
    """
    r = t.reviews
    still_due = due_count_query(_param(r, "rep_id", prefix), _param(r, "review_date", prefix))
    due_remaining: Any = still_due.scalar_subquery()
    if others is not None:
        this_card = t.card_states.c.card_id == _param(r, "card_id", prefix)
        due_remaining = others + still_due.where(this_card).scalar_subquery()
    return (
        insert(r)
        .values(
            **{name: _param(r, name, prefix) for name in REVIEW_COLUMNS},
            due_remaining=due_remaining,
        )
        .returning(r.c.id, r.c.due_remaining)
    )


def _build_statements(dialect: str) -> _Statements:
    states, reviews, changes = t.card_states, t.reviews, t.state_changes
    s, c = states.c, changes.c
    rep, card = bindparam("rep", type_=Integer), bindparam("card", type_=Integer)
    state_columns = [s[name] for name in _STATE_NAMES]
    # This card's part in the count of reviews due (0 or 1), by the count's own rule.
    counted = (
        due_count_query(rep, bindparam("today", type_=Date))
        .where(s.card_id == card)
        .correlate(None)
        .scalar_subquery()
    )
    state_params = {name: _param(states, name) for name in _STATE_NAMES}
    read_state = select(*state_columns, counted).where(s.rep_id == rep, s.card_id == card)
    lock = None
    if dialect == "postgresql":
        # The rep's row lock serialises one rep's grades across connections.
        # The state is read by the next statement, which sees what a grade
        # that held the lock before committed (SQLite's BEGIN IMMEDIATE holds
        # its write lock already).
        lock = select(t.reps.c.id).where(t.reps.c.id == rep).with_for_update()
    change_names = ("review_id", "rep_id", "card_id", *_CHANGE_NAMES)
    review_and_close = None
    if dialect == "postgresql":
        # Named apart from every column: an UPDATE takes any execution
        # parameter named like one of its columns as a value to SET.
        logged = _counted_review(_FOLDED).cte("logged")
        closed = (
            update(changes)
            .where(
                c.rep_id == _param(reviews, "rep_id", _FOLDED),
                c.card_id == _param(reviews, "card_id", _FOLDED),
                c.valid_until.is_(None),
            )
            .values(valid_until=_param(reviews, "review_date", _FOLDED))
            .cte("closed")
        )
        review_and_close = select(logged.c.id, logged.c.due_remaining).add_cte(closed)
    return _Statements(
        lock=lock,
        retired=select(t.cards.c.retired_at).where(t.cards.c.id == card),
        read_state=read_state,
        insert_state=insert(states).values(rep_id=rep, card_id=card, **state_params),
        update_state=update(states)
        .where(s.rep_id == rep, s.card_id == card)
        .values(**state_params),
        insert_review=_counted_review("", others=bindparam("others", type_=Integer)),
        insert_counted_review=_counted_review(""),
        close_spans=update(changes)
        .where(c.rep_id == rep, c.card_id == card, c.valid_until.is_(None))
        .values(valid_until=bindparam("today", type_=Date)),
        insert_change=insert(changes).values(
            {name: _param(changes, name) for name in change_names}
        ),
        insert_points=insert(t.review_points),
        review_and_close=review_and_close,
    )


_STATE_NAMES = (
    "repetitions",
    "easiness_x100",
    "interval_days",
    "due",
    "last_review_date",
    "introduced_on",
    "lapses",
    "reviews",
)
#: A review's columns as a grade or an import writes them (``due_remaining`` is
#: computed by the grade's statement, and copied by an import).
REVIEW_COLUMNS = (
    "uuid",
    "rep_id",
    "card_id",
    "card_hash",
    "kind",
    "grade",
    "suggested_grade",
    "answer",
    "review_date",
    "reviewed_at",
    "session",
    "undoes",
)
_CHANGE_NAMES = (
    "review_date",
    "grade",
    "repetitions",
    "easiness_x100",
    "interval_days",
    "valid_until",
)


def _save_schedule(
    conn: Connection, rep: int, card: int, schedule: Schedule | None, existed: bool
) -> None:
    key = (t.card_states.c.rep_id == rep, t.card_states.c.card_id == card)
    if schedule is None:
        conn.execute(delete(t.card_states).where(*key))
    elif existed:
        conn.execute(update(t.card_states).where(*key).values(**state_values(schedule)))
    else:
        conn.execute(
            insert(t.card_states).values(rep_id=rep, card_id=card, **state_values(schedule))
        )


def undo(
    conn: Connection,
    *,
    rep: int,
    review_uuid: str,
    clock: Clock,
    session_id: str | None = None,
) -> tuple[CardView, Schedule | None]:
    """Take back a grade: log an ``undo`` entry and restore the state from the log.

    Returns the card and its restored schedule (``None`` when the undone grade
    was its first).
    """
    r = t.reviews.c
    target = conn.execute(
        select(r.card_id, r.card_hash, r.kind).where(r.uuid == review_uuid, r.rep_id == rep)
    ).first()
    if target is None or target.kind == ReviewKind.UNDO:
        raise NotFound(f"no grade {review_uuid} to undo for this rep")
    card = card_views(conn, [target.card_id])[target.card_id]
    lock_rep(conn, rep)
    undo_uuid, now = uuid7(), clock.now()
    entry = LogEntry(undo_uuid, ReviewKind.UNDO, None, clock.today, now, review_uuid, _NEW_ENTRY)
    steps, restored = _replay_and_save(conn, rep, card.db_id, entry)
    undo_id, _ = _insert_review(
        conn,
        _statements(conn),
        {
            "uuid": undo_uuid,
            "rep_id": rep,
            "card_id": card.db_id,
            "card_hash": target.card_hash,
            "kind": ReviewKind.UNDO.value,
            "grade": None,
            "suggested_grade": None,
            "answer": None,
            "review_date": clock.today,
            "reviewed_at": now,
            "session": session_id,
            "undoes": review_uuid,
        },
        None,
    )
    _write_state_changes(conn, rep, card.db_id, steps, undo_id)
    return card, restored


#: The review-log columns the replay reads, in :class:`LogEntry` order.
LOG_ENTRY_COLUMNS = (
    t.reviews.c.uuid,
    t.reviews.c.kind,
    t.reviews.c.grade,
    t.reviews.c.review_date,
    t.reviews.c.reviewed_at,
    t.reviews.c.undoes,
    t.reviews.c.id,
)


def log_entry(row: Sequence[Any]) -> LogEntry:
    """A :class:`LogEntry` from the :data:`LOG_ENTRY_COLUMNS` of one row."""
    uuid, kind, grade, day, at, undoes, review_id = row
    return LogEntry(uuid, ReviewKind(kind), grade, day, at, undoes, review_id)


def log_entries(conn: Connection, rep: int, card: int) -> list[LogEntry]:
    """The rep's log for one card, as the replay reads it."""
    r = t.reviews.c
    rows = conn.execute(select(*LOG_ENTRY_COLUMNS).where(r.rep_id == rep, r.card_id == card))
    return [log_entry(row) for row in rows]


def _replay_and_save(
    conn: Connection, rep: int, card: int, extra: LogEntry | None = None
) -> tuple[list[Step], Schedule | None]:
    entries = log_entries(conn, rep, card)
    if extra is not None:
        entries.append(extra)
    # The card's revisions are replayed with the log: a log merged later still
    # relearns what changed after its reviews.
    steps = replay(entries, revision_events(conn, card))
    schedule = final(steps)
    existed = conn.scalar(
        select(func.count())
        .select_from(t.card_states)
        .where(t.card_states.c.rep_id == rep, t.card_states.c.card_id == card)
    )
    _save_schedule(conn, rep, card, schedule, existed=bool(existed))
    return steps, schedule


def _write_state_changes(
    conn: Connection, rep: int, card: int, steps: list[Step], new_id: int = _NEW_ENTRY
) -> None:
    changes = t.state_changes.c
    conn.execute(delete(t.state_changes).where(changes.rep_id == rep, changes.card_id == card))
    rows = _state_change_rows(rep, card, steps, new_id)
    if rows:
        conn.execute(_statements(conn).insert_change, rows)


def _state_change_rows(
    rep: int, card: int, steps: list[Step], new_id: int = _NEW_ENTRY
) -> list[dict[str, object]]:
    """The state changes a replay's steps leave, each valid until the next (or a revision)."""
    rows = []
    for step, following in zip(steps, [*steps[1:], None], strict=False):
        assert step.entry.grade is not None
        until = step.ended_on or (following.entry.review_date if following else None)
        rows.append(
            {
                "review_id": new_id if step.entry.review_id == _NEW_ENTRY else step.entry.review_id,
                "rep_id": rep,
                "card_id": card,
                **_change_values(step.schedule, step.entry.grade),
                "valid_until": until,
            }
        )
    return rows


def rebuild_schedule(conn: Connection, rep: int, card: int) -> Schedule | None:
    """Recompute a rep's state for a card from the review log, and store it."""
    steps, schedule = _replay_and_save(conn, rep, card)
    _write_state_changes(conn, rep, card, steps)
    return schedule


# -- many states at once (log import) -------------------------------------------------

STATE_COLUMNS = ("rep_id", "card_id", *_STATE_NAMES)
CHANGE_COLUMNS = ("review_id", "rep_id", "card_id", *_CHANGE_NAMES)


def rebuild_schedules(conn: Connection, pairs: Sequence[tuple[int, int]]) -> None:
    """Recompute many (rep id, card id) states from the review log, in a few statements.

    The bulk form of :func:`rebuild_schedule`, for merged logs: the pairs'
    log entries and their cards' revisions are read by two set-based
    queries, replayed here, and the states and state changes written by
    executemany. Give a few hundred pairs at a time.
    """
    if not pairs:
        return
    entries = log_entries_of(conn, pairs)
    revisions = revisions_of(conn, {card for _, card in pairs})
    states: list[tuple[object, ...]] = []
    changes: list[tuple[object, ...]] = []
    for rep, card in pairs:
        state, changed = replayed_rows(rep, card, entries[(rep, card)], revisions[card])
        if state is not None:
            states.append(state)
        changes += changed
    replace_states(conn, pairs, states, changes)


def log_entries_of(
    conn: Connection, pairs: Sequence[tuple[int, int]]
) -> dict[tuple[int, int], list[LogEntry]]:
    """The log of each (rep id, card id) pair, as the replay reads it, in one query."""
    wanted = set(pairs)
    r = t.reviews.c
    entries: dict[tuple[int, int], list[LogEntry]] = {pair: [] for pair in wanted}
    if not wanted:
        return entries
    # Every review of these reps on these cards: a few more than the pairs
    # when the pairs cross, dropped here.
    for row in conn.execute(
        select(r.rep_id, r.card_id, *LOG_ENTRY_COLUMNS).where(
            r.rep_id.in_(sorted({rep for rep, _ in wanted})),
            r.card_id.in_(sorted({card for _, card in wanted})),
        )
    ):
        found = entries.get((row[0], row[1]))
        if found is not None:
            found.append(log_entry(row[2:]))
    return entries


def revisions_of(conn: Connection, cards: Iterable[int]) -> dict[int, list[Revision]]:
    """The revisions of each card, as the replay reads them, in one query."""
    v = t.card_revisions.c
    revisions: dict[int, list[Revision]] = {card: [] for card in cards}
    if not revisions:
        return revisions
    for card, revision, day, at in conn.execute(
        select(v.card_id, v.revision, v.revised_on, v.revised_at).where(
            v.card_id.in_(sorted(revisions))
        )
    ):
        revisions[card].append(Revision(revision, day, at))
    return revisions


def replayed_rows(
    rep: int,
    card: int,
    entries: list[LogEntry],
    revisions: list[Revision],
) -> tuple[tuple[object, ...] | None, list[tuple[object, ...]]]:
    """The replay of one pair's log: its state row (``None`` when it has none) and state changes.

    Rows are in :data:`STATE_COLUMNS` and :data:`CHANGE_COLUMNS` order; a change
    caused by an entry not yet stored has the entry's ``review_id`` as it was given.
    """
    steps = replay(entries, revisions)
    schedule = final(steps)
    state = None
    if schedule is not None:
        values = state_values(schedule)
        state = (rep, card, *(values[name] for name in _STATE_NAMES))
    changes = [
        (step.entry.review_id, *(row[name] for name in CHANGE_COLUMNS[1:]))
        for step, row in zip(steps, _state_change_rows(rep, card, steps), strict=True)
    ]
    return state, changes


def replace_states(
    conn: Connection,
    pairs: Sequence[tuple[int, int]],
    states: Sequence[Sequence[object]],
    changes: Sequence[Sequence[object]],
) -> None:
    """Put ``states`` and ``changes`` (replayed rows) in the place of what ``pairs`` had stored."""
    wanted = set(pairs)
    reps = sorted({rep for rep, _ in wanted})
    cards = sorted({card for _, card in wanted})
    # Only the pairs that have something stored need it deleted (none, for a new rep).
    for table in (t.card_states, t.state_changes):
        c = table.c
        stored = {
            (rep, card)
            for rep, card in conn.execute(
                select(c.rep_id, c.card_id).where(c.rep_id.in_(reps), c.card_id.in_(cards))
            )
        } & wanted
        if stored:
            conn.execute(
                delete(table).where(
                    c.rep_id == bindparam("rep", type_=Integer),
                    c.card_id == bindparam("card", type_=Integer),
                ),
                [{"rep": rep, "card": card} for rep, card in sorted(stored)],
            )
    insert_rows(conn, t.card_states, STATE_COLUMNS, states)
    insert_rows(conn, t.state_changes, CHANGE_COLUMNS, changes)
