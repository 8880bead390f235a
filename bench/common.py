"""Helpers shared by the benchmarks: timing commands and generating decks.

Benchmarks print each figure next to a baseline measured in the same run,
because these machines are shared and noisy: compare the ratios.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

WORDS = (
    "invoice approval workflow cost ownership budget finance controller audit vendor payment "
    "matching purchase order integration erp netsuite security review compliance close month "
    "spend visibility policy automation accuracy capture exception team process savings proof "
    "customer quarter pipeline decision stakeholder timeline risk value outcome metric"
).split()


PERSONAS = ("cfo", "it", "controller")


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def paragraph(rng: random.Random, sentences: int, words: int = 12) -> str:
    return " ".join(sentence(rng, words) for _ in range(sentences))


def write_big_deck(path: Path, cards: int, seed: int = 7, deck_id: str = "bench") -> Path:
    """A realistic deck of ``cards`` cards, about 900 bytes each."""
    rng = random.Random(seed)
    lines = [
        f"id: {deck_id}",
        "title: Benchmark deck",
        "description: Generated for bench/.",
        "cards:",
    ]
    for index in range(cards):
        lines += [
            f"  - id: card-{index}",
            "    type: objection",
            f"    tags: [{rng.choice(WORDS)}, persona:{rng.choice(PERSONAS)}, stage:discovery]",
            "    prompt: |",
            f"      {paragraph(rng, 2, 8)}",
            "    answer: |",
            f"      {paragraph(rng, 4, 11)}",
            "    key_points:",
            *(
                f"      - [{rng.choice(WORDS)} {rng.choice(WORDS)}, {rng.choice(WORDS)}]"
                for _ in range(3)
            ),
            f"      - {rng.choice(WORDS)} {rng.choice(WORDS)}",
            "    explanation: |",
            f"      {paragraph(rng, 1)}",
            f"    source: https://enablement.example.com/cards/{index}",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def time_command(command: list[str], env: dict[str, str], repeat: int = 5) -> float:
    """Median wall time of a whole command, start-up included."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(
            command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def time_call(function: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def repdrill(*args: str) -> list[str]:
    return [sys.executable, "-m", "repdrill", *args]


def env_for(db: Path | str, **extra: str) -> dict[str, str]:
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    return {**os.environ, "REPDRILL_DB": url, "REPDRILL_USER": "bench", "NO_COLOR": "1", **extra}


def row(label: str, seconds: float, baseline: float | None = None) -> str:
    ratio = f"{seconds / baseline:6.2f}x" if baseline else ""
    return f"  {label:<52} {seconds * 1000:9.1f} ms  {ratio}"
