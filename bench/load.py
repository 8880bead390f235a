"""Benchmark: loading a 10,000-card deck, and re-loading it unchanged.

    python bench/load.py [--cards 10000] [--repeat 5]

Prints, each next to its baseline from the same run:
- the whole ``repdrill load`` command (start-up, parse, validation, database
  writes) against PyYAML's C loader alone parsing the same file in-process
  (aim: 1.0x or less);
- ``repdrill load`` of the unchanged deck against ``repdrill status`` on the
  same database (aim: under 0.2 s more).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from common import env_for, repdrill, row, time_call, time_command, write_big_deck


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="repdrill-bench-"))
    try:
        deck = write_big_deck(workdir / "big.yaml", args.cards)
        size = deck.stat().st_size
        print(f"deck: {args.cards} cards, {size / 1e6:.1f} MB")

        def bare_parse() -> object:
            with deck.open("rb") as handle:
                return yaml.load(handle, Loader=yaml.CSafeLoader)

        parse = time_call(bare_parse, args.repeat)
        python = time_command(
            [sys.executable, "-c", "pass"], env_for(workdir / "x.db"), args.repeat
        )

        fresh_loads = []
        for attempt in range(args.repeat):
            db = workdir / f"fresh-{attempt}.db"
            fresh_loads.append(time_command(repdrill("load", str(deck)), env_for(db), repeat=1))
        fresh_loads.sort()
        load = fresh_loads[len(fresh_loads) // 2]

        db = workdir / "fresh-0.db"
        reload = time_command(repdrill("load", str(deck)), env_for(db), args.repeat)
        status = time_command(repdrill("status"), env_for(db), args.repeat)

        print("first load of the deck (median):")
        print(row("PyYAML C loader alone, in-process (baseline)", parse))
        print(row("repdrill load, whole command, empty database", load, parse))
        print(row("python -c pass", python))
        print("unchanged re-load:")
        print(row("repdrill status, same database (baseline)", status))
        print(row("repdrill load, deck unchanged", reload, status))
        print(f"  re-load minus status: {(reload - status) * 1000:+.1f} ms (aim: under +200 ms)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
