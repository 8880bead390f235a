"""``repdrill db check``: is the database sound, and does every state equal its log?

Four checks, each of which can fail on its own:

- integrity: SQLite's ``PRAGMA integrity_check`` (PostgreSQL has no single
  equivalent; its ``amcheck`` extension is a DBA's tool);
- the schema revision against the one this version of repdrill expects;
- the review log's append-only triggers, present and enabled (only a
  superuser, or the owner before ``team harden``, could have removed them);
- every (rep, card) state in ``card_states`` equal to the replay of that
  rep's log for the card, streamed in (rep, card) order, so the whole log
  never sits in memory.

In team mode the check sees what the connected login may read.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, text

from repdrill.schedule.replay import Revision, Schedule, final, replay
from repdrill.store import tables as t
from repdrill.store.engine import Database
from repdrill.store.migrations import head_revision
from repdrill.store.read import schedule_from_row
from repdrill.store.record import LOG_ENTRY_COLUMNS, log_entry
from repdrill.store.team import Identity, is_hardened

#: Mismatched states listed by name; the rest are only counted.
LISTED_MISMATCHES = 20
BATCH = 5_000


@dataclass(frozen=True, slots=True)
class Mismatch:
    """A rep's stored state for a card that is not what the log says."""

    rep: str
    deck: str
    card: str

    def to_json(self) -> dict[str, object]:
        return {
            "rep": self.rep,
            "ref": f"{self.deck}/{self.card}",
            "deck": self.deck,
            "card": self.card,
        }


@dataclass(frozen=True, slots=True)
class DatabaseCheck:
    """What ``db check`` found; :attr:`ok` when every check passed."""

    dialect: str
    role: str | None
    team_mode: bool
    restricted: bool
    integrity_problems: tuple[str, ...] | None
    revision: str | None
    expected_revision: str
    missing_triggers: tuple[str, ...]
    hardened: bool | None
    states_checked: int | None
    state_mismatches: int
    mismatches: tuple[Mismatch, ...]

    @property
    def ok(self) -> bool:
        return not self.problems()

    def problems(self) -> list[str]:
        """Each failed check as a sentence that says what to do."""
        found = [f"integrity: {problem}" for problem in self.integrity_problems or ()]
        if self.revision is None:
            found.append("no repdrill schema in this database: any repdrill command creates it")
        elif self.revision != self.expected_revision:
            found.append(
                f"schema revision {self.revision}, this repdrill expects "
                f"{self.expected_revision}: any repdrill command run by the owner upgrades it"
                if self.revision < self.expected_revision
                else f"schema revision {self.revision} is newer than this repdrill "
                f"({self.expected_revision}): upgrade repdrill"
            )
        if self.missing_triggers:
            found.append(
                "the review log is no longer append-only: missing or disabled trigger(s) "
                + ", ".join(self.missing_triggers)
            )
        if self.state_mismatches:
            found.append(
                f"{self.state_mismatches} card state(s) differ from the replay of their log: "
                "'repdrill log export' then 'log import' into a fresh database rebuilds them"
            )
        return found

    def to_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "dialect": self.dialect,
            "role": self.role,
            "team_mode": self.team_mode,
            "restricted": self.restricted,
            "integrity_problems": (
                None if self.integrity_problems is None else list(self.integrity_problems)
            ),
            "revision": self.revision,
            "expected_revision": self.expected_revision,
            "missing_triggers": list(self.missing_triggers),
            "hardened": self.hardened,
            "states_checked": self.states_checked,
            "state_mismatches": self.state_mismatches,
            "mismatches": [m.to_json() for m in self.mismatches],
        }


def check(db: Database, who: Identity) -> DatabaseCheck:
    """Run every check in one read transaction."""
    expected = head_revision()
    revision = db.revision()
    with db.transaction() as conn:
        dialect = conn.dialect.name
        integrity = _integrity(conn) if dialect == "sqlite" else None
        current = revision == expected
        missing = _missing_triggers(conn) if revision is not None else ()
        hardened = is_hardened(conn) if dialect == "postgresql" else None
        checked, count, listed = _replay_check(conn) if current else (None, 0, ())
    return DatabaseCheck(
        dialect=dialect,
        role=who.role,
        team_mode=who.team_mode,
        restricted=who.restricted,
        integrity_problems=integrity,
        revision=revision,
        expected_revision=expected,
        missing_triggers=missing,
        hardened=hardened,
        states_checked=checked,
        state_mismatches=count,
        mismatches=listed,
    )


def _integrity(conn: Connection) -> tuple[str, ...]:
    found = [str(row[0]) for row in conn.exec_driver_sql("PRAGMA integrity_check")]
    return () if found == ["ok"] else tuple(found)


