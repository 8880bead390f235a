"""Recording grades (repdrill.store.record): the count of reviews still due after each one.

Each review logs how many reviews were still due right after it ("days met"
reads it). Between one rep's grades the count is kept rather than taken
afresh when nothing else changed; whatever happens in between (another
terminal grading, a deck retired, an undo), it must equal a fresh count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import TODAY, card_yaml, deck_yaml, on
from repdrill import GradeChoice, Recorded
from repdrill.drill import DrillSession
from repdrill.store import read
from repdrill.store.engine import Database
from repdrill.store.load import load
from repdrill.store.record import record_grade
from scripted import UNDO, ScriptedIO, at

DAY = TODAY + dt.timedelta(days=1)
CARDS = [f"c{i}" for i in range(8)]


def write_decks(folder: Path, alpha: list[str] = CARDS) -> list[Path]:
    folder.mkdir(exist_ok=True)
    header = "mastery:\n  new_per_day: 20\n"
    paths = []
    for deck, cards in (("alpha", alpha), ("beta", ["b0", "b1", "b2"])):
        path = folder / f"{deck}.yaml"
        path.write_text(deck_yaml(deck, [card_yaml(c) for c in cards], header))
        paths.append(path)
    return paths


def prepare(db_url: str, folder: Path) -> None:
    """Cards reviewed by ana once on TODAY, so due on DAY; alpha's last two still new."""
    with on(db_url, TODAY) as rd:
        rd.load(write_decks(folder))
        for card in [*(f"alpha/{c}" for c in CARDS[:-2]), "beta/b0", "beta/b1", "beta/b2"]:
            rd.review(card, 3)


@dataclass
class Interleaved(ScriptedIO):
    """Runs one action after each committed grade, and checks the count each grade kept."""

    actions: list[Callable[[], None]] = field(default_factory=list)
    fresh_count: Callable[[], int] = lambda: 0
    counts: list[tuple[int, int]] = field(default_factory=list)

    def read_grade(self, *, can_undo: bool, suggested: int | None) -> GradeChoice | None:
        choice = super().read_grade(can_undo=can_undo, suggested=suggested)
        return 5 if choice is UNDO and not can_undo else choice

    def show_recorded(self, recorded: Recorded) -> None:
        super().show_recorded(recorded)
        self.counts.append((recorded.due_remaining, self.fresh_count()))
        if self.actions:
            self.actions.pop(0)()


def drill(
    db_url: str, folder: Path, actions: list[Callable[[], None]], grades: list[object]
) -> Interleaved:
    db = Database.open(db_url)
    checker = Database.open(db_url)

    def fresh_count() -> int:
        with checker.transaction() as conn:
            rep = read.rep_id(conn, "ana")
            assert rep is not None
            return read.due_count(conn, rep, DAY)

    script: list[object] = []
    for grade in grades:
        script += ["", grade]
    io = Interleaved(script, actions=actions, fresh_count=fresh_count)  # type: ignore[arg-type]
    try:
        DrillSession(db=db, rep_name="ana", clock=at(DAY)).run(io)
    finally:
        db.close()
        checker.close()
    return io


def test_the_count_kept_between_grades_is_always_a_fresh_count(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "decks"
    prepare(db_url, folder)

    def elsewhere_grades() -> None:
        with on(db_url, DAY) as other:
            other.review("alpha/c7", 5)

    def elsewhere_retires() -> None:
        with on(db_url, DAY) as other:
            other.retire_deck("beta")

    def elsewhere_drops_a_card() -> None:
        with on(db_url, DAY) as other:
            other.load(write_decks(folder, alpha=CARDS[:-2]))

    actions = [
        lambda: None,
        elsewhere_grades,
        lambda: None,
        elsewhere_retires,
        elsewhere_drops_a_card,
        lambda: None,
    ]
    io = drill(db_url, folder, actions, [5, 4, 2, UNDO, 5, 4, 3, 5, 5, 5])
    assert len(io.counts) >= 8
    assert all(kept == fresh for kept, fresh in io.counts), io.counts


def test_the_same_connection_writing_between_grades_is_noticed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'same.db'}"
    folder = tmp_path / "decks"
    prepare(url, folder)
    db = Database.open(url)
    # The load goes through the drill's own database, so it reuses its connection.
    actions = [lambda: None, lambda: load(db, write_decks(folder, CARDS[2:]), now=at(DAY).now())]
    checker = Database.open(url)

    def fresh_count() -> int:
        with checker.transaction() as conn:
            return read.due_count(conn, 1, DAY)

    io = Interleaved(["", 5, "", 5, "", 5, "", 5], actions=actions, fresh_count=fresh_count)
    DrillSession(db=db, rep_name="ana", clock=at(DAY)).run(io)
    db.close()
    checker.close()
    assert [kept for kept, _ in io.counts] == [fresh for _, fresh in io.counts]


ACTIONS = st.sampled_from(["nothing", "elsewhere", "retire", "drop", "revive"])


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    grades=st.lists(st.sampled_from([0, 2, 3, 4, 5, UNDO]), min_size=3, max_size=12),
    between=st.lists(ACTIONS, max_size=12),
)
def test_any_interleaving_keeps_the_count_right(
    tmp_path_factory: object, grades: list[object], between: list[str]
) -> None:
    root = tmp_path_factory.mktemp("interleaved")  # type: ignore[attr-defined]
    url = f"sqlite:///{root / 'drill.db'}"
    folder = root / "decks"
    prepare(url, folder)

    def act(name: str) -> Callable[[], None]:
        def run() -> None:
            with on(url, DAY) as other:
                if name == "elsewhere":
                    other.review("alpha/c0", 4)
                elif name == "retire":
                    other.retire_deck("beta")
                elif name == "drop":
                    other.load(write_decks(folder, alpha=CARDS[:-3]))
                elif name == "revive":
                    other.load(write_decks(folder))

        return run

    io = drill(url, folder, [act(name) for name in between], grades)
    assert all(kept == fresh for kept, fresh in io.counts), io.counts


def test_a_grade_rolled_back_leaves_no_count_behind(db_url: str, tmp_path: Path) -> None:
    prepare(db_url, tmp_path / "decks")
    db = Database.open(db_url)
    clock = at(DAY)

    def grade(card: str) -> int:
        with db.transaction(write=True) as conn:
            view = read.find_card(conn, card)
            return record_grade(conn, rep=1, card=view, grade=5, clock=clock).due_remaining

    grade("alpha/c0")
    with pytest.raises(RuntimeError), db.transaction(write=True) as conn:
        record_grade(conn, rep=1, card=read.find_card(conn, "alpha/c1"), grade=5, clock=clock)
        raise RuntimeError("the grade is abandoned before its commit")
    remaining = grade("alpha/c2")
    with db.transaction() as conn:
        assert remaining == read.due_count(conn, 1, DAY)
    db.close()
