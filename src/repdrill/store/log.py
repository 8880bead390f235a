"""Moving review logs between databases as JSON Lines.

A rep drilling offline on a laptop exports their log; the team database
imports it. Each review carries a UUID, so importing is idempotent (a review
already present is skipped) and independent of order (states are recomputed
by replaying the merged log in its canonical order). Malformed lines are
reported with their line numbers and the good ones kept, or, in strict mode,
nothing is written.

One line per review::

    {"id": "0190f7a2-...", "rep": "ana", "deck": "objection-handling",
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
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from repdrill.errors import Problem
from repdrill.schedule.replay import KINDS, UNDO
from repdrill.schedule.sm2 import GRADES
from repdrill.store import read as store
from repdrill.store import record as recording
from repdrill.store.engine import Database
from repdrill.store.tables import CardRow, DeckRow, RepRow, ReviewPointRow, ReviewRow, table

REQUIRED = ("id", "rep", "deck", "card", "grade", "reviewed_at", "card_hash")
OPTIONAL = (
    "kind",
    "review_date",
    "suggested_grade",
    "answer",
    "session",
    "undoes",
    "due_remaining",
    "points",
)
BATCH = 2_000


def export_reviews(
    session: Session, *, since: dt.date | None = None, reps: tuple[str, ...] | None = None
) -> Iterator[dict[str, Any]]:
    """Every review (oldest first) as a JSON-ready dict, streamed from the database."""
    query = (
        select(
            ReviewRow.id,
            ReviewRow.uuid,
            RepRow.name,
            DeckRow.slug,
            CardRow.slug,
            ReviewRow.kind,
            ReviewRow.grade,
            ReviewRow.suggested_grade,
            ReviewRow.answer,
            ReviewRow.review_date,
            ReviewRow.reviewed_at,
            ReviewRow.card_hash,
            ReviewRow.session,
            ReviewRow.undoes,
            ReviewRow.due_remaining,
        )
        .join(RepRow, RepRow.id == ReviewRow.rep_id)
        .join(CardRow, CardRow.id == ReviewRow.card_id)
        .join(DeckRow, DeckRow.id == CardRow.deck_id)
        .order_by(ReviewRow.review_date, ReviewRow.reviewed_at, ReviewRow.uuid)
    )
    if since is not None:
        query = query.where(ReviewRow.review_date >= since)
    if reps is not None:
        query = query.where(RepRow.name.in_(reps))
    batch: list[Any] = []
    for row in session.execute(query.execution_options(yield_per=BATCH)):
        batch.append(row)
        if len(batch) >= BATCH:
            yield from _with_points(session, batch)
            batch = []
    yield from _with_points(session, batch)


def _with_points(session: Session, rows: list[Any]) -> Iterator[dict[str, Any]]:
    if not rows:
        return
    points: dict[int, list[bool]] = defaultdict(list)
    for review_id, _point, hit in session.execute(
        select(ReviewPointRow.review_id, ReviewPointRow.point, ReviewPointRow.hit)
        .where(ReviewPointRow.review_id.in_([r[0] for r in rows]))
        .order_by(ReviewPointRow.review_id, ReviewPointRow.point)
    ):
        points[review_id].append(bool(hit))
    for r in rows:
        record: dict[str, Any] = {
            "id": r[1],
            "rep": r[2],
            "deck": r[3],
            "card": r[4],
            "kind": r[5],
            "grade": r[6],
            "suggested_grade": r[7],
            "answer": r[8],
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
    kind: str
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


@dataclass
class ImportResult:
    read: int = 0
    imported: int = 0
    duplicates: int = 0
    problems: list[Problem] = field(default_factory=list)
    rebuilt: int = 0
    written: bool = True


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
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise LineError(f"missing {', '.join(missing)}")
    unknown = sorted(set(data) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise LineError(f"unknown key {', '.join(unknown)}")
    kind = data.get("kind", "review")
    if kind not in KINDS:
        raise LineError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    grade = data["grade"]
    if kind == UNDO:
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
        uuid=_uuid(data["id"], "id"),
        rep=_text(data["rep"], "rep"),
        deck=_text(data["deck"], "deck"),
        card=_text(data["card"], "card"),
        kind=kind,
        grade=grade,
        suggested_grade=suggested,
        answer=_optional_text(data.get("answer"), "answer"),
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
                result.problems.append(Problem(name, number, 1, str(error)))
                continue
            if review.uuid in incoming:
                result.duplicates += 1
                continue
            incoming[review.uuid] = review
            where[review.uuid] = (name, number)
    with db.session(write=True) as session:
        card_ids = _card_ids(session, {(r.deck, r.card) for r in incoming.values()})
        unknown = [r for r in incoming.values() if (r.deck, r.card) not in card_ids]
        for review in unknown:
            name, number = where[review.uuid]
            result.problems.append(
                Problem(
                    name,
                    number,
                    1,
                    f"no card {review.deck}/{review.card} in this database; load its deck first",
                )
            )
            del incoming[review.uuid]
        result.problems.sort(key=lambda p: (p.path, p.line))
        if strict and result.problems:
            result.written = False
            session.rollback()
            return result
        existing = _existing(session, list(incoming))
        fresh = [r for r in incoming.values() if r.uuid not in existing]
        result.duplicates += len(incoming) - len(fresh)
        rep_ids = {name: store.ensure_rep(session, name, now) for name in {r.rep for r in fresh}}
        for rep_id in sorted(rep_ids.values()):
            store.lock_rep(session, rep_id)
        _insert(session, fresh, rep_ids, card_ids)
        affected = {(rep_ids[r.rep], card_ids[(r.deck, r.card)]) for r in fresh}
        for rep_id, card_id in sorted(affected):
            recording.rebuild_schedule(session, rep_id, card_id)
        result.imported = len(fresh)
        result.rebuilt = len(affected)
    return result


def _card_ids(session: Session, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    decks = {deck for deck, _ in wanted}
    if not decks:
        return {}
    rows = session.execute(
        select(DeckRow.slug, CardRow.slug, CardRow.id)
        .join(DeckRow, DeckRow.id == CardRow.deck_id)
        .where(DeckRow.slug.in_(decks))
    )
    return {(deck, card): card_id for deck, card, card_id in rows if (deck, card) in wanted}


def _existing(session: Session, uuids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(uuids), 500):
        chunk = uuids[start : start + 500]
        found.update(session.scalars(select(ReviewRow.uuid).where(ReviewRow.uuid.in_(chunk))))
    return found


def _insert(
    session: Session,
    reviews: list[Incoming],
    rep_ids: dict[str, int],
    card_ids: dict[tuple[str, str], int],
) -> None:
    for start in range(0, len(reviews), BATCH):
        chunk = reviews[start : start + BATCH]
        rows = session.execute(
            insert(table(ReviewRow)).returning(table(ReviewRow).c.id, table(ReviewRow).c.uuid),
            [
                {
                    "uuid": r.uuid,
                    "rep_id": rep_ids[r.rep],
                    "card_id": card_ids[(r.deck, r.card)],
                    "card_hash": r.card_hash,
                    "kind": r.kind,
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
            session.execute(insert(table(ReviewPointRow)), points)
