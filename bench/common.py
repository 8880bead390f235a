"""Helpers shared by the benchmarks: processes, floors, databases, peers and decks.

Every figure is printed next to a floor measured in the same run: the cheapest
way to do the same work (``python -c pass``, the same SQL sent raw through the
driver, PyYAML's C loader) run the same way, each in a fresh process when the
figure is a whole command. These machines are shared and noisy, so commands
are timed in interleaved rounds and compared by the ratio of their medians.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(ROOT / "tests"))  # pgserver: the throwaway PostgreSQL of the tests

WORDS = (
    "invoice approval workflow cost ownership budget finance controller audit vendor payment "
    "matching purchase order integration erp netsuite security review compliance close month "
    "spend visibility policy automation accuracy capture exception team process savings proof "
    "customer quarter pipeline decision stakeholder timeline risk value outcome metric"
).split()

PERSONAS = ("cfo", "it", "controller")
BACKENDS = ("sqlite", "postgresql")
TIME = "/usr/bin/time"


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


# -- processes ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    """One finished process: wall time, its own peak resident memory, its output."""

    seconds: float
    peak_mb: float
    stdout: str


def run(
    command: Sequence[str],
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    *,
    memory: bool = False,
) -> Run:
    """Run one process to the end: its wall time and, with ``memory``, its own peak memory.

    The peak comes from ``/usr/bin/time`` (``%M``, the child's maximum resident
    set), started from that small program: a child forked from this large
    Python process would count this process's memory in its own maximum, and
    ``RUSAGE_CHILDREN`` is a running maximum over every child so far. The
    wrapper costs about a millisecond, so timed runs go without it.
    """
    report = None
    if memory and Path(TIME).exists():
        handle, name = tempfile.mkstemp(prefix="peak-", suffix=".txt")
        os.close(handle)
        report = Path(name)
        command = [TIME, "-q", "-f", "%M", "-o", str(report), *command]
    started = time.perf_counter()
    done = subprocess.run(
        list(command), env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    peak = 0.0
    if report is not None:
        peak = int(report.read_text().split()[-1]) / 1024
        report.unlink()
    return Run(elapsed, peak, done.stdout)


@dataclass
class Rounds:
    """Commands timed in interleaved rounds: every command once per round, in order."""

    commands: dict[str, Callable[[bool], Run]] = field(default_factory=dict)
    runs: dict[str, list[Run]] = field(default_factory=dict)
    peaks: dict[str, float] = field(default_factory=dict)

    def add(self, label: str, make: Callable[[bool], Run]) -> None:
        """``make(memory)`` runs the command once."""
        self.commands[label] = make
        self.runs[label] = []

    def run(self, rounds: int) -> None:
        """A first round (untimed) warms caches and measures memory, then ``rounds`` timed."""
        for label, make in self.commands.items():
            self.peaks[label] = make(True).peak_mb
        for _ in range(rounds):
            for label, make in self.commands.items():
                self.runs[label].append(make(False))

    def median(self, label: str) -> float:
        return statistics.median(r.seconds for r in self.runs[label])

    def peak(self, label: str) -> float:
        return self.peaks[label]


def timed_command(
    command: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> Callable[[bool], Run]:
    return lambda memory: run(command, env, cwd, memory=memory)


def repdrill(*args: str) -> list[str]:
    """The installed console script (what a user runs), else ``python -m repdrill``."""
    script = Path(sys.executable).parent / "repdrill"
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "repdrill", *args]


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def env_for(url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "REPDRILL_DB": url, "REPDRILL_USER": "bench", "NO_COLOR": "1", **extra}


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


# -- printing ------------------------------------------------------------------------


def row(
    label: str,
    seconds: float,
    floor: float | None = None,
    *,
    peak_mb: float | None = None,
    unit: str = "ms",
) -> str:
    value = seconds * 1000 if unit == "ms" else seconds
    ratio = f"{seconds / floor:6.2f}x" if floor else " " * 7
    peak = f"  peak {peak_mb:5.0f} MB" if peak_mb else ""
    return f"  {label:<56} {value:9.2f} {unit} {ratio}{peak}"


def note(message: str) -> None:
    print(f"  note: {message}")


# -- databases -----------------------------------------------------------------------


class Postgres:
    """PostgreSQL for a benchmark: a throwaway server on loopback, or one you name.

    The throwaway server runs with fsync and synchronous commit on: the tests'
    server turns durability off for speed, but a benchmark of commits must pay
    for them, as a real team database does. ``--postgres-url`` names a server
    of your own instead (any database on it; the benchmark creates and drops
    its own databases there).
    """

    def __init__(self, url: str | None = None) -> None:
        self.server: Any = None
        self.admin = url
        self._names = 0
        self._created: list[str] = []

    def __enter__(self) -> Postgres:
        if self.admin is None:
            from pgserver import PostgresServer, find_pg_bin

            bin_dir = find_pg_bin()
            if bin_dir is None:
                raise RuntimeError("PostgreSQL is not installed (no initdb/pg_ctl)")
            settings = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
            self.server = PostgresServer(bin_dir, settings=settings).start()
            self.admin = self.server.url("postgres")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.stop()
        else:
            for name in self._created:
                self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        import psycopg

        assert self.admin is not None
        with psycopg.connect(_libpq(self.admin), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def url(self, name: str) -> str:
        assert self.admin is not None
        return f"{self.admin.rsplit('/', 1)[0]}/{name}"

    def database(self, name: str | None = None, template: str | None = None) -> str:
        self._names += 1
        name = name or f"bench_{self._names}"
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        clause = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
        self._admin(f'CREATE DATABASE "{name}"{clause}')
        self._created.append(name)
        return self.url(name)

    def copy(self, url: str, name: str | None = None) -> str:
        """A new database with the same contents (``CREATE DATABASE ... TEMPLATE``)."""
        return self.database(name, template=url.rsplit("/", 1)[1])

    def drop(self, url: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def backend_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend",
        choices=[*BACKENDS, "both"],
        default="both",
        help="which database to run on (default both)",
    )
    parser.add_argument(
        "--postgres-url",
        metavar="URL",
        help="a PostgreSQL server to use instead of a throwaway one on loopback",
    )


def chosen_backends(args: argparse.Namespace) -> list[str]:
    return list(BACKENDS) if args.backend == "both" else [args.backend]


@contextlib.contextmanager
def postgres_for(args: argparse.Namespace) -> Iterator[Postgres | None]:
    """The PostgreSQL the arguments ask for, or None when the run is SQLite only."""
    if "postgresql" not in chosen_backends(args):
        yield None
        return
    with Postgres(args.postgres_url) as server:
        yield server


def copy_sqlite(source: Path, target: Path) -> Path:
    """A copy of a SQLite database (checkpointed first, so the copy holds everything)."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(source)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


# -- peers ---------------------------------------------------------------------------

PEERS_DIR = HERE / "peers"
PEERS_ENV = "REPDRILL_BENCH_PEERS"
PEERS_VENV = OUT / "peers-venv"


def peers_python(package: str) -> Path | None:
    """The Python of the peers' environment when it has ``package`` installed, else None.

    ``REPDRILL_BENCH_PEERS`` names a virtual environment; without it, the one
    ``python bench/peers/setup.py`` builds in bench/out/. Peers are optional:
    a bench skips their rows, with a note, when they are absent.
    """
    where = os.environ.get(PEERS_ENV)
    venv = Path(where) if where else PEERS_VENV
    candidate = venv / "bin" / "python"
    if not candidate.exists():
        return None
    probe = subprocess.run(
        [
            str(candidate),
            "-c",
            f"import importlib.util, sys; sys.exit(not importlib.util.find_spec({package!r}))",
        ],
        capture_output=True,
        check=False,
    )
    return candidate if probe.returncode == 0 else None


def peer_missing(package: str) -> str:
    return (
        f"{package} not found: set {PEERS_ENV}=/path/to/venv, or run "
        f"'python bench/peers/setup.py' (builds {PEERS_VENV.relative_to(ROOT)})"
    )
