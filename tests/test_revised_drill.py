"""The drill after a revision: the card is marked and shows what changed since the rep saw it."""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

import pexpect
import pytest
from rich.console import Console

from conftest import DECKS, TODAY, on
from repdrill.cli.terminal import TerminalIO
from repdrill.decks.changes import message_changes, passages, point_pairs, word_diff
from scripted import ScriptedIO
from test_terminal import Screen, spawn

DAY = dt.timedelta(days=1)
LOAD_DAY = TODAY + 30 * DAY


def revised_copy(tmp_path: Path) -> Path:
    """The bundled objection deck with the Harlow price cut from $2.80 to $2.40, revision 2."""
    text = (DECKS / "objection-handling.yaml").read_text()
    head, rest = text.split("  - id: price-too-high\n", 1)
    card, tail = rest.split("\n\n", 1)
    card = card.replace("$2.80", "$2.40").replace(
        "    type: objection\n", "    type: objection\n    revision: 2\n", 1
    )
    path = tmp_path / "objection-handling.yaml"
    path.write_text(head + "  - id: price-too-high\n" + card + "\n\n" + tail)
    return path


def test_a_revised_card_is_marked_until_the_rep_reviews_it(db_url: str, tmp_path: Path) -> None:
    with on(db_url, TODAY) as rd:
        rd.load([DECKS])
        rd.review("price-too-high", 5)
        rd.review("no-budget", 5)
    with on(db_url, LOAD_DAY) as rd:
        rd.load([revised_copy(tmp_path)])
    script = ScriptedIO(["", 4, "", 4])
    captured: list[object] = []
    script.show_prompt = lambda item, position, total: captured.append(item)  # type: ignore[method-assign]
    with on(db_url, LOAD_DAY + DAY) as rd:
        rd.drill(script, deck="objection-handling", new=0)
    by_card = {item.card.id: item for item in captured}  # type: ignore[attr-defined]
    assert set(by_card) == {"price-too-high", "no-budget"}
    revised = by_card["price-too-high"].revised
    assert revised is not None and revised.revised_on == LOAD_DAY and revised.revision == 2
    assert "$2.80 an invoice" in revised.answer_before
    assert ("Harlow Logistics", "$2.80") in revised.key_points_before
    assert by_card["no-budget"].revised is None
    # Reviewed since: no mark any more.
    again: list[object] = []
    script = ScriptedIO(["", 4])
    script.show_prompt = lambda item, position, total: again.append(item)  # type: ignore[method-assign]
    with on(db_url, LOAD_DAY + 2 * DAY) as rd:
        rd.drill(script, deck="objection-handling", new=0)
    assert [i.card.id for i in again] == ["price-too-high"]  # type: ignore[attr-defined]
    assert again[0].revised is None  # type: ignore[attr-defined]


def test_the_terminal_shows_the_mark_and_a_word_diff(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shown.db'}"
    with on(url, TODAY) as rd:
        rd.load([DECKS])
        rd.review("price-too-high", 5)
    with on(url, LOAD_DAY) as rd:
        rd.load([revised_copy(tmp_path)])
    out = io.StringIO()
    terminal = TerminalIO(Console(file=out, width=100, height=60, no_color=True), echo=False)
    with on(url, LOAD_DAY + DAY) as rd:
        session_io = ScriptedIO(["", 4])
        session_io.show_prompt = terminal.show_prompt  # type: ignore[method-assign]
        session_io.show_answer = terminal.show_answer  # type: ignore[method-assign]
        rd.drill(session_io, deck="objection-handling", new=0)
    shown = out.getvalue()
    assert (
        f"Changed on {LOAD_DAY.isoformat()}: the message changed since you last reviewed" in shown
    )
    assert "[-$2.80-]{+$2.40+} an invoice." in shown
    assert "key point: Harlow Logistics | [-$2.80-]{+$2.40+}" in shown


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_the_diff_fits_the_compact_screen(tmp_path: Path) -> None:
    db = tmp_path / "compact.db"
    with on(f"sqlite:///{db}", TODAY - 30 * DAY) as rd:
        rd.load([DECKS])
        rd.review("price-too-high", 5)
    with on(f"sqlite:///{db}", TODAY - DAY) as rd:
        rd.load([revised_copy(tmp_path)])
    child = spawn(db, "drill", "--new", "0", size=(24, 80))
    screen = Screen(child, 24, 80)
    child.expect("Changed on")
    child.expect("Your answer")
    child.sendline("total cost of ownership")
    child.expect(r"\(0-5")
    shown = screen.text()
    assert "Changed on" in shown and "{+$2.40+}" in shown
    assert "✓ total cost of ownership" in shown
    assert shown.rstrip().endswith("? = scale):")
    child.sendline("4")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()


# -- the diff, pure -----------------------------------------------------------------


def test_word_diff_and_passages_keep_a_few_words_of_context() -> None:
    old = "one two three four five six seven eight nine ten $2.80 eleven twelve thirteen"
    new = old.replace("$2.80", "$2.40")
    (passage,) = passages(old, new)
    assert [(p.op, p.text) for p in passage.pieces] == [
        ("=", "seven eight nine ten"),
        ("-", "$2.80"),
        ("+", "$2.40"),
        ("=", "eleven twelve thirteen"),
    ]
    assert passage.cut_before and not passage.cut_after
    assert passages(old, " ".join(old.split())) == []
    assert [p.op for p in word_diff("a b", "a c b")] == ["=", "+", "="]


def test_point_pairs_pair_a_point_changed_in_place() -> None:
    old = (("cost per invoice",), ("Harlow Logistics", "$2.80"))
    assert point_pairs(old, (("cost per invoice",), ("Harlow Logistics", "$2.40"))) == [
        ("Harlow Logistics | $2.80", "Harlow Logistics | $2.40")
    ]
    assert point_pairs(old, (*old, ("TCO",))) == [(None, "TCO")]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "It costs $2.80 an invoice.",
            "It costs $2.40 an invoice.",
            ["price $2.80 → $2.40"],
        ),
        (
            "Uptime is 99.9% a year.",
            "Uptime is 99.95% a year.",
            ["percentage 99.9% → 99.95%"],
        ),
        ("We sync every 15 minutes.", "We sync every 5 minutes.", ["figure 15 → 5"]),
        (
            "Unlike Acme Spend, we sync.",
            "Unlike Billbot, we sync.",
            ["name Acme Spend → Billbot"],
        ),
        ("It is fast. When it syncs, it is done.", "It is quick. When it syncs, it is over.", []),
        ("Ask about the budget.", "Ask about their budget.", []),
    ],
)
def test_what_looks_like_a_change_of_message(old: str, new: str, expected: list[str]) -> None:
    assert message_changes(old, (), new, ()) == expected


def test_a_key_point_added_or_removed_is_a_change_of_message() -> None:
    assert message_changes("A.", (("TCO",),), "A.", (("TCO",), ("payback",))) == [
        "key point added: 'payback'"
    ]
    assert message_changes("A.", (("TCO",), ("x",)), "A.", (("tco",),)) == [
        "key point removed: 'x'"
    ]
