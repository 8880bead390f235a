"""Anki, the peer for grading: answer M cards one by one, the way its reviewer does.

    python anki_answer.py [N] [--answers M] [--mode new|review] [--seed S]

Builds a collection of N basic notes (one ``add_notes`` transaction), lifts
the daily limits to Anki's maximum (9,999), and with ``--mode review`` first
makes every card a review due today. Then, as ``qt/aqt/reviewer.py`` does:
``get_queued_cards()`` for the next card, ``build_answer`` and
``answer_card`` for the answer, which Anki commits before it returns. Each
step is timed from the answer to the next card fetched; prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import tempfile
import time
from typing import Any

from anki.collection import AddNoteRequest, Collection  # before anki.cards: import cycle

from anki.cards import Card  # isort: skip
from anki.scheduler.v3 import CardAnswer
from cards_text import cards

RATINGS = [CardAnswer.AGAIN, CardAnswer.HARD, CardAnswer.GOOD, CardAnswer.EASY]
WEIGHTS = [10, 10, 70, 10]


def build(path: str, count: int, seed: int, mode: str) -> Collection:
    col = Collection(path)
    basic = col.models.by_name("Basic")
    assert basic is not None
    deck_id = col.decks.id("Default")
    assert deck_id is not None
    requests = []
    for front, back in cards(count, seed):
        note = col.new_note(basic)
        note["Front"], note["Back"] = front, back
        requests.append(AddNoteRequest(note=note, deck_id=deck_id))
    col.add_notes(requests)
    conf = col.decks.config_dict_for_deck_id(deck_id)
    conf["new"]["perDay"] = 9999  # Anki's maximum; larger values fall back to 20
    conf["rev"]["perDay"] = 9999
    col.decks.update_config(conf)
    if mode == "review":
        col.sched.set_due_date(col.find_cards(""), "0")
    return col


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=10000)
    parser.add_argument("--answers", type=int, default=300)
    parser.add_argument("--mode", choices=["new", "review"], default="review")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="anki-answer-")
    try:
        col = build(os.path.join(workdir, "collection.anki2"), args.n, args.seed, args.mode)
        rng = random.Random(args.seed)

        def next_card() -> tuple[Any, Any]:
            queued = col.sched.get_queued_cards()
            if not queued.cards:
                return None, None
            top = queued.cards[0]
            card = Card(col, backend_card=top.card)
            card.start_timer()
            return card, top

        card, top = next_card()
        steps = []
        for _ in range(args.answers):
            if card is None:
                break
            rating = rng.choices(RATINGS, WEIGHTS)[0]
            started = time.perf_counter()
            answer = col.sched.build_answer(card=card, states=top.states, rating=rating)
            col.sched.answer_card(answer)
            card, top = next_card()
            steps.append(time.perf_counter() - started)
        col.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    steps.sort()
    print(
        json.dumps(
            {
                "answers": len(steps),
                "median_seconds": statistics.median(steps),
                "p95_seconds": steps[int(len(steps) * 0.95)],
            }
        )
    )


if __name__ == "__main__":
    main()
