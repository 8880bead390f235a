"""``repdrill report``: mastery reports for managers, on screen or exported."""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from repdrill._text import visible
from repdrill.cli.context import repdrill_of
from repdrill.cli.options import DeckOption, RepOption, TagOption, date_option
from repdrill.cli.output import out_console, pretty_json
from repdrill.errors import RepdrillError

if TYPE_CHECKING:
    from repdrill.reports.report import Report


class ReportFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    md = "md"
    html = "html"
    xlsx = "xlsx"


class MatrixOption(StrEnum):
    tag = "tag"
    deck = "deck"


def report(
    ctx: typer.Context,
    deck: DeckOption = None,
    tag: TagOption = None,
    rep: RepOption = None,
    team: Annotated[
        str | None,
        typer.Option("--team", metavar="NAME", help="Only the reps of this team in the roster."),
    ] = None,
    roster: Annotated[
        Path | None,
        typer.Option(
            "--roster",
            exists=True,
            dir_okay=False,
            metavar="FILE",
            help="Team roster. Default: teams.yaml here or at the root of this git checkout.",
        ),
    ] = None,
    since: Annotated[
        dt.date | None, date_option("--since", "First day of the period (default: 12 weeks back).")
    ] = None,
    until: Annotated[
        dt.date | None, date_option("--until", "Last day of the period (default: today).")
    ] = None,
    by: Annotated[
        MatrixOption, typer.Option("--by", help="Mastery matrix columns: tags or decks.")
    ] = MatrixOption.tag,
    output_format: Annotated[
        ReportFormat,
        typer.Option("--format", "-f", help="table on screen, or csv, json, md, html, xlsx."),
    ] = ReportFormat.table,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            dir_okay=False,
            metavar="FILE",
            help="Write to FILE instead of stdout.",
        ),
    ] = None,
    table: Annotated[
        str,
        typer.Option(
            "--table",
            metavar="NAME",
            help="CSV holds one table: reps, matrix, hardest_cards, trend, missed_points, "
            "revised_cards or relearning.",
        ),
    ] = "reps",
    since_revision: Annotated[
        bool,
        typer.Option(
            "--since-revision",
            help="For a launch: who has relearned each revised card since its latest "
            "revision (re-mastered, relearning, not started), whatever the period.",
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing output file.")
    ] = False,
) -> None:
    """Report who has mastered what, where the gaps are, and the trend.

    Per rep: mastery, due and overdue cards, reviews and share correct in the
    period, last active day, days met, and agreement with suggested grades. Then
    the rep x tag (or deck) mastery heatmap, the hardest cards, mastery week by
    week, the key points missed most, and per revised card how many reps have
    re-mastered it since the revision. --since-revision shows who has
    relearned each revised card.

    Examples:
      repdrill report --team west
      repdrill report --since-revision --tag pricing
      repdrill report --format html --output mastery.html
      repdrill report --format csv --table matrix > matrix.csv
    """
    if since is not None and until is not None and since > until:
        raise typer.BadParameter(f"--since {since} is after --until {until}", param_hint="--since")
    if output_format is ReportFormat.xlsx and output is None:
        raise typer.BadParameter(
            "XLSX is a binary format; give --output FILE", param_hint="--output"
        )
    if output_format is ReportFormat.table and output is not None:
        raise typer.BadParameter("--output needs --format csv, json, md, html or xlsx")
    if output is not None and output.exists() and not force:
        raise RepdrillError(f"{output} exists; use --force to overwrite it")
    built = repdrill_of(ctx).report(
        since=since,
        until=until,
        deck=deck,
        tag=tag,
        rep=rep,
        team=team,
        roster=roster,
        by=by.value,
        since_revision=since_revision,
    )
    if output_format is ReportFormat.table:
        print_report(built)
        return
    _export(built, output_format.value, output, table)


def _export(built: Report, fmt: str, output: Path | None, table: str) -> None:
    if fmt == "xlsx":
        assert output is not None
        _atomic(output, built.write_xlsx)
    elif output is None:
        built.write(sys.stdout, fmt, table=table, pretty=pretty_json(sys.stdout))  # type: ignore[arg-type]
    else:

        def write(tmp: str) -> None:
            with open(tmp, "w", encoding="utf-8", newline="") as handle:
                built.write(handle, fmt, table=table, pretty=pretty_json(handle))  # type: ignore[arg-type]

        _atomic(output, write)
    if output is not None:
        print(f"Wrote {output}", file=sys.stderr)


