"""Benchmark: loading a 10,000-card deck into an empty database, and re-loading it.

    python bench/load.py [--backend sqlite|postgresql|both] [--cards 10000] [--rounds 5]

Interleaved rounds of fresh processes, for each database:

- ``repdrill load`` of the deck (about 9.4 MB) into an empty database, the
  whole command: start-up, schema creation, parsing, validation, writes; with
  its peak memory (aim: under 200 MB).
- The floor, the cheapest way to do the same work, each part in a fresh
  process: PyYAML's C loader composing the file with the garbage collector
  off (``compose.py``, the whole process: start-up, import, read, compose),
  plus the time to send the same rows raw through the driver into an empty
  schema (the load's SQL recorded and replayed by ``replay.py``; its time
  inside the process, start-up already being counted once). Aim: 1.5x.
- Peer: Anki's script adding 10,000 notes to a new collection, one committed
  ``add_note`` per note (and, for reference, one ``add_notes`` batch).
- An unchanged re-load next to ``repdrill status`` on the same database (aim:
  under 0.2 s more).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import (
    OUT,
    PEERS_DIR,
    Postgres,
    Rounds,
    Run,
    backend_arguments,
    chosen_backends,
    env_for,
    note,
    peer_missing,
    peers_python,
    postgres_for,
    python,
    repdrill,
    row,
    run,
    sqlite_url,
    timed_command,
    write_big_deck,
)
from repdrill.store.engine import Database
from repdrill.store.load import load
from sqlcapture import capture

HERE = Path(__file__).resolve().parent
NOW = dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC)


class EmptyDatabases:
    """A new empty database for every call: a new SQLite file, or a new PostgreSQL database."""

    def __init__(self, backend: str, workdir: Path, server: Postgres | None) -> None:
        self.backend, self.workdir, self.server = backend, workdir, server
        self.count = 0

    def __call__(self, *, schema: bool = False) -> str:
        self.count += 1
        if self.backend == "sqlite":
            url = sqlite_url(self.workdir / f"empty-{self.count}.db")
        else:
            assert self.server is not None
            url = self.server.database(f"empty_{self.count}")
        if schema:
            Database.open(url).close()
        return url


def record_load(deck: Path, url: str, workdir: Path) -> Path:
    """The SQL of a load into an empty schema, recorded for the raw replay."""
    db = Database.open(url)
    with capture(db.engine) as recorded:
        load(db, [deck], now=NOW)
    db.close()
    return recorded.save(workdir / "load.pickle")


def bench(backend: str, deck: Path, workdir: Path, server: Postgres | None, rounds: int) -> None:
    empty = EmptyDatabases(backend, workdir, server)
    recorded = record_load(deck, empty(schema=True), workdir)
    table = Rounds()
    table.add("python -c pass", timed_command(python("-c", "pass")))
    table.add("compose", timed_command(python(str(HERE / "compose.py"), str(deck))))

    def inserts(memory: bool) -> Run:
        done = run(python(str(HERE / "replay.py"), str(recorded), empty(schema=True)))
        return Run(json.loads(done.stdout)["seconds"], 0.0, done.stdout)

    table.add("inserts", inserts)
    table.add(
        "repdrill load",
        lambda memory: run(repdrill("load", str(deck)), env_for(empty()), memory=memory),
    )
    anki = peers_python("anki")
    if anki is not None:
        for label, extra in (("anki add_note", []), ("anki add_notes", ["--batch"])):
            script = [str(anki), str(PEERS_DIR / "anki_add_notes.py"), "10000"]

            def anki_run(memory: bool, script: list[str] = script, extra: list[str] = extra) -> Run:
                target = tempfile.mkdtemp(prefix="anki-", dir=workdir)
                done = run([*script, target, *extra], cwd=PEERS_DIR, memory=memory)
                shutil.rmtree(target, ignore_errors=True)
                return done

            table.add(label, anki_run)
    loaded = empty()
    run(repdrill("load", str(deck)), env_for(loaded))
    table.add("status", timed_command(repdrill("status"), env_for(loaded)))
    table.add("reload", timed_command(repdrill("load", str(deck)), env_for(loaded)))
    table.run(rounds)

    python_s = table.median("python -c pass")
    compose = table.median("compose")
    rows = table.median("inserts")
    floor = compose + rows
    load_s = table.median("repdrill load")
    print(f"first load of the deck, median of {rounds} rounds:")
    print(row("python -c pass", python_s))
    print(row("floor: C-loader compose, GC off (whole process)", compose))
    print(row("floor: the same rows sent raw (inside the process)", rows))
    print(row("floor: compose + rows", floor))
    print(row("repdrill load, empty database", load_s, floor, peak_mb=table.peak("repdrill load")))
    if anki is not None:
        print(row("peer: Anki, 10,000 add_note (each committed)", table.median("anki add_note")))
        print(row("peer: Anki, one add_notes of 10,000", table.median("anki add_notes")))
        print(f"  repdrill load / Anki add_note: {load_s / table.median('anki add_note'):.2f}x")
    else:
        note(peer_missing("anki"))
    status = table.median("status")
    reload = table.median("reload")
    print("unchanged re-load:")
    print(row("repdrill status, same database", status))
    print(row("repdrill load, deck unchanged", reload, status))
    print(f"  re-load minus status: {(reload - status) * 1000:+.1f} ms (aim: under +200 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    backend_arguments(parser)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="repdrill-bench-", dir=OUT))
    try:
        deck = write_big_deck(workdir / "big.yaml", args.cards)
        print(f"deck: {args.cards} cards, {deck.stat().st_size / 1e6:.1f} MB")
        with postgres_for(args) as server:
            for backend in chosen_backends(args):
                print(f"\n== {backend}")
                bench(backend, deck, workdir, server, args.rounds)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
