"""spacedrep, the peer for start-up: a database of N cards and about R past reviews.

    python spacedrep_setup.py DB_PATH [--cards 10000] [--reviews 117000] [--seed 42]

1. ``spacedrep db init`` and ``spacedrep card add-bulk`` (its CLI) make the cards.
2. The past reviews go through spacedrep's own review code path in one
   process (``get_fsrs_card``, FSRS ``review_card``, lapse count,
   ``update_fsrs_state``, ``insert_review_log``) with explicit review times:
   its CLI records one review per process, stamped now. Each card's history
   is simulated forward (intervals capped at 120 days, for the history only)
   and shifted so that its last review lies within 1.25x its last interval
   before now, which leaves about a fifth of the cards due.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cards_text import cards

SPACEDREP = os.path.join(os.path.dirname(os.path.abspath(sys.executable)), "spacedrep")
WEIGHTS = {1: 10, 2: 10, 3: 70, 4: 10}  # again, hard, good, easy
HISTORY_MAX_INTERVAL_DAYS = 120


def cli(db_path: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [SPACEDREP, *args, "--db", str(db_path)],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def simulate(scheduler: Any, card: Any, count: int, rng: random.Random) -> list[tuple[Any, ...]]:
    """[(review_time, rating, before, after)] for ``count`` reviews, not yet shifted."""
    from fsrs import Rating

    when = datetime(2000, 1, 1, 9, tzinfo=UTC)
    history = []
    for _ in range(count):
        rating = rng.choices(list(WEIGHTS), list(WEIGHTS.values()))[0]
        before = card
        card, _log = scheduler.review_card(before, Rating(rating), review_datetime=when)
        history.append((when, rating, before, card))
        when = card.due + timedelta(minutes=rng.randint(0, 600))
    return history


def shifted(card: Any, delta: timedelta) -> Any:
    card = card.__class__.from_dict(card.to_dict())
    if card.due:
        card.due += delta
    if card.last_review:
        card.last_review += delta
    return card


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db_path", type=Path)
    parser.add_argument("--cards", type=int, default=10000)
    parser.add_argument("--reviews", type=int, default=117000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    db_path: Path = args.db_path
    if db_path.exists():
        raise SystemExit(f"{db_path} exists")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    cli(db_path, "db", "init")
    payload = [{"question": f, "answer": b, "deck": "Sales"} for f, b in cards(args.cards)]
    cli(db_path, "card", "add-bulk", "-q", stdin=json.dumps(payload))

    from fsrs import Scheduler, State
    from spacedrep import core, db, fsrs_engine
    from spacedrep.models import ReviewInput

    rng = random.Random(args.seed)
    random.seed(args.seed)  # py-fsrs fuzzing uses the global random module
    own = fsrs_engine.get_scheduler()
    scheduler = Scheduler(
        parameters=own.parameters,
        desired_retention=own.desired_retention,
        maximum_interval=HISTORY_MAX_INTERVAL_DAYS,
        enable_fuzzing=True,
    )
    now = datetime.now(UTC)
    conn = db.get_connection(db_path)
    ids = [row[0] for row in conn.execute("select id from cards order by id")]
    base, extra = divmod(args.reviews, len(ids))
    used: set[int] = set()
    simulated_ms = [0]
    db.next_id = lambda: simulated_ms[0]  # insert_review_log's revlog id
    for index, card_id in enumerate(ids):
        count = base + (index < extra)
        history = simulate(scheduler, db.get_fsrs_card(conn, card_id), count, rng)
        last = history[-1][3]
        interval = last.due - last.last_review if last.due and last.last_review else timedelta()
        target = now - rng.random() * 1.25 * interval - timedelta(minutes=rng.randint(1, 600))
        delta = target - history[-1][0]
        for when, rating, before, after in history:
            ms = int((when + delta).timestamp() * 1000)
            while ms in used:
                ms += 1
            used.add(ms)
            simulated_ms[0] = ms
            old, new = shifted(before, delta), shifted(after, delta)
            if rating == 1 and old.state in (State.Review, State.Relearning):
                db.increment_lapse_count(conn, card_id)
            db.update_fsrs_state(conn, card_id, new, 0.0)
            db.insert_review_log(
                conn,
                ReviewInput(card_id=card_id, rating=rating),
                "{}",
                updated_card=new,
                previous_card=old,
            )
    conn.execute("update cards set queue = -1 where lapses >= ?", (core.LEECH_THRESHOLD,))
    conn.commit()
    reviews = conn.execute("select count() from revlog").fetchone()[0]
    conn.close()
    print(json.dumps({"cards": len(ids), "reviews": reviews}))


if __name__ == "__main__":
    main()
