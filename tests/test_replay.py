"""The log's meaning (repdrill.schedule.replay): which grades schedule, in any row order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from conftest import TODAY
from repdrill.drill import DrillSession
from repdrill.schedule.replay import LogEntry, ReviewKind, replay
from repdrill.store import read
from repdrill.store import tables as t
from repdrill.store.engine import Database
from repdrill.store.load import load
from repdrill.store.record import log_entries
from scripted import UNDO, ScriptedIO, at

BASE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def entry(
    uuid: str, kind: str, grade: int | None, day: int, minute: int, undoes: str = ""
) -> LogEntry:
    return LogEntry(
        uuid,
        ReviewKind(kind),
        grade,
        dt.date(2026, 1, 1) + dt.timedelta(days=day),
        BASE + dt.timedelta(days=day, minutes=minute),
        undoes or None,
    )


def test_only_the_days_first_effective_grade_schedules() -> None:
    entries = [
        entry("u1", "review", 4, 0, 0),
        entry("u2", "redrill", 2, 0, 1),
        entry("u3", "review", 5, 1, 0),
        entry("u4", "undo", None, 1, 1, "u3"),
        entry("u5", "review", 3, 1, 2),
        entry("u6", "cram", 0, 2, 0),
    ]
    assert [s.entry.uuid for s in replay(entries)] == ["u1", "u5"]


@given(st.permutations(list(range(6))))
def test_replay_is_independent_of_row_order(order: list[int]) -> None:
    entries = [
        entry("u1", "review", 4, 0, 0),
        entry("u2", "redrill", 2, 0, 1),
        entry("u3", "review", 5, 1, 0),
        entry("u4", "undo", None, 1, 1, "u3"),
        entry("u5", "review", 3, 1, 2),
        entry("u6", "cram", 0, 2, 0),
    ]
    assert replay([entries[i] for i in order]) == replay(entries)


def test_state_always_equals_the_replay_of_the_log(
    db: Database, write_deck: Callable[..., Path]
) -> None:
    deck = write_deck("alpha", ["a", "b", "c"], header="mastery:\n  new_per_day: 2\n")
    load(db, [deck], now=at(TODAY).now())
    script: list[list[object]] = [
        ["", 3, "", 2, "", 5, "", UNDO, "", 4],
        ["", 5, "", 0, "", 4, "", 4],
        ["", 1, "", 5, "", 5],
    ]
    for offset, steps in enumerate(script):
        DrillSession(
            db=db, rep_name="ana", clock=at(TODAY + dt.timedelta(days=offset * 3)), new_cards=3
        ).run(ScriptedIO(list(steps)))  # type: ignore[arg-type]
    s = t.card_states.c
    with db.transaction() as conn:
        rep = read.rep_id(conn, "ana")
        assert rep is not None
        rows = conn.execute(
            select(s.card_id, s.repetitions, s.easiness_x100, s.interval_days, s.due, s.lapses)
        ).all()
        assert rows
        for card, *stored in rows:
            final = replay(log_entries(conn, rep, card))[-1].schedule
            assert stored == [
                final.state.repetitions,
                final.state.easiness_x100,
                final.state.interval,
                final.due,
                final.lapses,
            ]
