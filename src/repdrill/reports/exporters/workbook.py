"""An XLSX workbook: one tidy table per sheet, plus a coloured heatmap and a trend chart."""

from __future__ import annotations

import datetime as dt
from typing import Any

from repdrill.reports.report import Report


def write_workbook(report: Report, path: str) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(path)
    bold = workbook.add_format({"bold": True, "bg_color": "#F3F5F9", "border": 1})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    percent = workbook.add_format({"num_format": "0.0"})

    _heatmap_sheet(workbook, report, bold)
    for table in report.tables():
        if table.name == "relearning" and not report.scope.since_revision:
            continue
        sheet = workbook.add_worksheet(table.title[:31])
        sheet.write_row(0, 0, table.columns, bold)
        for r, row in enumerate(table.rows, start=1):
            for c, value in enumerate(row):
                _write(sheet, r, c, value, date, percent, table.columns[c])
        widths = [
            max(len(str(c)), *(len(str(row[i])) for row in table.rows))
            if table.rows
            else len(str(c))
            for i, c in enumerate(table.columns)
        ]
        for c, width in enumerate(widths):
            sheet.set_column(c, c, min(max(width + 2, 8), 60))
        sheet.freeze_panes(1, 0)
        if table.rows:
            sheet.autofilter(0, 0, len(table.rows), len(table.columns) - 1)
        if table.name == "trend" and table.rows:
            chart = workbook.add_chart({"type": "line"})
            chart.add_series(
                {
                    "name": "mastery %",
                    "categories": [sheet.name, 1, 0, len(table.rows), 0],
                    "values": [sheet.name, 1, 3, len(table.rows), 3],
                    "marker": {"type": "circle"},
                }
            )
            chart.set_y_axis({"min": 0, "max": 100, "name": "% mastered"})
            chart.set_legend({"none": True})
            chart.set_title({"name": "Mastery by week"})
            sheet.insert_chart(1, len(table.columns) + 1, chart)
    workbook.close()


def _write(
    sheet: Any, row: int, col: int, value: object, date: Any, percent: Any, column: str
) -> None:
    if value is None:
        sheet.write_blank(row, col, None)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), date)
    elif isinstance(value, float) and column.endswith(("percent", "suggested")):
        sheet.write_number(row, col, value, percent)
    elif isinstance(value, int | float):
        # The typed writers skip xlsxwriter's per-cell type sniffing: a large
        # team's matrix is tens of thousands of cells.
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(value))


def _heatmap_sheet(workbook: Any, report: Report, bold: Any) -> None:
    sheet = workbook.add_worksheet("Heatmap")
    sheet.write_row(0, 0, ["rep", *report.groups], bold)
    for r, rep in enumerate(report.reps, start=1):
        sheet.write_string(r, 0, rep.rep)
        for c, group in enumerate(report.groups, start=1):
            cell = report.cell(rep.rep, group)
            if cell is not None and cell.active_cards:
                sheet.write_number(r, c, round(cell.percent, 1))
    if report.reps and report.groups:
        sheet.conditional_format(
            1,
            1,
            len(report.reps),
            len(report.groups),
            {
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
            },
        )
    sheet.set_column(0, 0, max([len(r.rep) for r in report.reps] + [6]) + 2)
    sheet.set_column(1, max(1, len(report.groups)), 12)
    sheet.freeze_panes(1, 1)
