"""An XLSX workbook that prints: the summary, one heatmap sheet per namespace, tidy tables.

Sheets, in order: Summary (the headline), a Heatmap sheet per tag namespace
(or for the decks), one tidy sheet per table (the trend with a chart whose
axis has dates), and About (period, scope, filters, when it was generated).
Every sheet prints landscape, fitted to the page width, with its header rows
frozen and repeated on each printed page, and the rep (or label) column
repeated too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from repdrill._spreadsheet import XLSX_OPTIONS
from repdrill.reports.brief import Plain, headline_lines
from repdrill.reports.exporters._heat import FEW_MARK, LEGEND, grid, reps_down
from repdrill.reports.report import MIN_CELL_CARDS, MatrixBlock, Report, Table, signed
from repdrill.schedule.rules import IDLE_DAYS

#: Columns whose text wraps in its cell rather than running under the next one.
_LONG_TEXT = ("prompt", "key_point")
#: Columns of cells across a heatmap sheet before it is transposed (when the reps fit across).
SHEET_ACROSS = 12
_COLOUR_SCALE = {
    "type": "3_color_scale",
    "min_type": "num",
    "min_value": 0,
    "mid_type": "num",
    "mid_value": 50,
    "max_type": "num",
    "max_value": 100,
    "min_color": "#F4A6A6",
    "mid_color": "#F7E08B",
    "max_color": "#9FD8A4",
}


class _Formats:
    """The workbook's cell formats, created once."""

    def __init__(self, workbook: Any) -> None:
        self.workbook = workbook
        self.header = workbook.add_format(
            {
                "bold": True,
                "bg_color": "#F3F5F9",
                "border": 1,
                "text_wrap": True,
                "valign": "bottom",
            }
        )
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.bold = workbook.add_format({"bold": True})
        self.note = workbook.add_format({"italic": True, "font_color": "#5B6576"})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd", "align": "left"})
        self.percent = workbook.add_format({"num_format": "0.0"})
        self._cells: dict[tuple[int, bool], Any] = {}

    def cell(self, cards: int) -> Any:
        """A heatmap cell's format: the value is the share, the format shows ``67% of 3``."""
        few = cards < MIN_CELL_CARDS
        key = (cards, few)
        if key not in self._cells:
            shown = f'0"% of {cards}{FEW_MARK if few else ""}"'
            style = {"num_format": shown, "align": "center", "border": 1, "border_color": "#D9DEE7"}
            if few:
                style |= {"italic": True, "font_color": "#3D4757"}
            self._cells[key] = self.workbook.add_format(style)
        return self._cells[key]


def write_workbook(report: Report, path: str) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(path, XLSX_OPTIONS)
    formats = _Formats(workbook)
    _summary_sheet(workbook, report, formats)
    for block in report.blocks():
        _heatmap_sheet(workbook, report, block, formats)
    # The long matrix table is data for pivots: after the tables a manager prints.
    tables = sorted(report.tables(), key=lambda table: table.name == "matrix")
    for table in tables:
        if table.name == "relearning" and not report.scope.since_revision:
            continue
        _table_sheet(workbook, report, table, formats)
    _about_sheet(workbook, report, formats)
    workbook.close()


def _print_setup(
    sheet: Any,
    report: Report,
    title: str,
    *,
    header_rows: int,
    label_column: bool,
    gridlines: bool = True,
) -> None:
    """Landscape, fitted to the page width, headers repeated and frozen, pages numbered."""
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.5, right=0.5, top=0.7, bottom=0.7)
    generated = f"generated {report.generated_at:%Y-%m-%d %H:%M %Z}"
    sheet.set_header(f"&L&B{_escape_header(title)}&R{_escape_header(generated)}")
    sheet.set_footer("&CPage &P of &N")
    # 0 prints the gridlines of a tidy table; 2 hides them on screen and paper.
    sheet.hide_gridlines(0 if gridlines else 2)
    if header_rows:
        sheet.repeat_rows(0, header_rows - 1)
    if label_column:
        sheet.repeat_columns(0, 0)
    if header_rows or label_column:
        sheet.freeze_panes(header_rows, 1 if label_column else 0)


def _escape_header(text: str) -> str:
    return text.replace("&", "&&")


