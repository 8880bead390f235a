"""Cells a spreadsheet will not run: the one rule for every CSV and XLSX repdrill writes.

A spreadsheet opening a CSV runs any cell that starts with ``=``, ``+``,
``-`` or ``@`` as a formula (``=HYPERLINK(...)`` phones home, ``@SUM`` and
DDE reach further), and a leading tab or carriage return hides such a start.
Deck text, rep names and tags are written by people, so every such text
cell gets a leading single quote, the mark spreadsheets read as "this is
text" (OWASP's advice for CSV injection). Numbers are written as numbers
and stay numbers: only text is quoted. :func:`from_csv_cell` takes the quote
off again, so a deck exported and imported comes back as it was.

XLSX cells are typed, so nothing is quoted there: :data:`XLSX_OPTIONS` tells
xlsxwriter never to turn a text cell into a formula or a link.
"""

from __future__ import annotations

__all__ = ["FORMULA_STARTS", "XLSX_OPTIONS", "csv_cell", "from_csv_cell"]

#: What a text cell may not start with, unquoted.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: xlsxwriter's Workbook options: text is text, never a formula or a hyperlink.
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False}


def csv_cell(value: object) -> object:
    """``value`` as a CSV cell: text that a spreadsheet would run is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def from_csv_cell(text: str) -> str:
    """A cell read back from CSV, with the quote :func:`csv_cell` added taken off."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text
