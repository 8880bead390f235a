"""Card revisions at load time: which cards changed their message, and who relearns them.

A card's ``revision`` in its deck file says which version of its message it
carries. When a load finds it higher than the revision last loaded, the load
records the revision (:data:`~repdrill.store.tables.card_revisions`) and every
rep who has reviewed the card restarts it (:func:`repdrill.schedule.replay.relearn`):
repetitions 0, interval one day, easiness kept, due the day after the load. The
history stays whole, and the span of the state held until the revision ends
that day, so mastery over time shows the loss. A revision lowered is refused;
one unchanged is no revision, whatever the text says (that is a rewording,
which keeps progress). A rep who never reviewed the card is untouched.

The reset is written directly, in two statements per card, when every review
and revision of the card comes before the load; a rep with reviews dated after
it (a simulated ``--today``), or every rep when an earlier revision is dated
after it, has the card replayed instead, so the stored state always equals the
replay of the log and the revisions together.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, and_, exists, insert, or_, select, update

from repdrill.cards import Revised
from repdrill.decks.history import Earlier, EarlierCard, EarlierDeck
from repdrill.decks.parse import Card, Deck
from repdrill.errors import InvalidInput, Problem
from repdrill.schedule.replay import ReviewKind
from repdrill.store import tables as t
from repdrill.store._sql import chunks
from repdrill.store.engine import Database
from repdrill.store.record import rebuild_schedule


@dataclass(frozen=True, slots=True)
class StoredCard:
    """What the database holds of a card's revision and review-by date."""

    id: int
    revision: int
    review_by: dt.date | None


def stored_cards(conn: Connection, deck_id: int) -> dict[str, StoredCard]:
    """The deck's cards by card id, as last loaded."""
    c = t.cards.c
    rows = conn.execute(select(c.slug, c.id, c.revision, c.review_by).where(c.deck_id == deck_id))
    return {slug: StoredCard(card_id, revision, due) for slug, card_id, revision, due in rows}


def revised_cards(deck: Deck, stored: dict[str, StoredCard]) -> list[Card]:
    """The cards of ``deck`` whose revision went up since the last load, in deck order.

    Raises :class:`~repdrill.errors.InvalidInput` naming every card whose
    revision went down: loading an older message over a newer one is a mistake
    (an old checkout), and nothing is written.
    """
    revised, lowered = [], []
    for card in deck.cards:
        before = stored.get(card.id)
        if before is None:
            continue
        if card.revision > before.revision:
            revised.append(card)
        elif card.revision < before.revision:
            line, column = card.mark("revision")
            lowered.append(
                Problem(
                    deck.path,
                    line,
                    column,
                    f"card '{card.id}': revision {card.revision} is lower than revision "
                    f"{before.revision} already loaded; revisions only go up (is this an old "
                    f"checkout?). To mark a change of message, give it {before.revision + 1}",
                )
            )
    if lowered:
        raise InvalidInput(lowered)
    return revised


def relearn_rep_count(conn: Connection, card_ids: Sequence[int]) -> int:
    """Reps who have reviewed any of these cards: who relearns them once revised."""
    if not card_ids:
        return 0
    s = t.card_states.c
    reps: set[int] = set()
    for chunk in chunks(list(card_ids)):
        reps.update(conn.scalars(select(s.rep_id).distinct().where(s.card_id.in_(chunk))))
    return len(reps)


def write_revisions(
    conn: Connection, deck_id: int, deck: Deck, revised: Sequence[Card], *, now: dt.datetime
) -> None:
    """Store the deck's and its cards' revisions and review-by dates; restart revised cards."""
    conn.execute(update(t.decks).where(t.decks.c.id == deck_id).values(review_by=deck.review_by))
    stored = stored_cards(conn, deck_id)
    for card in deck.cards:
        row = stored[card.id]
        if (row.revision, row.review_by) != (card.revision, card.review_by):
            conn.execute(
                update(t.cards)
                .where(t.cards.c.id == row.id)
                .values(revision=card.revision, review_by=card.review_by)
            )
    for card in revised:
        _relearn(conn, stored[card.id].id, card, now)


