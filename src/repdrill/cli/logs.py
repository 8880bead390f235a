"""``repdrill log export`` and ``repdrill log import``: review logs as JSON Lines."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from repdrill._text import one_line
from repdrill.cli.context import repdrill_of
from repdrill.cli.options import JsonOption, RepOption, SinceOption
from repdrill.cli.output import err_console, print_json

log_app = typer.Typer(help="Move review logs between databases (offline reps, team databases).")


@log_app.command("export")
def log_export(ctx: typer.Context, since: SinceOption = None, rep: RepOption = None) -> None:
    """Write the review log as JSON Lines on stdout, one review per line, oldest first.

    Each line has review_id (a UUID), rep, deck, card, kind, grade, reviewed_at
    (ISO 8601 with time zone), review_date, card_hash and the rest of the
    review; see docs/team-mode.md.

    Example: repdrill log export --since 2026-03-01 > reviews.jsonl
    """
    repdrill_of(ctx).export_log(sys.stdout, since=since, rep=rep)


@log_app.command("import")
def log_import(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...",
            help="JSON Lines files from 'repdrill log export' ('-' reads stdin).",
            show_default=False,
        ),
    ],
    strict: Annotated[
        bool, typer.Option("--strict", help="Write nothing if any line is rejected.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Merge exported review logs into this database, then recompute the reps' card states.

    Importing the same file twice adds nothing, and files can come in any order.
    Malformed lines, and conflicts (a review id already used by a different
    review), are reported as FILE:LINE and skipped while the good ones are kept
    (exit status 1); with --strict nothing is written if any line is rejected.
    Files are read a line at a time, and the database is locked only while the
    checked reviews are written. In team mode only the reviews this login may
    write are imported: a rep's own, a manager's teams' with --import rights,
    anyone's for the owner.

    Example: repdrill --db postgresql+psycopg://team@db/repdrill log import laptop.jsonl
    """
    result = repdrill_of(ctx).import_log(files, strict=strict)
    if as_json:
        print_json(result)
    else:
        for problem in result.problems:
            print(one_line(str(problem)), file=sys.stderr)
        err = err_console()
        conflicts = f" ({result.conflicts} conflicting)" if result.conflicts else ""
        if not result.written:
            err.print(
                f"Nothing imported: {len(result.problems)} line(s) rejected{conflicts} "
                "and --strict given.",
                soft_wrap=True,
                markup=False,
            )
        else:
            err.print(
                f"Imported {result.imported} review(s); {result.duplicates} already present; "
                f"{len(result.problems)} rejected{conflicts}; "
                f"{result.rebuilt} card state(s) recomputed.",
                soft_wrap=True,
                markup=False,
            )
        if result.refused:
            err.print(
                f"Skipped {sum(result.refused.values())} review(s) of "
                f"{', '.join(sorted(result.refused))}: this login may not write their log.",
                soft_wrap=True,
                markup=False,
            )
    if result.problems or result.refused:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(log_app, name="log", rich_help_panel="Team", no_args_is_help=True)
