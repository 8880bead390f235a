"""Anki, the peer for loading: a fresh collection and N basic notes, then exit.

    python anki_add_notes.py N OUT_DIR [--batch] [--seed S]

By default one ``col.add_note()`` per note, as the desktop Add dialog does;
Anki's Rust backend commits each call before it returns. ``--batch`` makes a
single ``col.add_notes()`` call, one transaction, closer to an import. Prints
JSON with the seconds spent inside the script, imports included.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402

from anki.collection import AddNoteRequest, Collection  # noqa: E402
from cards_text import cards  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int)
    parser.add_argument("out_dir")
    parser.add_argument("--batch", action="store_true")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    path = os.path.join(args.out_dir, "collection.anki2")
    if os.path.exists(path):
        raise SystemExit(f"{path} exists; give an empty OUT_DIR")
    col = Collection(path)
    basic = col.models.by_name("Basic")
    assert basic is not None
    deck_id = col.decks.id("Default")
    assert deck_id is not None
    requests = []
    for front, back in cards(args.n, args.seed):
        note = col.new_note(basic)
        note["Front"], note["Back"] = front, back
        if args.batch:
            requests.append(AddNoteRequest(note=note, deck_id=deck_id))
        else:
            col.add_note(note, deck_id)  # committed on return
    if args.batch:
        col.add_notes(requests)
    count = col.card_count()
    col.close()
    inside = time.perf_counter() - STARTED
    print(json.dumps({"notes": args.n, "cards": count, "seconds_inside": round(inside, 3)}))


if __name__ == "__main__":
    main()
