"""Hostile input and bad days: escapes, spoofed names, odd files, odd dates (repdrill._text)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import update

from conftest import DECKS, Cli
from repdrill._text import describe, one_line, unsafe_characters, visible
from repdrill.decks.parse import parse_deck
from repdrill.store import tables as t
from repdrill.store.engine import Database


def test_unnamed_characters_are_described_by_what_they_are() -> None:
    assert describe("\ud800") == "U+D800 surrogate"
    assert describe("\ue000") == "U+E000 private-use character"
    assert describe("\x1b") == "U+001B ESCAPE"
    assert describe("\x85") == "U+0085 control character"


def test_visible_escapes_what_a_terminal_would_obey() -> None:
    hostile = "A\x1b[2JB\x1b]52;c;aGk=\x07C\u202eD\u200bE\x9bF\nG\tH"
    shown = visible(hostile)
    assert "\x1b" not in shown and "\u202e" not in shown and "\x9b" not in shown
    assert shown == "A\\x1b[2JB\\x1b]52;c;aGk=\\x07C\\u202eD\\u200bE\\x9bF\nG\tH"
    assert one_line("a\nb\rc\td") == "a\\x0ab\\x0dc\\x09d"
    assert [c for _, c in unsafe_characters("ok\n\ttext")] == []


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("ana\x1b[31m", "U+001B ESCAPE"),
        ("ana\u202enimda", "RIGHT-TO-LEFT OVERRIDE"),
        ("a\u200bna", "ZERO WIDTH SPACE"),
        ("two words", "no spaces"),
        ("x" * 101, "1 to 100 characters"),
    ],
)
def test_one_rule_for_rep_names(plain_cli: Cli, name: str, why: str) -> None:
    result = plain_cli("--user", name, "status")
    assert result.exit_code == 1
    assert why in result.stderr and "\x1b" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_log_import_and_rosters_use_the_same_rule(
    plain_cli: Cli, tmp_path: Path, write_deck: Callable[..., Path]
) -> None:
    plain_cli("load", str(DECKS))
    plain_cli("review", "price-too-high", "--grade", "4")
    line = json.loads(plain_cli("log", "export").stdout.splitlines()[0])
    bad = []
    for index, rep in enumerate(["eve\x1b]8;;http://x\x1b\\", "two words", "x" * 500, "n\x00l"]):
        uuid = f"0190f7a2-0000-7000-8000-00000000000{index}"
        bad.append(json.dumps({**line, "review_id": uuid, "rep": rep}))
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(bad) + "\n")
    result = plain_cli("log", "import", str(path))
    assert result.exit_code == 1
    assert result.stderr.count("is not a usable name") == 4
    assert "\x1b" not in result.stderr and "\x00" not in result.stderr
    roster = tmp_path / "teams.yaml"
    roster.write_text('teams:\n  - name: west\n    reps: [ana, "m\\u202eallory"]\n')
    checked = plain_cli("validate", str(roster))
    assert checked.exit_code == 1 and "teams.yaml:3:" in checked.stdout
    assert "RIGHT-TO-LEFT OVERRIDE" in checked.stdout


@pytest.mark.parametrize("value", ["20260302", "2026-W10-1", "9999-12-31", "0001-01-05"])
def test_only_the_documented_dates(plain_cli: Cli, value: str) -> None:
    result = plain_cli("--today", value, "status")
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_a_home_directory_that_does_not_exist(plain_cli: Cli) -> None:
    result = plain_cli("--db", "~no-such-user-here/x.db", "status")
    assert result.exit_code == 1 and result.stderr.startswith("Error:")


def test_deck_text_with_terminal_escapes_is_refused_where_it_stands() -> None:
    deck, problems = parse_deck(
        "d.yaml",
        textwrap.dedent(
            """\
            id: d
            title: Deck
            cards:
              - id: a
                prompt: "Clear the screen \\e[2J please"
                answer: "Copy this \\e]52;c;aGk=\\a"
            """
        ).encode(),
    )
    assert deck is None
    assert [(p.line, p.column) for p in problems] == [(5, 13), (6, 13)]
    assert "U+001B ESCAPE is not allowed" in problems[0].message


def test_a_card_that_merges_itself_is_a_located_problem(
    plain_cli: Cli, write_deck: Callable[..., Path]
) -> None:
    path = write_deck("loop", raw="id: loop\ntitle: L\ncards:\n  - &c {<<: *c, id: a}\n")
    for command in ("validate", "load"):
        result = plain_cli(command, str(path))
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert "loop.yaml:4:5:" in result.output and "merges a mapping into itself" in result.output


def test_encoding_errors_are_located_and_utf16_is_named(
    plain_cli: Cli, write_deck: Callable[..., Path]
) -> None:
    bad = write_deck("enc", raw="id: enc\ntitle: E\n")
    bad.write_bytes(
        b"id: enc\ntitle: E\ncards:\n  - id: a\n    prompt: p\n    answer: caf\xe9 au lait\n"
    )
    result = plain_cli("validate", str(bad))
    assert result.exit_code == 1 and f"{bad}:6:" in result.stdout and "UTF-8" in result.stdout
    wide = write_deck("wide", raw="x")
    wide.write_bytes("id: wide\ntitle: W\n".encode("utf-16"))
    result = plain_cli("validate", str(wide))
    assert "UTF-16; repdrill reads UTF-8 only" in result.stdout


def test_validate_keeps_one_problem_on_one_line(
    plain_cli: Cli, write_deck: Callable[..., Path]
) -> None:
    path = write_deck(
        "forge", raw='id: forge\ntitle: F\ncards:\n  - id: "a\\n::error::forged"\n    prompt: p\n'
    )
    result = plain_cli("validate", str(path))
    lines = result.stdout.splitlines()
    assert not any(line.startswith("::") for line in lines)
    assert all(line.startswith(str(path)) for line in lines)


@pytest.mark.slow
def test_fifos_named_like_decks_never_hang(tmp_path: Path) -> None:
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "good.yaml").write_text((DECKS / "objection-handling.yaml").read_text())
    os.mkfifo(decks / "trap.yaml")
    os.mkfifo(tmp_path / "teams.yaml")
    env = {**os.environ, "REPDRILL_DB": str(tmp_path / "f.db"), "REPDRILL_USER": "ana"}
    for args in (
        ["validate", str(decks)],
        ["validate", str(decks / "trap.yaml")],
        ["load", str(decks)],
        ["report", "--team", "west", "--roster", str(tmp_path / "teams.yaml")],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "repdrill", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 1, (args, done.stderr)
        assert "not a regular file" in done.stdout + done.stderr
        assert "Traceback" not in done.stderr


def test_text_from_an_old_database_is_shown_escaped(plain_cli: Cli) -> None:
    plain_cli("load", str(DECKS))
    db = Database.open(plain_cli.env["REPDRILL_DB"])
    with db.transaction(write=True) as conn:  # as a database written before the validator knew
        conn.execute(update(t.card_versions).values(prompt="Hi \x1b[2J\x1b]52;c;aGk=\x07 there"))
    db.close()
    shown = plain_cli("card", "show", "price-too-high").stdout
    assert "\x1b" not in shown and "\\x1b[2J" in shown
    drilled = plain_cli("drill", "--limit", "1", input="\n5\n").stdout
    assert "\x1b" not in drilled and "\\x1b]52" in drilled


ESCAPES = "\x1b[2J\x1b]52;c;aGk=\x07\x1b]8;;http://evil.test\x1b\\"


def test_reports_and_deck_health_show_old_text_escaped(plain_cli: Cli) -> None:
    """Text that reached the database before the validator knew reaches no terminal raw."""
    plain_cli("load", str(DECKS))
    for grade in ("1", "2"):
        assert (
            plain_cli("review", "price-too-high", "--grade", grade, "--answer", "x").exit_code == 0
        )
        assert (
            plain_cli("--user", "ben", "review", "price-too-high", "--grade", grade).exit_code == 0
        )
    db = Database.open(plain_cli.env["REPDRILL_DB"])
    with db.transaction(write=True) as conn:
        conn.execute(
            update(t.card_versions).values(
                prompt=f"Prompt {ESCAPES}", key_points=json.dumps([f"point {ESCAPES}"])
            )
        )
        conn.execute(update(t.reps).where(t.reps.c.name == "ben").values(name=f"b{ESCAPES}n"))
        conn.execute(update(t.decks).values(title=f"Title {ESCAPES}"))
    db.close()
    for args in (
        ("report",),
        ("report", "--format", "md"),
        ("report", "--format", "csv", "--table", "hardest_cards"),
        ("deck", "health", str(DECKS)),
        ("status",),
        ("card", "show", "price-too-high"),
    ):
        result = plain_cli(*args, COLUMNS="200")
        assert result.exit_code == 0, (args, result.output)
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout, args


def test_markdown_reports_carry_no_html_from_deck_text(
    plain_cli: Cli, write_deck: Callable[..., Path]
) -> None:
    deck = write_deck(
        "html",
        raw="""\
        id: html
        title: <b>Deck</b>
        cards:
          - id: xss
            prompt: "<script>alert(1)</script> and [click](javascript:alert(1))"
            answer: Fine.
            key_points: ['<img src=x onerror=alert(1)>', 'a | b']
            tags: [pricing]
        """,
    )
    assert plain_cli("load", str(deck)).exit_code == 0
    for day in ("2026-02-28", "2026-03-01", "2026-03-02"):  # enough to rank as hardest
        for rep in ("ana", "ben"):
            done = plain_cli(
                "--user", rep, "--today", day, "review", "html/xss", "-g", "1", "-a", "no"
            )
            assert done.exit_code == 0, done.output
    out = plain_cli("report", "--format", "md").stdout
    # No tag and no link a viewer would render: every < and ] from deck text is escaped.
    assert re.search(r"(?<!\\)<", out) is None and re.search(r"(?<!\\)\]\(", out) is None
    assert "\\<script\\>alert(1)\\</script\\>" in out  # shown as text
    assert "\\<img src=x onerror=alert(1)\\>" in out
