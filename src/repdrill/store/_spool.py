"""The lines of a log import, validated and waiting, in a temporary SQLite file.

An import reads every line before it writes anything, so that duplicates,
conflicts and undos are judged against the whole input and ``--strict`` can
refuse it all. Held in Python, a million lines took over a gigabyte; held
here, on disk with a small page cache, memory stays flat however long the
files are, and the checks that span lines are set-based queries. The spool
is the import's own (stdlib ``sqlite3``, whatever the target database) and is
deleted when the import ends.

Each line moves through :class:`State`: every line starts as a candidate, the
checks reject, refuse or set aside the ones they must, and what is left is
written. On SQLite the states those lines lead to are replayed into the spool
too, before the write lock is taken (``replayed``), and the write stores them.
"""

from __future__ import annotations

import datetime as dt
import pickle
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from enum import IntEnum
from pathlib import Path
from types import TracebackType
from typing import Any

from repdrill.schedule.replay import LogEntry, ReviewKind
from repdrill.store._sql import CHUNK

#: Rows per page read back, and per executemany.
PAGE = 2_000

#: The fields two records of one review id are compared on, as spool columns,
#: and as the line format names them.
COMPARED = {
    "rep": "rep",
    "card_id": "card",
    "kind": "kind",
    "grade": "grade",
    "suggested": "suggested_grade",
    "answer": "typed_answer",
    "review_date": "review_date",
    "reviewed_at": "reviewed_at",
    "card_hash": "card_hash",
    "session": "session",
    "undoes": "undoes",
    "due_remaining": "due_remaining",
    "points": "points",
}

_SCHEMA = """
CREATE TABLE source (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE problem (
    source INTEGER NOT NULL, line INTEGER NOT NULL, message TEXT NOT NULL,
    stage INTEGER NOT NULL, conflict INTEGER NOT NULL
);
CREATE TABLE line (
    seq INTEGER PRIMARY KEY, source INTEGER NOT NULL, line INTEGER NOT NULL,
    uuid TEXT NOT NULL, rep TEXT NOT NULL, deck TEXT NOT NULL, card TEXT NOT NULL,
    kind TEXT NOT NULL, grade INTEGER, suggested INTEGER, answer TEXT,
    review_date TEXT NOT NULL, reviewed_at TEXT NOT NULL, card_hash TEXT NOT NULL,
    session TEXT, undoes TEXT, due_remaining INTEGER, points TEXT NOT NULL,
    card_id INTEGER, state INTEGER NOT NULL, review_id INTEGER
);
CREATE TABLE card (deck TEXT NOT NULL, card TEXT NOT NULL, id INTEGER NOT NULL,
                   PRIMARY KEY (deck, card));
CREATE TABLE version (card_id INTEGER NOT NULL, hash TEXT NOT NULL, points INTEGER NOT NULL,
                      current INTEGER NOT NULL, PRIMARY KEY (card_id, hash));
CREATE TABLE allowed (rep TEXT PRIMARY KEY);
CREATE TABLE stored (
    uuid TEXT PRIMARY KEY, rep TEXT, card_id INTEGER, kind TEXT, grade INTEGER,
    suggested INTEGER, answer TEXT, review_date TEXT, reviewed_at TEXT, card_hash TEXT,
    session TEXT, undoes TEXT, due_remaining INTEGER, points TEXT
);
CREATE TABLE rep (name TEXT PRIMARY KEY, id INTEGER NOT NULL);
CREATE TABLE pair (rep_id INTEGER NOT NULL, card_id INTEGER NOT NULL,
                   PRIMARY KEY (rep_id, card_id));
CREATE TABLE replayed (rep TEXT NOT NULL, card_id INTEGER NOT NULL, state BLOB,
                       changes BLOB NOT NULL, PRIMARY KEY (rep, card_id));
"""

#: Every query reads the lines in one state: each index leads with it.
_INDEXES = """
CREATE INDEX line_uuid ON line (state, uuid);
CREATE INDEX line_rep ON line (state, rep);
CREATE INDEX line_deck ON line (state, deck);
CREATE INDEX line_kind ON line (state, kind);
CREATE INDEX line_pair ON line (state, rep, card_id);
"""

