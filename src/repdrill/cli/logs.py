"""``repdrill log export`` and ``repdrill log import``: review logs as JSON Lines."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from repdrill.cli.cards import RepOption
from repdrill.cli.common import app_context, err_console, print_json
from repdrill.errors import RepdrillError

log_app = typer.Typer(
    help="Move review logs between databases (offline reps, team databases).",
    no_args_is_help=True,
)


@log_app.command("export")
def log_export(
    ctx: typer.Context,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="YYYY-MM-DD", help="Only reviews on or after this day."),
    ] = None,
    rep: RepOption = None,
) -> None:
    """Write the review log as JSON Lines on stdout, one review per line, oldest first.

    Each line has id (a UUID), rep, deck, card, kind, grade, reviewed_at (ISO 8601
    with time zone), review_date, card_hash and the rest of the review; see
    docs/team-mode.md.

    Example: repdrill log export --since 2026-03-01 > reviews.jsonl
    """
    from repdrill.cli.common import parse_today_option
    from repdrill.store.log import export_reviews

    day = parse_today_option(since)
    db = app_context(ctx).database()
    write = sys.stdout.write
    with db.session() as session:
        for record in export_reviews(session, since=day, reps=tuple(rep) if rep else None):
            write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")


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
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
) -> None:
    """Merge exported review logs into this database, then recompute the reps' card states.

    Importing the same file twice adds nothing, and files can come in any order.
    Malformed lines are reported as FILE:LINE and skipped while the good ones are
    kept (exit status 1); with --strict nothing is written if any line is rejected.

    Example: repdrill --db postgresql+psycopg://team@db/repdrill log import laptop.jsonl
    """
    from repdrill.store.log import import_reviews

    state = app_context(ctx)
    sources = []
    for path in files:
        if str(path) == "-":
            sources.append(("<stdin>", sys.stdin.read().splitlines()))
            continue
        try:
            sources.append((str(path), path.read_text(encoding="utf-8").splitlines()))
        except (OSError, UnicodeDecodeError) as error:
            raise RepdrillError(f"cannot read {path}: {error}") from None
    result = import_reviews(state.database(), sources, now=state.clock().now(), strict=strict)
    if as_json:
        print_json(
            {
                "read": result.read,
                "imported": result.imported if result.written else 0,
                "duplicates": result.duplicates,
                "rejected": len(result.problems),
                "states_rebuilt": result.rebuilt,
                "written": result.written,
                "problems": [
                    {"path": p.path, "line": p.line, "message": p.message} for p in result.problems
                ],
            }
        )
    else:
        for problem in result.problems:
            print(f"{problem.path}:{problem.line}: {problem.message}", file=sys.stderr)
        err = err_console()
        if not result.written:
            err.print(
                f"Nothing imported: {len(result.problems)} line(s) rejected and --strict given.",
                soft_wrap=True,
            )
        else:
            err.print(
                f"Imported {result.imported} review(s); {result.duplicates} already present; "
                f"{len(result.problems)} rejected; {result.rebuilt} card state(s) recomputed.",
                soft_wrap=True,
            )
    if result.problems:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(log_app, name="log", rich_help_panel="Team")
