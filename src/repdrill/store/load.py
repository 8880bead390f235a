"""Loading decks into the database: upsert, retire, revive, in one transaction.

A card's identity is (deck id, card id). Editing a card's text stores a new
version and keeps its schedule and history; a card missing from its deck file
is retired (never deleted) and revived with its history when it returns. Only
the decks named in a load can retire cards. Files whose bytes are unchanged
since they were last loaded are skipped without being parsed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from repdrill.decks._yaml import gc_paused
from repdrill.decks.parse import (
    Card,
    Deck,
    DeckFile,
    duplicate_deck_ids,
    find_deck_files,
    parse_deck,
    read_file,
)
from repdrill.errors import InvalidInput, Problem, RepdrillError
from repdrill.store.engine import Database
from repdrill.store.tables import CardRow, CardTagRow, CardVersionRow, DeckRow, table

#: Called as progress(files_done, files_total, path) while decks are parsed and written.
Progress = Callable[[int, int, str], None]
#: Any number, as long as it is the same for every repdrill process.
_PG_LOAD_LOCK = 7_305_221


@dataclass(frozen=True, slots=True)
class DeckChanges:
    """What a load did (or, in a dry run, would do) to one deck."""

    deck: str
    path: str
    created: bool = False
    skipped: bool = False
    new: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    unchanged: int = 0
    retired: tuple[str, ...] = ()
    revived: tuple[str, ...] = ()

    @property
    def active(self) -> int:
        return len(self.new) + len(self.changed) + self.unchanged + len(self.revived)


@dataclass(frozen=True, slots=True)
class LoadResult:
    decks: tuple[DeckChanges, ...]
    dry_run: bool = False

    @property
    def deck_ids(self) -> tuple[str, ...]:
        return tuple(d.deck for d in self.decks)

    def total(self, name: str) -> int:
        return sum(_count(getattr(d, name)) for d in self.decks)


def _count(value: object) -> int:
    return value if isinstance(value, int) else len(value)  # type: ignore[arg-type]


def load(
    db: Database,
    paths: Sequence[str | os.PathLike[str]],
    *,
    now: dt.datetime,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> LoadResult:
    """Load the decks under ``paths``; all or nothing.

    Raises :class:`~repdrill.errors.InvalidInput` with every problem found
    when any deck is invalid; nothing is written then.
    """
    with gc_paused():
        return _load(db, paths, now=now, dry_run=dry_run, progress=progress)


def _load(
    db: Database,
    paths: Sequence[str | os.PathLike[str]],
    *,
    now: dt.datetime,
    dry_run: bool,
    progress: Progress | None,
) -> LoadResult:
    names = find_deck_files(paths)
    if not names:
        shown = ", ".join(map(str, paths))
        raise RepdrillError(f"no deck files (*.yaml, *.yml) found in {shown}")
    files, problems = _read_all(names)
    known = _known_files(db, [f.sha256 for f in files])
    parsed: list[Deck] = []
    skipped: list[DeckChanges] = []
    for done, deck_file in enumerate(files, start=1):
        if progress:
            progress(done - 1, len(files), deck_file.path)
        if deck_file.sha256 in known:
            skipped.append(DeckChanges(known[deck_file.sha256], deck_file.path, skipped=True))
            continue
        deck, found = parse_deck(deck_file.path, deck_file.data)
        problems.extend(found)
        if deck is not None:
            parsed.append(deck)
    problems.extend(_duplicates(parsed, skipped))
    if problems:
        raise InvalidInput(problems)
    changes: list[DeckChanges] = []
    with db.session(write=True) as session:
        if db.dialect == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOAD_LOCK})
        hash_of = {f.path: f.sha256 for f in files}
        for deck in parsed:
            changes.append(_apply(session, deck, hash_of[deck.path], now, dry_run))
            if progress:
                progress(len(files), len(files), deck.path)
        if dry_run:
            session.rollback()
    ordered = sorted([*changes, *skipped], key=lambda c: c.path)
    return LoadResult(tuple(ordered), dry_run)


def _read_all(names: list[str]) -> tuple[list[DeckFile], list[Problem]]:
    files, problems = [], []
    for name in names:
        deck_file, problem = read_file(name)
        if deck_file is None:
            problems.append(problem)
        else:
            files.append(deck_file)
    return files, problems  # type: ignore[return-value]


def _known_files(db: Database, hashes: list[str]) -> dict[str, str]:
    """Map file hashes already loaded to their deck ids."""
    if not hashes:
        return {}
    with db.session() as session:
        rows = session.execute(
            select(DeckRow.file_hash, DeckRow.slug).where(DeckRow.file_hash.in_(hashes))
        )
        return {h: slug for h, slug in rows if h is not None}


def _duplicates(parsed: list[Deck], skipped: list[DeckChanges]) -> list[Problem]:
    problems = duplicate_deck_ids(parsed)
    seen: dict[str, str] = {d.id: d.path for d in parsed}
    for change in skipped:
        if change.deck in seen:
            problems.append(
                Problem(
                    change.path,
                    1,
                    1,
                    f"deck id '{change.deck}' is also used by {seen[change.deck]}; "
                    "each deck needs its own id",
                )
            )
        seen.setdefault(change.deck, change.path)
    return problems


def _apply(
    session: Session, deck: Deck, file_hash: str, now: dt.datetime, dry_run: bool
) -> DeckChanges:
    deck_row = session.scalar(select(DeckRow).where(DeckRow.slug == deck.id))
    created = deck_row is None
    settings = {
        "title": deck.title,
        "description": deck.description,
        "owner": deck.owner,
        "version": deck.version,
        "min_interval_days": deck.min_interval_days,
        "new_per_day": deck.new_per_day,
        "source_path": os.path.abspath(deck.path),
        "file_hash": file_hash,
        "loaded_at": now,
    }
    if deck_row is None:
        deck_id = session.execute(
            insert(DeckRow).returning(DeckRow.id).values(slug=deck.id, **settings)
        ).scalar_one()
    else:
        deck_id = deck_row.id
        session.execute(update(DeckRow).where(DeckRow.id == deck_id).values(**settings))
    existing = {
        row.slug: _Existing(*row)
        for row in session.execute(
            select(
                CardRow.id, CardRow.slug, CardRow.current_hash, CardRow.retired_at, CardRow.position
            ).where(CardRow.deck_id == deck_id)
        )
    }
    plan = _plan(deck, existing)
    if not dry_run:
        _write(session, deck_id, deck, plan, existing, now)
    return DeckChanges(
        deck=deck.id,
        path=deck.path,
        created=created,
        new=tuple(c.id for c in plan.new),
        changed=tuple(c.id for c in plan.changed),
        unchanged=plan.unchanged,
        retired=tuple(plan.retired),
        revived=tuple(c.id for c in plan.revived),
    )


class _Existing(NamedTuple):
    id: int
    slug: str
    current_hash: str
    retired_at: dt.datetime | None
    position: int


@dataclass(slots=True)
class _Plan:
    new: list[Card] = field(default_factory=list)
    changed: list[Card] = field(default_factory=list)
    revived: list[Card] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    moved: list[tuple[str, int]] = field(default_factory=list)
    unchanged: int = 0


def _plan(deck: Deck, existing: dict[str, _Existing]) -> _Plan:
    plan = _Plan()
    in_file = set()
    for position, card in enumerate(deck.cards):
        in_file.add(card.id)
        row = existing.get(card.id)
        if row is None:
            plan.new.append(card)
            continue
        if row.retired_at is not None:
            plan.revived.append(card)
        elif row.current_hash != card.content_hash:
            plan.changed.append(card)
        else:
            plan.unchanged += 1
        if row.position != position:
            plan.moved.append((card.id, position))
    plan.retired = sorted(
        slug for slug, row in existing.items() if slug not in in_file and row.retired_at is None
    )
    return plan


def _write(
    session: Session,
    deck_id: int,
    deck: Deck,
    plan: _Plan,
    existing: dict[str, _Existing],
    now: dt.datetime,
) -> None:
    position = {card.id: index for index, card in enumerate(deck.cards)}
    ids = {slug: row.id for slug, row in existing.items()}
    if plan.new:
        inserted = session.execute(
            insert(table(CardRow)).returning(CardRow.id, CardRow.slug),
            [
                {
                    "deck_id": deck_id,
                    "slug": card.id,
                    "position": position[card.id],
                    "current_hash": card.content_hash,
                    "retired_at": None,
                }
                for card in plan.new
            ],
        )
        ids.update({slug: card_id for card_id, slug in inserted})
    touched = [*plan.changed, *plan.revived]
    if touched:
        session.execute(
            update(CardRow),
            [
                {"id": ids[c.id], "current_hash": c.content_hash, "retired_at": None}
                for c in touched
            ],
        )
    if plan.moved:
        session.execute(update(CardRow), [{"id": ids[s], "position": p} for s, p in plan.moved])
    if plan.retired:
        session.execute(update(CardRow), [{"id": ids[s], "retired_at": now} for s in plan.retired])
    versioned = [*plan.new, *touched]
    _store_versions(session, versioned, ids, now)
    _store_tags(session, versioned, ids, replace=bool(touched))


def _store_versions(
    session: Session, cards: list[Card], ids: dict[str, int], now: dt.datetime
) -> None:
    if not cards:
        return
    card_ids = [ids[c.id] for c in cards]
    have: set[tuple[int, str]] = set()
    for chunk in _chunks(card_ids):
        have.update(
            session.execute(
                select(CardVersionRow.card_id, CardVersionRow.content_hash).where(
                    CardVersionRow.card_id.in_(chunk)
                )
            ).all()
        )
    rows = [
        {
            "card_id": ids[card.id],
            "content_hash": card.content_hash,
            "prompt": card.prompt,
            "answer": card.answer,
            "type": card.type,
            "tags": _json_list(card.tags),
            "key_points": _json_list(card.key_points),
            "red_flags": _json_list(card.red_flags),
            "explanation": card.explanation,
            "source": card.source,
            "created_at": now,
        }
        for card in cards
        if (ids[card.id], card.content_hash) not in have
    ]
    if rows:
        session.execute(insert(table(CardVersionRow)), rows)


def _store_tags(session: Session, cards: list[Card], ids: dict[str, int], *, replace: bool) -> None:
    if replace:
        from sqlalchemy import delete

        for chunk in _chunks([ids[c.id] for c in cards]):
            session.execute(delete(CardTagRow).where(CardTagRow.card_id.in_(chunk)))
    rows = [{"card_id": ids[c.id], "tag": tag} for c in cards for tag in c.tags]
    if rows:
        session.execute(insert(table(CardTagRow)), rows)


def _json_list(values: tuple[object, ...]) -> str:
    return json.dumps(values, ensure_ascii=False) if values else "[]"


def _chunks(values: list[int], size: int = 500) -> list[list[int]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def retire_deck(db: Database, deck: str, *, now: dt.datetime, dry_run: bool = False) -> list[str]:
    """Retire every active card of ``deck`` (a deck dropped or renamed); history is kept.

    Loading the deck again revives its cards. Returns the retired card ids.
    """
    with db.session(write=True) as session:
        deck_id = session.scalar(select(DeckRow.id).where(DeckRow.slug == deck))
        if deck_id is None:
            known = ", ".join(session.scalars(select(DeckRow.slug).order_by(DeckRow.slug)))
            raise RepdrillError(f"no deck '{deck}'; decks loaded: {known or 'none'}")
        active = CardRow.deck_id == deck_id, CardRow.retired_at.is_(None)
        retired = list(
            session.scalars(select(CardRow.slug).where(*active).order_by(CardRow.position))
        )
        if not dry_run:
            session.execute(update(CardRow).where(*active).values(retired_at=now))
            # The file no longer defines this deck: load it afresh if it comes back.
            session.execute(update(DeckRow).where(DeckRow.id == deck_id).values(file_hash=None))
    return retired
