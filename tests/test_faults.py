"""bench/faults.py: its checks catch the faults they look for, and the script runs."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Executable, create_engine, delete, insert, select, update
from sqlalchemy.pool import NullPool

from conftest import ROOT, TODAY, card_yaml, on
from repdrill.schedule.replay import replay
from repdrill.store import tables as t
from repdrill.store.record import log_entries

sys.path.insert(0, str(ROOT / "bench"))
import faults


def write(db_url: str, *statements: Executable) -> None:
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(statement)
    engine.dispose()


def graded(db_url: str, write_deck: Callable[..., Path]) -> None:
    """Two reps, three cards, grades over three days, a re-drill, a cram and an undo."""
    deck = write_deck("alpha", ["a", "b", "c"])
    with on(db_url, TODAY) as rd:
        rd.load([deck])
        rd.review("alpha/a", 2)
        rd.review("alpha/a", 4)
        first = rd.review("alpha/b", 5)
        rd.undo(first.review_id)
        rd.review("alpha/b", 3)
    with on(db_url, TODAY + dt.timedelta(days=1)) as rd:
        rd.review("alpha/a", 5)
    with on(db_url, TODAY + dt.timedelta(days=2), user="bo") as rd:
        rd.review("alpha/c", 1)


def test_the_log_is_read_as_log_entries_reads_it(
    db_url: str, write_deck: Callable[..., Path]
) -> None:
    graded(db_url, write_deck)
    with faults.connect(db_url) as conn:
        logs = faults.read_logs(conn)
        assert len(logs) == 3
        for (rep, card), entries in logs.items():
            assert sorted(entries, key=str) == sorted(log_entries(conn, rep, card), key=str)


def test_the_replay_check_finds_states_that_differ(
    db_url: str, write_deck: Callable[..., Path]
) -> None:
    graded(db_url, write_deck)
    states, changes = t.card_states.c, t.state_changes.c
    with faults.connect(db_url) as conn:
        assert faults.replay_mismatches(conn) == 0
        rep = conn.execute(select(t.reps.c.id).where(t.reps.c.name == "ana")).scalar_one()
        card = conn.execute(select(t.cards.c.id).where(t.cards.c.slug == "a")).scalar_one()
        interval = conn.execute(
            select(states.interval_days).where(states.rep_id == rep, states.card_id == card)
        ).scalar_one()
    key = (states.rep_id == rep, states.card_id == card)
    write(db_url, update(t.card_states).where(*key).values(interval_days=interval + 5))
    with faults.connect(db_url) as conn:
        assert faults.replay_mismatches(conn) == 1
        assert faults.replay_mismatches(conn, rep) == 1
    write(
        db_url,
        update(t.card_states).where(*key).values(interval_days=interval),
        # Card a's first scheduling review no longer ends when the second one starts.
        update(t.state_changes)
        .where(changes.rep_id == rep, changes.card_id == card)
        .values(valid_until=None),
    )
    with faults.connect(db_url) as conn:
        assert faults.replay_mismatches(conn) == 1
        assert faults.replay_mismatches(conn, rep + 1) == 0


def test_the_replay_check_follows_card_revisions(
    db_url: str, write_deck: Callable[..., Path]
) -> None:
    graded(db_url, write_deck)
    revised = card_yaml("a", answer="The price is now $2.50 an invoice.", revision="2")
    deck = write_deck("alpha", [revised, "b", "c"])
    with on(db_url, TODAY + dt.timedelta(days=3)) as rd:
        rd.load([deck])
    with faults.connect(db_url) as conn:
        assert faults.read_revisions(conn)
        assert faults.replay_mismatches(conn) == 0
        rep = conn.execute(select(t.reps.c.id).where(t.reps.c.name == "ana")).scalar_one()
        card = conn.execute(select(t.cards.c.id).where(t.cards.c.slug == "a")).scalar_one()
        stored = conn.execute(
            select(t.card_states.c.repetitions).where(
                t.card_states.c.rep_id == rep, t.card_states.c.card_id == card
            )
        ).scalar_one()
        entries = faults.read_logs(conn, rep)[(rep, card)]
    # The revision restarted card a; a replay that ignored it would not have.
    assert stored == 0
    assert replay(entries)[-1].schedule.state.repetitions > 0


def test_a_state_with_no_log_behind_it_is_a_mismatch(
    db_url: str, write_deck: Callable[..., Path]
) -> None:
    graded(db_url, write_deck)
    with faults.connect(db_url) as conn:
        bo = conn.scalar(select(t.reps.c.id).where(t.reps.c.name == "bo"))
        card = conn.scalar(select(t.cards.c.id).where(t.cards.c.slug == "a"))
    write(
        db_url,
        insert(t.card_states).values(
            rep_id=bo,
            card_id=card,
            repetitions=1,
            easiness_x100=250,
            interval_days=1,
            due=TODAY,
            last_review_date=TODAY,
            introduced_on=TODAY,
            lapses=0,
            reviews=1,
        ),
    )
    with faults.connect(db_url) as conn:
        assert faults.replay_mismatches(conn) == 1


def test_the_deck_snapshot_tells_part_of_a_load_from_all(
    db_url: str, write_deck: Callable[..., Path]
) -> None:
    with faults.connect(faults.migrated(db_url)) as conn:
        empty = faults.deck_snapshot(conn)
    deck = write_deck("alpha", ["a", "b", "c"])
    with on(db_url, TODAY) as rd:
        rd.load([deck])
    with faults.connect(db_url) as conn:
        complete = faults.deck_snapshot(conn)
    assert complete != empty
    card = t.cards.c
    write(db_url, update(t.cards).where(card.slug == "c").values(current_hash="0" * 64))
    with faults.connect(db_url) as conn:
        part = faults.deck_snapshot(conn)
    assert part not in (empty, complete)
    assert faults.differences(part, complete).startswith("cards ")
    write(db_url, delete(t.card_versions).where(t.card_versions.c.prompt == "Prompt for b?"))
    with faults.connect(db_url) as conn:
        assert faults.deck_snapshot(conn)["card_versions"] == 2


def rows(*ids_and_grades: tuple[int, int]) -> dict[int, tuple[object, ...]]:
    """Review rows shaped as the reviews table's, with an answer and a grade."""
    columns = t.reviews.c.keys()
    result = {}
    for review_id, grade in ids_and_grades:
        row: list[object] = [None] * len(columns)
        row[columns.index("id")] = review_id
        row[columns.index("grade")] = grade
        row[columns.index("answer")] = f"answer {review_id}"
        result[review_id] = tuple(row)
    return result