def _atomic(path: Path, write: object) -> None:
    """Write to a temporary file beside ``path``, then rename: never a half-written report."""
    directory = path.resolve().parent
    if not directory.is_dir():
        raise RepdrillError(f"cannot write {path}: {directory} is not a directory")
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    os.close(handle)
    try:
        write(tmp)  # type: ignore[operator]
        # mkstemp makes the file private; a report gets the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def print_report(built: Report) -> None:
    from rich.table import Table
    from rich.text import Text

    console = out_console()
    scope = built.scope
    console.print(
        f"[bold]Mastery report[/] {scope.since.isoformat()} to {scope.until.isoformat()}"
        + (f" · {scope.team_label}" if scope.team_label else "")
        + f" · {built.active_cards} active cards · {len(built.reps)} reps"
    )
    if scope.since_revision:
        print_revisions(built)
        return
    if not built.reps:
        console.print("No reps in scope yet.")
        return
    heat = Table(title=f"Mastery by rep and {scope.matrix_by}", title_justify="left")
    heat.add_column("rep")
    for group in built.groups:
        heat.add_column(group, justify="right")
    for rep in built.reps:
        cells: list[Text | str] = [Text(rep.rep)]
        for group in built.groups:
            cell = built.cell(rep.rep, group)
            if cell is None or not cell.active_cards:
                cells.append("-")
                continue
            colour = "red" if cell.percent < 34 else "yellow" if cell.percent < 67 else "green"
            cells.append(Text(f"{cell.percent:.0f}%", style=f"bold {colour}"))
        heat.add_row(*cells)
    console.print(heat)
    reps = Table(title="Reps", title_justify="left")
    for column in (
        "rep",
        "mastered",
        "due",
        "overdue",
        "reviews",
        "correct",
        "last active",
        "days met",
        "agree",
    ):
        reps.add_column(column, justify="left" if column == "rep" else "right")
    for r in built.reps:
        reps.add_row(
            Text(r.rep),
            f"{r.mastered}/{r.active_cards} ({r.mastery_percent:.0f}%)",
            str(r.due),
            str(r.overdue),
            str(r.reviews),
            "-" if r.correct_percent is None else f"{r.correct_percent:.0f}%",
            r.last_active.isoformat() if r.last_active else "never",
            str(r.days_met),
            "-" if r.agreement_percent is None else f"{r.agreement_percent:.0f}%",
        )
    console.print(reps)
    if built.trend:
        trend = Table(title="Mastery by week", title_justify="left")
        trend.add_column("week ending")
        trend.add_column("mastered", justify="right")
        trend.add_column("")
        for point in built.trend:
            bar = "█" * round(point.percent / 4)
            trend.add_row(point.week_ending.isoformat(), f"{point.percent:.1f}%", bar)
        console.print(trend)
    if built.hardest:
        hard = Table(title="Hardest cards (lapse rate in the period)", title_justify="left")
        for column in ("card", "lapses", "reviews", "prompt"):
            hard.add_column(column, justify="right" if column in ("lapses", "reviews") else "left")
        for h in built.hardest:
            hard.add_row(
                f"{h.deck}/{h.card}",
                f"{h.lapse_percent:.0f}%",
                str(h.reviews),
                Text(visible(h.prompt)),
            )
        console.print(hard)
    if built.missed_points:
        from repdrill.cli.render import missed_points_table

        console.print(missed_points_table(built.missed_points, "Key points missed most", deck=True))
    if built.revised_cards:
        print_revisions(built)


def print_revisions(built: Report) -> None:
    """The revised cards and, with --since-revision, who has relearned each one."""
    from rich.table import Table
    from rich.text import Text

    console = out_console()
    if not built.revised_cards:
        console.print("No card in scope has been revised.")
        return
    revised = Table(
        title="Revised cards: reps to relearn, reviewed since, re-mastered",
        title_justify="left",
    )
    widest = max(len(f"{r.deck}/{r.card}") for r in built.revised_cards)
    revised.add_column("card", min_width=min(widest, 32), overflow="fold")
    for column in ("revised", "relearn", "since", "re-mastered"):
        revised.add_column(column, justify="left" if column == "revised" else "right")
    for r in built.revised_cards:
        revised.add_row(
            Text(f"{r.deck}/{r.card}"),
            f"{r.revision} on {r.revised_on.isoformat()}",
            str(r.relearn_reps),
            str(r.reviewed_reps),
            f"{r.remastered_reps} ({r.remastered_percent:.0f}%)",
        )
    console.print(revised)
    if not built.scope.since_revision:
        return
    if not built.relearning:
        console.print("Nobody had reviewed the revised cards before their revision.")
        return
    who = Table(title="Who has relearned each revised card", title_justify="left")
    for column in ("card", "rep", "status", "reviews since", "last review"):
        who.add_column(column, justify="right" if column == "reviews since" else "left")
    for row in built.relearning:
        style = {"re-mastered": "green", "relearning": "yellow"}.get(row.status, "red")
        who.add_row(
            Text(f"{row.deck}/{row.card}"),
            Text(row.rep),
            Text(row.status, style=style),
            str(row.reviews_since),
            row.last_review.isoformat() if row.last_review else "-",
        )
    console.print(who)


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Managers")(report)
