"""Spreadsheet exports never run what people wrote (repdrill._spreadsheet)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from conftest import Cli, card_yaml
from repdrill._spreadsheet import FORMULA_STARTS, csv_cell, from_csv_cell
from repdrill.reports.report import TABLE_NAMES

HOSTILE_REPS = ("=1+1", "+1", "@SUM(1+1)")


@pytest.fixture
def hostile(cli: Cli, write_deck: Callable[..., Path]) -> Cli:
    """Cards and reps whose text a spreadsheet would run, drilled enough to fill every table."""
    deck = write_deck(
        "evil",
        [
            card_yaml(
                "link",
                prompt='\'=HYPERLINK("http://evil.test/x","click me")\'',
                key_points="['=1+2', '@SUM(A1:A9)', '-2+3']",
                # More tags than a sheet puts across: the heatmap turns, rep names go across.
                tags="[" + ", ".join(f"t{n}" for n in range(14)) + "]",
            ),
            card_yaml("tab", prompt='"\\tTabbed prompt"', key_points="['+ plus point']"),
        ],
    )
    assert cli("load", str(deck)).exit_code == 0
    for rep in HOSTILE_REPS:
        for card in ("link", "tab"):
            done = cli("--user", rep, "review", f"evil/{card}", "--grade", "1", "--answer", "no")
            assert done.exit_code == 0, done.output
    return cli


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_no_csv_cell_starts_a_formula(hostile: Cli, table: str) -> None:
    out = hostile("report", "--format", "csv", "--table", table).stdout
    rows = _cells(out)
    assert rows, table
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), (table, cell)


def test_the_quoted_text_is_still_there_and_numbers_stay_numbers(hostile: Cli) -> None:
    reps = _cells(hostile("report", "--format", "csv", "--table", "reps").stdout)
    header, rows = reps[0], reps[1:]
    assert sorted(row[header.index("rep")] for row in rows) == sorted(
        "'" + rep for rep in HOSTILE_REPS
    )
    missed = hostile("report", "--format", "csv", "--table", "missed_points").stdout
    assert "'=1+2" in missed and "'@SUM(A1:A9)" in missed and "'-2+3" in missed
    hardest = hostile("report", "--format", "csv", "--table", "hardest_cards").stdout
    assert "'=HYPERLINK(" in hardest
    trend = _cells(hostile("report", "--format", "csv", "--table", "trend").stdout)
    for row in trend[1:]:  # numbers are written bare, never quoted
        assert all(not cell.startswith("'") for cell in row)
        float(row[trend[0].index("mastery_percent")])


def test_xlsx_text_is_never_a_formula(hostile: Cli, tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    assert hostile("report", "--format", "xlsx", "-o", str(path)).exit_code == 0
    book = openpyxl.load_workbook(path)
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    assert "=1+1" in texts  # kept as the text it is
    assert any(text.startswith("=HYPERLINK(") for text in texts)


def test_a_deck_exported_to_csv_comes_back_as_it_was(hostile: Cli, tmp_path: Path) -> None:
    sheet = tmp_path / "evil.csv"
    assert hostile("deck", "export", "evil", "-o", str(sheet)).exit_code == 0
    for row in _cells(sheet.read_text()):
        assert all(not cell.startswith(FORMULA_STARTS) for cell in row)
    back = hostile("deck", "import", str(sheet), "--id", "evil", "--title", "Evil")
    assert back.exit_code == 0, back.output
    assert '=HYPERLINK("http://evil.test/x","click me")' in back.stdout
    assert "=1+2" in back.stdout and "'=1+2" not in back.stdout


def test_xlsx_deck_export_is_never_a_formula(hostile: Cli, tmp_path: Path) -> None:
    path = tmp_path / "evil.xlsx"
    assert hostile("deck", "export", "evil", "--format", "xlsx", "-o", str(path)).exit_code == 0
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert any(str(cell.value).startswith("=HYPERLINK(") for cell in cells)


@pytest.mark.parametrize("text", ["=1", "+1", "-1", "@x", "\tx", "\rx", "plain", "", "'=1"])
def test_quoting_round_trips(text: str) -> None:
    written = csv_cell(text)
    assert isinstance(written, str)
    assert not written.startswith(FORMULA_STARTS)
    assert from_csv_cell(written) == text or text.startswith("'")


def test_numbers_are_not_quoted() -> None:
    assert csv_cell(-2) == -2 and csv_cell(-0.5) == -0.5
