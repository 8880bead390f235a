"""Commands for deck authors: ``validate``, ``load``, ``schema``."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from repdrill.cli.common import app_context, err_console, out_console, print_json

if TYPE_CHECKING:
    from repdrill.errors import Problem
    from repdrill.store.load import LoadResult

PathsArgument = Annotated[
    list[Path],
    typer.Argument(
        exists=True,
        readable=True,
        metavar="PATH...",
        help="Deck files, or directories to search for *.yaml and *.yml.",
        show_default=False,
    ),
]

#: Show a progress bar when a load has at least this many bytes to read.
PROGRESS_BYTES = 2 * 2**20


class ValidateFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"


def validate(
    paths: PathsArgument,
    output_format: Annotated[
        ValidateFormat,
        typer.Option(
            "--format",
            "-f",
            help="text: path:line:column: message. json: for tools. "
            "github: workflow annotations for GitHub Actions.",
        ),
    ] = ValidateFormat.text,
) -> None:
    """Check deck files without touching the database.

    Every problem in every file is reported as path:line:column: message.
    Exit status: 0 when all decks are valid, 1 when any is not, 2 on usage errors.

    Example: repdrill validate decks/
    """
    from repdrill.decks.parse import validate as run_validation
    from repdrill.decks.roster import validate_rosters

    result = run_validation(paths)
    rosters, roster_problems = validate_rosters(paths)
    problems = sorted(
        [*result.problems, *roster_problems], key=lambda p: (p.path, p.line, p.column)
    )
    if output_format is ValidateFormat.json:
        print_json(
            {
                "valid": not problems,
                "files": result.files,
                "decks": [
                    {"id": d.id, "path": d.path, "cards": len(d.cards)} for d in result.decks
                ],
                "rosters": rosters,
                "problems": [
                    {"path": p.path, "line": p.line, "column": p.column, "message": p.message}
                    for p in problems
                ],
            }
        )
    elif output_format is ValidateFormat.github:
        for problem in problems:
            print(_github_annotation(problem))
    else:
        for problem in problems:
            print(problem)
    if output_format is not ValidateFormat.json:
        _validation_summary(result.files + len(rosters), len(result.decks), problems, len(rosters))
    if result.files == 0 and not rosters:
        raise typer.Exit(1)
    if problems:
        raise typer.Exit(1)


def _validation_summary(files: int, valid: int, problems: list[Problem], rosters: int = 0) -> None:
    err = err_console()
    if files == 0:
        err.print("Error: no deck files (*.yaml, *.yml) found", style="bold red")
    elif problems:
        broken = len({p.path for p in problems})
        err.print(
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in "
            f"{broken} of {files} file{'s' if files != 1 else ''}",
            style="red",
        )
    else:
        roster_note = f" and {rosters} roster{'s' if rosters != 1 else ''}" if rosters else ""
        err.print(f"{valid} deck{'s' if valid != 1 else ''}{roster_note} valid", style="green")


def _github_annotation(problem: Problem) -> str:
    """A GitHub Actions workflow command (escaped as the runner expects)."""

    def escape(value: str, *, prop: bool = False) -> str:
        value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return value.replace(":", "%3A").replace(",", "%2C") if prop else value

    return (
        f"::error file={escape(problem.path, prop=True)},line={problem.line},"
        f"col={problem.column},title=repdrill::{escape(problem.message)}"
    )


def load(
    ctx: typer.Context,
    paths: PathsArgument,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", "-n", help="Show what would change; write nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the changes as JSON.")] = False,
) -> None:
    """Load decks into the database: add new cards, update edited ones, retire removed ones.

    A card keeps its schedule and history across edits (its id is its identity).
    A card missing from its deck file is retired, never deleted, and revived if it
    comes back. Only the decks named here can retire cards. An invalid deck aborts
    the whole load and nothing is written. Unchanged files are skipped.

    Example: repdrill load decks/ --dry-run
    """
    from repdrill.store.load import load as run_load

    state = app_context(ctx)
    db = state.database()
    now = state.clock().now()
    total_bytes = sum(_size(p) for p in paths)
    err = err_console()
    if err.is_terminal and total_bytes >= PROGRESS_BYTES and not as_json:
        from rich.progress import Progress

        with Progress(console=err, transient=True) as bar:
            task = bar.add_task("Loading decks", total=None)

            def progress(done: int, total: int, path: str) -> None:
                bar.update(task, completed=done, total=total, description=f"Loading {path}")

            result = run_load(db, paths, now=now, dry_run=dry_run, progress=progress)
    else:
        result = run_load(db, paths, now=now, dry_run=dry_run)
    if as_json:
        print_json(load_json(result))
    else:
        print_load(result)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*.y*ml") if p.is_file())


def load_json(result: LoadResult) -> dict[str, object]:
    return {
        "dry_run": result.dry_run,
        "decks": [
            {
                "deck": d.deck,
                "path": d.path,
                "created": d.created,
                "skipped": d.skipped,
                "new": list(d.new),
                "changed": list(d.changed),
                "unchanged": d.unchanged,
                "retired": list(d.retired),
                "revived": list(d.revived),
            }
            for d in result.decks
        ],
    }


def print_load(result: LoadResult, *, quiet_if_unchanged: bool = False) -> None:
    """One line per deck, then the totals; card ids for anything retired or revived."""
    from rich.markup import escape

    console = out_console() if not quiet_if_unchanged else err_console()
    changed = [d for d in result.decks if not d.skipped]
    if quiet_if_unchanged and not any(
        d.new or d.changed or d.retired or d.revived for d in changed
    ):
        return
    for deck in result.decks:
        if deck.skipped:
            console.print(
                f"[bold]{deck.deck}[/] ({escape(deck.path)}): file unchanged, skipped",
                soft_wrap=True,
            )
            continue
        counts = [
            f"{len(deck.new)} new",
            f"{len(deck.changed)} changed",
            f"{deck.unchanged} unchanged",
            f"{len(deck.retired)} retired",
        ]
        if deck.revived:
            counts.append(f"{len(deck.revived)} revived")
        label = " (new deck)" if deck.created else ""
        console.print(
            f"[bold]{deck.deck}[/]{label} ({escape(deck.path)}): {', '.join(counts)}",
            soft_wrap=True,
        )
        for name, ids in (
            ("changed", deck.changed),
            ("retired", deck.retired),
            ("revived", deck.revived),
        ):
            if ids:
                console.print(f"  {name}: {', '.join(ids)}", soft_wrap=True)
    verb = "Would load" if result.dry_run else "Loaded"
    console.print(
        f"{verb} {len(result.decks)} deck{'s' if len(result.decks) != 1 else ''}: "
        f"{result.total('new')} new, {result.total('changed')} changed, "
        f"{result.total('unchanged')} unchanged, {result.total('retired')} retired cards."
        + (" Dry run: nothing was written." if result.dry_run else ""),
        soft_wrap=True,
    )


def schema() -> None:
    """Print the deck format as JSON Schema, for editors and CI.

    Save it next to your decks and point the VS Code YAML extension at it
    (see docs/deck-format.md).

    Example: repdrill schema > deck.schema.json
    """
    from repdrill.decks.format import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Decks")(validate)
    app.command(rich_help_panel="Decks")(load)
    app.command(rich_help_panel="Decks")(schema)
