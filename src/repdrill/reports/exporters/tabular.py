"""CSV (one tidy table), JSON (the whole report) and Markdown renderers."""

from __future__ import annotations

import csv
import datetime as dt
import json
from typing import IO

from repdrill.errors import RepdrillError
from repdrill.reports.report import TABLE_NAMES, Report, Table


def table_named(report: Report, name: str) -> Table:
    if name not in TABLE_NAMES:
        raise RepdrillError(f"no report table '{name}'; choose one of: {', '.join(TABLE_NAMES)}")
    return report.table(name)


def write_csv(report: Report, out: IO[str], name: str) -> None:
    table = table_named(report, name)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if v is None else _plain(v) for v in row])


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
    if value is None:
        return ""
    return str(_plain(value)).replace("|", "\\|").replace("\n", " ")


def _markdown_table(
    columns: tuple[str, ...] | list[str], rows: list[tuple[object, ...]]
) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def heatmap_rows(report: Report) -> list[tuple[object, ...]]:
    """The matrix as a wide table: one row per rep, one column per group."""
    rows: list[tuple[object, ...]] = []
    for rep in report.reps:
        cells = [report.cell(rep.rep, g) for g in report.groups]
        rows.append(
            (rep.rep, *(f"{c.percent:.0f}%" if c and c.active_cards else "" for c in cells))
        )
    return rows


def write_markdown(report: Report, out: IO[str]) -> None:
    scope = report.scope
    lines = [
        "# Mastery report",
        "",
        f"Period {scope.since.isoformat()} to {scope.until.isoformat()}"
        + (f", {scope.team_label}" if scope.team_label else "")
        + f"; {report.active_cards} active cards"
        + f"; generated {report.generated_at:%Y-%m-%d %H:%M %Z}.",
        "",
    ]
    tables = {t.name: t for t in report.tables()}
    lines += ["## Reps", "", *_markdown_table(tables["reps"].columns, tables["reps"].rows), ""]
    lines += [
        f"## Mastery by rep and {scope.matrix_by}",
        "",
        *_markdown_table(["rep", *report.groups], heatmap_rows(report)),
        "",
    ]
    for name in ("hardest_cards", "trend", "missed_points", "revised_cards", "relearning"):
        if name == "relearning" and not scope.since_revision:
            continue
        table = tables[name]
        lines += [f"## {table.title}", ""]
        lines += (
            _markdown_table(table.columns, table.rows) if table.rows else ["None in this period."]
        )
        lines.append("")
    out.write("\n".join(lines))
