"""Commands for deck authors: ``validate``, ``load``, ``schema`` and the ``deck`` group."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from repdrill._output_file import check_output, write_output
from repdrill._text import one_line, visible
from repdrill.cli.context import repdrill_of
from repdrill.cli.options import DeckOption, DryRunOption, JsonOption, PathsArgument, SinceOption
from repdrill.cli.output import err_console, out_console, print_json
from repdrill.cli.render import missed_points_table
from repdrill.errors import RepdrillError

if TYPE_CHECKING:
    from repdrill.decks.validate import Validation
    from repdrill.errors import Problem
    from repdrill.reports.health import DeckHealth
    from repdrill.reports.wordings import LearntWordings
    from repdrill.store.load import DeckChanges, LoadResult

#: Show a progress bar when a load has at least this many bytes to read.
PROGRESS_BYTES = 2 * 2**20


class ValidateFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"


def validate(
    ctx: typer.Context,
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
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Treat warnings (key points the grader will misread, review-by dates "
            "that have come, messages changed without a revision) as errors.",
        ),
    ] = False,
    against: Annotated[
        str | None,
        typer.Option(
            "--against",
            metavar="REF",
            help="Compare each deck with its version at this git commit (HEAD~1, main): "
            "warn where the message changed but the revision did not.",
        ),
    ] = None,
    compare_db: Annotated[
        bool,
        typer.Option(
            "--db",
            help="Compare each deck with the version last loaded into the database "
            "(the global --db / REPDRILL_DB).",
        ),
    ] = False,
) -> None:
    """Check deck files without touching the database.

    Every problem in every file is reported as path:line:column: message,
    tags outside the taxonomy in repdrill.yaml included. Warnings name key
    points the grader will misread (a slash inside one wording, a leading
    instruction verb, overlapping points, a model answer that does not earn a
    5...) with the fix, review_by dates that have come (by --today), and with
    --against or --db, cards whose message changed (a price, a figure, a name,
    a key point) while their revision did not; --strict makes them errors.
    Exit status: 0 when all decks are valid, 1 when any is not, 2 on usage errors.

    Example: repdrill validate --strict --against HEAD~1 decks/
    """
    if compare_db:
        checked = repdrill_of(ctx).validate(paths, strict=strict, against=against, database=True)
    else:
        from repdrill.decks.history import from_git
        from repdrill.decks.validate import validate as check

        # Without --db, validation needs no database and no rep: the library function.
        checked = check(
            paths,
            strict=strict,
            today=_today(ctx),
            earlier=[from_git(against)] if against else [],
        )
    problems = list(checked.problems)
    if output_format is ValidateFormat.json:
        print_json(checked)
    elif output_format is ValidateFormat.github:
        for problem in problems:
            print(_github_annotation(problem))
        for warning in checked.warnings:
            print(_github_annotation(warning, level="warning"))
    else:
        for problem in sorted([*problems, *checked.warnings], key=_place):
            print(one_line(str(problem)))
    if output_format is not ValidateFormat.json:
        _validation_summary(checked)
    if not checked.valid:
        raise typer.Exit(1)


def _today(ctx: typer.Context) -> dt.date:
    """The global --today (REPDRILL_TODAY), else the real date."""
    from repdrill.cli.context import AppContext

    root = ctx.find_root().obj
    if isinstance(root, AppContext) and root.today is not None:
        return root.today
    return dt.date.today()


def _validation_summary(checked: Validation) -> None:
    err = err_console()
    files, rosters, problems = checked.files, len(checked.rosters), checked.problems
    taxonomies = len(checked.taxonomies)
    total = files + rosters + taxonomies
    if total == 0:
        err.print("Error: no deck files (*.yaml, *.yml) found", style="bold red")
    elif problems:
        broken = len({p.path for p in problems})
        err.print(
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in "
            f"{broken} of {total} file{'s' if total != 1 else ''}",
            style="red",
        )
    elif checked.strict and checked.warnings:
        count = len(checked.warnings)
        err.print(f"{count} warning{'s' if count != 1 else ''}, errors with --strict", style="red")
    else:
        valid = len(checked.decks)
        roster_note = f" and {rosters} roster{'s' if rosters != 1 else ''}" if rosters else ""
        if taxonomies:
            roster_note = (
                roster_note.replace(" and", ",") + f" and {taxonomies} "
                f"tax{'onomies' if taxonomies != 1 else 'onomy'}"
            )
        count = len(checked.warnings)
        warned = f", {count} warning{'s' if count != 1 else ''}" if count else ""
        err.print(
            f"{valid} deck{'s' if valid != 1 else ''}{roster_note} valid{warned}",
            style="yellow" if count else "green",
        )


def _place(problem: Problem) -> tuple[str, int, int]:
    return problem.path, problem.line, problem.column


def _github_annotation(problem: Problem, *, level: str = "error") -> str:
    """A GitHub Actions workflow command (escaped as the runner expects)."""

    def escape(value: str, *, prop: bool = False) -> str:
        value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return value.replace(":", "%3A").replace(",", "%2C") if prop else value

    return (
        f"::{level} file={escape(problem.path, prop=True)},line={problem.line},"
        f"col={problem.column},title=repdrill::{escape(problem.message)}"
    )


def load(
    ctx: typer.Context,
    paths: PathsArgument,
    dry_run: DryRunOption = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the changes as JSON.")] = False,
) -> None:
    """Load decks into the database: add new cards, update edited ones, retire removed ones.

    A card keeps its schedule and history across edits (its id is its identity).
    A card missing from its deck file is retired, never deleted, and revived if it
    comes back. Only the decks named here can retire cards. An invalid deck aborts
    the whole load and nothing is written. Unchanged files are skipped.

    Example: repdrill load decks/ --dry-run
    """
    rd = repdrill_of(ctx)
    err = err_console()
    if err.is_terminal and sum(_size(p) for p in paths) >= PROGRESS_BYTES and not as_json:
        from rich.progress import Progress

        with Progress(console=err, transient=True) as bar:
            task = bar.add_task("Loading decks", total=None)

            def progress(done: int, total: int, path: str) -> None:
                bar.update(task, completed=done, total=total, description=f"Loading {path}")

            result = rd.load(paths, dry_run=dry_run, progress=progress)
    else:
        result = rd.load(paths, dry_run=dry_run)
    if as_json:
        print_json(result)
    else:
        print_load(result)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*.y*ml") if p.is_file())


def print_load(result: LoadResult, *, quiet_if_unchanged: bool = False) -> None:
    """One line per deck, then the totals; card ids for anything retired or revived."""
    from rich.markup import escape

    console = out_console() if not quiet_if_unchanged else err_console()
    changed = [d for d in result.decks if not d.skipped]
    if quiet_if_unchanged and not any(d.touched for d in changed):
        return
    for deck in result.decks:
        if deck.skipped:
            console.print(
                f"[bold]{deck.deck}[/] ({escape(one_line(deck.path))}): file unchanged, skipped",
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
        if deck.revised:
            counts.append(f"{len(deck.revised)} revised")
        label = " (new deck)" if deck.created else ""
        console.print(
            f"[bold]{deck.deck}[/]{label} ({escape(one_line(deck.path))}): {', '.join(counts)}",
            soft_wrap=True,
        )
        for name, ids in (
            ("changed in wording (progress kept)", deck.changed),
            ("retired", deck.retired),
            ("revived", deck.revived),
        ):
            if ids:
                console.print(f"  {name}: {', '.join(ids)}", soft_wrap=True, markup=False)
        if deck.revised:
            console.print(f"  {revised_line(deck)}", soft_wrap=True, markup=False)
    verb = "Would load" if result.dry_run else "Loaded"
    revised = result.total("revised")
    console.print(
        f"{verb} {len(result.decks)} deck{'s' if len(result.decks) != 1 else ''}: "
        f"{result.total('new')} new, {result.total('changed')} changed, "
        + (f"{revised} revised, " if revised else "")
        + f"{result.total('unchanged')} unchanged, {result.total('retired')} retired cards."
        + (" Dry run: nothing was written." if result.dry_run else ""),
        soft_wrap=True,
    )


def revised_line(deck: DeckChanges) -> str:
    """``3 cards revised: 14 reps will relearn them: a, b, c``."""
    count, reps = len(deck.revised), deck.relearn_reps
    cards = f"{count} card{'s' if count != 1 else ''} revised"
    them = "them" if count != 1 else "it"
    if reps == 0:
        who = "no rep has reviewed " + them + " yet"
    else:
        who = f"{reps} rep{'s' if reps != 1 else ''} will relearn {them}"
    return f"{cards}: {who}: {', '.join(deck.revised)}"


def schema() -> None:
    """Print the deck format as JSON Schema, for editors and CI.

    Save it next to your decks and point the VS Code YAML extension at it
    (see docs/deck-format.md). With a tag taxonomy (repdrill.yaml here or at
    the root of this git checkout) the schema lists the allowed tags, so the
    editor offers them, and the namespaces each card type needs.

    Example: repdrill schema > deck.schema.json
    """
    from repdrill.decks.format import json_schema
    from repdrill.decks.taxonomy import find_taxonomy, read_taxonomy

    found = find_taxonomy()
    arguments = read_taxonomy(found).schema_arguments() if found else {}
    sys.stdout.write(json.dumps(json_schema(**arguments), indent=2) + "\n")


deck_app = typer.Typer(
    help="Look after decks: their health across the team, spreadsheets in and out, retiring them."
)


class CardType(StrEnum):
    objection = "objection"
    messaging = "messaging"
    fact = "fact"
    scenario = "scenario"


class SheetFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


@deck_app.command("import")
def deck_import(
    sheet: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            metavar="FILE.csv|FILE.xlsx",
            help="The sheet: one card per row, columns named by the header row.",
            show_default=False,
        ),
    ],
    deck_id: Annotated[
        str | None,
        typer.Option("--id", metavar="DECK", help="The deck's id (default: the -o deck's)."),
    ] = None,
    title: Annotated[
        str | None,
        typer.Option("--title", metavar="TITLE", help="The deck's title (default: the -o deck's)."),
    ] = None,
    card_type: Annotated[
        CardType | None,
        typer.Option("--type", help="The type of cards whose row has no type."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            dir_okay=False,
            metavar="FILE",
            help="Write the deck here (default: stdout). An existing deck keeps its card ids.",
        ),
    ] = None,
    dry_run: DryRunOption = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing regular file.")
    ] = False,
) -> None:
    """Make a deck from a spreadsheet (CSV or XLSX): one card per row.

    Columns by header: id, prompt, answer, key_points and red_flags (one
    point per line or separated by ';', alternative wordings by ' | '), tags
    (comma separated), type, explanation, source, choices, correct, revision,
    review_by. Rows without an id get one made from the prompt, and tags are
    checked against the taxonomy (repdrill.yaml) of the deck's repository. Into an
    existing deck file (-o, with --force), cards keep the ids already there,
    matched by the id column or by the prompt. Bad rows are reported as
    FILE:ROW: message and nothing is written unless every row is good.

    Example: repdrill deck import objections.xlsx --id objections --title Objections -o o.yaml
    """
    from rich.markup import escape

    from repdrill.decks.sheets import import_sheet
    from repdrill.decks.taxonomy import Taxonomies
    from repdrill.errors import InvalidInput

    if output is not None and output.exists() and not force and not dry_run:
        raise RepdrillError(
            f"{output} exists; use --force to replace it (its card ids are kept), "
            "or --dry-run to see what would change"
        )
    if output is not None and not dry_run:
        check_output(output, force=force)
    taxonomies = Taxonomies()
    # The taxonomy of the repository the deck goes into (or of here, for stdout).
    taxonomy = taxonomies.for_deck(str(output) if output is not None else "deck.yaml")
    if taxonomies.problems:
        raise InvalidInput(taxonomies.problems)
    imported = import_sheet(
        str(sheet),
        taxonomy=taxonomy,
        deck_id=deck_id,
        title=title,
        card_type=card_type.value if card_type else None,
        into=str(output) if output is not None else None,
        dry_run=dry_run,
    )
    if output is None and not dry_run:
        sys.stdout.write(imported.text)
    elif not dry_run:
        write_output(output, _text_writer(imported.text), force=force)  # type: ignore[arg-type]
    count = len(imported.deck.cards)
    where = escape(str(output)) if output is not None else "stdout"
    parts = [f"{len(imported.kept)} ids kept", f"{len(imported.new)} new"]
    if imported.dropped:
        parts.append(f"{len(imported.dropped)} dropped: {', '.join(imported.dropped)}")
    verb = "Would write" if dry_run else "Wrote"
    err_console().print(
        f"{verb} {imported.deck.id} to {where}: {count} card{'s' if count != 1 else ''} "
        f"({'; '.join(parts)})" + (". Dry run: nothing was written." if dry_run else "."),
        soft_wrap=True,
        markup=False,
    )


@deck_app.command("export")
def deck_export(
    ctx: typer.Context,
    deck: Annotated[
        str,
        typer.Argument(
            metavar="DECK", help="A loaded deck's id, or a deck file.", show_default=False
        ),
    ],
    output_format: Annotated[
        SheetFormat, typer.Option("--format", "-f", help="csv or xlsx.")
    ] = SheetFormat.csv,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", dir_okay=False, metavar="FILE", help="Write here (default: stdout)."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing regular file.")
    ] = False,
) -> None:
    """Export a deck as a spreadsheet, for reviewers who live in spreadsheets.

    One card per row, in the columns deck import reads, so an edited sheet
    comes back with deck import. DECK is a loaded deck's id or a deck file.

    Example: repdrill deck export objection-handling --format xlsx -o objections.xlsx
    """
    if output_format is SheetFormat.xlsx and output is None:
        raise typer.BadParameter(
            "XLSX is a binary format; give --output FILE", param_hint="--output"
        )
    if output is not None:
        check_output(output, force=force)
    if Path(deck).is_file():
        from repdrill.decks.sheets import export_file

        table = export_file(deck)
    else:
        table = repdrill_of(ctx).export_deck(deck)
    if output_format is SheetFormat.xlsx:
        assert output is not None
        write_output(output, table.write_xlsx, force=force)
    elif output is None:
        table.write_csv(sys.stdout)
    else:

        def write(tmp: str) -> None:
            with open(tmp, "w", encoding="utf-8", newline="") as handle:
                table.write_csv(handle)

        write_output(output, write, force=force)
    if table.whys_left_out:
        err_console().print(
            "Note: a sheet has no column for a choice's why; left out for "
            + ", ".join(table.whys_left_out)
            + " (deck import into the deck file keeps them).",
            soft_wrap=True,
            markup=False,
        )
    if output is not None:
        err_console().print(f"Wrote {output}", markup=False, soft_wrap=True)


def _text_writer(text: str) -> Callable[[str], None]:
    def write(tmp: str) -> None:
        Path(tmp).write_text(text, encoding="utf-8")

    return write


@deck_app.command("health")
def deck_health(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            exists=True,
            metavar="[PATH...]",
            help="Deck files or directories: report on the decks they define.",
            show_default=False,
        ),
    ] = None,
    deck: DeckOption = None,
    since: SinceOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Rows per list.")] = 10,
    as_json: JsonOption = False,
) -> None:
    """Show deck authors where a deck fails the team.

    The cards the team fails most (lapse rate, and reps for whom a card has
    become a leech after 8 lapses), the key points typed answers miss most, and
    the cards nobody has reviewed yet, and the deck or cards due for review by
    the deck's owner (review_by dates on or before today).

    Example: repdrill deck health decks/objection-handling.yaml
    """
    health = repdrill_of(ctx).deck_health(deck=deck, paths=paths or (), since=since, limit=limit)
    if as_json:
        print_json(health)
        return
    for each in health.decks:
        _print_health(each)


@deck_app.command("retire")
def deck_retire(
    ctx: typer.Context,
    deck: Annotated[str, typer.Argument(metavar="ID", help="The deck id to retire.")],
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
) -> None:
    """Retire every card of a deck that was dropped or renamed; nothing is deleted.

    Loading only retires cards of the decks it names, so a deck whose file was
    deleted, or whose id changed, stays drilled until it is retired here. Its
    cards keep their history and still show in reports; loading the deck again
    revives them.

    Example: repdrill deck retire old-pricing --dry-run
    """
    retired = repdrill_of(ctx).retire_deck(deck, dry_run=dry_run)
    if as_json:
        print_json(retired)
        return
    count = len(retired.cards)
    verb = "Would retire" if dry_run else "Retired"
    out_console().print(
        f"{verb} {count} card{'s' if count != 1 else ''} of {deck}"
        + (". Dry run: nothing was written." if dry_run else "."),
        soft_wrap=True,
        markup=False,
    )


@deck_app.command("wordings")
def deck_wordings(
    ctx: typer.Context,
    deck: DeckOption = None,
    since: SinceOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Wordings per point.")] = 5,
    as_yaml: Annotated[
        bool, typer.Option("--yaml", help="Print the key points with their new alternatives.")
    ] = False,
    apply: Annotated[
        Path | None,
        typer.Option(
            "--apply",
            metavar="PATH",
            exists=True,
            dir_okay=False,
            help="Add the wordings to this deck file in place (see --dry-run).",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run/--no-dry-run",
            help="With --apply: show the changed lines; --no-dry-run writes them.",
        ),
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """List the wordings reps use for key points the grader missed.

    When a rep grades a typed answer 4 or 5 and the suggestion was 2 or less,
    the clauses of that answer closest to each missed point are its candidate
    wordings, most used first, with how many reps used them. --yaml prints
    them as alternatives to paste under key_points; --apply PATH adds them to
    the deck file, keeping comments and layout (a dry run unless --no-dry-run).

    Example: repdrill deck wordings --deck objection-handling --yaml
    """
    learnt = repdrill_of(ctx).deck_wordings(deck=deck, since=since, limit=limit)
    if apply is not None:
        from repdrill.reports.wordings import apply_wordings

        applied = apply_wordings(str(apply), learnt, dry_run=dry_run)
        if as_json:
            print_json(applied)
            return
        console = out_console()
        for line, before, after in applied.changed_lines:
            console.print(
                f"{apply}:{line}:\n  - {before.strip()}\n  + {after.strip()}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        for name in applied.skipped:
            console.print(
                f"skipped {name}: the point spans several lines; edit it by hand", markup=False
            )
        count = len(applied.changed_lines)
        verb = "Would change" if dry_run else "Changed"
        console.print(
            f"{verb} {count} key point{'s' if count != 1 else ''} in {apply}"
            + (". Dry run: nothing was written (--no-dry-run writes)." if dry_run else "."),
            markup=False,
            soft_wrap=True,
        )
        return
    if as_json:
        print_json(learnt)
    elif as_yaml:
        sys.stdout.write(learnt.as_yaml())
    else:
        _print_wordings(learnt)


def _print_wordings(learnt: LearntWordings) -> None:
    from rich.text import Text

    console = out_console()
    if not learnt.points:
        console.print("No overrides yet: no answer graded 4-5 after a suggestion of 2 or less.")
        return
    for point in learnt.points:
        console.print(
            Text.assemble(
                (f"{point.deck}/{point.card}", "bold"),
                f" · point {point.point + 1}: {' | '.join(point.alternatives)}",
            )
        )
        for w in point.wordings:
            reps = f"{w.rep_count} rep{'s' if w.rep_count != 1 else ''}"
            console.print(Text(f"  {w.text}  ({reps})"))


def _print_health(h: DeckHealth) -> None:
    from rich.table import Table
    from rich.text import Text

    console = out_console()
    console.print()
    console.print(
        Text.assemble(
            (h.deck, "bold"),
            f" · {visible(h.title)} · {h.reviewed_cards} of {h.active_cards} active cards reviewed",
        )
    )
    if h.failing:
        table = Table(title="Cards the team fails most", title_justify="left")
        for column in ("card", "lapse rate", "reviews", "reps", "leech for", "prompt"):
            table.add_column(column, justify="left" if column in ("card", "prompt") else "right")
        for f in h.failing:
            table.add_row(
                Text(f.card),
                f"{f.lapse_percent:.0f}%",
                str(f.reviews),
                str(f.reps),
                str(h.leeches.get(f.card, 0)),
                Text(visible(f.prompt)),
            )
        console.print(table)
    else:
        console.print("No card has lapsed often enough to rank yet.")
    if h.missed_points:
        title = "Key points missed most in typed answers"
        console.print(missed_points_table(h.missed_points, title, deck=False))
    for o in h.overrides:
        console.print(
            f"Overridden: {o.card} {o.overridden} of {o.suggested} suggestions "
            f"(mean {o.mean_change:+.1f} grades)",
            markup=False,
            soft_wrap=True,
        )
    for w in h.wrong_choices:
        console.print(
            f"Wrong choice: {w.card} '{visible(w.choice)}' picked by {w.reps} "
            f"of {w.answering_reps} reps",
            markup=False,
            soft_wrap=True,
        )
    if h.review_due:
        owner = f" ({visible(h.owner)})" if h.owner else ""
        due = ", ".join(
            f"{r.card or 'the deck'} (review_by {r.review_by.isoformat()})" for r in h.review_due
        )
        console.print(f"Due for review by its owner{owner}: {due}", soft_wrap=True, markup=False)
    if h.unreviewed:
        cards = ", ".join(h.unreviewed)
        console.print(
            f"Never reviewed ({len(h.unreviewed)}): {cards}", soft_wrap=True, markup=False
        )
    else:
        console.print("Every active card has been reviewed at least once.")


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Decks")(validate)
    app.command(rich_help_panel="Decks")(load)
    app.command(rich_help_panel="Decks")(schema)
    app.add_typer(deck_app, name="deck", rich_help_panel="Decks", no_args_is_help=True)
