"""Card revisions: a change of message that every rep who reviewed the card relearns.

Across a load (who relearns, what is reset, what is refused), the replay (the
stored state always equals the log and the revisions replayed together, in any
order they arrive) and a log merged after the revision.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from conftest import TODAY, Cli, card_yaml, on
from repdrill.errors import InvalidInput
from repdrill.schedule.replay import LogEntry, ReviewKind, Revision, final, relearn, replay
from repdrill.store import read
from repdrill.store import tables as t
from repdrill.store.engine import Database
from repdrill.store.record import log_entries, rebuild_schedule

DAY = dt.timedelta(days=1)
LOAD_DAY = TODAY + 30 * DAY

OLD = "$2.80 an invoice, with ERP sync included."
NEW = "$2.40 an invoice, with ERP sync included."


def pricing(
    write_deck: Callable[..., Path], answer: str = OLD, revision: int | None = None
) -> Path:
    extra = {"revision": str(revision)} if revision is not None else {}
    return write_deck(
        "pricing",
        [card_yaml("per-invoice", "What does Ledgerline cost?", answer, **extra), "other"],
    )


def drilled(db_url: str, write_deck: Callable[..., Path]) -> Path:
    """ana masters per-invoice over three weeks, ben reviews it once, carla never."""
    path = pricing(write_deck)
    with on(db_url, TODAY) as rd:
        rd.load([path])
    for offset in (0, 1, 7, 23):
        with on(db_url, TODAY + offset * DAY) as rd:
            rd.review("per-invoice", 5)
    with on(db_url, TODAY + 2 * DAY, user="ben") as rd:
        rd.review("per-invoice", 3)
        rd.review("other", 4)
    with on(db_url, TODAY, user="carla") as rd:
        rd.review("other", 5)
    return path


def state(db_url: str, user: str, day: dt.date, card: str = "per-invoice") -> dict[str, Any]:
    with on(db_url, day, user=user) as rd:
        return rd.card(card).to_json()


def assert_state_is_the_replay(db: Database) -> None:
    """card_states and state_changes are what replaying log and revisions writes."""
    s, c = t.card_states.c, t.state_changes.c
    with db.transaction(write=True) as conn:
        pairs = conn.execute(select(s.rep_id, s.card_id)).all()
        states = sorted(conn.execute(select(t.card_states)).all())
        changes = sorted(conn.execute(select(t.state_changes)).all())
        for rep, card in pairs:
            replayed = final(replay(log_entries(conn, rep, card), read.revision_events(conn, card)))
            assert replayed is not None
            stored = read.schedule_of(conn, rep, card)
            assert stored == replayed
            rebuild_schedule(conn, rep, card)
        assert sorted(conn.execute(select(t.card_states)).all()) == states
        assert sorted(conn.execute(select(t.state_changes)).all()) == changes
        assert c is not None
        conn.rollback()


# -- the load ------------------------------------------------------------------------


def test_a_raised_revision_restarts_every_rep_who_reviewed_the_card(
    db_url: str, db: Database, write_deck: Callable[..., Path]
) -> None:
    path = drilled(db_url, write_deck)
    before = state(db_url, "ana", LOAD_DAY + 14 * DAY)
    assert before["mastered"] and before["interval"] >= 21
    pricing(write_deck, NEW, revision=2)
    with on(db_url, LOAD_DAY + 14 * DAY) as rd:
        loaded = rd.load([path])
    (deck,) = loaded.decks
    assert deck.revised == ("per-invoice",) and deck.changed == () and deck.relearn_reps == 2
    revised_on = LOAD_DAY + 14 * DAY
    ana = state(db_url, "ana", revised_on)
    assert (ana["repetitions"], ana["interval"], ana["due"]) == (
        0,
        1,
        (revised_on + DAY).isoformat(),
    )
    assert ana["easiness"] == before["easiness"]
    assert not ana["mastered"]
    assert ana["lapses"] == before["lapses"] == 0  # not the rep's failure
    assert len(ana["history"]) == 4  # the history is whole
    ben = state(db_url, "ben", revised_on)
    assert (ben["repetitions"], ben["interval"], ben["easiness"]) == (0, 1, 2.36)
    # ben's other card and carla, who never reviewed the card, are untouched.
    assert state(db_url, "ben", revised_on, "other")["interval"] == 1
    assert state(db_url, "carla", revised_on)["history"] == []
    assert state(db_url, "carla", revised_on, "other")["repetitions"] == 1
    assert_state_is_the_replay(db)


def test_relearning_starts_sm2_again_from_the_kept_easiness(
    db_url: str, db: Database, write_deck: Callable[..., Path]
) -> None:
    path = drilled(db_url, write_deck)
    pricing(write_deck, NEW, revision=2)
    with on(db_url, LOAD_DAY + 30 * DAY) as rd:
        rd.load([path])
    with on(db_url, LOAD_DAY + 31 * DAY) as rd:
        first = rd.review("per-invoice", 5)
    assert (first.kind, first.repetitions, first.interval) == (ReviewKind.REVIEW, 1, 1)
    with on(db_url, LOAD_DAY + 32 * DAY) as rd:
        second = rd.review("per-invoice", 5)
    assert second.interval == 6
    assert_state_is_the_replay(db)


def test_the_load_says_who_relearns_and_a_dry_run_writes_nothing(
    db_url: str, cli: Cli, db: Database, write_deck: Callable[..., Path]
) -> None:
    path = drilled(db_url, write_deck)
    pricing(write_deck, NEW, revision=2)
    env = {"REPDRILL_TODAY": LOAD_DAY.isoformat()}
    dry = cli("load", str(path), "--dry-run", **env)
    assert dry.exit_code == 0, dry.output
    assert "pricing (" in dry.stdout and "1 unchanged, 0 retired, 1 revised" in dry.stdout
    assert "  1 card revised: 2 reps will relearn it: per-invoice" in dry.stdout
    assert state(db_url, "ana", LOAD_DAY)["repetitions"] == 4
    with db.transaction() as conn:
        assert conn.execute(select(t.card_revisions)).all() == []
    shown = json.loads(cli("load", str(path), "--json", **env).stdout)
    deck = shown["decks"][0]
    assert (deck["revised_ids"], deck["relearn_rep_count"], deck["changed_ids"]) == (
        ["per-invoice"],
        2,
        [],
    )
    assert state(db_url, "ana", LOAD_DAY)["repetitions"] == 0
    with db.transaction() as conn:
        (revision,) = conn.execute(select(t.card_revisions)).all()
        assert (revision.revision, revision.revised_on) == (2, LOAD_DAY)
        stored = conn.scalar(select(t.cards.c.revision).where(t.cards.c.slug == "per-invoice"))
        assert stored == 2


def test_a_rewording_keeps_progress_and_a_bump_alone_is_a_revision(
    db_url: str, cli: Cli, db: Database, write_deck: Callable[..., Path]
) -> None:
    path = drilled(db_url, write_deck)
    pricing(write_deck, OLD.replace("with", "and"))
    with on(db_url, LOAD_DAY) as rd:
        (deck,) = rd.load([path]).decks
    assert deck.changed == ("per-invoice",) and deck.revised == ()
    assert state(db_url, "ana", LOAD_DAY)["repetitions"] == 4
    # Same text, higher revision: the author says the message changed (an earlier
    # load took the new text without a bump). Nothing else changed.
    pricing(write_deck, OLD.replace("with", "and"), revision=3)
    with on(db_url, LOAD_DAY) as rd:
        (deck,) = rd.load([path]).decks
    assert (deck.changed, deck.revised, deck.unchanged) == ((), ("per-invoice",), 1)
    assert state(db_url, "ana", LOAD_DAY)["repetitions"] == 0
    # The same revision again is no revision.
    pricing(write_deck, NEW, revision=3)
    with on(db_url, LOAD_DAY + DAY) as rd:
        (deck,) = rd.load([path]).decks
    assert (deck.changed, deck.revised) == (("per-invoice",), ())
    assert_state_is_the_replay(db)


def test_a_lowered_revision_is_refused_and_nothing_is_written(
    db_url: str, cli: Cli, db: Database, write_deck: Callable[..., Path]
) -> None:
    path = drilled(db_url, write_deck)
    pricing(write_deck, NEW, revision=3)
    assert cli("load", str(path)).exit_code == 0
    pricing(write_deck, OLD, revision=2)
    refused = cli("load", str(path))
    assert refused.exit_code == 1
    assert (
        f"{path}:7:15: card 'per-invoice': revision 2 is lower than revision 3 already "
        "loaded; revisions only go up (is this an old checkout?). To mark a change of "
        "message, give it 4"
    ) in refused.stderr
    assert "nothing was written" in refused.stderr
    with on(db_url, TODAY) as rd:
        assert rd.card("per-invoice").card.answer == NEW
        with pytest.raises(InvalidInput):
            pricing(write_deck, OLD)  # no revision key: 1, lower still
            rd.load([path])


def test_a_revised_card_new_or_revived_follows_the_file(
    db_url: str, db: Database, write_deck: Callable[..., Path]
) -> None:
    path = write_deck("pricing", [card_yaml("fresh", revision="4")])
    with on(db_url, TODAY) as rd:
        (deck,) = rd.load([path]).decks
        assert deck.new == ("fresh",) and deck.revised == ()
        rd.review("fresh", 5)
        write_deck("pricing", ["other"])
        rd.load([path])
        write_deck("pricing", [card_yaml("fresh", revision="5")])
        (deck,) = rd.load([path]).decks
    assert deck.revived == ("fresh",) and deck.revised == ("fresh",)
    assert deck.relearn_reps == 1
    assert_state_is_the_replay(db)


def test_reviews_dated_after_the_load_are_replayed_around_it(
    db_url: str, db: Database, write_deck: Callable[..., Path]
) -> None:
    """A simulated --today ahead of the load: the revision sits at its date in the replay."""
    path = drilled(db_url, write_deck)
    with on(db_url, LOAD_DAY + 40 * DAY) as rd:
        rd.review("per-invoice", 4)
    pricing(write_deck, NEW, revision=2)
    with on(db_url, LOAD_DAY + 20 * DAY) as rd:
        rd.load([path])
    ana = state(db_url, "ana", LOAD_DAY + 40 * DAY)
    # The review on day 50 came after the revision on day 30: SM-2 from the restart.
    assert (ana["repetitions"], ana["interval"]) == (1, 1)
    assert_state_is_the_replay(db)


def test_a_grade_dated_before_a_revision_is_restarted_by_it(
    db_url: str, db: Database, write_deck: Callable[..., Path]
) -> None:
    """Recorded after the load, with a --today before it: the replay order is by date."""
    path = drilled(db_url, write_deck)
    pricing(write_deck, NEW, revision=2)
    with on(db_url, LOAD_DAY) as rd:
        rd.load([path])
    with on(db_url, TODAY + 3 * DAY, user="carla") as rd:
        recorded = rd.review("per-invoice", 5)
    assert recorded.kind is ReviewKind.REVIEW
    carla = state(db_url, "carla", LOAD_DAY)
    assert (carla["repetitions"], carla["interval"], carla["due"]) == (
        0,
        1,
        (LOAD_DAY + DAY).isoformat(),
    )
    assert carla["revision"] == 2
    assert_state_is_the_replay(db)


# -- the trend ------------------------------------------------------------------------


def test_the_state_held_before_the_revision_ends_on_its_day(
    db_url: str, db: Database, write_deck: Callable[..., Path]
) -> None:
    path = drilled(db_url, write_deck)
    pricing(write_deck, NEW, revision=2)
    with on(db_url, LOAD_DAY + 20 * DAY) as rd:
        rd.load([path])
    c = t.state_changes.c
    with db.transaction() as conn:
        spans = conn.execute(
            select(c.review_date, c.valid_until, c.interval_days)
            .join(t.reps, t.reps.c.id == c.rep_id)
            .where(t.reps.c.name == "ana")
            .order_by(c.review_date)
        ).all()
    assert spans[-1] == (TODAY + 23 * DAY, LOAD_DAY + 20 * DAY, 45)
    # No state change row for the restart itself: it is not a review.
    assert len(spans) == 4


# -- merged logs ----------------------------------------------------------------------


def test_an_old_log_imported_after_the_revision_relearns_the_same(
    tmp_path: Path, db_url: str, cli: Cli, write_deck: Callable[..., Path]
) -> None:
    """ana drilled on a laptop; the team database took the revision before her log."""
    laptop = f"sqlite:///{tmp_path / 'laptop.db'}"
    path = pricing(write_deck)
    with on(laptop, TODAY) as rd:
        rd.load([path])
    for offset in (0, 1, 7):
        with on(laptop, TODAY + offset * DAY) as rd:
            rd.review("per-invoice", 5)
    log = tmp_path / "ana.jsonl"
    log.write_text(cli("log", "export", REPDRILL_DB=laptop).stdout)
    with on(db_url, TODAY) as rd:
        rd.load([path])
    pricing(write_deck, NEW, revision=2)
    with on(db_url, LOAD_DAY) as rd:
        (deck,) = rd.load([path]).decks
        assert deck.relearn_reps == 0  # nobody here had reviewed it yet
        rd.import_log([log])
    merged = state(db_url, "ana", LOAD_DAY)
    assert (merged["repetitions"], merged["interval"], merged["due"]) == (
        0,
        1,
        (LOAD_DAY + DAY).isoformat(),
    )
    # The same as if the reviews had been here when the revision was loaded.
    direct = tmp_path / "direct.db"
    with on(f"sqlite:///{direct}", TODAY) as rd:
        rd.load([pricing(write_deck)])
    for offset in (0, 1, 7):
        with on(f"sqlite:///{direct}", TODAY + offset * DAY) as rd:
            rd.review("per-invoice", 5)
    pricing(write_deck, NEW, revision=2)
    with on(f"sqlite:///{direct}", LOAD_DAY) as rd:
        rd.load([path])
    expected = state(f"sqlite:///{direct}", "ana", LOAD_DAY)
    for key in ("repetitions", "easiness", "interval", "due", "last_review", "lapses"):
        assert merged[key] == expected[key], key
    database = Database.open(db_url)
    assert_state_is_the_replay(database)
    database.close()


# -- the replay, pure ---------------------------------------------------------------

BASE = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)


def review(uuid: str, grade: int, day: int) -> LogEntry:
    return LogEntry(
        uuid, ReviewKind.REVIEW, grade, dt.date(2026, 1, 1) + day * DAY, BASE + day * DAY
    )


def revision(number: int, day: int, hour: int = 12) -> Revision:
    return Revision(
        number,
        dt.date(2026, 1, 1) + day * DAY,
        BASE + day * DAY + dt.timedelta(hours=hour - 9),
    )


def test_a_revision_before_the_first_review_changes_nothing() -> None:
    entries = [review("a", 5, 3), review("b", 5, 4)]
    assert replay(entries, [revision(2, 1)]) == replay(entries)


def test_a_revision_restarts_the_state_in_force_and_ends_its_span() -> None:
    steps = replay(
        [review("a", 5, 0), review("b", 5, 1), review("c", 4, 10)], [revision(2, 5), revision(3, 7)]
    )
    assert [s.entry.uuid for s in steps] == ["a", "b", "c"]
    assert steps[1].ended_on == dt.date(2026, 1, 6)  # the first revision
    assert steps[1].relearn is not None and steps[1].relearn.due == dt.date(2026, 1, 9)
    assert (steps[2].schedule.state.repetitions, steps[2].schedule.state.interval) == (1, 1)
    assert steps[2].schedule.lapses == 0 and steps[2].schedule.reviews == 3
    last = final(replay([review("a", 5, 0)], [revision(2, 2)]))
    assert last is not None and (last.state.repetitions, last.state.interval) == (0, 1)


def test_relearn_keeps_easiness_and_counts_no_lapse() -> None:
    (step,) = replay([review("a", 5, 0)])
    restarted = relearn(step.schedule, revision(2, 4))
    assert restarted.state.easiness == step.schedule.state.easiness
    assert (restarted.lapses, restarted.reviews, restarted.last_review_date) == (
        0,
        1,
        step.schedule.last_review_date,
    )
    assert restarted.due == dt.date(2026, 1, 6)


@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 30)), max_size=8),
    st.lists(st.integers(0, 30), max_size=3, unique=True),
    st.randoms(),
)
def test_replay_is_independent_of_the_order_rows_arrive_in(
    grades: list[tuple[int, int]], revision_days: list[int], shuffle: Any
) -> None:
    entries = [review(f"u{i}", grade, day) for i, (grade, day) in enumerate(grades)]
    revisions = [revision(n + 2, day) for n, day in enumerate(sorted(revision_days))]
    expected = replay(entries, revisions)
    shuffle.shuffle(entries)
    shuffle.shuffle(revisions)
    assert replay(entries, revisions) == expected
    last = final(expected)
    if last is not None and revisions and max(revision_days) > max(d for _, d in grades):
        assert (last.state.repetitions, last.state.interval) == (0, 1)


# -- any order of grades, undos and loads ----------------------------------------------

Operation = tuple[str, int, int, int]  # (what, rep, day, grade)


@pytest.mark.slow
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("review"), st.integers(0, 2), st.integers(0, 40), st.integers(0, 5)),
            st.tuples(st.just("undo"), st.integers(0, 2), st.integers(0, 40), st.just(0)),
            st.tuples(st.just("revise"), st.just(0), st.integers(0, 40), st.just(0)),
        ),
        min_size=1,
        max_size=14,
    )
)
@settings(max_examples=40, deadline=None)
def test_any_history_of_grades_undos_and_revisions_is_its_replay(
    operations: list[Operation],
) -> None:
    """Days go back and forth (a simulated --today): the state is still the replay."""
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{directory}/any.db"
        deck = Path(directory) / "pricing.yaml"
        revision = 1

        def write() -> None:
            deck.write_text(
                "id: pricing\ntitle: Pricing\ncards:\n"
                f"  - id: per-invoice\n    revision: {revision}\n"
                f"    prompt: Price?\n    answer: Revision {revision}.\n"
            )

        write()
        with on(url, TODAY) as rd:
            rd.load([deck])
        given_ids: dict[int, list[str]] = {0: [], 1: [], 2: []}
        for what, rep, day, grade in operations:
            with on(url, TODAY + day * DAY, user=f"rep{rep}") as rd:
                if what == "review":
                    given_ids[rep].append(rd.review("per-invoice", grade).review_id)
                elif what == "undo" and given_ids[rep]:
                    rd.undo(given_ids[rep].pop())
                elif what == "revise":
                    revision += 1
                    write()
                    rd.load([deck])
        database = Database.open(url)
        try:
            assert_state_is_the_replay(database)
        finally:
            database.close()
