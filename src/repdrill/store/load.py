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

from sqlalchemy import Connection, bindparam, delete, insert, select, text, update

from repdrill.decks._yaml import gc_paused
from repdrill.decks.files import DeckFile, find_deck_files, read_file
from repdrill.decks.parse import Card, Deck, choices_json, duplicate_deck_ids, parse_deck
from repdrill.errors import InvalidInput, Problem, RepdrillError
from repdrill.store import revisions
from repdrill.store import tables as t
from repdrill.store._sql import chunks, insert_rows
from repdrill.store.engine import Database
from repdrill.store.read import check_decks

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
    #: Cards whose revision went up: a change of message every rep who reviewed
    #: them relearns. Not in ``changed``, which keeps progress.
    revised: tuple[str, ...] = ()
    #: Reps who have reviewed any of the revised cards.
    relearn_reps: int = 0

    @property
    def touched(self) -> bool:
        """Whether the load added, changed, revised, retired or revived any card."""
        return bool(self.new or self.changed or self.revised or self.retired or self.revived)

    def to_json(self) -> dict[str, object]:
        return {
            "deck": self.deck,
            "path": self.path,
            "created": self.created,
            "skipped": self.skipped,
            "new_ids": list(self.new),
            "changed_ids": list(self.changed),
            "unchanged_cards": self.unchanged,
            "retired_ids": list(self.retired),
            "revived_ids": list(self.revived),
            "revised_ids": list(self.revised),
            "relearn_rep_count": self.relearn_reps,
        }


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What a load did to each deck it read, in path order."""

    decks: tuple[DeckChanges, ...]
    dry_run: bool = False

    @property
    def deck_ids(self) -> tuple[str, ...]:
        return tuple(d.deck for d in self.decks)

    def total(self, name: str) -> int:
        """Cards in one category (``new``, ``changed``, ...) over every deck."""
        return sum(_size(getattr(d, name)) for d in self.decks)

    def to_json(self) -> dict[str, object]:
        return {"dry_run": self.dry_run, "decks": [d.to_json() for d in self.decks]}


def _size(value: int | tuple[str, ...]) -> int:
    return value if isinstance(value, int) else len(value)


@dataclass(frozen=True, slots=True)
class Retired:
    """What ``deck retire`` did (or, in a dry run, would do)."""

    deck: str
    cards: tuple[str, ...]
    dry_run: bool = False

    def to_json(self) -> dict[str, object]:
        return {"deck": self.deck, "retired_ids": list(self.cards), "dry_run": self.dry_run}


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
    with db.transaction(write=True) as conn:
        if db.dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOAD_LOCK})
        hash_of = {f.path: f.sha256 for f in files}
        for deck in parsed:
            changes.append(_apply(conn, deck, hash_of[deck.path], now, dry_run))
            if progress:
                progress(len(files), len(files), deck.path)
        if dry_run:
            conn.rollback()
    ordered = sorted([*changes, *skipped], key=lambda c: c.path)
    return LoadResult(tuple(ordered), dry_run)


def _read_all(names: list[str]) -> tuple[list[DeckFile], list[Problem]]:
    files: list[DeckFile] = []
    problems: list[Problem] = []
    for name in names:
        deck_file, problem = read_file(name)
        if deck_file is not None:
            files.append(deck_file)
        elif problem is not None:
            problems.append(problem)
    return files, problems


def _known_files(db: Database, hashes: list[str]) -> dict[str, str]:
    """Map file hashes already loaded to their deck ids."""
    if not hashes:
        return {}
    with db.transaction() as conn:
        rows = conn.execute(
            select(t.decks.c.file_hash, t.decks.c.slug).where(t.decks.c.file_hash.in_(hashes))
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
    conn: Connection, deck: Deck, file_hash: str, now: dt.datetime, dry_run: bool
) -> DeckChanges:
    deck_id = conn.scalar(select(t.decks.c.id).where(t.decks.c.slug == deck.id))
    created = deck_id is None
    settings = {
        "title": deck.title,
        "description": deck.description,
        "owner": deck.owner,
        "version": deck.version,
        "min_interval_days": deck.min_interval_days,
        "new_per_day": deck.new_per_day,
        "language": deck.language,
        "source_path": os.path.abspath(deck.path),
        "file_hash": file_hash,
        "loaded_at": now,
    }
    if deck_id is None:
        deck_id = conn.execute(
            insert(t.decks).returning(t.decks.c.id).values(slug=deck.id, **settings)
        ).scalar_one()
    else:
        conn.execute(update(t.decks).where(t.decks.c.id == deck_id).values(**settings))
    c = t.cards.c
    existing = {
        row.slug: _Existing(*row)
        for row in conn.execute(
            select(c.id, c.slug, c.current_hash, c.retired_at, c.position).where(
                c.deck_id == deck_id
            )
        )
    }
    plan = _plan(deck, existing)
    revised = revisions.revised_cards(deck, revisions.stored_cards(conn, deck_id))
    relearners = revisions.relearn_rep_count(conn, [existing[c.id].id for c in revised])
    if not dry_run:
        _write(conn, deck_id, deck, plan, existing, now)
        revisions.write_revisions(conn, deck_id, deck, revised, now=now)
    changed, unchanged = _wording_only(plan, {c.id for c in revised})
    return DeckChanges(
        deck=deck.id,
        path=deck.path,
        created=created,
        new=tuple(c.id for c in plan.new),
        changed=changed,
        unchanged=unchanged,
        retired=tuple(plan.retired),
        revived=tuple(c.id for c in plan.revived),
        revised=tuple(c.id for c in revised),
        relearn_reps=relearners,
    )


def _wording_only(plan: _Plan, revised: set[str]) -> tuple[tuple[str, ...], int]:
    """Changed and unchanged cards, leaving out the revised ones (reported apart)."""
    changed = tuple(c.id for c in plan.changed if c.id not in revised)
    elsewhere = {c.id for c in (*plan.changed, *plan.revived)}
    return changed, plan.unchanged - len(revised - elsewhere)


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
    conn: Connection,
    deck_id: int,
    deck: Deck,
    plan: _Plan,
    existing: dict[str, _Existing],
    now: dt.datetime,
) -> None:
    position = {card.id: index for index, card in enumerate(deck.cards)}
    ids = {slug: row.id for slug, row in existing.items()}
    if plan.new:
        inserted = conn.execute(
            insert(t.cards).returning(t.cards.c.id, t.cards.c.slug),
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
    # Each row of the executemany below names its card as "card".
    by_id = t.cards.c.id == bindparam("card")
    if touched:
        conn.execute(
            update(t.cards).where(by_id),
            [
                {"card": ids[c.id], "current_hash": c.content_hash, "retired_at": None}
                for c in touched
            ],
        )
    if plan.moved:
        conn.execute(
            update(t.cards).where(by_id),
            [{"card": ids[slug], "position": p} for slug, p in plan.moved],
        )
    if plan.retired:
        conn.execute(
            update(t.cards).where(by_id),
            [{"card": ids[slug], "retired_at": now} for slug in plan.retired],
        )
    versioned = [*plan.new, *touched]
    _store_versions(conn, versioned, ids, now, new_cards=len(plan.new))
    _store_tags(conn, versioned, ids, replace=bool(touched))


def _store_versions(
    conn: Connection,
    cards: list[Card],
    ids: dict[str, int],
    now: dt.datetime,
    *,
    new_cards: int,
) -> None:
    """A version for each card whose text is not stored yet (the first ``new_cards`` are new)."""
    if not cards:
        return
    v = t.card_versions.c
    have: set[tuple[int, str]] = set()
    for chunk in chunks([ids[c.id] for c in cards[new_cards:]]):
        rows = conn.execute(select(v.card_id, v.content_hash).where(v.card_id.in_(chunk)))
        have.update((card_id, content_hash) for card_id, content_hash in rows)
    columns = (
        "card_id",
        "content_hash",
        "prompt",
        "answer",
        "type",
        "tags",
        "key_points",
        "red_flags",
        "explanation",
        "source",
        "choices",
        "created_at",
    )
    versions = [
        (
            ids[card.id],
            card.content_hash,
            card.prompt,
            card.answer,
            card.type,
            _json_list(card.tags),
            _json_list(card.key_points),
            _json_list(card.red_flags),
            card.explanation,
            card.source,
            choices_json(card),
            now,
        )
        for card in cards
        if (ids[card.id], card.content_hash) not in have
    ]
    insert_rows(conn, t.card_versions, columns, versions)


def _store_tags(conn: Connection, cards: list[Card], ids: dict[str, int], *, replace: bool) -> None:
    if replace:
        for chunk in chunks([ids[c.id] for c in cards]):
            conn.execute(delete(t.card_tags).where(t.card_tags.c.card_id.in_(chunk)))
    rows = [(ids[c.id], tag) for c in cards for tag in c.tags]
    insert_rows(conn, t.card_tags, ("card_id", "tag"), rows)


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _json_list(values: tuple[object, ...]) -> str:
    return _ENCODER.encode(values) if values else "[]"


def retire_deck(db: Database, deck: str, *, now: dt.datetime, dry_run: bool = False) -> Retired:
    """Retire every active card of ``deck`` (a deck dropped or renamed); history is kept.

    Loading the deck again revives its cards.
    """
    with db.transaction(write=True) as conn:
        check_decks(conn, [deck])
        deck_id = conn.scalar(select(t.decks.c.id).where(t.decks.c.slug == deck))
        c = t.cards.c
        active = (c.deck_id == deck_id, c.retired_at.is_(None))
        retired = tuple(conn.scalars(select(c.slug).where(*active).order_by(c.position)))
        if not dry_run:
            conn.execute(update(t.cards).where(*active).values(retired_at=now))
            # The file no longer defines this deck: load it afresh if it comes back.
            conn.execute(update(t.decks).where(t.decks.c.id == deck_id).values(file_hash=None))
    return Retired(deck, retired, dry_run)
