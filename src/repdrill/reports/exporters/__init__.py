"""Render a :class:`~repdrill.reports.report.Report` as CSV, JSON, Markdown, HTML or XLSX.

Text formats are written to a text stream (a file or stdout); XLSX needs a
file path. Each renderer reads the report's tidy tables, so every format
carries the same numbers.
"""

from __future__ import annotations

from typing import IO, Literal

from repdrill.reports.report import Report, TextFormat

Format = Literal["csv", "json", "md", "html", "xlsx"]


def write_text(
    report: Report, fmt: TextFormat, out: IO[str], *, table: str = "reps", pretty: bool = False
) -> None:
    """Write a text format; ``table`` picks the one CSV table (CSV holds one table per file).

    ``pretty`` indents JSON; without it JSON is one line.
    """
    if fmt == "csv":
        from repdrill.reports.exporters.tabular import write_csv

        write_csv(report, out, table)
    elif fmt == "json":
        from repdrill.reports.exporters.tabular import write_json

        write_json(report, out, pretty=pretty)
    elif fmt == "md":
        from repdrill.reports.exporters.tabular import write_markdown

        write_markdown(report, out)
    elif fmt == "html":
        from repdrill.reports.exporters.html import write_html

        write_html(report, out)
    else:
        raise ValueError(f"{fmt} is not a text format")


def write_xlsx(report: Report, path: str) -> None:
    from repdrill.reports.exporters.workbook import write_workbook

    write_workbook(report, path)
