"""The daily drill: queue order, re-drills, undo, summaries, and the non-interactive commands."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import DECKS, TODAY, Cli, card_yaml
from repdrill.config import Clock
from repdrill.drill import UNDO, DrillSession, GradeChoice, Grading, QueueItem, Summary
from repdrill.schedule.replay import LogEntry, replay
from repdrill.store import read as store
from repdrill.store.engine import Database
from repdrill.store.load import load
from repdrill.store.read import Scope
from repdrill.store.record import Recorded, log_entries
from repdrill.store.tables import CardStateRow, ReviewRow


@dataclass
class ScriptedIO:
    """A DrillIO fed from a list: (answer, grade) pairs; None ends input."""

    script: list[str | GradeChoice | None]
    shown: list[str] = field(default_factory=list)
    recorded: list[Recorded] = field(default_factory=list)
    summary: Summary | None = None
    nothing: tuple[dt.date | None, dt.date] | None = None
    interrupt_after: int | None = None

    def _next(self) -> str | GradeChoice | None:
        if self.interrupt_after is not None and len(self.recorded) >= self.interrupt_after:
            raise KeyboardInterrupt
        return self.script.pop(0) if self.script else None

    def nothing_due(self, next_due: dt.date | None, today: dt.date) -> None:
        self.nothing = (next_due, today)

    def show_prompt(self, item: QueueItem, position: int, total: int) -> None:
        self.shown.append(f"{item.card.slug}:{item.kind}:{position}/{total}")

    def read_answer(self) -> str | None:
        value = self._next()
        return None if value is None else str(value)

    def show_answer(self, item: QueueItem, answer: str, grading: Grading | None) -> None:
        pass

    def read_grade(self, *, can_undo: bool, suggested: int | None) -> GradeChoice | None:
        value = self._next()
        assert value is None or value == UNDO or isinstance(value, int)
        return value  # type: ignore[return-value]

    def show_recorded(self, recorded: Recorded) -> None:
        self.recorded.append(recorded)

    def show_undone(self, item: QueueItem) -> None:
        self.shown.append(f"undone:{item.card.slug}")

    def show_summary(self, summary: Summary) -> None:
        self.summary = summary


def at(day: dt.date) -> Clock:
    """A clock on ``day`` whose every reading is a second after the last."""
    ticks = itertools.count()
    start = dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.UTC)
    return Clock(day, timer=lambda: start + dt.timedelta(seconds=next(ticks)))


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
    assert [i.card.slug for i in drill.build_queue()] == ["a", "b", "c"]
    assert [i.card.slug for i in session(db, new_cards=1).build_queue()] == ["a"]


def test_due_reviews_come_first_most_overdue_first(
    db: Database, write_deck: Callable[..., Path]
) -> None:
    path = write_deck("alpha", ["a", "b", "c", "d"], header="mastery:\n  new_per_day: 1\n")
    load(db, [path], now=at(TODAY).now())
    session(db, TODAY).run(ScriptedIO(["", 5]))  # a: due +1
    session(db, TODAY + dt.timedelta(days=1)).run(
        ScriptedIO(["", 5, "", 5])
    )  # a again (+6), b new (+1)
    drill = session(db, TODAY + dt.timedelta(days=10))
    queue = drill.build_queue()
    assert [(i.card.slug, i.kind) for i in queue] == [
        ("b", "review"),
        ("a", "review"),
        ("c", "new"),
    ]
    assert [
        i.card.slug for i in session(db, TODAY + dt.timedelta(days=10), limit=2).build_queue()
    ] == ["b", "a"]


def test_low_grades_come_back_in_the_same_session(db: Database, small_deck: Path) -> None:
    load(db, [small_deck], now=at(TODAY).now())
    io = ScriptedIO(["", 2, "", 5, "", 3, "", 4])
    summary = session(db).run(io)
    assert io.shown == ["a:new:1/2", "b:new:2/3", "a:redrill:3/3", "a:redrill:4/4"]
    assert [r.kind for r in io.recorded] == ["review", "review", "redrill", "redrill"]
    # Only the first grade of the day scheduled: a failed (rep 0, 1 day).
    assert io.recorded[-1].after is not None and io.recorded[-1].after.state.repetitions == 0
    assert summary.cards == 2 and summary.grades == 4 and summary.correct == 1


def test_undo_restores_the_exact_state_and_keeps_a_record(db: Database, small_deck: Path) -> None:
    load(db, [small_deck], now=at(TODAY).now())
    session(db, TODAY).run(ScriptedIO(["", 4, "", 4]))
    later = TODAY + dt.timedelta(days=1)
    with db.session() as s:
        rep = store.rep_id(s, "ana")
        card = store.find_card(s, "alpha/a")
        before = store.schedule_of(s, rep, card.card_id)
    io = ScriptedIO(["", 1, "", UNDO, "", 5])
    session(db, later, limit=1).run(io)
    assert io.shown[:3] == ["a:review:1/1", "a:redrill:2/2", "undone:a"]
    with db.session() as s:
        after = store.schedule_of(s, rep, card.card_id)
        kinds = [h.kind for h in store.history(s, rep, card.card_id)]
        undone = [h.undone for h in store.history(s, rep, card.card_id)]
    assert kinds == ["review", "review", "undo", "review"]
    assert undone == [False, True, False, False]
    assert after is not None and before is not None
    assert after.state == review_of(before.state, 5)
    # Undo then regrade is the same as having graded 5 in the first place.
    assert after.due == later + dt.timedelta(days=after.state.interval)


def review_of(state: object, grade: int) -> object:
    from repdrill.schedule.sm2 import review

    return review(state, grade)  # type: ignore[arg-type]


def test_each_grade_is_committed_before_the_next_card(db: Database, small_deck: Path) -> None:
    load(db, [small_deck], now=at(TODAY).now())
    counts: list[int] = []

    class Watching(ScriptedIO):
        def show_prompt(self, item: QueueItem, position: int, total: int) -> None:
            # A separate connection sees what was committed so far.
            with db.engine.connect() as conn:
                counts.append(
                    conn.execute(select(func.count()).select_from(ReviewRow)).scalar_one()
                )
            super().show_prompt(item, position, total)

    session(db).run(Watching(["", 5, "", 4]))
    assert counts == [0, 1]


def test_interrupt_keeps_every_grade_given(db: Database, small_deck: Path) -> None:
    load(db, [small_deck], now=at(TODAY).now())
    io = ScriptedIO(["", 5, "", 4], interrupt_after=1)
    summary = session(db).run(io)
    assert summary.interrupted and summary.cards == 1
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(ReviewRow)) == 1


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
    assert io.recorded[0].newly_mastered
    assert io.summary is not None and io.summary.newly_mastered == 1
    day += dt.timedelta(days=6)
    io = ScriptedIO(["", 1, "", 5])
    session(db, day, limit=1).run(io)
    assert io.recorded[0].lost_mastery


def test_days_met_counts_days_cleared_not_a_streak(db: Database, small_deck: Path) -> None:
    load(db, [small_deck], now=at(TODAY).now())
    for offset in (0, 1, 3):  # a day off in between costs nothing already earned
        session(db, TODAY + dt.timedelta(days=offset)).run(ScriptedIO(["", 5] * 6))
    with db.session() as s:
        met = store.days_met(s, store.rep_id(s, "ana"), TODAY + dt.timedelta(days=3))
    assert met == 3


def test_cram_does_not_touch_the_schedule(db: Database, small_deck: Path) -> None:
    load(db, [small_deck], now=at(TODAY).now())
    io = ScriptedIO(["", 5, "", 1, "", 3, "", 5])
    summary = session(db, cram=True).run(io)
    assert [r.kind for r in io.recorded] == ["cram"] * 4
    assert summary.cram
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(CardStateRow)) == 0


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
    assert [i.card.slug for i in queue] == ["a", "b"]
    queue = session(db, scope=Scope(tags=("competitor:acme", "persona:cfo"))).build_queue()
    assert [i.card.slug for i in queue] == ["b"]


def test_state_always_equals_the_replay_of_the_log(db: Database, small_deck: Path) -> None:
    load(db, [small_deck], now=at(TODAY).now())
    script: list[list[str | GradeChoice | None]] = [
        ["", 3, "", 2, "", 5, "", UNDO, "", 4],
        ["", 5, "", 0, "", 4, "", 4],
        ["", 1, "", 5, "", 5],
    ]
    for offset, steps in enumerate(script):
        session(db, TODAY + dt.timedelta(days=offset * 3), new_cards=3).run(ScriptedIO(list(steps)))
    with db.session() as s:
        rep = store.rep_id(s, "ana")
        assert rep is not None
        for row in s.scalars(select(CardStateRow)):
            steps = replay(log_entries(s, rep, row.card_id))
            final = steps[-1].schedule
            assert (row.repetitions, row.easiness_x100, row.interval_days, row.due, row.lapses) == (
                final.state.repetitions,
                final.state.easiness_x100,
                final.state.interval,
                final.due,
                final.lapses,
            )


def test_replay_is_independent_of_row_order() -> None:
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    entries = [
        LogEntry("u1", "review", 4, dt.date(2026, 1, 1), base),
        LogEntry("u2", "redrill", 2, dt.date(2026, 1, 1), base + dt.timedelta(minutes=1)),
        LogEntry("u3", "review", 5, dt.date(2026, 1, 2), base + dt.timedelta(days=1)),
        LogEntry(
            "u4", "undo", None, dt.date(2026, 1, 2), base + dt.timedelta(days=1, minutes=1), "u3"
        ),
        LogEntry("u5", "review", 3, dt.date(2026, 1, 2), base + dt.timedelta(days=1, minutes=2)),
        LogEntry("u6", "cram", 0, dt.date(2026, 1, 3), base + dt.timedelta(days=2)),
    ]
    forward = replay(entries)
    assert [s.entry.uuid for s in forward] == ["u1", "u5"]
    assert replay(list(reversed(entries))) == forward


# -- through the command line -------------------------------------------------------


def test_drill_from_a_path_with_scripted_input(cli: Cli, db: Database) -> None:
    lines = "\n".join(["", "5", "my answer about total cost of ownership", "4", "", "q"]) + "\n"
    result = cli("drill", str(DECKS), "--limit", "3", input=lines)
    assert result.exit_code == 0, result.output
    assert "Card 1 of 3" in result.stdout and "Model answer" in result.stdout
    assert "Session done" in result.stdout
    assert "Cards drilled: 2" in result.stdout
    assert "Days met in the last 30:" in result.stdout
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(ReviewRow)) == 2
        answers = list(s.scalars(select(ReviewRow.answer).order_by(ReviewRow.id)))
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


def test_review_command_and_same_day_redrill(cli: Cli) -> None:
    cli("load", str(DECKS))
    first = cli("review", "price-too-high", "--grade", "4", "--json")
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert (data["kind"], data["interval"], data["due"]) == ("review", 1, "2026-03-03")
    second = json.loads(
        cli("review", "objection-handling/price-too-high", "-g", "1", "--json").stdout
    )
    assert second["kind"] == "redrill" and second["interval"] == 1 and second["repetitions"] == 1
    human = cli("review", "price-too-high", "--grade", "5", REPDRILL_TODAY="2026-03-03")
    assert "Next review 2026-03-09" in human.stdout


def test_review_rejects_bad_grades_and_unknown_cards(
    cli: Cli, write_deck: Callable[..., Path]
) -> None:
    cli("load", str(DECKS))
    assert cli("review", "price-too-high", "--grade", "6").exit_code == 2
    missing = cli("review", "no-such-card", "--grade", "3")
    assert missing.exit_code == 1 and "no card 'no-such-card'" in missing.stderr
    write_deck("other", [card_yaml("price-too-high")])
    cli("load", str(write_deck("other", [card_yaml("price-too-high")])))
    ambiguous = cli("review", "price-too-high", "--grade", "3")
    assert ambiguous.exit_code == 1 and "is in several decks" in ambiguous.stderr


def test_card_show_json_has_state_and_marked_history(cli: Cli) -> None:
    cli("load", str(DECKS))
    cli("drill", "--limit", "1", input="\n2\n\nu\n\n5\n\n4\n")
    data = json.loads(cli("card", "show", "objection-handling/price-too-high", "--json").stdout)
    for key in ("repetitions", "easiness", "interval", "due", "mastered", "retired", "history"):
        assert key in data
    assert (data["repetitions"], data["easiness"], data["interval"], data["due"]) == (
        1,
        2.6,
        1,
        "2026-03-03",
    )
    assert data["mastered"] is False and data["retired"] is False
    kinds = [(h["kind"], h["grade"], h["undone"]) for h in data["history"]]
    assert kinds == [("review", 2, True), ("undo", None, False), ("review", 5, False)]
    assert data["history"][1]["undoes"] == data["history"][0]["id"]
    human = cli("card", "show", "price-too-high")
    assert "Model answer" in human.stdout and "undone" in human.stdout


def test_card_show_of_a_new_card(cli: Cli) -> None:
    cli("load", str(DECKS))
    data = json.loads(cli("card", "show", "price-too-high", "--json").stdout)
    assert (
        data["repetitions"],
        data["easiness"],
        data["interval"],
        data["due"],
        data["history"],
    ) == (
        0,
        2.5,
        0,
        None,
        [],
    )


def test_status_json(cli: Cli) -> None:
    cli("load", str(DECKS))
    cli("review", "price-too-high", "--grade", "5")
    data = json.loads(cli("status", "--json").stdout)
    deck = next(d for d in data["decks"] if d["deck"] == "objection-handling")
    assert deck["active"] == 30 and deck["due"] == 0 and deck["mastered"] == 0
    assert deck["new_available"] == 9  # 10 per day, one begun today
    assert deck["next_due"] == "2026-03-03"
    tomorrow = json.loads(cli("status", "--json", REPDRILL_TODAY="2026-03-03").stdout)
    deck = next(d for d in tomorrow["decks"] if d["deck"] == "objection-handling")
    assert deck["due"] == 1 and deck["new_available"] == 10
    human = cli("status")
    assert "objection-handling" in human.stdout and "0/30" in human.stdout


def test_status_before_any_load(cli: Cli) -> None:
    result = cli("status")
    assert result.exit_code == 0 and "No decks loaded yet" in result.stdout


def test_two_reps_have_separate_schedules(cli: Cli) -> None:
    cli("load", str(DECKS))
    cli("review", "price-too-high", "--grade", "5")
    other = json.loads(cli("card", "show", "price-too-high", "--json", REPDRILL_USER="ben").stdout)
    assert other["history"] == [] and other["repetitions"] == 0


def test_card_text_with_brackets_is_shown_as_written(
    cli: Cli, write_deck: Callable[..., Path]
) -> None:
    prompt = "'Say [bold]no[/bold] to [competitor:acme]?'"
    cli("load", str(write_deck("alpha", [card_yaml("a", prompt=prompt)])))
    assert "Say [bold]no[/bold] to [competitor:acme]?" in cli("card", "show", "alpha/a").stdout
    drilled = cli("drill", input="\n5\n")
    assert "Say [bold]no[/bold] to [competitor:acme]?" in drilled.stdout


def test_status_with_a_scope_that_matches_nothing(cli: Cli) -> None:
    cli("load", str(DECKS))
    result = cli("status", "--tag", "competitor:nobody")
    assert result.exit_code == 1 and "no active card matches" in result.stderr
    assert cli("status", "--deck", "nope").exit_code == 1
    assert cli("status", "--tag", "competitor:acme", "--json").exit_code == 0
