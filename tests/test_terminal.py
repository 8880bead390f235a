"""The real terminal session, in a pseudo-terminal: typing, grading, Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import pexpect
import pyte
import pytest

from conftest import DECKS, TODAY

COLOUR = re.compile(r"\x1b\[[\d;]*(?:3[0-7]|38|9[0-7])[;m]")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


def spawn(db: Path, *args: str, size: tuple[int, int] = (40, 100)) -> pexpect.spawn:
    rows, columns = size
    env = {
        **os.environ,
        "REPDRILL_DB": str(db),
        "REPDRILL_USER": "ana",
        "REPDRILL_TODAY": TODAY.isoformat(),
    }
    for name in ("NO_COLOR", "COLUMNS", "LINES"):
        env.pop(name, None)
    return pexpect.spawn(
        sys.executable,
        ["-m", "repdrill", *args],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(rows, columns),
    )


class Screen:
    """What a terminal of this size shows, fed from everything the child wrote."""

    def __init__(self, child: pexpect.spawn, rows: int, columns: int) -> None:
        self.child = child
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.Stream(self.screen)
        child.logfile_read = self

    def write(self, data: str) -> None:
        self.stream.feed(data)

    def flush(self) -> None:
        pass

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)


def card_show(db: Path, card: str) -> dict[str, object]:
    child = spawn(db, "card", "show", card, "--json")
    child.expect(pexpect.EOF)
    child.close()
    return json.loads(child.before)  # type: ignore[no-any-return]


def test_ctrl_c_mid_session_keeps_the_answered_cards(tmp_path: Path) -> None:
    db = tmp_path / "drill.db"
    child = spawn(db, "drill", str(DECKS), "--limit", "3")
    child.expect("Card 1 of 3")
    child.expect("Your answer")
    child.sendline("we compare total cost of ownership and cost per invoice")
    child.expect("Suggested grade")
    child.expect(r"\(0-5")
    child.sendline("5")
    child.expect("Next review tomorrow")
    child.expect("Card 2 of 3")
    child.expect("Your answer")
    child.sendline("")
    child.expect(r"\(0-5")
    child.sendline("4")
    child.expect("Card 3 of 3")
    child.expect("Your answer")
    # A SIGINT that lands between the prompt being written and input() blocking
    # waits for the next key (CPython reads the terminal with a blocking fgets);
    # a person cannot press Ctrl-C that fast, a test can: let input() start.
    time.sleep(0.5)
    child.sendintr()  # Ctrl-C while the third card is on screen
    child.expect("Stopped. Every grade given is saved.")
    child.expect("Cards drilled: 2")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130

    first = card_show(db, "objection-handling/price-too-high")
    second = card_show(db, "objection-handling/just-give-me-a-discount")
    assert [h["grade"] for h in first["history"]] == [5]  # type: ignore[index]
    assert first["history"][0]["typed_answer"].startswith("we compare")  # type: ignore[index]
    assert first["history"][0]["suggested_grade"] is not None  # type: ignore[index]
    assert [h["grade"] for h in second["history"]] == [4]  # type: ignore[index]

    # Starting again simply carries on: the graded cards are not offered again today.
    child = spawn(db, "drill", "--limit", "1")
    child.expect("Card 1 of 1")
    child.expect("Your answer")
    assert "price-too-high" not in child.before
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()


def test_colour_on_a_terminal_and_not_with_no_color(tmp_path: Path) -> None:
    db = tmp_path / "colour.db"
    loading = spawn(db, "load", str(DECKS))
    loading.expect(pexpect.EOF)
    child = spawn(db, "status")
    child.expect(pexpect.EOF)
    assert "\x1b[" in child.before
    env_child = pexpect.spawn(
        sys.executable,
        ["-m", "repdrill", "status"],
        env={**os.environ, "REPDRILL_DB": str(db), "NO_COLOR": "1", "REPDRILL_USER": "ana"},
        encoding="utf-8",
        timeout=30,
    )
    env_child.expect(pexpect.EOF)
    assert "ana" in env_child.before
    assert not COLOUR.search(env_child.before)  # NO_COLOR: styles may stay, colours go


@pytest.mark.parametrize("size", [(24, 80), (40, 120)], ids=["80x24", "120x40"])
def test_answer_model_answer_key_points_and_prompt_share_one_screen(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    rows, columns = size
    db = tmp_path / "screen.db"
    loading = spawn(db, "load", str(DECKS))
    loading.expect(pexpect.EOF)
    child = spawn(db, "drill", size=size)
    screen = Screen(child, rows, columns)
    child.expect("Your answer")
    answer = "fair question, what does the acme quote include? total cost of ownership"
    child.sendline(answer)
    child.expect(r"\(0-5")
    shown = screen.text()
    assert f"head): {answer[:30]}" in shown  # the rep's own words
    assert "That's a fair question" in shown  # the start of the model answer
    assert "✓ total cost of ownership" in shown and "✗ cost per invoice" in shown
    assert "Suggested grade" in shown
    assert shown.rstrip().endswith("? = scale):")  # the prompt, on the same screen
    assert len(shown.splitlines()) <= rows
    if rows == 24:
        # Compact: the whole answer and why it works are one key away.
        assert "Why it works" not in shown and "e = explain" in shown
        child.sendline("e")
        child.expect("Why it works")
        child.expect(r"\(0-5")
    child.sendline("")  # Enter takes the suggested grade
    child.expect("Card 2 of")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()


def test_enter_without_a_suggestion_asks_again_with_the_scale(tmp_path: Path) -> None:
    db = tmp_path / "enter.db"
    child = spawn(db, "drill", str(DECKS), "--limit", "1")
    child.expect("Your answer")
    child.sendline("")  # answered in the head: nothing to suggest
    child.expect(r"\(0-5")
    child.sendline("")
    child.expect("Type a grade from 0 to 5")
    child.expect("complete blackout")
    assert "is not a grade" not in child.before
    child.sendline("4")
    child.expect("Session done")
    child.expect(pexpect.EOF)
    child.close()
