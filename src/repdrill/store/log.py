"""Moving review logs between databases as JSON Lines.

A rep drilling offline on a laptop exports their log; the team database
imports it. Each review carries a UUID, so importing is idempotent (a review
already present is skipped) and independent of order (states are recomputed
by replaying the merged log in its canonical order). Malformed lines are
reported with their line numbers and the good ones kept, or, in strict mode,
nothing is written. In team mode only the reviews the importing login may
write are imported (a rep's own; a manager with import rights, their teams';
the owner, anyone's); the others are counted as refused, by rep.

One line per review::

    {"review_id": "0190f7a2-...", "rep": "ana", "deck": "objection-handling",
     "card": "price-too-high", "kind": "review", "grade": 4,
     "reviewed_at": "2026-03-02T09:14:03.120544+01:00", "review_date": "2026-03-02",
     "card_hash": "9f2c...", ...}
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import Connection, insert, select

from repdrill._text import one_line
from repdrill.config import rep_name_problem
from repdrill.schedule.replay import ReviewKind
from repdrill.schedule.sm2 import GRADES
from repdrill.store import tables as t
from repdrill.store._sql import chunks
from repdrill.store.engine import Database
from repdrill.store.read import ensure_rep, lock_rep
from repdrill.store.record import rebuild_schedule
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

    def to_json(self) -> dict[str, object]:
        return {
            "read": self.read,
            "imported": self.imported if self.written else 0,
            "duplicates": self.duplicates,
            "rejected": len(self.problems),
            "states_rebuilt": self.rebuilt,
            "written": self.written,
            "refused": sum(self.refused.values()),
            "refused_reps": sorted(self.refused),
            "problems": [p.to_json() for p in self.problems],
        }


class LineError(ValueError):
    """A line of an import file that cannot be taken."""


def parse_line(text: str) -> Incoming:
    """Validate one JSON line; raises :class:`LineError` saying what is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise LineError(f"not valid JSON ({error.msg})") from None
    if not isinstance(data, dict):
        raise LineError("each line must be a JSON object")
    for old, new in LEGACY_KEYS.items():
        if old in data and new not in data:
            data[new] = data.pop(old)
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise LineError(f"missing {', '.join(missing)}")
    unknown = sorted(set(data) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise LineError(f"unknown key {', '.join(unknown)}")
    try:
        kind = ReviewKind(data.get("kind", ReviewKind.REVIEW))
    except ValueError:
        kinds = ", ".join(k.value for k in ReviewKind)
        raise LineError(f"kind must be one of {kinds}, not {data.get('kind')!r}") from None
    grade = data["grade"]
    if kind is ReviewKind.UNDO:
        if grade is not None:
            raise LineError("an undo has no grade (null)")
        if not isinstance(data.get("undoes"), str):
            raise LineError("an undo names the review it undoes in 'undoes'")
    elif not _is_grade(grade):
        raise LineError(f"grade must be a whole number from 0 to 5, not {grade!r}")
    suggested = data.get("suggested_grade")
    if suggested is not None and not _is_grade(suggested):
        raise LineError(f"suggested_grade must be 0 to 5 or null, not {suggested!r}")
    reviewed_at = _timestamp(data["reviewed_at"])
    review_date = (
        _date(data["review_date"]) if data.get("review_date") is not None else reviewed_at.date()
    )
    points = data.get("points") or []
    if not isinstance(points, list) or not all(isinstance(p, bool) for p in points):
        raise LineError("points must be a list of true/false")
    due_remaining = data.get("due_remaining")
    if due_remaining is not None and (not isinstance(due_remaining, int) or due_remaining < 0):
        raise LineError("due_remaining must be a whole number or null")
    return Incoming(
        uuid=_uuid(data["review_id"], "review_id"),
        rep=_rep(data["rep"]),
        deck=_text(data["deck"], "deck"),
        card=_text(data["card"], "card"),
        kind=kind,
        grade=grade,
        suggested_grade=suggested,
        answer=_optional_text(data.get("typed_answer"), "typed_answer"),
        review_date=review_date,
        reviewed_at=reviewed_at,
        card_hash=_text(data["card_hash"], "card_hash"),
        session=_optional_text(data.get("session"), "session"),
        undoes=None if data.get("undoes") is None else _uuid(data["undoes"], "undoes"),
        due_remaining=due_remaining,
        points=tuple(points),
    )


def _is_grade(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in GRADES


def _rep(value: object) -> str:
    """The same rule for rep names as ``--user`` and the roster."""
    name = _text(value, "rep")
    problem = rep_name_problem(name)
    if problem:
        raise LineError(f"rep {one_line(repr(name[:40]))} is not a usable name: {problem}")
    return name


def _text(value: object, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LineError(f"{key} must be non-empty text")
    return value


def _optional_text(value: object, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise LineError(f"{key} must be text or null")
    return value


def _uuid(value: object, key: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise LineError(f"{key} must be a UUID, not {value!r}") from None


def _timestamp(value: object) -> dt.datetime:
    try:
        stamp = dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise LineError(f"reviewed_at must be an ISO 8601 timestamp, not {value!r}") from None
    if stamp.tzinfo is None:
        raise LineError("reviewed_at needs a time zone offset (2026-03-02T09:14:03+01:00)")
    return stamp


def _date(value: object) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise LineError(f"review_date must be YYYY-MM-DD, not {value!r}") from None


def import_reviews(
    db: Database,
    sources: Iterable[tuple[str, Iterable[str]]],
    *,
    now: dt.datetime,
    strict: bool = False,
) -> ImportResult:
    """Merge review lines into the database in one transaction.

    ``sources`` are (name, lines) pairs; problems are reported as name:line.
    Reviews whose id is already present are skipped. Afterwards every
    affected rep's state for every affected card is rebuilt from the log.
    """
    result = ImportResult()
    incoming: dict[str, Incoming] = {}
    where: dict[str, tuple[str, int]] = {}
    for name, lines in sources:
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            result.read += 1
            try:
                review = parse_line(text)
            except LineError as error:
                result.problems.append(LineProblem(name, number, str(error)))
                continue
            if review.uuid in incoming:
                result.duplicates += 1
                continue
            incoming[review.uuid] = review
            where[review.uuid] = (name, number)
    with db.transaction(write=True) as conn:
        card_ids = _card_ids(conn, {(r.deck, r.card) for r in incoming.values()})
        unknown = [r for r in incoming.values() if (r.deck, r.card) not in card_ids]
        for review in unknown:
            name, number = where[review.uuid]
            result.problems.append(
                LineProblem(
                    name,
                    number,
                    f"no card {review.deck}/{review.card} in this database; load its deck first",
                )
            )
            del incoming[review.uuid]
        result.problems.sort(key=lambda p: (p.path, p.line))
        _drop_refused(conn, incoming, result)
        if strict and (result.problems or result.refused):
            result.written = False
            conn.rollback()
            return result
        existing = _existing(conn, list(incoming))
        fresh = [r for r in incoming.values() if r.uuid not in existing]
        result.duplicates += len(incoming) - len(fresh)
        rep_ids = {name: ensure_rep(conn, name, now) for name in {r.rep for r in fresh}}
        for rep_id in sorted(rep_ids.values()):
            lock_rep(conn, rep_id)
        _insert(conn, fresh, rep_ids, card_ids)
        affected = {(rep_ids[r.rep], card_ids[(r.deck, r.card)]) for r in fresh}
        for rep_id, card_id in sorted(affected):
            rebuild_schedule(conn, rep_id, card_id)
        result.imported = len(fresh)
        result.rebuilt = len(affected)
    return result


def _drop_refused(conn: Connection, incoming: dict[str, Incoming], result: ImportResult) -> None:
    """Team mode: keep only the reviews this login may write; count the rest by rep.

    Filtered before inserting, because one row that row-level security
    refuses would abort the whole insert.
    """
    allowed = writable_reps(conn, {r.rep for r in incoming.values()})
    if allowed is None:
        return
    refused: dict[str, int] = defaultdict(int)
    for review_uuid, review in list(incoming.items()):
        if review.rep not in allowed:
            refused[review.rep] += 1
            del incoming[review_uuid]
    result.refused = dict(refused)


def _card_ids(conn: Connection, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    decks = {deck for deck, _ in wanted}
    if not decks:
        return {}
    rows = conn.execute(
        select(t.decks.c.slug, t.cards.c.slug, t.cards.c.id)
        .select_from(t.cards.join(t.decks))
        .where(t.decks.c.slug.in_(decks))
    )
    return {(deck, card): card_id for deck, card, card_id in rows if (deck, card) in wanted}


def _existing(conn: Connection, uuids: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(uuids):
        found.update(conn.scalars(select(t.reviews.c.uuid).where(t.reviews.c.uuid.in_(chunk))))
    return found


def _insert(
    conn: Connection,
    reviews: list[Incoming],
    rep_ids: dict[str, int],
    card_ids: dict[tuple[str, str], int],
) -> None:
    for chunk in chunks(reviews, BATCH):
        rows = conn.execute(
            insert(t.reviews).returning(t.reviews.c.id, t.reviews.c.uuid),
            [
                {
                    "uuid": r.uuid,
                    "rep_id": rep_ids[r.rep],
                    "card_id": card_ids[(r.deck, r.card)],
                    "card_hash": r.card_hash,
                    "kind": r.kind.value,
                    "grade": r.grade,
                    "suggested_grade": r.suggested_grade,
                    "answer": r.answer,
                    "review_date": r.review_date,
                    "reviewed_at": r.reviewed_at,
                    "session": r.session,
                    "undoes": r.undoes,
                    "due_remaining": r.due_remaining,
                }
                for r in chunk
            ],
        )
        ids = {row_uuid: review_id for review_id, row_uuid in rows}
        points = [
            {"review_id": ids[r.uuid], "point": index, "hit": hit}
            for r in chunk
            for index, hit in enumerate(r.points)
        ]
        if points:
            conn.execute(insert(t.review_points), points)