def _missing_triggers(conn: Connection) -> tuple[str, ...]:
    """The log's triggers that are absent, disabled, or no longer refuse anything."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        present = {
            name
            for name, table, sql in conn.execute(
                text("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
            )
            if name.startswith(f"{table}_no_") and "RAISE(ABORT" in (sql or "").upper()
        }
    else:
        present = set(
            conn.scalars(
                text(
                    "SELECT tg.tgname::text FROM pg_trigger tg"
                    " JOIN pg_class c ON c.oid = tg.tgrelid"
                    " JOIN pg_proc p ON p.oid = tg.tgfoid"
                    " WHERE c.relnamespace = 'public'::regnamespace"
                    "   AND tg.tgname::text LIKE c.relname::text || '\\_no\\_%'"
                    "   AND tg.tgenabled IN ('O', 'A')"
                    "   AND p.proname = 'repdrill_append_only'"
                    "   AND p.prosrc ILIKE '%RAISE EXCEPTION%'"
                )
            )
        )
    return tuple(name for name in t.log_triggers(dialect) if name not in present)


def _replay_check(conn: Connection) -> tuple[int, int, tuple[Mismatch, ...]]:
    """States compared, states that differ, and the first few of those by name."""
    checked = differing = 0
    listed: list[tuple[int, int]] = []
    for key, replayed, stored in _merged(_replayed(conn), _stored(conn)):
        checked += 1
        if replayed != stored:
            differing += 1
            if len(listed) < LISTED_MISMATCHES:
                listed.append(key)
    return checked, differing, _named(conn, listed)


Key = tuple[int, int]


def _replayed(conn: Connection) -> Iterator[tuple[Key, Schedule | None]]:
    """Each (rep, card) in the log, with the schedule its replay ends on."""
    revisions = _revisions_by_card(conn)  # before the log streams on this connection
    r = t.reviews.c
    rows = conn.execute(
        select(r.rep_id, r.card_id, *LOG_ENTRY_COLUMNS)
        .order_by(r.rep_id, r.card_id)
        .execution_options(yield_per=BATCH)
    )
    for key, group in itertools.groupby(rows, key=lambda row: (row[0], row[1])):
        steps = replay((log_entry(row[2:]) for row in group), revisions.get(key[1], ()))
        yield key, final(steps)


def _revisions_by_card(conn: Connection) -> dict[int, list[Revision]]:
    """Every card's changes of message: the replay restarts a state at each, as loading did."""
    v = t.card_revisions.c
    by_card: dict[int, list[Revision]] = {}
    for card, revision, day, at in conn.execute(
        select(v.card_id, v.revision, v.revised_on, v.revised_at)
    ):
        by_card.setdefault(card, []).append(Revision(revision, day, at))
    return by_card


def _stored(conn: Connection) -> Iterator[tuple[Key, Schedule]]:
    s = t.card_states.c
    rows = conn.execute(
        select(t.card_states).order_by(s.rep_id, s.card_id).execution_options(yield_per=BATCH)
    )
    for row in rows:
        yield (row[0], row[1]), schedule_from_row(row[2:])


def _merged(
    replayed: Iterator[tuple[Key, Schedule | None]], stored: Iterator[tuple[Key, Schedule]]
) -> Iterator[tuple[Key, Schedule | None, Schedule | None]]:
    """Both streams, sorted by (rep, card), joined on it; a side missing is ``None``.

    A pair whose log schedules nothing (cram only, every grade undone) and
    that has no stored state is not a state at all, and is left out.
    """
    end = (None, None)
    left, right = next(replayed, end), next(stored, end)
    while left is not end or right is not end:
        left_key: Any = left[0]
        right_key: Any = right[0]
        if right is end or (left is not end and left_key < right_key):
            if left[1] is not None:
                yield left_key, left[1], None
            left = next(replayed, end)
        elif left is end or right_key < left_key:
            yield right_key, None, right[1]
            right = next(stored, end)
        else:
            yield left_key, left[1], right[1]
            left, right = next(replayed, end), next(stored, end)


def _named(conn: Connection, keys: list[Key]) -> tuple[Mismatch, ...]:
    if not keys:
        return ()
    reps = dict(
        conn.execute(
            select(t.reps.c.id, t.reps.c.name).where(t.reps.c.id.in_({r for r, _ in keys}))
        ).all()
    )
    cards = {
        card_id: (deck, card)
        for card_id, deck, card in conn.execute(
            select(t.cards.c.id, t.decks.c.slug, t.cards.c.slug)
            .select_from(t.cards.join(t.decks))
            .where(t.cards.c.id.in_({c for _, c in keys}))
        )
    }
    return tuple(
        Mismatch(str(reps.get(rep, f"rep {rep}")), *cards.get(card, ("?", f"card {card}")))
        for rep, card in keys
    )