def _summary_sheet(workbook: Any, report: Report, formats: _Formats) -> None:
    sheet = workbook.add_worksheet("Summary")
    scope = report.scope
    described = scope.describe()
    title = "Mastery report" + (f": {described}" if described else "")
    sheet.write_string(0, 0, title, formats.title)
    sheet.write_string(
        1, 0, f"{scope.since.isoformat()} to {scope.until.isoformat()}", formats.note
    )
    row = 3
    headline = report.headline
    if headline is not None:
        figures: list[tuple[str, str]] = [
            ("Team mastery", f"{headline.mastery_percent:.1f}%"),
            ("Change in 7 days", f"{signed(headline.change_7d)} points"),
            (f"Change since {scope.since.isoformat()}", f"{signed(headline.change_period)} points"),
            ("Reps behind", str(len(headline.behind))),
            ("Reps on hold", str(len(headline.on_hold))),
        ]
        for name, value in figures:
            sheet.write_string(row, 0, name, formats.bold)
            sheet.write_string(row, 1, value)
            row += 1
        row += 1
        for line in headline_lines(headline, Plain()):
            sheet.merge_range(row, 0, row, 5, line, formats.wrap)
            sheet.set_row(row, 15 * max(1, -(-len(line) // 110)))
            row += 1
        row += 1
        row = _small_table(
            sheet,
            row,
            f"Reps behind (more than {headline.max_overdue} cards overdue, or no drill in "
            f"{IDLE_DAYS} days)",
            ("rep", "overdue cards", "last active"),
            [(r.rep, r.overdue, r.last_active) for r in headline.behind],
            formats,
        )
        row = _small_table(
            sheet,
            row,
            "Reps on hold",
            ("rep", "on hold until"),
            [(r.rep, r.on_hold_until) for r in headline.on_hold],
            formats,
        )
        _small_table(
            sheet,
            row,
            "Cards the team is losing (reps who have it mastered)",
            ("card", "mastered now", "fewer than 7 days ago"),
            [(c.ref, c.mastered_reps, c.lost_reps) for c in headline.losing],
            formats,
        )
    sheet.set_column(0, 0, 44)
    sheet.set_column(1, 5, 18)
    _print_setup(sheet, report, title, header_rows=0, label_column=False, gridlines=False)


def _small_table(
    sheet: Any,
    row: int,
    title: str,
    columns: tuple[str, ...],
    rows: list[tuple[object, ...]],
    formats: _Formats,
) -> int:
    sheet.write_string(row, 0, title, formats.bold)
    row += 1
    if not rows:
        sheet.write_string(row, 0, "None.", formats.note)
        return row + 2
    sheet.write_row(row, 0, columns, formats.header)
    for values in rows:
        row += 1
        for col, value in enumerate(values):
            _write(sheet, row, col, value, formats, "")
    return row + 2


def _heatmap_sheet(workbook: Any, report: Report, block: MatrixBlock, formats: _Formats) -> None:
    name = "Heatmap " + (block.namespace or "tags")
    if block.namespace == "deck":
        name = "Heatmap decks"
    sheet = workbook.add_worksheet(name[:31])
    laid = grid(report, block, transposed=not reps_down(report, block, SHEET_ACROSS))
    sheet.write_row(0, 0, [laid.corner, *laid.columns], formats.header)
    for r, (label, cells) in enumerate(laid.rows, start=1):
        sheet.write_string(r, 0, label, formats.bold)
        for c, cell in enumerate(cells, start=1):
            if cell is not None and cell.active_cards:
                sheet.write_number(r, c, round(cell.percent), formats.cell(cell.active_cards))
    if laid.rows and laid.columns:
        sheet.conditional_format(1, 1, len(laid.rows), len(laid.columns), _COLOUR_SCALE)
    last = len(laid.rows) + 2
    sheet.write_string(last, 0, LEGEND, formats.note)
    widths = [len(laid.corner), *(len(label) for label, _ in laid.rows)]
    sheet.set_column(0, 0, max(widths) + 2)
    if laid.columns:
        sheet.set_column(1, len(laid.columns), max(11, *(len(c) + 2 for c in laid.columns)))
    sheet.set_row(0, 30)
    title = f"Heatmap: mastery by rep and {block.title}"
    _print_setup(sheet, report, title, header_rows=1, label_column=True)


def _table_sheet(workbook: Any, report: Report, table: Table, formats: _Formats) -> None:
    sheet = workbook.add_worksheet(table.title[:31])
    sheet.write_row(0, 0, table.columns, formats.header)
    for r, row in enumerate(table.rows, start=1):
        for c, value in enumerate(row):
            _write(
                sheet, r, c, value, formats, table.columns[c], wrap=table.columns[c] in _LONG_TEXT
            )
    widths = [
        max(len(str(c)), *(len(str(row[i])) for row in table.rows)) if table.rows else len(str(c))
        for i, c in enumerate(table.columns)
    ]
    for c, width in enumerate(widths):
        long_text = table.columns[c] in _LONG_TEXT
        sheet.set_column(c, c, min(max(width + 2, 8), 60), formats.wrap if long_text else None)
    if table.rows:
        sheet.autofilter(0, 0, len(table.rows), len(table.columns) - 1)
    if table.name == "trend" and table.rows:
        _trend_chart(workbook, sheet, len(table.rows), len(table.columns))
        if report.trend_note:
            sheet.write_string(len(table.rows) + 2, 0, report.trend_note, formats.note)
    _print_setup(
        sheet,
        report,
        table.title,
        header_rows=1,
        label_column=table.columns[0] == "rep",
        gridlines=table.name != "trend",
    )


def _trend_chart(workbook: Any, sheet: Any, rows: int, columns: int) -> None:
    chart = workbook.add_chart({"type": "line"})
    chart.add_series(
        {
            "name": "mastery %",
            "categories": [sheet.name, 1, 0, rows, 0],
            "values": [sheet.name, 1, 3, rows, 3],
            "marker": {"type": "circle"},
        }
    )
    chart.set_x_axis(
        {
            "date_axis": True,
            "num_format": "dd mmm",
            "major_unit": 7,
            "major_unit_type": "days",
            "name": "week ending",
        }
    )
    chart.set_y_axis({"min": 0, "max": 100, "name": "% mastered"})
    chart.set_legend({"none": True})
    chart.set_title({"name": "Mastery by week"})
    sheet.insert_chart(1, columns + 1, chart)


def _about_sheet(workbook: Any, report: Report, formats: _Formats) -> None:
    sheet = workbook.add_worksheet("About")
    scope = report.scope
    rows: list[tuple[str, object]] = [
        ("Report", "Mastery report"),
        ("Period from", scope.since),
        ("Period to", scope.until),
        ("Team", scope.team or "(every rep)"),
        (
            "Reps",
            ", ".join(scope.reps) if scope.reps is not None else "(every rep in the database)",
        ),
        ("Deck filter", ", ".join(scope.cards.decks) or "(none)"),
        ("Tag filter", ", ".join(scope.cards.tags) or "(none)"),
        ("Matrix by", scope.matrix_by),
        ("Active cards", report.active_cards),
        ("Behind", f"more than {scope.max_overdue} cards overdue, or no drill in {IDLE_DAYS} days"),
        ("Generated at", report.generated_at.strftime("%Y-%m-%d %H:%M:%S %Z")),
        ("Trend", report.trend_note or "every week of the period"),
    ]
    sheet.write_row(0, 0, ("what", "value"), formats.header)
    for r, (what, value) in enumerate(rows, start=1):
        sheet.write_string(r, 0, what, formats.bold)
        _write(sheet, r, 1, value, formats, "")
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 90, formats.wrap)
    _print_setup(sheet, report, "About this report", header_rows=1, label_column=True)


def _write(
    sheet: Any,
    row: int,
    col: int,
    value: object,
    formats: _Formats,
    column: str,
    *,
    wrap: bool = False,
) -> None:
    if value is None:
        sheet.write_blank(row, col, None)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, dt.datetime):
        sheet.write_datetime(row, col, value.replace(tzinfo=None), formats.date)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), formats.date)
    elif isinstance(value, float) and column.endswith(("percent", "suggested")):
        sheet.write_number(row, col, value, formats.percent)
    elif isinstance(value, int | float):
        # The typed writers skip xlsxwriter's per-cell type sniffing: a large
        # team's matrix is tens of thousands of cells.
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(value), formats.wrap if wrap else None)
