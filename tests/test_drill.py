"""The drill session (repdrill.drill): queue order, re-drills, undo, summaries, the drill command."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import DECKS, TODAY, Cli, card_yaml
from repdrill import QueueItem, Scope
from repdrill.drill import DrillSession
from repdrill.schedule.sm2 import review as sm2_review
from repdrill.store import read
from repdrill.store import tables as t
from repdrill.store.engine import Database
from repdrill.store.load import load
from scripted import UNDO, ScriptedIO, at


@pytest.fixture
def small_deck(write_deck: Callable[..., Path]) -> Path:
    return write_deck(
        "alpha", ["a", "b", "c"], header="mastery:\n  new_per_day: 2\n  min_interval_days: 6\n"
    )


def session(db: Database, day: dt.date = TODAY, **options: object) -> DrillSession:
    return DrillSession(db=db, rep_name="ana", clock=at(day), **options)  # type: ignore[arg-type]


def test_new_cards_respect_the_daily_limit_and_file_order(db: Database, small_deck: Path) -> None:
    load(db, [small_deck], now=at(TODAY).now())
    io = ScriptedIO(["", 5, "", 4])
    summary = session(db).run(io)
    assert io.shown == ["a:new:1/2", "b:new:2/2"]
    assert summary.cards == 2 and summary.correct == 2
    # The limit is per day: a second session the same day offers nothing new.
    again = ScriptedIO([])
    session(db).run(again)
    assert again.nothing is not None and again.nothing[0] == TODAY + dt.timedelta(days=1)


def test_new_option_replaces_the_daily_limit(db: Database, small_deck: Path) -> None:
    load(db, [small_deck], now=at(TODAY).now())
    drill = session(db, new_cards=3)
    assert [i.card.id for i in drill.build_queue()] == ["a", "b", "c"]
    assert [i.card.id for i in session(db, new_cards=1).build_queue()] == ["a"]


def test_due_reviews_come_first_most_overdue_first(
    db: Database, write_deck: Callable[..., Path]
) -> None:
    path = write_deck("alpha", ["a", "b", "c", "d"], header="mastery:\n  new_per_day: 1\n")
    load(db, [path], now=at(TODAY).now())
    session(db, TODAY).run(ScriptedIO(["", 5]))  # a: due +1
    session(db, TODAY + dt.timedelta(days=1)).run(ScriptedIO(["", 5, "", 5]))  # a +6, b new +1
    queue = session(db, TODAY + dt.timedelta(days=10)).build_queue()
    assert [(i.card.id, i.kind.value) for i in queue] == [
        ("b", "review"),
        ("a", "review"),
        ("c", "new"),
    ]
    limited = session(db, TODAY + dt.timedelta(days=10), limit=2).build_queue()
    assert [i.card.id for i in limited] == ["b", "a"]


def test_low_grades_come_back_in_the_same_session(db: Database, small_deck: Path) -> None:
    load(db, [small_deck], now=at(TODAY).now())
    io = ScriptedIO(["", 2, "", 5, "", 3, "", 4])
    summary = session(db).run(io)
    assert io.shown == ["a:new:1/2", "b:new:2/3", "a:redrill:3/3", "a:redrill:4/4"]
    assert [r.kind.value for r in io.recorded] == ["review", "review", "redrill", "redrill"]
    # Only the first grade of the day scheduled: a failed (rep 0, 1 day).
    assert io.recorded[-1].after is not None and io.recorded[-1].after.state.repetitions == 0
    assert summary.cards == 2 and summary.grades == 4 and summary.correct == 1


def test_undo_restores_the_exact_state_and_keeps_a_record(db: Database, small_deck: Path) -> None:
    load(db, [small_deck], now=at(TODAY).now())
    session(db, TODAY).run(ScriptedIO(["", 4, "", 4]))
    later = TODAY + dt.timedelta(days=1)
    with db.transaction() as conn:
        rep = read.rep_id(conn, "ana")
        card = read.find_card(conn, "alpha/a")
        before = read.schedule_of(conn, rep, card.db_id)
    io = ScriptedIO(["", 1, "", UNDO, "", 5])
    session(db, later, limit=1).run(io)
    assert io.shown[:3] == ["a:review:1/1", "a:redrill:2/2", "undone:a"]
    with db.transaction() as conn:
        after = read.schedule_of(conn, rep, card.db_id)
        history = read.history(conn, rep, card.db_id)
    assert [h.kind.value for h in history] == ["review", "review", "undo", "review"]
    assert [h.undone for h in history] == [False, True, False, False]
    assert after is not None and before is not None
    assert after.state == sm2_review(before.state, 5)
    # Undo then regrade is the same as having graded 5 in the first place.
    assert after.due == later + dt.timedelta(days=after.state.interval)


def test_each_grade_is_committed_before_the_next_card(db: Database, small_deck: Path) -> None:
    load(db, [small_deck], now=at(TODAY).now())
    counts: list[int] = []

    class Watching(ScriptedIO):
        def show_prompt(self, item: QueueItem, position: int, total: int) -> None:
            # A separate connection sees what was committed so far.
            with db.engine.connect() as conn:
                counts.append(
                    conn.execute(select(func.count()).select_from(t.reviews)).scalar_one()
                )
            super().show_prompt(item, position, total)

    session(db).run(Watching(["", 5, "", 4]))
    assert counts == [0, 1]


def test_interrupt_keeps_every_grade_given(db: Database, small_deck: Path) -> None:
    load(db, [small_deck], now=at(TODAY).now())
    io = ScriptedIO(["", 5, "", 4], interrupt_after=1)
    summary = session(db).run(io)
    assert summary.interrupted and summary.cards == 1
    with db.transaction() as conn:
        assert conn.scalar(select(func.count()).select_from(t.reviews)) == 1


def test_end_of_input_ends_cleanly(db: Database, small_deck: Path) -> None:
    load(db, [small_deck], now=at(TODAY).now())
    io = ScriptedIO(["", 5, "typed answer"])
    summary = session(db).run(io)
    assert not summary.interrupted and summary.cards == 1


def test_mastery_is_reached_kept_and_lost(db: Database, small_deck: Path) -> None:
    load(db, [small_deck], now=at(TODAY).now())
    day = TODAY
    io = ScriptedIO(["", 5])
    session(db, day, limit=1).run(io)  # interval 1
    day += dt.timedelta(days=1)
    io = ScriptedIO(["", 5])
    session(db, day, limit=1).run(io)  # interval 6 >= min_interval_days 6: mastered
    assert io.recorded[0].newly_mastered and io.recorded[0].mastered
    assert io.summary is not None and io.summary.newly_mastered == 1
    day += dt.timedelta(days=6)
    io = ScriptedIO(["", 1, "", 5])
    session(db, day, limit=1).run(io)
    assert io.recorded[0].lost_mastery and not io.recorded[0].mastered


def test_days_met_counts_days_cleared_not_a_streak(db: Database, small_deck: Path) -> None:
    load(db, [small_deck], now=at(TODAY).now())
    for offset in (0, 1, 3):  # a day off in between costs nothing already earned
        session(db, TODAY + dt.timedelta(days=offset)).run(ScriptedIO(["", 5] * 6))
    with db.transaction() as conn:
        met = read.days_met(conn, read.rep_id(conn, "ana"), TODAY + dt.timedelta(days=3))
    assert met == 3


def test_cram_does_not_touch_the_schedule(db: Database, small_deck: Path) -> None:
    load(db, [small_deck], now=at(TODAY).now())
    io = ScriptedIO(["", 5, "", 1, "", 3, "", 5])
    summary = session(db, cram=True).run(io)
    assert [r.kind.value for r in io.recorded] == ["cram"] * 4
    assert summary.cram
    with db.transaction() as conn:
        assert conn.scalar(select(func.count()).select_from(t.card_states)) == 0


def test_scope_by_tag(db: Database, write_deck: Callable[..., Path]) -> None:
    path = write_deck(
        "alpha",
        [
            card_yaml("a", tags="[competitor:acme]"),
            card_yaml("b", tags="[competitor:acme, persona:cfo]"),
            "c",
        ],
    )
    load(db, [path], now=at(TODAY).now())
    queue = session(db, scope=Scope(tags=("competitor:acme",))).build_queue()
    assert [i.card.id for i in queue] == ["a", "b"]
    queue = session(db, scope=Scope(tags=("competitor:acme", "persona:cfo"))).build_queue()
    assert [i.card.id for i in queue] == ["b"]


def test_the_front_door_drills_through_any_io(db_url: str, small_deck: Path) -> None:
    import repdrill

    with repdrill.open(db_url, user="ana", today=TODAY) as rd:
        rd.load([small_deck])
        io = ScriptedIO(["total cost", 4, "", 2, "", 5])
        summary = rd.drill(io)
    assert summary is io.summary
    assert summary.to_json()["cards_drilled"] == 2
    assert summary.to_json()["grades_given"] == 3


# -- through the command line -------------------------------------------------------


def test_drill_from_a_path_with_scripted_input(cli: Cli, db: Database) -> None:
    lines = "\n".join(["", "5", "my answer about total cost of ownership", "4", "", "q"]) + "\n"
    result = cli("drill", str(DECKS), "--limit", "3", input=lines)
    assert result.exit_code == 0, result.output
    assert "Card 1 of 3" in result.stdout and "Model answer" in result.stdout
    assert "Session done" in result.stdout
    assert "Cards drilled: 2" in result.stdout
    assert "Days met in the last 30:" in result.stdout
    with db.transaction() as conn:
        answers = list(conn.scalars(select(t.reviews.c.answer).order_by(t.reviews.c.id)))
    assert answers == [None, "my answer about total cost of ownership"]


def test_invalid_grade_reprompts(cli: Cli) -> None:
    result = cli("drill", str(DECKS), "--limit", "1", input="\nseven\n9\nu\n4\n")
    assert result.exit_code == 0
    assert "'seven' is not a grade" in result.stdout
    assert "'9' is not a grade" in result.stdout
    assert "Nothing to undo yet" in result.stdout
    assert "Cards drilled: 1" in result.stdout


def test_nothing_due_says_when_next(cli: Cli) -> None:
    cli("load", str(DECKS))
    first = cli("drill", "--new", "1", input="\n5\n")
    assert first.exit_code == 0
    result = cli("drill", "--new", "0")
    assert result.exit_code == 0
    assert "Nothing due today. The next card is due on 2026-03-03 (tomorrow)." in result.stdout


def test_drill_unknown_deck_or_tag(cli: Cli) -> None:
    cli("load", str(DECKS))
    result = cli("drill", "--deck", "nope")
    assert result.exit_code == 1 and "no deck 'nope'" in result.stderr
    result = cli("drill", "--tag", "competitor:nobody")
    assert (
        result.exit_code == 1 and "no active card matches tag 'competitor:nobody'" in result.stderr
    )


def test_drill_with_nothing_loaded(cli: Cli) -> None:
    result = cli("drill")
    assert result.exit_code == 1 and "no decks loaded yet" in result.stderr


def test_card_text_with_brackets_is_shown_as_written(
    cli: Cli, write_deck: Callable[..., Path]
) -> None:
    prompt = "'Say [bold]no[/bold] to [competitor:acme]?'"
    cli("load", str(write_deck("alpha", [card_yaml("a", prompt=prompt)])))
    assert "Say [bold]no[/bold] to [competitor:acme]?" in cli("card", "show", "alpha/a").stdout
    drilled = cli("drill", input="\n5\n")
    assert "Say [bold]no[/bold] to [competitor:acme]?" in drilled.stdout
