"""Moving review logs between databases as JSON Lines.

A rep drilling offline on a laptop exports their log; the team database
imports it. Each review carries a UUID, so importing is idempotent (a review
already present is skipped) and independent of order (states are recomputed
by replaying the merged log in its canonical order). In team mode only the
reviews the importing login may write are imported (a rep's own; a manager
with import rights, their teams'; the owner, anyone's); the others are
counted as refused, by rep.

An import runs in two steps. First every line is read, validated and kept in
a temporary file (:mod:`repdrill.store._spool`), and judged against the whole
input and the database without holding any write lock: malformed lines,
unknown cards, too many key points, undos of nothing, and conflicts (one
review id used for two different reviews) become ``FILE:LINE`` problems.
Then, in one write transaction, the good lines are inserted and every
affected (rep, card) state is rebuilt in bulk. On SQLite, where that
transaction holds the database's one write lock, the states are replayed
before it, in a read transaction, and the write only stores them (replaying
again under the lock just the pairs graded in between). In strict mode any
problem means nothing is written.

One line per review::

    {"review_id": "0190f7a2-...", "rep": "ana", "deck": "objection-handling",
     "card": "price-too-high", "kind": "review", "grade": 4,
     "reviewed_at": "2026-03-02T09:14:03.120544+01:00", "review_date": "2026-03-02",
     "card_hash": "9f2c...", ...}
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import IO, Any

from sqlalchemy import Connection, func, null, select, text

from repdrill.config import EARLIEST, LATEST, parse_today, rep_name_problem
from repdrill.decks.format import SLUG
from repdrill.errors import ConfigError, RepdrillError
from repdrill.schedule.replay import ReviewKind
from repdrill.schedule.sm2 import GRADES
from repdrill.store import tables as t
from repdrill.store._spool import COMPARED, PAGE, Spool, State
from repdrill.store._sql import chunks, insert_ignoring_duplicates, insert_rows
from repdrill.store.engine import Database
from repdrill.store.record import (
    REVIEW_COLUMNS,
    log_entries_of,
    rebuild_schedules,
    replace_states,
    replayed_rows,
    revisions_of,
)
from repdrill.store.team import writable_reps

REQUIRED = ("review_id", "rep", "deck", "card", "grade", "reviewed_at", "card_hash")
OPTIONAL = (
    "kind",
    "review_date",
    "suggested_grade",
    "typed_answer",
    "session",
    "undoes",
    "due_remaining",
    "points",
)
#: Keys as repdrill 0.1 named them in exported lines, still read: old name -> new name.
LEGACY_KEYS = {"id": "review_id", "answer": "typed_answer"}
BATCH = 2_000

#: The longest line read, in bytes; a longer one is rejected unread.
MAX_LINE_BYTES = 1_000_000
#: The longest typed answer, in characters.
MAX_ANSWER = 10_000
#: The longest deck or card id (the database's column width).
MAX_ID = 100
#: The most key points one review can list (each card version may allow fewer).
MAX_POINTS = 1_000
#: The highest count of reviews still due: far above any rep's deck, inside every integer column.
MAX_DUE_REMAINING = 1_000_000
#: The most digits of a whole number in a line (a grade needs one).
_MAX_DIGITS = 18
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HASH = re.compile(r"[0-9a-f]{64}")
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: Serialises imports on PostgreSQL, where no write lock does (the same in every process).
_PG_IMPORT_LOCK = 7_305_223


# -- exporting ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Exported:
    """What ``log export`` wrote: one line per review."""

    lines: int

    def to_json(self) -> dict[str, object]:
        return {"lines": self.lines}


def export_reviews(
    conn: Connection, out: IO[str], *, since: dt.date | None = None, reps: Iterable[str] = ()
) -> Exported:
    """Write every review (oldest first) to ``out`` as JSON Lines, streamed from the database."""
    written = 0
    for record in _records(conn, since=since, reps=tuple(reps)):
        out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        written += 1
    return Exported(written)


def _records(
    conn: Connection, *, since: dt.date | None, reps: tuple[str, ...]
) -> Iterator[dict[str, Any]]:
    r = t.reviews.c
    query = (
        select(
            r.id,
            r.uuid,
            t.reps.c.name,
            t.decks.c.slug,
            t.cards.c.slug,
            r.kind,
            r.grade,
            r.suggested_grade,
            r.answer,
            r.review_date,
            r.reviewed_at,
            r.card_hash,
            r.session,
            r.undoes,
            r.due_remaining,
        )
        .select_from(
            t.reviews.join(t.reps, t.reps.c.id == r.rep_id)
            .join(t.cards, t.cards.c.id == r.card_id)
            .join(t.decks)
        )
        .order_by(r.review_date, r.reviewed_at, r.uuid)
    )
    if since is not None:
        query = query.where(r.review_date >= since)
    if reps:
        query = query.where(t.reps.c.name.in_(reps))
    batch: list[Any] = []
    for row in conn.execute(query.execution_options(yield_per=BATCH)):
        batch.append(row)
        if len(batch) >= BATCH:
            yield from _with_points(conn, batch)
            batch = []
    yield from _with_points(conn, batch)


def _with_points(conn: Connection, rows: list[Any]) -> Iterator[dict[str, Any]]:
    if not rows:
        return
    p = t.review_points.c
    points: dict[int, list[bool]] = defaultdict(list)
    for review_id, _point, hit in conn.execute(
        select(p.review_id, p.point, p.hit)
        .where(p.review_id.in_([r[0] for r in rows]))
        .order_by(p.review_id, p.point)
    ):
        points[review_id].append(bool(hit))
    for r in rows:
        record: dict[str, Any] = {
            "review_id": r[1],
            "rep": r[2],
            "deck": r[3],
            "card": r[4],
            "kind": r[5],
            "grade": r[6],
            "suggested_grade": r[7],
            "typed_answer": r[8],
            "review_date": r[9].isoformat(),
            "reviewed_at": r[10].isoformat(),
            "card_hash": r[11],
            "session": r[12],
            "undoes": r[13],
            "due_remaining": r[14],
        }
        if r[0] in points:
            record["points"] = points[r[0]]
        yield record


# -- one line -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Incoming:
    """One valid line of an import file."""

    uuid: str
    rep: str
    deck: str
    card: str
    kind: ReviewKind
    grade: int | None
    suggested_grade: int | None
    answer: str | None
    review_date: dt.date
    reviewed_at: dt.datetime
    card_hash: str
    session: str | None
    undoes: str | None
    due_remaining: int | None
    points: tuple[bool, ...]


class LineError(ValueError):
    """A line of an import file that cannot be taken."""


def parse_line(text: str) -> Incoming:
    """Validate one JSON line; raises :class:`LineError` (and nothing else) saying what is wrong."""
    data = _json_object(text)
    for old, new in LEGACY_KEYS.items():
        if old in data and new not in data:
            data[new] = data.pop(old)
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise LineError(f"missing {', '.join(missing)}")
    unknown = sorted(set(data) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise LineError(f"unknown key {', '.join(k if _plain(k) else _shown(k) for k in unknown)}")
    kind = _kind(data.get("kind", ReviewKind.REVIEW.value))
    grade = data["grade"]
    undoes = data.get("undoes")
    if kind is ReviewKind.UNDO:
        if grade is not None:
            raise LineError("an undo has no grade (null)")
        if undoes is None:
            raise LineError("an undo names the review it undoes in 'undoes'")
    else:
        if not _is_grade(grade):
            raise LineError(f"grade must be a whole number from 0 to 5, not {_shown(grade)}")
        if undoes is not None:
            raise LineError("only an undo names a review in 'undoes'")
    suggested = data.get("suggested_grade")
    if suggested is not None and not _is_grade(suggested):
        raise LineError(f"suggested_grade must be 0 to 5 or null, not {_shown(suggested)}")
    reviewed_at = _timestamp(data["reviewed_at"])
    review_date = (
        _date(data["review_date"]) if data.get("review_date") is not None else reviewed_at.date()
    )
    return Incoming(
        uuid=_uuid(data["review_id"], "review_id"),
        rep=_rep(data["rep"]),
        deck=_id(data["deck"], "deck"),
        card=_id(data["card"], "card"),
        kind=kind,
        grade=grade,
        suggested_grade=suggested,
        answer=_answer(data.get("typed_answer")),
        review_date=review_date,
        reviewed_at=reviewed_at,
        card_hash=_card_hash(data["card_hash"]),
        session=None if data.get("session") is None else _uuid(data["session"], "session"),
        undoes=None if undoes is None else _uuid(undoes, "undoes"),
        due_remaining=_due_remaining(data.get("due_remaining")),
        points=_points(data.get("points")),
    )


def _json_object(text: str) -> dict[str, Any]:
    if len(text) > MAX_LINE_BYTES:
        raise LineError(f"line longer than {MAX_LINE_BYTES:,} characters")
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys, parse_int=_whole_number)
    except LineError:
        raise
    except json.JSONDecodeError as error:
        raise LineError(f"not valid JSON ({error.msg})") from None
    except RecursionError:
        raise LineError("not valid JSON (nested too deeply)") from None
    except ValueError as error:  # nothing else is raised by json.loads, but say what it was
        raise LineError(f"not valid JSON ({_shown(str(error))})") from None
    if not isinstance(data, dict):
        raise LineError("each line must be a JSON object")
    return data


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refused when a key is repeated (``json`` would keep the last one)."""
    data = dict(pairs)
    if len(data) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise LineError(f"key {_shown(key)} is given twice")
            seen.add(key)
    return data


