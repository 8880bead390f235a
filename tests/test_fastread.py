"""The standard-library reader (repdrill.store.fastread) agrees with the front door.

``repdrill status`` on SQLite is answered by :func:`read_status` without
SQLAlchemy; whatever the log holds, it must build exactly the value
``Repdrill.status()`` builds, or decline (``None``) where the front door
refuses or must migrate.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DECKS, TODAY, card_yaml, deck_yaml, on
from repdrill import EmptyScope, RepdrillError, UnknownDeck
from repdrill.cards import Scope
from repdrill.standing import Status
from repdrill.store.fastread import read_status

DAY = dt.timedelta(days=1)
REPS = ("ana", "ben")
HEADER = "mastery:\n  min_interval_days: 3\n  new_per_day: 2\n"
DECK_CARDS = {
    "alpha": {
        f"a{n}": ("[persona:cfo]" if n % 2 else "[persona:cfo, stage:close]") for n in range(6)
    },
    "beta": {f"b{n}": ("[stage:close]" if n % 2 else "[persona:it]") for n in range(4)},
}
SCOPES = [
    Scope(),
    Scope(decks=("alpha",)),
    Scope(decks=("beta", "alpha")),
    Scope(tags=("persona:cfo",)),
    Scope(tags=("persona:cfo", "stage:close")),
    Scope(decks=("beta",), tags=("stage:close",)),
    Scope(decks=("beta",), tags=("persona:cfo",)),  # matches no card
    Scope(decks=("alpha", "nope")),  # names a deck never loaded
    Scope(tags=("nobody",)),
]


def write_decks(folder: Path, kept: dict[str, set[str]] | None = None) -> list[Path]:
    """Both decks, each with the cards ``kept`` names (all by default): the rest retire."""
    paths = []
    for deck, cards in DECK_CARDS.items():
        chosen = [c for c in cards if kept is None or c in kept[deck]]
        lines = [card_yaml(c, tags=cards[c]) for c in chosen]
        path = folder / f"{deck}.yaml"
        path.write_text(deck_yaml(deck, lines, HEADER))
        paths.append(path)
    return paths


def assert_agree(path: Path, rep: str, day: dt.date, scopes: list[Scope]) -> list[Status | None]:
    """For each scope: the fast reader's status is the front door's, or both decline
    (the front door refusing the selection); returns the statuses."""
    found = []
    with on(f"sqlite:///{path}", day, rep) as rd:
        for scope in scopes:
            try:
                expected: Status | None = rd.status(deck=scope.decks, tag=scope.tags)
            except (UnknownDeck, EmptyScope):
                expected = None
            fast = read_status(path, rep, day, scope)
            assert fast == expected, (rep, day, scope)
            if expected is not None:
                assert fast is not None and fast.to_json() == expected.to_json()
            found.append(fast)
    return found


# -- a log built by hypothesis --------------------------------------------------------

CARD_REFS = [f"{deck}/{card}" for deck, cards in DECK_CARDS.items() for card in cards]
rep_names = st.sampled_from(REPS)
steps = st.one_of(
    st.tuples(st.just("review"), rep_names, st.sampled_from(CARD_REFS), st.integers(0, 5)),
    st.tuples(st.just("lapse"), rep_names, st.sampled_from(CARD_REFS)),
    st.tuples(st.just("hold"), rep_names, st.integers(0, 4), st.integers(0, 6)),
    st.tuples(st.just("clear"), rep_names),
    st.tuples(st.just("minutes"), rep_names, st.none() | st.integers(1, 600)),
    st.tuples(
        st.just("retire"),
        st.frozensets(st.sampled_from([c for cards in DECK_CARDS.values() for c in cards])),
    ),
)
days = st.lists(st.tuples(st.integers(0, 4), steps), max_size=25)


def play(folder: Path, url: str, history: list[tuple[int, tuple[object, ...]]]) -> dt.date:
    """Load both decks on TODAY, then each step on its day; returns the last day."""
    day = TODAY
    with on(url, day) as rd:
        rd.load(write_decks(folder))
    for gap, step in history:
        day += gap * DAY
        kind, *args = step
        rep = str(args[0]) if kind not in ("retire",) else "ana"
        with on(url, day, rep) as rd:
            try:
                if kind == "review":
                    rd.review(str(args[1]), int(args[2]))  # type: ignore[call-overload]
                elif kind == "lapse":  # a lapse a day for eight days: a leech
                    for _ in range(8):
                        with on(url, day, rep) as lapsing:
                            lapsing.review(str(args[1]), 1)
                        day += DAY
                elif kind == "hold":
                    start = day + int(args[1]) * DAY  # type: ignore[call-overload]
                    rd.hold(start + int(args[2]) * DAY, start=start)  # type: ignore[call-overload]
                elif kind == "clear":
                    rd.clear_hold()
                elif kind == "minutes":
                    rd.set_daily_minutes(args[1])  # type: ignore[arg-type]
                else:
                    chosen = set(args[0])  # type: ignore[call-overload]
                    kept = {deck: set(cards) & chosen for deck, cards in DECK_CARDS.items()}
                    rd.load(write_decks(folder, kept))
            except RepdrillError:
                pass  # a retired card cannot be graded; a deck cannot lose every card
    return day


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=days)
def test_status_read_with_sqlite3_alone_is_the_front_doors(
    history: list[tuple[int, tuple[object, ...]]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "repdrill.db"
        last = play(Path(folder), f"sqlite:///{path}", history)
        for day in (last, last + DAY, last + 9 * DAY):
            for rep in (*REPS, "never-seen"):
                assert_agree(path, rep, day, SCOPES)


# -- states built by hand ---------------------------------------------------------------


@pytest.fixture
def built(tmp_path: Path) -> Iterator[Path]:
    """ana: one card mastered, one a leech and one a lapse short of it, a card
    retired after review, a hold planned; ben: on hold now; both with reviews
    that left nothing due."""
    path = tmp_path / "repdrill.db"
    url = f"sqlite:///{path}"
    with on(url, TODAY) as rd:
        rd.load(write_decks(tmp_path))
        for card in ("alpha/a0", "alpha/a1", "beta/b0"):
            rd.review(card, 5)
        rd.set_daily_minutes(25)
    for offset in (1, 7, 23):
        with on(url, TODAY + offset * DAY) as rd:
            rd.review("alpha/a0", 5)
    for offset in range(1, 9):
        with on(url, TODAY + offset * DAY) as rd:
            rd.review("alpha/a2", 1)
            if offset < 8:
                rd.review("alpha/a3", 2)  # seven lapses: not yet a leech
    with on(url, TODAY + 9 * DAY) as rd:
        kept = {"alpha": {"a0", "a1", "a2", "a3"}, "beta": {"b1", "b2", "b3"}}
        rd.load(write_decks(tmp_path, kept))
        rd.hold(TODAY + 40 * DAY, start=TODAY + 35 * DAY)
    with on(url, TODAY, "ben") as rd:
        rd.review("beta/b1", 4)
    with on(url, TODAY + 20 * DAY, "ben") as rd:
        rd.hold(TODAY + 30 * DAY)
    yield path


def test_built_states_agree(built: Path) -> None:
    for day in (TODAY, TODAY + 24 * DAY, TODAY + 25 * DAY, TODAY + 36 * DAY, TODAY + 90 * DAY):
        for rep in ("ana", "ben", "never-seen"):
            assert_agree(built, rep, day, SCOPES)
    ana = read_status(built, "ana", TODAY + 24 * DAY)
    assert ana is not None and ana.daily_minutes == 25 and ana.hold is not None
    alpha = next(d for d in ana.decks if d.deck == "alpha")
    assert (alpha.mastered, alpha.leeches, alpha.retired_cards) == (1, 1, 2)
    beta = next(d for d in ana.decks if d.deck == "beta")
    assert beta.retired_cards == 1 and beta.unseen == 3
    ben = read_status(built, "ben", TODAY + 25 * DAY)
    assert ben is not None and ben.on_hold and ben.due == 0 and ben.days_met >= 6


def test_bundled_decks_agree(tmp_path: Path) -> None:
    path = tmp_path / "repdrill.db"
    with on(f"sqlite:///{path}", TODAY) as rd:
        rd.load([DECKS])
        for card in ("price-too-high", "no-budget"):
            rd.review(card, 2)
    scopes = [Scope(), Scope(tags=("competitor:acme",)), Scope(decks=("product-messaging",))]
    assert None not in assert_agree(path, "ana", TODAY + DAY, scopes)


def test_declines_what_the_front_door_must_answer(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    assert read_status(missing, "ana", TODAY) is None
    assert not missing.exists()  # the front door creates it, with its schema
    path = tmp_path / "repdrill.db"
    with on(f"sqlite:///{path}", TODAY) as rd:
        assert rd.status().decks == ()
    empty = read_status(path, "ana", TODAY)
    assert empty is not None and empty.decks == ()  # nothing loaded: the same empty status
    assert read_status(path, "ana", TODAY, Scope(tags=("x",))) is None  # the front door refuses
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    conn.close()
    assert read_status(path, "ana", TODAY) is None  # the front door migrates first


# -- the command line: the fast path prints what the full command line prints ------------

#: As the ``repdrill`` script starts (the fast paths first), and straight into Typer.
ENTRY = "import sys; from repdrill.{} import main; sys.argv = ['repdrill', *sys.argv[1:]]; main()"


def run(path: Path, *args: str, full: bool = False, **env: str) -> subprocess.CompletedProcess[str]:
    """``repdrill ARGS`` as a rep runs it (fast path first), or straight into Typer."""
    command = [sys.executable, "-c", ENTRY.format("cli" if full else "__main__")]
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environ |= {"REPDRILL_DB": str(path), "REPDRILL_USER": "ana", "COLUMNS": "80", **env}
    return subprocess.run(
        [*command, *args], env=environ, capture_output=True, text=True, check=False
    )


@pytest.mark.slow
def test_status_prints_the_same_on_the_fast_path(built: Path) -> None:
    day = (TODAY + 24 * DAY).isoformat()
    for args, env in [
        (("status",), {}),
        (("status",), {"FORCE_COLOR": "1"}),  # a terminal's colours and styles
        (("--today", day, "status", "--json"), {}),
        (("--today", day, "--pretty", "status", "--json"), {}),
        (("--today", day, "status", "-d", "alpha", "--tag=persona:cfo"), {"NO_COLOR": "1"}),
        (("--user", "ben", "--today", day, "status", "--deck", "beta"), {"FORCE_COLOR": "1"}),
        (("--user=never-seen", "status", "--tag", "stage:close", "--json"), {}),
        (("status", "--deck", "nope"), {}),  # refused: the full command line says why
        (("status", "--deck"), {}),  # a usage error
        (("status", "--deck", "--json"), {}),
        (("status", "--help"), {}),
    ]:
        fast, full = run(built, *args, **env), run(built, *args, full=True, **env)
        assert (fast.returncode, fast.stdout, fast.stderr) == (
            full.returncode,
            full.stdout,
            full.stderr,
        ), args
    assert "alpha" in run(built, "status").stdout


@pytest.mark.slow
def test_status_on_a_missing_database_takes_the_full_command_line(tmp_path: Path) -> None:
    missing = tmp_path / "new.db"
    done = run(missing, "status")
    assert done.returncode == 0 and "No decks loaded yet" in done.stdout
    assert missing.exists()  # created, with its schema, as before
