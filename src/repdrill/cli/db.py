"""``repdrill db``: for whoever runs the database: check it, back it up."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from repdrill.cli.context import repdrill_of
from repdrill.cli.options import JsonOption
from repdrill.cli.output import err_console, out_console, print_json

if TYPE_CHECKING:
    from repdrill.store.check import DatabaseCheck

db_app = typer.Typer(help="Look after the database itself: check it, back it up.")


@db_app.command("check")
def check(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Check the database: integrity, schema revision, append-only log, states.

    Integrity is SQLite's PRAGMA integrity_check. The schema revision must be
    the one this repdrill expects (the database is not upgraded first). The
    review log's triggers must be in place. Every rep's state for every card
    must equal the replay of their log. Exit status 1 when any check fails.
    In team mode it checks what the login may read.

    Example: repdrill db check --json
    """
    result = repdrill_of(ctx).check_database()
    if as_json:
        print_json(result)
    else:
        _print_check(result)
    if not result.ok:
        raise typer.Exit(1)


def _print_check(result: DatabaseCheck) -> None:
    out = out_console()

    def line(ok: bool, text: str) -> None:
        out.print(f"{'✓' if ok else '✗'} {text}", markup=False, soft_wrap=True)

    if result.integrity_problems is not None:
        line(not result.integrity_problems, "integrity (PRAGMA integrity_check)")
        for problem in result.integrity_problems:
            out.print(f"    {problem}", markup=False, soft_wrap=True)
    line(
        result.revision == result.expected_revision,
        f"schema revision {result.revision or 'none'} "
        f"(this repdrill expects {result.expected_revision})",
    )
    if result.revision is not None:
        if result.missing_triggers:
            line(False, f"append-only log: missing {', '.join(result.missing_triggers)}")
        else:
            guard = (
                "; only a superuser can undo it (hardened)"
                if result.hardened
                else "; the owner could still undo it (see repdrill team harden)"
                if result.hardened is False
                else ""
            )
            line(True, f"append-only log: its triggers are in place{guard}")
    if result.states_checked is not None:
        line(
            not result.state_mismatches,
            f"{result.states_checked} card state(s) checked against the replay of their log; "
            f"{result.state_mismatches} differ",
        )
        for mismatch in result.mismatches:
            out.print(f"    {mismatch.rep}: {mismatch.deck}/{mismatch.card}", markup=False)
    if result.role is not None:
        seen = "only what this login may read" if result.restricted else "everything"
        out.print(f"Checked as {result.role}: {seen}.", markup=False, soft_wrap=True)
    for problem in result.problems():
        err_console().print(f"Problem: {problem}", markup=False, soft_wrap=True)


@db_app.command("backup")
def backup(
    ctx: typer.Context,
    path: Annotated[
        Path,
        typer.Argument(metavar="PATH", help="Where the backup goes.", show_default=False),
    ],
    force: Annotated[bool, typer.Option("--force", help="Overwrite PATH if it exists.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Back the database up to PATH, safely while reps drill.

    SQLite: a consistent copy through SQLite's online backup API, written
    beside PATH, checked, and renamed into place, so PATH never holds half a
    backup. PostgreSQL: prints the pg_dump command for this database (run it
    as the owner or a superuser; the password is masked).

    Example: repdrill db backup ~/backups/repdrill-2026-03-02.db
    """
    result = repdrill_of(ctx).backup(path, force=force)
    if as_json:
        print_json(result)
        return
    if result.command is not None:
        print(result.command)
        err_console().print(
            "Run this as the owner or a superuser (row-level security stops other logins), "
            "with the password in place of *** or in PGPASSWORD or ~/.pgpass.",
            markup=False,
            soft_wrap=True,
        )
        return
    out_console().print(
        f"Backed up to {result.path} ({result.backup_bytes:,} bytes).", markup=False
    )


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db", rich_help_panel="Team", no_args_is_help=True)
