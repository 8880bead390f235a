"""``log import`` against hostile and careless input: every bad line a FILE:LINE problem.

Bad lines are rejected one by one while the good ones import (or, with
``--strict``, nothing does); conflicting records are counted apart from
exact repeats; and nothing a line holds ends in a traceback.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

import repdrill
from conftest import DECKS, Cli, TeamDB, fill
from repdrill.store import engine
from repdrill.store import tables as t
from repdrill.store.engine import Database

CARD = "objection-handling/price-too-high"  # five key points


def new_id() -> str:
    return str(uuid.uuid4())


def stored(cli: Cli) -> dict[str, Any]:
    """A review of ana's, graded with a typed answer and in the database: the lines' model."""
    assert cli("load", str(DECKS)).exit_code == 0
    done = cli("review", CARD, "-g", "4", "-a", "total cost of ownership")
    assert done.exit_code == 0, done.output
    exported = cli("log", "export").stdout.splitlines()
    assert len(exported) == 1
    record: dict[str, Any] = json.loads(exported[0])
    assert len(record["points"]) == 5
    return record


def good(model: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A line the database does not hold yet: bo's review of the model's card."""
    return {**model, "review_id": new_id(), "rep": "bo", "session": None, **changes}


def line(record: dict[str, Any]) -> str:
    return json.dumps(record)


def write(path: Path, lines: list[str], prefix: bytes = b"") -> Path:
    path.write_bytes(prefix + "".join(f"{x}\n" for x in lines).encode("utf-8", "surrogatepass"))
    return path


def review_count(db: Database) -> int:
    with db.transaction() as conn:
        return int(conn.scalar(select(func.count()).select_from(t.reviews)) or 0)


def problems_by_line(stderr: str, path: Path) -> dict[int, str]:
    found = {}
    for said in stderr.splitlines():
        if said.startswith(f"{path}:"):
            number, message = said.removeprefix(f"{path}:").split(": ", 1)
            found[int(number)] = message
    return found


def outcome(cli: Cli, *args: str) -> tuple[int, dict[str, Any]]:
    done = cli("log", "import", *args, "--json")
    assert "Traceback" not in done.output
    return done.exit_code, json.loads(done.stdout)


# -- lines that used to abort the whole import with a traceback ------------------------


def hostile_lines(model: dict[str, Any]) -> dict[int, str]:
    """Line number -> the line, for lines 2 to 11 of a file whose first and last are good."""
    return {
        2: '{"review_id": ' + "[" * 100_000 + "]" * 100_000 + "}",
        3: line(good(model, due_remaining=12345)).replace("12345", "7" * 5_000),
        4: line(good(model, grade=12345)).replace("12345", "1" + "0" * 4_999),
        5: line(good(model, typed_answer="\ud800")),
        6: line(good(model)).replace(f'"{model["deck"]}"', '"\\ud800"', 1),
        7: line(good(model, due_remaining=10**30)),
        8: line(good(model, reviewed_at="9999-12-31T23:30:00-05:00")),
        9: line(good(model, reviewed_at="0001-01-01T00:30:00+05:00")),
        10: line(good(model, review_date="9999-12-31")),
        11: line(good(model, **{"\ud800": 1})),
    }


def test_hostile_lines_are_problems_and_the_good_lines_import(
    cli: Cli, db: Database, tmp_path: Path
) -> None:
    model = stored(cli)
    hostile = hostile_lines(model)
    lines = [line(good(model)), *hostile.values(), line(good(model, rep="cy"))]
    path = write(tmp_path / "hostile.jsonl", lines)

    assert cli("log", "import", str(path), "--strict").exit_code == 1
    assert review_count(db) == 1

    done = cli("log", "import", str(path))
    assert done.exit_code == 1
    assert "Traceback" not in done.output
    found = problems_by_line(done.stderr, path)
    assert sorted(found) == sorted(hostile)
    assert "nested too deeply" in found[2]
    assert found[3].startswith("due_remaining must be a whole number from 0 to 1,000,000")
    assert "77777777777777777777... (5,000 digits)" in found[3]
    assert found[4].startswith("grade must be a whole number from 0 to 5, not 10000")
    assert "lone surrogate" in found[5]
    assert found[6].startswith("deck '\\ud800' is not a deck id")
    assert "due_remaining must be a whole number from 0 to 1,000,000" in found[7]
    assert "out of range" in found[8] and "out of range" in found[9]
    assert "review_date 9999-12-31 is out of range" in found[10]
    assert found[11] == "unknown key '\\ud800'"
    for message in found.values():
        message.encode("ascii")  # what a terminal can always show
    assert review_count(db) == 3


