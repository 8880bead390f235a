"""``repdrill team``: team mode on PostgreSQL, for whoever owns the team database."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from repdrill.cli.context import repdrill_of
from repdrill.cli.options import DryRunOption, JsonOption
from repdrill.cli.output import err_console, out_console, print_json
from repdrill.errors import RepdrillError

if TYPE_CHECKING:
    from repdrill.store.team import LoginAdded

team_app = typer.Typer(
    help="Team mode on PostgreSQL: each person logs in as themselves, and the database "
    "keeps reps, managers and deck authors in their lanes."
)

NameArgument = Annotated[
    str,
    typer.Argument(
        metavar="NAME",
        help="The login name; for a rep, also the rep's name (as in --user).",
        show_default=False,
    ),
]
PasswordStdinOption = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of stdin. Default for a new login: "
        "generate one and print it once.",
    ),
]


def _password(from_stdin: bool) -> str | None:
    if not from_stdin:
        return None
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise RepdrillError("--password-stdin read an empty line; give the password on stdin")
    return line


def _dry_run_note(dry_run: bool) -> None:
    if dry_run:
        err_console().print("Dry run: nothing was written.", markup=False)


@team_app.command("setup")
def team_setup(
    ctx: typer.Context,
    sql: Annotated[
        bool, typer.Option("--sql", help="Print the SQL setup runs, and run nothing.")
    ] = False,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
) -> None:
    """Create this database's group roles, grants and row-level security policies.

    Run by the owner of the repdrill tables, with CREATEROLE the first time.
    It can be run again at any time and changes only what drifted; repdrill
    also runs it again by itself after upgrading a team database's schema. A
    database where it never ran is a single-user database, as before.

    Example: repdrill --db postgresql+psycopg://repdrill@db/repdrill team setup
    """
    rd = repdrill_of(ctx)
    if sql:
        sys.stdout.write(rd.team_setup_sql())
        return
    result = rd.team_setup(dry_run=dry_run)
    for warning in result.warnings:
        err_console().print(f"Warning: {warning}", markup=False, soft_wrap=True)
    if as_json:
        print_json(result)
        return
    out = out_console()
    groups = result.groups
    out.print(f"Team mode is set up in {result.database}.", markup=False)
    out.print(
        f"Group roles: {groups.rep}, {groups.manager}, {groups.importer}, {groups.author}"
        + (f" (created: {', '.join(result.created_roles)})" if result.created_roles else ""),
        markup=False,
        soft_wrap=True,
    )
    out.print("Next: repdrill team load teams.yaml, then repdrill team add-rep NAME.", markup=False)
    _dry_run_note(dry_run)


@team_app.command("harden")
def team_harden(
    ctx: typer.Context,
    sql: Annotated[
        bool, typer.Option("--sql", help="Print the SQL for a superuser to run, and run nothing.")
    ] = False,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
) -> None:
    """Make the review log's protection something only a superuser can undo.

    Without it, the owner of the tables could drop or disable the append-only
    triggers. Run as a superuser (or print the SQL with --sql for one to run).
    Later migrations that alter the log's tables then need a superuser too.

    Example: repdrill team harden --sql | psql -1 -v ON_ERROR_STOP=1 -d repdrill -f -
    """
    if sql:
        from repdrill.store.team import harden_sql

        sys.stdout.write(harden_sql())
        return
    result = repdrill_of(ctx).team_harden(dry_run=dry_run)
    if as_json:
        print_json(result)
        return
    out_console().print(
        "Hardened: only a superuser can now change the review log's tables or triggers.",
        markup=False,
    )
    _dry_run_note(dry_run)


def _show(added: LoginAdded, as_json: bool) -> None:
    if as_json:
        print_json(added)
        return
    from repdrill.store.team import describe_roles

    out = out_console()
    roles = describe_roles(added.roles)
    if added.login_created:
        out.print(f"Created login {added.login}: {roles} here.", markup=False, soft_wrap=True)
    else:
        out.print(
            f"{added.login} already had a repdrill login (its password is unchanged unless "
            f"given): now {roles} here.",
            markup=False,
            soft_wrap=True,
        )
    if added.team:
        out.print(f"Manages team {added.team}.", markup=False)
    if added.password:
        out.print(f"Password (shown only now): {added.password}", markup=False)
    _dry_run_note(added.dry_run)


@team_app.command("add-rep")
def add_rep(
    ctx: typer.Context,
    name: NameArgument,
    password_stdin: PasswordStdinOption = False,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
) -> None:
    """Create a rep's login: she drills, and reads and writes only her own reviews.

    The rep's name is the login name. A new login gets a generated password,
    printed once, unless --password-stdin gives one; only its SCRAM hash
    reaches the server.

    Example: repdrill team add-rep ana
    """
    added = repdrill_of(ctx).add_rep(name, password=_password(password_stdin), dry_run=dry_run)
    _show(added, as_json)


@team_app.command("add-manager")
def add_manager(
    ctx: typer.Context,
    name: NameArgument,
    team: Annotated[
        str,
        typer.Option(
            "--team", metavar="TEAM", help="The team they manage, from the database's roster."
        ),
    ],
    can_import: Annotated[
        bool,
        typer.Option("--import", help="Also let them import the review logs of their teams' reps."),
    ] = False,
    password_stdin: PasswordStdinOption = False,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
) -> None:
    """Create a manager's login: reports on the reps of their teams, and writes nothing.

    Managers read what a report needs about the reps on the teams they manage,
    never the reps' typed answers. Run it again with another --team to add a
    team. With --import they may also import those reps' review logs.

    Example: repdrill team add-manager maria --team mid-market-west
    """
    added = repdrill_of(ctx).add_manager(
        name,
        team=team,
        can_import=can_import,
        password=_password(password_stdin),
        dry_run=dry_run,
    )
    _show(added, as_json)


@team_app.command("add-author")
def add_author(
    ctx: typer.Context,
    name: NameArgument,
    password_stdin: PasswordStdinOption = False,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
) -> None:
    """Create a deck author's login: loads and retires decks, reads deck health.

    Authors see every rep's reviews for deck health, but not who gave them and
    not the typed answers.

    Example: repdrill team add-author priya
    """
    added = repdrill_of(ctx).add_author(name, password=_password(password_stdin), dry_run=dry_run)
    _show(added, as_json)


@team_app.command("remove")
def remove(
    ctx: typer.Context,
    name: NameArgument,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
) -> None:
    """Take away a login's roles in this database, and drop the login.

    A session the person still has open is refused at its next statement. A
    rep's reviews and states stay (managers still see their history); a
    manager's teams are taken from them. A login that also has a role in
    another repdrill database on the server keeps it, and is not dropped.

    Example: repdrill team remove ben
    """
    removed = repdrill_of(ctx).team_remove(name, dry_run=dry_run)
    if as_json:
        print_json(removed)
        return
    what = " and ".join(removed.roles)
    tail = (
        "dropped the login"
        if removed.dropped
        else "kept the login: it has a role in another repdrill database"
    )
    out_console().print(
        f"Removed {removed.login} ({what}) from this database; {tail}.",
        markup=False,
        soft_wrap=True,
    )
    _dry_run_note(dry_run)


@team_app.command("list")
def team_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Show every login with a role in this database, and the database's roster.

    Example: repdrill team list --json
    """
    listing = repdrill_of(ctx).team_list()
    if as_json:
        print_json(listing)
        return
    from rich.table import Table
    from rich.text import Text

    out = out_console()
    people = Table(title="Logins", title_justify="left")
    for column in ("login", "roles", "teams"):
        people.add_column(column)
    for person in listing.people:
        people.add_row(Text(person.login), ", ".join(person.roles), Text(", ".join(person.teams)))
    out.print(people if listing.people else "No logins yet: repdrill team add-rep NAME")
    roster = Table(title="Roster", title_justify="left")
    for column in ("team", "reps", "managers"):
        roster.add_column(column)
    for team in listing.roster:
        roster.add_row(
            Text(team.team), Text(", ".join(team.members)), Text(", ".join(team.managers))
        )
    out.print(roster if listing.roster else "No teams yet: repdrill team load teams.yaml")


@team_app.command("load")
def load(
    ctx: typer.Context,
    roster: Annotated[
        Path | None,
        typer.Argument(
            exists=True,
            dir_okay=False,
            metavar="[ROSTER]",
            help="The roster file. Default: teams.yaml here or at the root of this git checkout.",
            show_default=False,
        ),
    ] = None,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
) -> None:
    """Make the database's roster equal teams.yaml: which reps each manager sees.

    Teams and their reps become exactly the file's. A team whose entry names a
    manager gets exactly that manager; the managers of a team without one
    (added with add-manager) stay. Logins are not created here: add-rep and
    add-manager do that.

    Example: repdrill team load teams.yaml --dry-run
    """
    result = repdrill_of(ctx).team_load(roster, dry_run=dry_run)
    if as_json:
        print_json(result)
        return
    out = out_console()
    for change in result.changes:
        out.print(f"  {change}", markup=False)
    out.print(
        f"Roster {result.path}: {len(result.teams)} team(s), {len(result.changes)} change(s).",
        markup=False,
        soft_wrap=True,
    )
    _dry_run_note(dry_run)


def register(app: typer.Typer) -> None:
    app.add_typer(team_app, name="team", rich_help_panel="Team", no_args_is_help=True)