class _Huge:
    """A whole number too long to be any field's value, kept as its digits (never converted).

    Python refuses to convert more than 4,300 digits, and no field takes more
    than :data:`_MAX_DIGITS`: the field's own check rejects it, by name.
    """

    __slots__ = ("digits",)

    def __init__(self, digits: str) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        shown = self.digits
        return shown if len(shown) <= 40 else f"{shown[:20]}... ({len(shown):,} digits)"


def _whole_number(digits: str) -> int | _Huge:
    if len(digits.lstrip("-")) > _MAX_DIGITS:
        return _Huge(digits)
    return int(digits)


def _plain(key: str) -> bool:
    """Whether a key can be shown as it is: short, printable ASCII."""
    return len(key) <= 40 and key.isascii() and key.isprintable()


def _shown(value: object) -> str:
    """``value`` as a message quotes it: its repr, cut short."""
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _kind(value: object) -> ReviewKind:
    if isinstance(value, str):
        try:
            return ReviewKind(value)
        except ValueError:
            pass
    kinds = ", ".join(k.value for k in ReviewKind)
    raise LineError(f"kind must be one of {kinds}, not {_shown(value)}")


def _is_grade(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in GRADES


#: A log names the same few reps on every line: each name is judged once.
_rep_name_problem = lru_cache(maxsize=1024)(rep_name_problem)


def _rep(value: object) -> str:
    """The same rule for rep names as ``--user`` and the roster."""
    name = _text(value, "rep")
    problem = _rep_name_problem(name)
    if problem:
        raise LineError(f"rep {_shown(name[:40])} is not a usable name: {problem}")
    return name


def _id(value: object, key: str) -> str:
    """A deck or card id, by the deck format's rule."""
    name = _text(value, key)
    if len(name) > MAX_ID or not SLUG.fullmatch(name):
        raise LineError(
            f"{key} {_shown(name)} is not a {key} id: lowercase letters and digits in words "
            f"joined by single hyphens, at most {MAX_ID} characters"
        )
    return name


def _text(value: object, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LineError(f"{key} must be non-empty text")
    return value


def _answer(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise LineError("typed_answer must be text or null")
    if len(value) > MAX_ANSWER:
        raise LineError(f"typed_answer is longer than {MAX_ANSWER:,} characters")
    if "\x00" in value:
        raise LineError("typed_answer contains U+0000 NUL, which no database stores")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        surrogate = ord(value[error.start])
        raise LineError(
            f"typed_answer contains a lone surrogate (U+{surrogate:04X}), which is not text"
        ) from None
    return value


def _uuid(value: object, key: str) -> str:
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        raise LineError(f"{key} must be a UUID, not {_shown(value)}")
    return value.lower()


def _card_hash(value: object) -> str:
    if not isinstance(value, str) or not _HASH.fullmatch(value):
        raise LineError(
            f"card_hash must be a SHA-256 hash (64 lowercase hex digits), not {_shown(value)}"
        )
    return value


def _timestamp(value: object) -> dt.datetime:
    problem = f"reviewed_at must be an ISO 8601 timestamp, not {_shown(value)}"
    if not isinstance(value, str) or len(value) > 64:
        raise LineError(problem)
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        raise LineError(problem) from None
    if stamp.tzinfo is None:
        raise LineError("reviewed_at needs a time zone offset (2026-03-02T09:14:03+01:00)")
    try:
        in_utc = stamp.astimezone(dt.UTC).date()
    except OverflowError:
        in_utc = dt.date.max
    if not (EARLIEST <= stamp.date() <= LATEST and EARLIEST <= in_utc <= LATEST):
        raise LineError(
            f"reviewed_at {_shown(value)} is out of range; use a time from {EARLIEST} to {LATEST}"
        )
    return stamp


def _date(value: object) -> dt.date:
    if not isinstance(value, str) or len(value) > 40:
        raise LineError(f"review_date must be YYYY-MM-DD, not {_shown(value)}")
    try:
        return parse_today(value)
    except ConfigError as error:
        raise LineError(f"review_date {error}") from None


def _due_remaining(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_DUE_REMAINING:
        raise LineError(
            f"due_remaining must be a whole number from 0 to {MAX_DUE_REMAINING:,} or null, "
            f"not {_shown(value)}"
        )
    return value


def _points(value: object) -> tuple[bool, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(p, bool) for p in value):
        raise LineError("points must be a list of true/false")
    if len(value) > MAX_POINTS:
        raise LineError(
            f"points lists {len(value):,} key points; a card has at most {MAX_POINTS:,}"
        )
    return tuple(value)


def read_lines(handle: IO[bytes] | IO[str]) -> Iterator[tuple[int, str | LineError]]:
    """The non-blank lines of an open file, numbered from 1, as text, or why one cannot be read.

    Binary files are read as UTF-8 line by line, so a bad byte costs one line;
    only ``\\n`` ends a line (JSON may hold U+2028 inside a string). A UTF-8
    byte-order mark is skipped; a UTF-16 file is refused at its first line.
    No line is held longer than :data:`MAX_LINE_BYTES`.
    """
    number = 0
    while True:
        raw = handle.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES and raw[-1:] not in ("\n", b"\n"):
            _skip_rest_of_line(handle)
            yield number, LineError(f"line longer than {MAX_LINE_BYTES:,} bytes")
            continue
        if isinstance(raw, bytes):
            if number == 1:
                if raw.startswith(_UTF16_BOMS):
                    yield number, LineError("the file is UTF-16; repdrill reads UTF-8 only")
                    return
                raw = raw.removeprefix(_UTF8_BOM)
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                yield (
                    number,
                    LineError(
                        f"not valid UTF-8 (byte 0x{raw[error.start]:02x}"
                        f" at column {_column(raw, error.start)})"
                    ),
                )
                continue
        else:
            line = raw.removeprefix("\ufeff") if number == 1 else raw
        line = line.removesuffix("\n").removesuffix("\r")
        if line.strip():
            yield number, line


def _column(raw: bytes, offset: int) -> int:
    """The column (in characters, from 1) of a byte offset into a line."""
    return len(raw[:offset].decode("utf-8", "replace")) + 1


def _skip_rest_of_line(handle: IO[bytes] | IO[str]) -> None:
    while True:
        chunk = handle.readline(MAX_LINE_BYTES)
        if not chunk or chunk[-1:] in ("\n", b"\n"):
            return


# -- the outcome ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineProblem:
    """A rejected line of an import file."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "message": self.message}


@dataclass
class ImportResult:
    """What ``log import`` read, wrote and rejected."""

    read: int = 0
    imported: int = 0
    duplicates: int = 0
    problems: list[LineProblem] = field(default_factory=list)
    rebuilt: int = 0
    written: bool = True
    #: Team mode: reviews of reps this login may not write, by rep; not imported.
    refused: dict[str, int] = field(default_factory=dict)
    #: Lines whose review id names a different review (in the files or the
    #: database); each is among the problems, and none is imported.
    conflicts: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "read": self.read,
            "imported": self.imported if self.written else 0,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "rejected": len(self.problems),
            "states_rebuilt": self.rebuilt,
            "written": self.written,
            "refused": sum(self.refused.values()),
            "refused_reps": sorted(self.refused),
            "problems": [p.to_json() for p in self.problems],
        }


# -- importing ------------------------------------------------------------------------

#: A named source of lines: a file name and the file, open.
Source = tuple[str, IO[bytes] | IO[str]]


def import_reviews(
    db: Database,
    sources: Iterable[Source],
    *,
    now: dt.datetime,
    strict: bool = False,
) -> ImportResult:
    """Merge review lines into the database, all or nothing for what it writes.

    ``sources`` are (name, open file) pairs, read one line at a time;
    problems are reported as name:line. Reviews whose id is already present
    with the same content are skipped; a different review under a known id
    is a conflict. Afterwards every affected rep's state for every affected
    card is rebuilt from the log. No write lock is held while the files are
    read and checked (and, on SQLite, the states replayed), only while the
    checked lines are written.
    """
    try:
        spool = Spool()
    except (OSError, sqlite3.Error) as error:
        raise _spool_failed(error) from None
    try:
        with spool:
            return _import(db, spool, sources, now=now, strict=strict)
    except sqlite3.Error as error:  # the spool's: the database's own come wrapped by SQLAlchemy
        raise _spool_failed(error) from None


def _spool_failed(error: BaseException) -> RepdrillError:
    return RepdrillError(
        f"cannot keep the import's lines in a temporary file under {tempfile.gettempdir()}"
        f" ({_reason(error)}): nothing was imported; free some space there, or set TMPDIR"
        " to a directory with room"
    )


def _reason(error: BaseException) -> str:
    return str(getattr(error, "strerror", None) or error)


def _import(
    db: Database, spool: Spool, sources: Iterable[Source], *, now: dt.datetime, strict: bool
) -> ImportResult:
    read = _read(spool, sources)
    with db.transaction() as conn:
        _check(conn, spool)
    written = not (strict and _has_problems(spool))
    replayed = None
    if written and db.dialect == "sqlite":
        with db.transaction() as conn:
            replayed = _replay_ahead(conn, spool)
    if written:
        with db.transaction(write=True) as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_IMPORT_LOCK})
            if _arrived_meanwhile(conn, spool):
                spool.restart_checks()
                _check(conn, spool)
                replayed = None  # other lines are written: replay here
            if strict and _has_problems(spool):
                written = False
                conn.rollback()
            else:
                _write(conn, spool, now, replayed)
    return _outcome(spool, read, written)


def _read(spool: Spool, sources: Iterable[Source]) -> int:
    """Read, validate and spool every line; the count of non-blank lines read."""
    read = 0
    for name, handle in sources:
        source = spool.source(name)
        try:
            for number, line in read_lines(handle):
                read += 1
                try:
                    if isinstance(line, LineError):
                        raise line
                    review = parse_line(line)
                except LineError as error:
                    spool.problem(source, number, str(error))
                    continue
                spool.add(_spooled(source, number, review))
        except OSError as error:
            raise RepdrillError(f"cannot read {name}: {error.strerror or error}") from None
    spool.done_reading()
    return read


def _spooled(source: int, number: int, r: Incoming) -> tuple[object, ...]:
    """A line as the spool keeps it (:data:`repdrill.store._spool.LINE_COLUMNS`)."""
    return (
        source,
        number,
        r.uuid,
        r.rep,
        r.deck,
        r.card,
        r.kind.value,
        r.grade,
        r.suggested_grade,
        r.answer,
        r.review_date.isoformat(),
        _instant(r.reviewed_at),
        r.card_hash,
        r.session,
        r.undoes,
        r.due_remaining,
        _point_string(r.points),
    )


def _instant(stamp: dt.datetime) -> str:
    """A timestamp as one instant, whatever offset wrote it: compared as text."""
    return stamp.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _point_string(points: Iterable[bool]) -> str:
    return "".join("1" if hit else "0" for hit in points)


def _has_problems(spool: Spool) -> bool:
    found = spool.db.execute("SELECT 1 FROM problem LIMIT 1").fetchone()
    return found is not None or spool.count(State.REFUSED) > 0


# -- the checks, in order: each judges the lines the ones before left standing --------


def _check(conn: Connection, spool: Spool) -> None:
    _resolve_cards(conn, spool)
    _refuse(conn, spool)
    _check_points(conn, spool)
    _against_database(conn, spool)
    _against_each_other(spool)
    _check_undos(conn, spool)
    spool.promote()


def _resolve_cards(conn: Connection, spool: Spool) -> None:
    d, c = t.decks.c, t.cards.c
    for decks in spool.distinct("deck"):
        spool.fill(
            "card",
            conn.execute(
                select(d.slug, c.slug, c.id)
                .select_from(t.cards.join(t.decks))
                .where(d.slug.in_(decks))
            ),
        )
    spool.resolve_cards()
    unknown = (
        "SELECT seq, deck, card FROM line NOT INDEXED"
        " WHERE state = ? AND card_id IS NULL AND seq > ?"
        f" ORDER BY seq LIMIT {PAGE}"
    )
    for page in spool.pages(unknown, State.CANDIDATE):
        spool.reject(
            (seq, f"no card {deck}/{card} in this database; load its deck first")
            for seq, deck, card in page
        )


def _refuse(conn: Connection, spool: Spool) -> None:
    """Team mode: keep only the reviews this login may write; the rest are refused.

    Filtered before inserting, because one row that row-level security
    refuses would abort the whole insert.
    """
    for names in spool.distinct("rep"):
        allowed = writable_reps(conn, names)
        if allowed is None:
            return
        spool.fill("allowed", ((name,) for name in allowed))
    spool.db.execute(
        "UPDATE line SET state = ? WHERE state = ? AND rep NOT IN (SELECT rep FROM allowed)",
        (State.REFUSED, State.CANDIDATE),
    )


def _check_points(conn: Connection, spool: Spool) -> None:
    """No more points than the card version the review names has key points.

    Checked against the current version when this database does not know that one.
    """
    v, c = t.card_versions.c, t.cards.c
    with_points = "SELECT DISTINCT card_id FROM line WHERE state = ? AND points != ''"
    card_ids = [card_id for (card_id,) in spool.db.execute(with_points, (State.CANDIDATE,))]
    for chunk in chunks(card_ids):
        rows = conn.execute(
            select(v.card_id, v.content_hash, v.key_points, v.content_hash == c.current_hash)
            .select_from(t.card_versions.join(t.cards))
            .where(v.card_id.in_(chunk))
        )
        spool.fill(
            "version",
            (
                (card_id, digest, len(json.loads(points)), int(bool(current)))
                for card_id, digest, points, current in rows
            ),
        )
    too_many = (
        "SELECT l.seq, length(l.points), l.deck, l.card, named.points, current.points"
        " FROM line l NOT INDEXED"
        " LEFT JOIN version named ON named.card_id = l.card_id AND named.hash = l.card_hash"
        " LEFT JOIN version current ON current.card_id = l.card_id AND current.current = 1"
        " WHERE l.state = ? AND l.points != ''"
        " AND length(l.points) > coalesce(named.points, current.points, 0)"
        f" AND l.seq > ? ORDER BY l.seq LIMIT {PAGE}"
    )
    for page in spool.pages(too_many, State.CANDIDATE):
        spool.reject(
            (
                seq,
                f"points lists {count} key points; this version of {deck}/{card} has {named}"
                if named is not None
                else f"points lists {count} key points; {deck}/{card} has {current or 0}"
                " (the version the review names is not in this database)",
            )
            for seq, count, deck, card, named, current in page
        )


#: A stored review's columns, in the order of the spool's ``stored`` table (less points).
_STORED = (
    t.reviews.c.id,
    t.reviews.c.uuid,
    t.reps.c.name,
    t.reviews.c.card_id,
    t.reviews.c.kind,
    t.reviews.c.grade,
    t.reviews.c.suggested_grade,
    t.reviews.c.answer,
    t.reviews.c.review_date,
    t.reviews.c.reviewed_at,
    t.reviews.c.card_hash,
    t.reviews.c.session,
    t.reviews.c.undoes,
    t.reviews.c.due_remaining,
)


def _against_database(conn: Connection, spool: Spool) -> None:
    """A review already in the database is a duplicate when it is the same review, else a conflict.

    A login that may not read typed answers (a manager importing for a team)
    compares everything else.
    """
    p = t.review_points.c
    compared = dict(COMPARED)
    columns: list[Any] = list(_STORED)
    if not _can_read_answers(conn):
        del compared["answer"]
        columns[7] = null().label("answer")
    for uuids in spool.distinct("uuid"):
        rows = conn.execute(
            select(*columns)
            .select_from(t.reviews.join(t.reps, t.reps.c.id == t.reviews.c.rep_id))
            .where(t.reviews.c.uuid.in_(uuids))
        ).all()
        if not rows:
            continue
        points: dict[int, list[bool]] = defaultdict(list)
        for review_id, _point, hit in conn.execute(
            select(p.review_id, p.point, p.hit)
            .where(p.review_id.in_([row[0] for row in rows]))
            .order_by(p.review_id, p.point)
        ):
            points[review_id].append(bool(hit))
        spool.fill(
            "stored",
            (
                (
                    *row[1:8],
                    row[8].isoformat(),
                    _instant(row[9]),
                    *row[10:],
                    _point_string(points.get(row[0], ())),
                )
                for row in rows
            ),
        )
    same = " AND ".join(f"s.{column} IS line.{column}" for column in compared)
    spool.db.execute(
        f"UPDATE line SET state = ? WHERE state = ? AND EXISTS"
        f" (SELECT 1 FROM stored s WHERE s.uuid = line.uuid AND {same})",
        (State.DUPLICATE, State.CANDIDATE),
    )
    both = ", ".join(f"l.{c}, s.{c}" for c in compared)
    conflicting = (
        f"SELECT l.seq, l.uuid, {both} FROM line l NOT INDEXED"
        " JOIN stored s ON s.uuid = l.uuid"
        f" WHERE l.state = ? AND l.seq > ? ORDER BY l.seq LIMIT {PAGE}"
    )
    names = list(compared.values())
    for page in spool.pages(conflicting, State.CANDIDATE):
        spool.reject(
            (
                (
                    seq,
                    f"review {uuid} conflicts with the review of that id already in this"
                    f" database, which has another {_differences(names, values)}; not imported",
                )
                for seq, uuid, *values in page
            ),
            State.CONFLICT,
        )


def _can_read_answers(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return True
    return bool(
        conn.scalar(text("SELECT has_column_privilege('public.reviews', 'answer', 'SELECT')"))
    )


def _differences(names: Sequence[str], pairs: Sequence[object]) -> str:
    """The fields that differ, from values given as (this, that) for each of ``names``."""
    differ = [name for i, name in enumerate(names) if pairs[2 * i] != pairs[2 * i + 1]]
    return " and ".join([", ".join(differ[:-1]), differ[-1]] if len(differ) > 1 else differ)


def _against_each_other(spool: Spool) -> None:
    """Lines repeating one review id: identical ones are duplicates, different ones conflicts.

    Of identical repeats the first is kept. When they differ none is
    imported, since nothing says which is the review.
    """
    columns = ", ".join(f"l.{c}" for c in COMPARED)
    names = list(COMPARED.values())
    repeated = (
        "SELECT uuid FROM line WHERE state = ? AND uuid > ? GROUP BY uuid HAVING count(*) > 1"
        f" ORDER BY uuid LIMIT {PAGE // 4}"
    )
    last = ""
    while uuids := [u for (u,) in spool.db.execute(repeated, (State.CANDIDATE, last))]:
        last = uuids[-1]
        marks = ", ".join("?" * len(uuids))
        rows = spool.db.execute(
            f"SELECT l.seq, l.uuid, source.name, l.line, {columns} FROM line l"
            f" JOIN source ON source.id = l.source WHERE l.state = ? AND l.uuid IN ({marks})"
            " ORDER BY l.uuid, l.seq",
            (State.CANDIDATE, *uuids),
        ).fetchall()
        groups: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            groups[row[1]].append(row)
        repeats: list[int] = []
        conflicts: list[tuple[int, str]] = []
        for review_uuid, group in groups.items():
            first = group[0]
            if all(row[4:] == first[4:] for row in group):
                repeats += [row[0] for row in group[1:]]
                continue
            for row in group:
                other = next(o for o in group if o[4:] != row[4:])
                paired = [value for pair in zip(row[4:], other[4:], strict=True) for value in pair]
                conflicts.append(
                    (
                        row[0],
                        f"review {review_uuid} conflicts with {other[2]}:{other[3]},"
                        f" which has another {_differences(names, paired)}; none is imported",
                    )
                )
        spool.mark(repeats, State.DUPLICATE)
        spool.reject(conflicts, State.CONFLICT)


def _check_undos(conn: Connection, spool: Spool) -> None:
    """An undo takes back a review of the same rep and card, in the files or the database."""
    r = t.reviews.c
    undos = (
        "SELECT u.seq, u.undoes, u.rep, u.card_id, u.deck, u.card, target.rep, target.card_id,"
        " target.kind FROM line u LEFT JOIN line target"
        " ON target.uuid = u.undoes AND target.state = ?"
        f" WHERE u.state = ? AND u.kind = 'undo' AND u.seq > ? ORDER BY u.seq LIMIT {PAGE // 4}"
    )
    for page in spool.pages(undos, State.CANDIDATE, State.CANDIDATE):
        unseen = [row[1] for row in page if row[6] is None]
        stored = (
            {
                row.uuid: (row.name, row.card_id, row.kind)
                for row in conn.execute(
                    select(r.uuid, t.reps.c.name, r.card_id, r.kind)
                    .select_from(t.reviews.join(t.reps, t.reps.c.id == r.rep_id))
                    .where(r.uuid.in_(unseen))
                )
            }
            if unseen
            else {}
        )
        verdicts = []
        for seq, undoes, rep, card_id, deck, card, *in_files in page:
            target = tuple(in_files) if in_files[0] is not None else stored.get(undoes)
            if target is None:
                problem = (
                    f"undoes review {undoes}, which is not in this database"
                    " and not imported from these files"
                )
            elif target[2] == ReviewKind.UNDO:
                problem = f"undoes review {undoes}, which is itself an undo"
            elif (target[0], target[1]) != (rep, card_id):
                problem = f"undoes review {undoes}, which is not {rep}'s review of {deck}/{card}"
            else:
                continue
            verdicts.append((seq, problem))
        spool.reject(verdicts)


def _arrived_meanwhile(conn: Connection, spool: Spool) -> bool:
    """Whether another import wrote any of these review ids since they were checked."""
    r = t.reviews.c
    return any(
        conn.execute(select(r.id).where(r.uuid.in_(uuids)).limit(1)).first() is not None
        for uuids in spool.distinct("uuid", State.WRITE)
    )


# -- writing --------------------------------------------------------------------------

#: The review columns an import writes, in the order :func:`_write` reads them.
_REVIEW_COLUMNS = (*REVIEW_COLUMNS, "due_remaining")


def _write(conn: Connection, spool: Spool, now: dt.datetime, replayed: _Mark | None) -> None:
    """Insert the checked lines, then rebuild the states they touch, in bulk.

    With ``replayed`` (SQLite), the states were replayed before the write lock
    was taken: they are stored as they are, but for pairs graded since, and
    the reviews get their ids from the spool (the lock makes them the next
    ones), so that nothing is looked up again.
    """
    _rep_ids(conn, spool, now)
    if conn.dialect.name == "postgresql":
        # The reps' row locks: their grades wait for the import, as for one another's.
        ids = "SELECT id FROM rep WHERE id > ? ORDER BY id LIMIT 500"
        for page in spool.pages(ids):
            reps = [rep_id for (rep_id,) in page]
            conn.execute(
                select(t.reps.c.id)
                .where(t.reps.c.id.in_(reps))
                .order_by(t.reps.c.id)
                .with_for_update()
            )
    now_mark = _mark(conn)
    if replayed is not None and now_mark.revision != replayed.revision:
        replayed = None  # a deck was loaded meanwhile: replay everything again, here
    if replayed is None:
        _insert_reviews(conn, spool, numbered=False)
        for pairs in spool.pair_pages():
            rebuild_schedules(conn, pairs)
        return
    r = t.reviews.c
    since = select(r.rep_id, r.card_id).where(r.id > replayed.review).distinct()
    arrived = {(rep, card) for rep, card in conn.execute(since)}
    spool.number_reviews(now_mark.review)
    _insert_reviews(conn, spool, numbered=True)
    spool.fill_pairs()
    for pairs, states, changes in spool.replayed_pages():
        replace_states(conn, pairs, states, changes)
    # Pairs graded while the lines were replayed are replayed again, now under the lock.
    stale = spool.written_pairs_among(arrived)
    for start in range(0, len(stale), PAGE // 4):
        rebuild_schedules(conn, stale[start : start + PAGE // 4])


def _insert_reviews(conn: Connection, spool: Spool, *, numbered: bool) -> None:
    """The lines to write, as reviews and their key points; ``numbered``: with the spool's ids."""
    lines = (
        "SELECT l.seq, l.review_id, l.uuid, rep.id, l.card_id, l.card_hash, l.kind, l.grade,"
        " l.suggested, l.answer, l.review_date, l.reviewed_at, l.session, l.undoes,"
        " l.due_remaining, l.points FROM line l NOT INDEXED JOIN rep ON rep.name = l.rep"
        f" WHERE l.state = ? AND l.seq > ? ORDER BY l.seq LIMIT {BATCH}"
    )
    columns = ("id", *_REVIEW_COLUMNS) if numbered else _REVIEW_COLUMNS
    first = 1 if numbered else 2
    for page in spool.pages(lines, State.WRITE):
        insert_rows(
            conn,
            t.reviews,
            columns,
            [
                (
                    *row[first:10],
                    dt.date.fromisoformat(row[10]),
                    dt.datetime.fromisoformat(row[11]),
                    *row[12:15],
                )
                for row in page
            ],
        )
        if numbered:
            _insert_points(conn, [(row[1], row[15]) for row in page if row[15]])
        else:
            _write_points(conn, [(row[2], row[15]) for row in page if row[15]])


@dataclass(frozen=True, slots=True)
class _Mark:
    """The newest review and card revision a replay saw."""

    review: int
    revision: int


def _mark(conn: Connection) -> _Mark:
    return _Mark(
        conn.scalar(select(func.max(t.reviews.c.id))) or 0,
        conn.scalar(select(func.max(t.card_revisions.c.id))) or 0,
    )


def _replay_ahead(conn: Connection, spool: Spool) -> _Mark:
    """Replay every (rep, card) pair the lines to write touch, into the spool, without a lock.

    On SQLite the write lock stops every other writer, so the replay, the
    slowest part of the write, is done first in a read transaction; the write
    then stores its rows. Returns what the replay saw, so that the write can
    tell which pairs were graded since.
    """
    mark = _mark(conn)
    name, rep_id = t.reps.c.name, t.reps.c.id
    for pairs in spool.pairs_to_replay():
        names = sorted({rep for rep, _ in pairs})
        ids = dict(conn.execute(select(name, rep_id).where(name.in_(names))).all())
        stored = log_entries_of(conn, [(ids[rep], card) for rep, card in pairs if rep in ids])
        revisions = revisions_of(conn, {card for _, card in pairs})
        new = spool.entries(pairs[0], pairs[-1])
        rows = []
        for rep, card in pairs:
            entries = [*stored.get((ids.get(rep, 0), card), ()), *new[(rep, card)]]
            state, changes = replayed_rows(0, card, entries, revisions[card])
            rows.append(
                (
                    rep,
                    card,
                    None if state is None else state[2:],
                    [(change[0], change[3:]) for change in changes],
                )
            )
        spool.keep_replayed(rows)
    return mark


def _rep_ids(conn: Connection, spool: Spool, now: dt.datetime) -> None:
    """The id of every rep the lines name, creating the reps new to this database."""
    name, rep_id = t.reps.c.name, t.reps.c.id
    for names in spool.distinct("rep", State.WRITE):
        found = dict(conn.execute(select(name, rep_id).where(name.in_(names))).all())
        missing = [n for n in names if n not in found]
        if missing:
            conn.execute(
                insert_ignoring_duplicates(conn, t.reps),
                [{"name": n, "created_at": now} for n in missing],
            )
            found.update(conn.execute(select(name, rep_id).where(name.in_(missing))).all())
        spool.fill("rep", found.items())


def _insert_points(conn: Connection, reviews: list[tuple[int, str]]) -> None:
    """The key points of reviews just inserted: (id, points as 0s and 1s)."""
    insert_rows(
        conn,
        t.review_points,
        ("review_id", "point", "hit"),
        [
            (review_id, index, hit == "1")
            for review_id, points in reviews
            for index, hit in enumerate(points)
        ],
    )


def _write_points(conn: Connection, reviews: list[tuple[str, str]]) -> None:
    """The key points of reviews just inserted: (uuid, points as 0s and 1s)."""
    for chunk in chunks(reviews):
        ids = dict(
            conn.execute(
                select(t.reviews.c.uuid, t.reviews.c.id).where(
                    t.reviews.c.uuid.in_([review_uuid for review_uuid, _ in chunk])
                )
            ).all()
        )
        insert_rows(
            conn,
            t.review_points,
            ("review_id", "point", "hit"),
            [
                (ids[review_uuid], index, hit == "1")
                for review_uuid, points in chunk
                for index, hit in enumerate(points)
            ],
        )


def _outcome(spool: Spool, read: int, written: bool) -> ImportResult:
    problems = []
    conflicts = 0
    for name, line, message, conflict in spool.problems():
        problems.append(LineProblem(name, line, message))
        conflicts += conflict
    return ImportResult(
        read=read,
        imported=spool.count(State.WRITE) if written else 0,
        duplicates=spool.count(State.DUPLICATE),
        problems=problems,
        rebuilt=spool.pair_count() if written else 0,
        written=written,
        refused=spool.refused(),
        conflicts=conflicts,
    )