def test_hostile_lines_with_strict_write_nothing(cli: Cli, db: Database, tmp_path: Path) -> None:
    model = stored(cli)
    lines = [line(good(model)), *hostile_lines(model).values(), line(good(model, rep="cy"))]
    path = write(tmp_path / "hostile.jsonl", lines)
    code, result = outcome(cli, str(path), "--strict")
    assert code == 1
    assert result["written"] is False and result["imported"] == 0
    assert result["rejected"] == 10
    assert review_count(db) == 1


def test_a_line_too_long_is_a_problem_read_in_bounded_pieces(
    cli: Cli, db: Database, tmp_path: Path
) -> None:
    model = stored(cli)
    huge = line(good(model, typed_answer="a" * 2_000_000))
    path = write(tmp_path / "long.jsonl", [huge, line(good(model))])
    done = cli("log", "import", str(path))
    assert done.exit_code == 1
    assert problems_by_line(done.stderr, path) == {1: "line longer than 1,000,000 bytes"}
    assert review_count(db) == 2


# -- lines that used to be wrongly accepted ---------------------------------------------


def test_implausible_lines_are_rejected(cli: Cli, db: Database, tmp_path: Path) -> None:
    model = stored(cli)
    in_file = good(model)
    lines = {
        1: line(in_file),
        2: line(good(model, kind="undo", grade=None, undoes=new_id())),
        3: line(good(model, card_hash="not-a-hash")),
        4: line(good(model, card_hash="A" * 64)),
        5: line(good(model, points=[True] * 10_000)),
        6: line(good(model, points=[True] * 6)),
        7: line(good(model))[:-1] + ', "grade": 2}',
        8: line(good(model, kind="undo", grade=None, undoes=in_file["review_id"])),
        9: line(
            good(model, rep="ana", kind="undo", grade=None, undoes=model["review_id"])
        ),  # an undo of a review in the database
        10: line(good(model, kind="undo", grade=None, undoes=model["review_id"])),  # not bo's
    }
    path = write(tmp_path / "implausible.jsonl", list(lines.values()))
    done = cli("log", "import", str(path), "--json")
    assert done.exit_code == 1
    found = {p["line"]: p["message"] for p in json.loads(done.stdout)["problems"]}
    assert sorted(found) == [2, 3, 4, 5, 6, 7, 10]
    assert "not in this database and not imported from these files" in found[2]
    assert found[3].startswith("card_hash must be a SHA-256 hash")
    assert found[4].startswith("card_hash must be a SHA-256 hash")
    assert "10,000 key points" in found[5]
    assert found[6].startswith("points lists 6 key points; this version of") and "has 5" in found[6]
    assert found[7] == "key 'grade' is given twice"
    assert "not bo's review" in found[10]
    assert review_count(db) == 1 + 3


