"""CSV (one tidy table), JSON (the whole report) and Markdown renderers."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Sequence
from typing import IO

from repdrill._spreadsheet import csv_cell
from repdrill.errors import RepdrillError
from repdrill.reports.brief import Markdown, headline_lines
from repdrill.reports.exporters._heat import LEGEND, cell_text, grid, reps_down
from repdrill.reports.report import TABLE_NAMES, MatrixBlock, Report, Table


def table_named(report: Report, name: str) -> Table:
    if name not in TABLE_NAMES:
        raise RepdrillError(f"no report table '{name}'; choose one of: {', '.join(TABLE_NAMES)}")
    return report.table(name)


def write_csv(report: Report, out: IO[str], name: str) -> None:
    table = table_named(report, name)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if v is None else csv_cell(_plain(v)) for v in row])


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def write_json(report: Report, out: IO[str], *, pretty: bool = False) -> None:
    """The report as one JSON document: on one line through the C encoder, unless ``pretty``.

    ``json.dump`` to a stream, or any indent, runs the pure-Python encoder:
    five times slower on a large team's report.
    """
    out.write(json.dumps(report.to_json(), ensure_ascii=False, indent=2 if pretty else None))
    out.write("\n")


def _cell(value: object) -> str:
    """A table cell: deck text and names escaped, so a viewer renders no HTML or link in them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, int | float):
        return str(value)
    return _MARKDOWN.escape(str(_plain(value))).replace("\n", " ").replace("\r", " ")


_MARKDOWN = Markdown()


def _markdown_table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(_cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


#: A Markdown heatmap wider than this many groups is transposed when the reps fit across.
MARKDOWN_ACROSS = 10


def heatmap_lines(report: Report, block: MatrixBlock) -> list[str]:
    """One block as a Markdown table, the longer side down."""
    laid = grid(report, block, transposed=not reps_down(report, block, MARKDOWN_ACROSS))
    # _cell escapes each cell: a bare * could pair up with another into emphasis.
    rows = [(label, *(cell_text(c) for c in cells)) for label, cells in laid.rows]
    return _markdown_table([laid.corner, *laid.columns], rows)


def write_markdown(report: Report, out: IO[str]) -> None:
    scope = report.scope
    described = scope.describe()
    lines = [
        "# Mastery report",
        "",
        f"Period {scope.since.isoformat()} to {scope.until.isoformat()}"
        + (f", {_MARKDOWN.escape(described)}" if described else "")
        + f"; {report.active_cards} active cards, {len(report.reps)} reps"
        + f"; generated {report.generated_at:%Y-%m-%d %H:%M %Z}.",
        "",
    ]
    if report.headline is not None:
        lines += ["## Summary", ""]
        lines += [f"- {line}" for line in headline_lines(report.headline, Markdown())]
        lines.append("")
    tables = {t.name: t for t in report.tables()}
    blocks = report.blocks()
    for block in blocks:
        lines += [f"## Mastery by rep and {block.title}", "", *heatmap_lines(report, block), ""]
    if blocks:
        lines += [LEGEND.replace("*", "\\*"), ""]
    reps = tables["reps"]
    lines += ["## Reps", "", *_markdown_table(reps.labels, reps.rows), ""]
    for name in ("trend", "hardest_cards", "missed_points", "revised_cards", "relearning"):
        if name == "relearning" and not scope.since_revision:
            continue
        table = tables[name]
        lines += [f"## {table.title}", ""]
        if name == "trend" and report.trend_note:
            lines += [_MARKDOWN.escape(report.trend_note), ""]
        lines += (
            _markdown_table(table.labels, table.rows) if table.rows else ["None in this period."]
        )
        lines.append("")
    out.write("\n".join(lines))