def relearning(conn: Connection, rep: int, card_ids: Sequence[int]) -> dict[int, Revised]:
    """The cards among ``card_ids`` revised since the rep last reviewed them, by card.

    Each comes with the latest revision and the text of the version the rep
    last saw (their latest logged review of it, whatever its kind).
    """
    v = t.card_revisions.c
    latest: dict[int, tuple[int, dt.date, dt.datetime]] = {}
    for chunk in chunks(list(card_ids)):
        for card_id, number, day, at in conn.execute(
            select(v.card_id, v.revision, v.revised_on, v.revised_at).where(v.card_id.in_(chunk))
        ):
            if card_id not in latest or (day, at) > latest[card_id][1:]:
                latest[card_id] = (number, day, at)
    if not latest:
        return {}
    r = t.reviews.c
    seen: dict[int, tuple[dt.date, dt.datetime, str]] = {}
    for card_id, day, at, card_hash in conn.execute(
        select(r.card_id, r.review_date, r.reviewed_at, r.card_hash).where(
            r.rep_id == rep, r.card_id.in_(list(latest)), r.kind != ReviewKind.UNDO.value
        )
    ):
        if card_id not in seen or (day, at) > seen[card_id][:2]:
            seen[card_id] = (day, at, card_hash)
    stale = {
        card_id: seen[card_id][2]
        for card_id, (_number, day, at) in latest.items()
        if card_id in seen and seen[card_id][:2] < (day, at)
    }
    if not stale:
        return {}
    cv = t.card_versions.c
    texts = {
        (card_id, content_hash): (answer, key_points)
        for card_id, content_hash, answer, key_points in conn.execute(
            select(cv.card_id, cv.content_hash, cv.answer, cv.key_points).where(
                cv.card_id.in_(list(stale))
            )
        )
    }
    found = {}
    for card_id, card_hash in stale.items():
        answer, key_points = texts[(card_id, card_hash)]
        number, day, _at = latest[card_id]
        points = tuple(tuple(p) for p in json.loads(key_points))
        found[card_id] = Revised(number, day, answer, points)
    return found


def from_database(db: Database) -> Earlier:
    """Earlier versions of decks: what the database last loaded (``validate --db``)."""

    def earlier(decks: Sequence[Deck]) -> dict[str, EarlierDeck]:
        wanted = {deck.id for deck in decks}
        cards: dict[str, dict[str, EarlierCard]] = {}
        v = t.card_versions.c
        current = and_(v.card_id == t.cards.c.id, v.content_hash == t.cards.c.current_hash)
        with db.transaction() as conn:
            for chunk in chunks(sorted(wanted)):
                rows = conn.execute(
                    select(
                        t.decks.c.slug, t.cards.c.slug, v.answer, v.key_points, t.cards.c.revision
                    )
                    .select_from(t.cards.join(t.decks).join(t.card_versions, current))
                    .where(t.decks.c.slug.in_(chunk))
                )
                for deck, card, answer, points, revision in rows:
                    key_points = tuple(tuple(p) for p in json.loads(points))
                    cards.setdefault(deck, {})[card] = EarlierCard(answer, key_points, revision)
        return {
            deck.path: EarlierDeck("the version in the database", cards[deck.id])
            for deck in decks
            if deck.id in cards
        }

    return earlier


def _relearn(conn: Connection, card_id: int, card: Card, now: dt.datetime) -> None:
    today = now.date()
    v = t.card_revisions.c
    after_this = or_(v.revised_on > today, and_(v.revised_on == today, v.revised_at > now))
    # An earlier load's revision dated after this one (a simulated --today) changes
    # the replay of every rep: they are all replayed then.
    revised_later = conn.scalar(select(exists().where(v.card_id == card_id, after_this)))
    conn.execute(
        insert(t.card_revisions).values(
            card_id=card_id,
            revision=card.revision,
            content_hash=card.content_hash,
            revised_on=today,
            revised_at=now,
        )
    )
    r = t.reviews.c
    reviewed_after = or_(r.review_date > today, and_(r.review_date == today, r.reviewed_at > now))
    replayed = select(r.rep_id).distinct().where(r.card_id == card_id)
    if not revised_later:
        replayed = replayed.where(reviewed_after)
    later = list(conn.scalars(replayed))
    s = t.card_states.c
    conn.execute(
        update(t.card_states)
        .where(s.card_id == card_id, s.rep_id.not_in(later))
        .values(repetitions=0, interval_days=1, due=today + dt.timedelta(days=1))
    )
    c = t.state_changes.c
    conn.execute(
        update(t.state_changes)
        .where(c.card_id == card_id, c.valid_until.is_(None), c.rep_id.not_in(later))
        .values(valid_until=today)
    )
    for rep in sorted(later):
        rebuild_schedule(conn, rep, card_id)