# -- conflicts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"rep": "bo"},
        {"card": "no-budget"},
        {"grade": 1},
        {"kind": "cram"},
        {"reviewed_at": "2026-03-02T11:00:00+00:00"},
        {"typed_answer": "something else"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_a_review_id_already_used_by_another_review_is_a_conflict(
    cli: Cli, db: Database, tmp_path: Path, change: dict[str, Any]
) -> None:
    model = stored(cli)
    before = cli("card", "show", CARD, "--json").stdout
    changed = {**model, **change}
    lines = [line(model), line(changed), line(good(model))]
    path = write(tmp_path / "conflict.jsonl", lines)
    code, result = outcome(cli, str(path))
    assert code == 1
    assert (result["imported"], result["duplicates"], result["conflicts"]) == (1, 1, 1)
    assert result["rejected"] == 1
    assert [p["line"] for p in result["problems"]] == [2]
    message = result["problems"][0]["message"]
    assert "already in this database" in message
    assert review_count(db) == 2
    assert cli("card", "show", CARD, "--json").stdout == before


def test_two_lines_of_one_review_id_that_differ_are_both_conflicts(
    cli: Cli, db: Database, tmp_path: Path
) -> None:
    model = stored(cli)
    first = good(model)
    lines = [
        line(first),
        line(good(model)),
        line({**first, "grade": 0}),
        line(first),
    ]
    path = write(tmp_path / "within.jsonl", lines)
    code, result = outcome(cli, str(path))
    assert code == 1
    assert result["conflicts"] == 3 and result["rejected"] == 3
    assert result["imported"] == 1 and result["duplicates"] == 0
    found = {p["line"]: p["message"] for p in result["problems"]}
    assert sorted(found) == [1, 3, 4]
    assert f"conflicts with {path}:3, which has another grade" in found[1]
    assert review_count(db) == 2

    strict_path = write(tmp_path / "strict.jsonl", [line(good(model)), lines[0], lines[2]])
    code, strict = outcome(cli, str(strict_path), "--strict")
    assert code == 1 and strict["written"] is False and strict["conflicts"] == 2
    assert review_count(db) == 2


def test_exact_repeats_are_duplicates_and_no_problem(
    cli: Cli, db: Database, tmp_path: Path
) -> None:
    model = stored(cli)
    again = good(model)
    # The same instant written with another offset is the same review.
    instant = dt.datetime.fromisoformat(model["reviewed_at"])
    moved = instant.astimezone(dt.timezone(dt.timedelta(hours=5))).isoformat()
    assert moved != model["reviewed_at"]
    shifted = {**model, "reviewed_at": moved}
    path = write(tmp_path / "repeats.jsonl", [line(model), line(again), line(again), line(shifted)])
    code, result = outcome(cli, str(path))
    assert code == 0, result["problems"]
    assert (result["imported"], result["duplicates"], result["conflicts"]) == (1, 3, 0)
    assert review_count(db) == 2


# -- encodings ----------------------------------------------------------------------------


def test_a_byte_order_mark_is_accepted(cli: Cli, db: Database, tmp_path: Path) -> None:
    model = stored(cli)
    path = write(tmp_path / "bom.jsonl", [line(good(model)), line(good(model))], b"\xef\xbb\xbf")
    code, result = outcome(cli, str(path))
    assert code == 0, result["problems"]
    assert result["imported"] == 2
    assert review_count(db) == 3


def test_a_byte_order_mark_on_an_open_text_stream_is_accepted(cli: Cli, db_url: str) -> None:
    model = stored(cli)
    stream = io.StringIO("\ufeff" + line(good(model)) + "\n")
    with repdrill.open(db_url, user="ana") as rd:
        result = rd.import_log([stream])
    assert result.problems == [] and result.imported == 1


def test_a_utf16_file_is_one_problem(cli: Cli, db: Database, tmp_path: Path) -> None:
    model = stored(cli)
    path = tmp_path / "utf16.jsonl"
    path.write_text(line(good(model)) + "\n", encoding="utf-16")
    done = cli("log", "import", str(path))
    assert done.exit_code == 1
    assert problems_by_line(done.stderr, path) == {
        1: "the file is UTF-16; repdrill reads UTF-8 only"
    }
    assert review_count(db) == 1


# -- a long import and a rep grading at the same time ---------------------------------------


def big_log(cli: Cli, path: Path, reps: int) -> Path:
    """Two reviews of every card for each of ``reps`` reps: a long import."""
    assert cli("load", str(DECKS)).exit_code == 0
    cards = json.loads(cli("card", "list", "--json").stdout)["cards"]
    with path.open("w", encoding="utf-8") as handle:
        for rep in range(reps):
            for card in cards:
                for day in ("2026-02-10", "2026-02-12"):
                    record = {
                        "review_id": new_id(),
                        "rep": f"rep-{rep:04d}",
                        "deck": card["deck"],
                        "card": card["card"],
                        "grade": 4,
                        "reviewed_at": f"{day}T09:00:00+01:00",
                        "card_hash": "0" * 64,
                    }
                    handle.write(json.dumps(record) + "\n")
    return path


def import_holds_its_write(db_url: str) -> bool:
    """Whether an import is in its write transaction (SQLite's write lock, or its advisory lock)."""
    if db_url.startswith("sqlite"):
        probe = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()
        return False
    server = create_engine(db_url, poolclass=NullPool)
    try:
        with server.connect() as conn:
            held = conn.scalar(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"))
    finally:
        server.dispose()
    return bool(held)


@pytest.mark.slow
def test_a_review_in_another_process_succeeds_while_a_long_import_writes(
    cli: Cli, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = big_log(cli, tmp_path / "big.jsonl", reps=1_500)
    env = {**os.environ, **cli.env}
    importing = subprocess.Popen(
        [sys.executable, "-m", "repdrill", "log", "import", str(log)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not import_holds_its_write(db_url):
            assert importing.poll() is None, "the import ended before it was seen writing"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        if db_url.startswith("sqlite"):
            # A review that gives up at once says so in one line.
            monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 50)
            gave_up = cli("review", CARD, "-g", "3")
            assert gave_up.exit_code == 1
            assert "Traceback" not in gave_up.output
            assert len(gave_up.stderr.splitlines()) == 1 and "busy" in gave_up.stderr
            monkeypatch.undo()
        # One with the usual timeout, in its own process, waits for the import and is saved.
        review = subprocess.run(
            [sys.executable, "-m", "repdrill", "review", CARD, "-g", "4"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert review.returncode == 0, review.stderr
        assert "Recorded" in review.stdout
    finally:
        _, err = importing.communicate(timeout=300)
    assert importing.returncode == 0, err
    lines = sum(1 for _ in log.open(encoding="utf-8"))
    assert f"Imported {lines} review(s)" in err
    shown = json.loads(cli("card", "show", CARD, "--json").stdout)
    assert shown["repetitions"] == 1


def test_no_room_for_the_temporary_file_is_one_line(
    cli: Cli, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = stored(cli)
    path = write(tmp_path / "one.jsonl", [line(good(model))])
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    monkeypatch.setattr(tempfile, "tempdir", str(not_a_directory))
    done = cli("log", "import", str(path))
    assert done.exit_code == 1
    assert "Traceback" not in done.output
    assert done.stderr.startswith(
        f"Error: cannot keep the import's lines in a temporary file under {not_a_directory}"
    )
    assert "nothing was imported" in done.stderr and "TMPDIR" in done.stderr
    assert review_count(db) == 1


def test_a_grade_saved_while_the_import_replays_is_in_the_states(
    cli: Cli, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """States replayed before the write lock are replayed again for pairs graded meanwhile."""
    from repdrill.store import log

    model = stored(cli)
    lines = [
        line(
            good(
                model, rep="ana", review_date="2026-02-25", reviewed_at="2026-02-25T10:00:00+00:00"
            )
        ),
        line(good(model, review_date="2026-02-26", reviewed_at="2026-02-26T10:00:00+00:00")),
    ]
    path = write(tmp_path / "meanwhile.jsonl", lines)
    graded: list[Any] = []

    def grade_meanwhile() -> None:
        with repdrill.open(db_url, user="ana", today=dt.date(2026, 3, 5)) as other:
            graded.append(other.review(CARD, 1))

    # Just before the write: after the replay on SQLite, after the checks on PostgreSQL.
    hook = "_replay_ahead" if db_url.startswith("sqlite") else "_check"
    original = getattr(log, hook)

    def then_grade(*args: Any) -> Any:
        result = original(*args)
        if not graded:
            grade_meanwhile()
        return result

    monkeypatch.setattr(log, hook, then_grade)
    code, result = outcome(cli, str(path))
    assert code == 0, result["problems"]
    assert graded and result["imported"] == 2
    checked = json.loads(cli("db", "check", "--json").stdout)
    assert checked["ok"] and checked["state_mismatches"] == 0
    shown = json.loads(cli("card", "show", CARD, "--json").stdout)
    assert shown["lapses"] == 1 and shown["repetitions"] == 0  # the grade of 1, last


def test_a_card_revised_while_the_import_replays_is_relearned(
    cli: Cli, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from repdrill.store import log

    model = stored(cli)
    revised = tmp_path / "objection-handling.yaml"
    revised.write_text(
        (DECKS / "objection-handling.yaml")
        .read_text(encoding="utf-8")
        .replace("  - id: price-too-high\n", "  - id: price-too-high\n    revision: 2\n", 1),
        encoding="utf-8",
    )
    path = write(tmp_path / "one.jsonl", [line(good(model))])

    def bo(on: Cli) -> tuple[object, ...]:
        shown = json.loads(on("card", "show", CARD, "--json", REPDRILL_USER="bo").stdout)
        return tuple(shown[key] for key in ("repetitions", "interval", "due", "lapses"))

    # The reference: the deck revised before the import.
    reference = Cli(cli.runner, {**cli.env, "REPDRILL_DB": f"sqlite:///{tmp_path / 'ref.db'}"})
    stored(reference)
    assert reference("load", str(revised), REPDRILL_TODAY="2026-03-03").exit_code == 0
    assert reference("log", "import", str(path)).exit_code == 0
    before_revision = Cli(cli.runner, {**cli.env, "REPDRILL_DB": f"sqlite:///{tmp_path / 'b.db'}"})
    stored(before_revision)
    assert before_revision("log", "import", str(path)).exit_code == 0
    assert bo(reference) != bo(before_revision)

    hook = "_replay_ahead" if db_url.startswith("sqlite") else "_check"
    original = getattr(log, hook)
    loaded: list[Any] = []

    def then_load(*args: Any) -> Any:
        result = original(*args)
        if not loaded:
            done = cli("load", str(revised), REPDRILL_TODAY="2026-03-03")
            assert done.exit_code == 0, done.output
            loaded.append(done)
        return result

    monkeypatch.setattr(log, hook, then_load)
    code, result = outcome(cli, str(path))
    assert code == 0 and loaded, result["problems"]
    assert bo(cli) == bo(reference)


def test_stdin_is_read_line_by_line_as_utf8(cli: Cli, db: Database) -> None:
    model = stored(cli)
    data = (
        b"\xef\xbb\xbf"
        + line(good(model)).encode()
        + b'\n{"x": "\xff"}\n'
        + line(good(model)).encode()
        + b"\n"
    )
    done = cli("log", "import", "-", "--json", input=data)  # type: ignore[arg-type]
    assert done.exit_code == 1, done.output
    result = json.loads(done.stdout)
    assert result["imported"] == 2
    assert result["problems"] == [
        {"path": "<stdin>", "line": 2, "message": "not valid UTF-8 (byte 0xff at column 8)"}
    ]
    assert review_count(db) == 3


def repdrill_run(*args: str, db: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "repdrill", *args],
        env={**os.environ, "REPDRILL_DB": str(db), "REPDRILL_USER": "ana", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_line(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def test_an_import_onto_a_full_disk_is_one_line_and_writes_nothing(
    tiny_disk: Path, tmp_path: Path
) -> None:
    db = tiny_disk / "full.db"
    assert repdrill_run("load", str(DECKS / "objection-handling.yaml"), db=db).returncode == 0
    assert repdrill_run("review", CARD, "-g", "4", db=db).returncode == 0
    model = json.loads(repdrill_run("log", "export", db=db).stdout.splitlines()[0])
    path = write(tmp_path / "many.jsonl", [line(good(model, rep=f"r{n}")) for n in range(2_000)])
    filler = fill(tiny_disk)
    one_line(repdrill_run("log", "import", str(path), db=db), "is full", "nothing was written")
    filler.unlink()
    exported = repdrill_run("log", "export", db=db).stdout.splitlines()
    assert len(exported) == 1


@pytest.mark.postgres
def test_an_importer_who_may_not_read_answers_does_not_compare_them(
    staffed: TeamDB, tmp_path: Path
) -> None:
    """Reporting a conflict on the answer would tell a manager whether they guessed it."""
    with staffed.open() as owner:
        owner.add_manager("imp", team="west", can_import=True, password="x")
    exported = [
        json.loads(x) for x in staffed.cli()("log", "export", "--rep", "ana").stdout.splitlines()
    ]
    review = next(r for r in exported if r["kind"] != "undo")
    path = write(
        tmp_path / "changed.jsonl",
        [
            line({**review, "typed_answer": "a guess"}),
            line({**review, "grade": (review["grade"] + 1) % 6}),
        ],
    )
    as_importer = json.loads(staffed.cli("imp")("log", "import", str(path), "--json").stdout)
    assert (as_importer["duplicates"], as_importer["conflicts"]) == (1, 1)
    messages = [p["message"] for p in as_importer["problems"]]
    assert all("typed_answer" not in m for m in messages), messages
    as_owner = json.loads(staffed.cli()("log", "import", str(path), "--json").stdout)
    assert as_owner["conflicts"] == 2
    assert "another typed_answer" in as_owner["problems"][0]["message"]
