"""Build large benchmark databases quickly: a deck, reps and a simulated review log.

The log is simulated with the real scheduler (:mod:`repdrill.schedule.replay`), so
states, state changes and reviews agree exactly as the drill would leave them;
rows go in through bulk Core inserts instead of one transaction per grade.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).parent))
from common import write_big_deck
from repdrill.config import Clock
from repdrill.ids import uuid7
from repdrill.schedule.replay import Schedule, schedule_after
from repdrill.store import tables as t
from repdrill.store.engine import Database
from repdrill.store.load import load
from repdrill.store.record import state_values

BATCH = 20_000


def build(
    url: str,
    workdir: Path,
    *,
    cards: int,
    reps: int,
    cards_per_rep: int,
    reviews_per_card: int,
    today: dt.date,
    seed: int = 11,
    decks: int = 1,
    history_days: tuple[int, int] = (30, 200),
    skill: tuple[float, float] = (0.55, 0.95),
) -> Database:
    """Load ``decks`` decks of ``cards`` cards in all, then simulate each rep's history."""
    db = Database.open(url)
    per_deck = cards // decks
    paths = [
        write_big_deck(workdir / f"deck-{d}.yaml", per_deck, seed=d, deck_id=f"deck-{d}")
        for d in range(decks)
    ]
    load(db, paths, now=Clock.read(today).now())
    rng = random.Random(seed)
    with db.transaction() as conn:
        card_ids = list(conn.scalars(select(t.cards.c.id).order_by(t.cards.c.id)))
    with db.transaction(write=True) as conn:
        rep_ids = [
            conn.execute(
                insert(t.reps).returning(t.reps.c.id),
                {"name": f"rep-{r:04d}", "created_at": Clock.read(today).now()},
            ).scalar_one()
            for r in range(reps)
        ]
    reviews: list[dict[str, object]] = []
    changes: list[dict[str, object]] = []
    states: list[dict[str, object]] = []
    for rep in rep_ids:
        rep_skill = rng.uniform(*skill)
        for card in rng.sample(card_ids, cards_per_rep):
            history = _simulate(rng, rep_skill, reviews_per_card, today, history_days)
            for review, change, state in history:
                review.update(rep_id=rep, card_id=card)
                change.update(rep_id=rep, card_id=card)
                reviews.append(review)
                changes.append(change)
                if state is not None:
                    state.update(rep_id=rep, card_id=card)
                    states.append(state)
            if len(reviews) >= BATCH:
                _flush(db, reviews, changes, states)
    _flush(db, reviews, changes, states)
    return db


def _flush(
    db: Database,
    reviews: list[dict[str, object]],
    changes: list[dict[str, object]],
    states: list[dict[str, object]],
) -> None:
    with db.transaction(write=True) as conn:
        if reviews:
            # The database numbers the reviews (so PostgreSQL's sequence stays in
            # step for the grades a benchmark records afterwards).
            inserted = conn.execute(
                insert(t.reviews).returning(t.reviews.c.id, sort_by_parameter_order=True),
                reviews,
            )
            for change, (review_id,) in zip(changes, inserted, strict=True):
                change["review_id"] = review_id
            conn.execute(insert(t.state_changes), changes)
        if states:
            conn.execute(insert(t.card_states), states)
    reviews.clear()
    changes.clear()
    states.clear()


def _simulate(
    rng: random.Random, skill: float, count: int, today: dt.date, history_days: tuple[int, int]
) -> Iterator[tuple[dict[str, object], dict[str, object], dict[str, object] | None]]:
    """Up to ``count`` scheduling reviews of one card, each on the day it fell due."""
    day = today - dt.timedelta(days=rng.randint(*history_days))
    schedule: Schedule | None = None
    for index in range(count):
        grade = 5 if rng.random() < skill else rng.choice((1, 2, 3, 4))
        schedule = schedule_after(schedule, grade, day)
        at = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
        review = {
            "uuid": uuid7(),
            "card_hash": "0" * 64,
            "kind": "review",
            "grade": grade,
            "suggested_grade": None,
            "answer": None,
            "review_date": day,
            "reviewed_at": at,
            "session": None,
            "undoes": None,
            "due_remaining": rng.choice((0, 0, 1, 3)),
        }
        change = {
            "review_date": day,
            "grade": grade,
            "repetitions": schedule.state.repetitions,
            "easiness_x100": schedule.state.easiness_x100,
            "interval_days": schedule.state.interval,
        }
        last = index == count - 1 or schedule.due > today
        change["valid_until"] = None if last else schedule.due
        state = None
        if last:
            state = state_values(schedule)
        yield review, change, state
        if last:
            return
        day = schedule.due