def test_the_drill_checks_find_lost_reordered_and_changed_grades() -> None:
    before = faults.LogRows(rows((1, 4)), set(), 10)
    answers, grades = ["answer 2", "answer 3", "answer 4"], [5, 2, 4]
    saved = faults.LogRows({**before.reviews, **rows((2, 5), (3, 2))}, set(), 12)
    new = [saved.reviews[2], saved.reviews[3]]
    assert faults.drill_problems(before, saved, new, 2, answers, grades) == []
    # A grade committed and killed before its "Saved" line: allowed.
    assert faults.drill_problems(before, saved, new, 1, answers, grades) == []
    lost = faults.drill_problems(before, saved, new, 3, answers, grades)
    assert lost == ["3 grades announced as saved, 2 in the log"]
    swapped = faults.drill_problems(before, saved, new, 2, answers, [2, 5, 4])
    assert swapped == ["the grades in the log are not the grades fed, in order"]
    changed = faults.LogRows({**saved.reviews, **rows((1, 0))}, set(), 12)
    assert faults.drill_problems(before, changed, new, 2, answers, grades) == [
        "1 earlier rows of the review log changed"
    ]
    others = faults.LogRows(saved.reviews, set(), 13)
    assert faults.drill_problems(before, others, new, 2, answers, grades) == [
        "1 reviews of other reps appeared"
    ]


def test_saved_lines_count_every_kind_of_saved_grade() -> None:
    output = (
        "Grade (0-5, q = stop): 4\n"
        "Saved. Next review tomorrow (2026-06-02).\n"
        "Saved as a re-drill; today's first grade set the schedule.\n"
        "│ Savings come from the controller.                │\n"
        "Savings in the answer are not a saved grade.\n"
    )
    assert faults.saved_lines(output) == 2


def test_a_report_is_complete_only_to_its_end(tmp_path: Path) -> None:
    html, data = tmp_path / "r.html", tmp_path / "r.json"
    html.write_text("<html><body><p>Mastery</p></body></html>\n")
    data.write_text('{"reps": []}')
    assert faults.report_complete(html, "html")
    assert faults.report_complete(data, "json")
    html.write_text("<html><body><p>Mast")
    data.write_text('{"reps": [')
    assert not faults.report_complete(html, "html")
    assert not faults.report_complete(data, "json")
    assert not faults.report_complete(tmp_path / "absent.html", "html")


@pytest.mark.slow
def test_the_fault_runs_complete_on_sqlite_with_no_violation() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "faults.py"), "--trials", "2", "--backend", "sqlite"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    table = {line.split()[0]: line.split() for line in lines if line.endswith(" 0")}
    for operation in ("load", "import", "report", "drill"):
        row = table[operation]
        assert row[1] == "sqlite"
        trials, completed, killed, violations = map(int, row[3:])
        assert (trials, completed + killed, violations) == (2, 2, 0)
    assert "0 violations; elapsed" in done.stdout
    assert "Traceback" not in done.stderr