#: The columns of ``line`` that :meth:`Spool.add` fills, in order.
LINE_COLUMNS = (
    "source",
    "line",
    "uuid",
    "rep",
    "deck",
    "card",
    "kind",
    "grade",
    "suggested",
    "answer",
    "review_date",
    "reviewed_at",
    "card_hash",
    "session",
    "undoes",
    "due_remaining",
    "points",
)

#: Whether a problem came from reading a line (kept) or from a check (made again).
_READ, _CHECK = 0, 1


class State(IntEnum):
    """Where a line stands."""

    CANDIDATE = 0
    WRITE = 1
    DUPLICATE = 2
    REJECTED = 3
    REFUSED = 4
    CONFLICT = 5


class Spool:
    """A temporary SQLite file of import lines; use it as a context manager."""

    def __init__(self) -> None:
        self._dir = tempfile.mkdtemp(prefix="repdrill-import-")
        self.db = sqlite3.connect(Path(self._dir) / "spool.db")
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -16000"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.executescript(_SCHEMA)
        self._lines: list[Sequence[object]] = []
        self._problems: list[tuple[int, int, str, int, int]] = []

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.db.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    # -- reading -------------------------------------------------------------------
    def source(self, name: str) -> int:
        return int(self.db.execute("INSERT INTO source (name) VALUES (?)", (name,)).lastrowid or 0)

    def add(self, row: Sequence[object]) -> None:
        """One valid line, as :data:`LINE_COLUMNS`."""
        self._lines.append(row)
        if len(self._lines) >= PAGE:
            self._flush()

    def problem(self, source: int, line: int, message: str) -> None:
        """A line that could not be read as a review."""
        self._problems.append((source, line, message, _READ, 0))
        if len(self._problems) >= PAGE:
            self._flush()

    def done_reading(self) -> None:
        self._flush()
        self.db.executescript(_INDEXES)
        self.db.commit()

    def _flush(self) -> None:
        if self._lines:
            names = ", ".join(LINE_COLUMNS)
            marks = ", ".join("?" * len(LINE_COLUMNS))
            self.db.executemany(
                f"INSERT INTO line ({names}, state) VALUES ({marks}, {State.CANDIDATE})",
                self._lines,
            )
            self._lines = []
        if self._problems:
            self.db.executemany("INSERT INTO problem VALUES (?, ?, ?, ?, ?)", self._problems)
            self._problems = []

    # -- checking ------------------------------------------------------------------
    def restart_checks(self) -> None:
        """Forget every check's verdict, to judge the lines again against a newer database."""
        self.db.execute("DELETE FROM problem WHERE stage = ?", (_CHECK,))
        self.db.execute("UPDATE line SET state = ?, card_id = NULL", (State.CANDIDATE,))
        for table in ("card", "version", "allowed", "stored"):
            self.db.execute(f"DELETE FROM {table}")
        self.db.commit()

    def distinct(
        self, column: str, state: State = State.CANDIDATE, size: int = CHUNK
    ) -> Iterator[list[Any]]:
        """The distinct text values of ``column`` among lines in ``state``, ``size`` at a time."""
        query = (
            f"SELECT DISTINCT {column} FROM line WHERE state = ? AND {column} > ?"
            f" ORDER BY {column} LIMIT {size}"
        )
        last = ""
        while page := [value for (value,) in self.db.execute(query, (state, last))]:
            yield page
            last = page[-1]

    def fill(self, table: str, rows: Iterable[Sequence[object]]) -> None:
        """Rows read from the target database into one of the lookup tables."""
        batch: list[Sequence[object]] = []
        for row in rows:
            batch.append(tuple(row))
            if len(batch) >= PAGE:
                self._fill(table, batch)
                batch = []
        self._fill(table, batch)

    def _fill(self, table: str, rows: list[Sequence[object]]) -> None:
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            self.db.executemany(f"INSERT OR IGNORE INTO {table} VALUES ({marks})", rows)

    def resolve_cards(self) -> None:
        """Give each candidate the id of its card; those without one are left NULL."""
        self.db.execute(
            "UPDATE line SET card_id = (SELECT id FROM card"
            " WHERE card.deck = line.deck AND card.card = line.card) WHERE state = ?",
            (State.CANDIDATE,),
        )

    def pages(self, query: str, *params: object) -> Iterator[list[Any]]:
        """``query``'s rows a page at a time; it selects ``seq`` first and reads ``seq > ?``.

        Read by keyset, so a page's lines can be marked before the next page is
        read (no cursor stays open on a table being changed). A query that
        reads ``line`` ``NOT INDEXED`` walks it in ``seq`` order, once in all.
        """
        last = 0
        while page := self.db.execute(query, (*params, last)).fetchall():
            yield page
            last = page[-1][0]

    def mark(self, seqs: Iterable[int], state: State) -> None:
        self.db.executemany(
            "UPDATE line SET state = ? WHERE seq = ?", [(state, seq) for seq in seqs]
        )

    def reject(self, verdicts: Iterable[tuple[int, str]], state: State = State.REJECTED) -> None:
        """Reject lines (by ``seq``) with their messages; ``CONFLICT`` counts them as conflicts."""
        rows = list(verdicts)
        conflict = int(state is State.CONFLICT)
        self.db.executemany(
            "INSERT INTO problem SELECT source, line, ?, ?, ? FROM line WHERE seq = ?",
            [(message, _CHECK, conflict, seq) for seq, message in rows],
        )
        self.mark((seq for seq, _ in rows), state)

    def promote(self) -> None:
        """Every line still a candidate is written."""
        self.db.execute("UPDATE line SET state = ? WHERE state = ?", (State.WRITE, State.CANDIDATE))
        self.db.commit()

    # -- outcome -------------------------------------------------------------------
    def count(self, state: State) -> int:
        return int(
            self.db.execute("SELECT count(*) FROM line WHERE state = ?", (state,)).fetchone()[0]
        )

    def refused(self) -> dict[str, int]:
        rows = self.db.execute(
            "SELECT rep, count(*) FROM line WHERE state = ? GROUP BY rep", (State.REFUSED,)
        )
        return {rep: int(count) for rep, count in rows}

    def problems(self) -> Iterator[tuple[str, int, str, bool]]:
        """Every problem, in the order of the files and their lines."""
        rows = self.db.execute(
            "SELECT source.name, problem.line, problem.message, problem.conflict FROM problem"
            " JOIN source ON source.id = problem.source ORDER BY problem.source, problem.line"
        )
        for name, line, message, conflict in rows:
            yield str(name), int(line), str(message), bool(conflict)

    # -- writing -------------------------------------------------------------------
    def pair_pages(self) -> Iterator[list[tuple[int, int]]]:
        """The (rep id, card id) pairs of the lines written, a page at a time, in order."""
        self.fill_pairs()
        query = (
            "SELECT rep_id, card_id FROM pair WHERE (rep_id, card_id) > (?, ?)"
            f" ORDER BY rep_id, card_id LIMIT {PAGE // 4}"
        )
        last = (0, 0)
        while page := self.db.execute(query, last).fetchall():
            yield [(int(rep), int(card)) for rep, card in page]
            last = page[-1]

    def fill_pairs(self) -> None:
        """Note the (rep id, card id) pairs of the lines written (once their reps have ids)."""
        self.db.execute(
            "INSERT OR IGNORE INTO pair SELECT rep.id, line.card_id FROM line"
            " JOIN rep ON rep.name = line.rep WHERE line.state = ?",
            (State.WRITE,),
        )

    def written_pairs_among(self, pairs: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
        """Those of ``pairs`` that lines written touch, in order (after :meth:`fill_pairs`)."""
        query = "SELECT 1 FROM pair WHERE rep_id = ? AND card_id = ?"
        return sorted(pair for pair in pairs if self.db.execute(query, pair).fetchone())

    def pair_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM pair").fetchone()[0])

    # -- replaying before the write (SQLite) -----------------------------------------
    def pairs_to_replay(self, size: int = PAGE // 4) -> Iterator[list[tuple[str, int]]]:
        """The (rep name, card id) pairs of the lines to write, ``size`` at a time, in order."""
        query = (
            "SELECT DISTINCT rep, card_id FROM line WHERE state = ? AND (rep, card_id) > (?, ?)"
            f" ORDER BY rep, card_id LIMIT {size}"
        )
        last: tuple[str, int] = ("", 0)
        while page := self.db.execute(query, (State.WRITE, *last)).fetchall():
            yield [(str(rep), int(card)) for rep, card in page]
            last = page[-1]

    def entries(
        self, first: tuple[str, int], last: tuple[str, int]
    ) -> dict[tuple[str, int], list[LogEntry]]:
        """The log entries of the lines to write for the pairs from ``first`` to ``last``.

        Not stored yet, each entry's ``review_id`` is its line's ``seq``, negated.
        """
        found: dict[tuple[str, int], list[LogEntry]] = {}
        rows = self.db.execute(
            "SELECT rep, card_id, seq, uuid, kind, grade, review_date, reviewed_at, undoes"
            " FROM line WHERE state = ? AND (rep, card_id) BETWEEN (?, ?) AND (?, ?)",
            (State.WRITE, *first, *last),
        )
        for rep, card, seq, uuid, kind, grade, day, at, undoes in rows:
            found.setdefault((rep, card), []).append(
                LogEntry(
                    uuid,
                    ReviewKind(kind),
                    grade,
                    dt.date.fromisoformat(day),
                    dt.datetime.fromisoformat(at),
                    undoes,
                    -seq,
                )
            )
        return found

    def keep_replayed(self, rows: Iterable[tuple[str, int, object, object]]) -> None:
        """Replayed pairs: (rep name, card id, state values or ``None``, state changes)."""
        self.db.executemany(
            "INSERT INTO replayed VALUES (?, ?, ?, ?)",
            [
                (rep, card, None if state is None else pickle.dumps(state), pickle.dumps(changes))
                for rep, card, state, changes in rows
            ],
        )

    def number_reviews(self, last: int) -> None:
        """Number the lines to write as the reviews after ``last``, in their order."""
        self.db.execute(
            "UPDATE line SET review_id = ? + numbered.n FROM"
            " (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM line WHERE state = ?)"
            " AS numbered WHERE line.seq = numbered.seq",
            (last, State.WRITE),
        )

    def replayed_pages(
        self,
    ) -> Iterator[tuple[list[tuple[int, int]], list[tuple[object, ...]], list[tuple[object, ...]]]]:
        """The replayed pairs as (rep id, card id), with their state and change rows, by page.

        The rows are in :data:`repdrill.store.record.STATE_COLUMNS` and
        ``CHANGE_COLUMNS`` order, each change naming the stored review.
        """
        query = (
            "SELECT r.rep, r.card_id, rep.id, r.state, r.changes FROM replayed r"
            " JOIN rep ON rep.name = r.rep WHERE (r.rep, r.card_id) > (?, ?)"
            f" ORDER BY r.rep, r.card_id LIMIT {PAGE // 4}"
        )
        ids = "SELECT seq, review_id FROM line"
        last: tuple[str, int] = ("", 0)
        while page := self.db.execute(query, last).fetchall():
            last = (page[-1][0], page[-1][1])
            pairs: list[tuple[int, int]] = []
            states: list[tuple[object, ...]] = []
            changes: list[tuple[object, ...]] = []
            pending: list[tuple[int, int, int, tuple[object, ...]]] = []
            for _, card, rep_id, state, changed in page:
                pairs.append((rep_id, card))
                if state is not None:
                    states.append((rep_id, card, *pickle.loads(state)))
                pending += [
                    (rep_id, card, review, values) for review, values in pickle.loads(changed)
                ]
            wanted = sorted({-review for _, _, review, _ in pending if review < 0})
            stored: dict[int, int] = {}
            for start in range(0, len(wanted), CHUNK):
                chunk = wanted[start : start + CHUNK]
                marks = ", ".join("?" * len(chunk))
                stored.update(self.db.execute(f"{ids} WHERE seq IN ({marks})", chunk))
            for rep_id, card, review, values in pending:
                changes.append((stored[-review] if review < 0 else review, rep_id, card, *values))
            yield pairs, states, changes
