"""``repdrill report``: mastery reports for managers, on screen or exported."""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from repdrill import config
from repdrill._output_file import check_output, write_output
from repdrill.cli.context import repdrill_of
from repdrill.cli.options import DeckOption, RepOption, TagOption, date_option
from repdrill.cli.output import out_console, pretty_json, print_json
from repdrill.errors import RepdrillError

if TYPE_CHECKING:
    from repdrill.reports.brief import Brief
    from repdrill.reports.report import Report

PASSWORD_ENV = config.SMTP_PASSWORD_ENV


class ReportFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    md = "md"
    html = "html"
    xlsx = "xlsx"


class BriefFormat(StrEnum):
    md = "md"
    text = "text"
    html = "html"
    json = "json"


TeamOption = Annotated[
    str | None,
    typer.Option("--team", metavar="NAME", help="Only the reps of this team in the roster."),
]
RosterOption = Annotated[
    Path | None,
    typer.Option(
        "--roster",
        exists=True,
        dir_okay=False,
        metavar="FILE",
        help="Team roster. Default: teams.yaml here or at the root of this git checkout.",
    ),
]
SinceOption = Annotated[
    dt.date | None, date_option("--since", "First day of the period (default: 12 weeks back).")
]
UntilOption = Annotated[
    dt.date | None, date_option("--until", "Last day of the period (default: today).")
]
MaxOverdueOption = Annotated[
    int | None,
    typer.Option(
        "--max-overdue",
        metavar="N",
        min=0,
        help="A rep with more than N cards overdue is behind (as is one with no drill in "
        "7 days). Default: 10.",
        show_default=False,
    ),
]


def report(
    ctx: typer.Context,
    deck: DeckOption = None,
    tag: TagOption = None,
    rep: RepOption = None,
    team: TeamOption = None,
    roster: RosterOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            metavar="VIEW",
            help="Mastery matrix columns: namespace (every tag, one matrix per namespace), "
            "tag (tags without a namespace), deck, or one namespace such as competitor, "
            "persona or stage.",
        ),
    ] = "namespace",
    max_overdue: MaxOverdueOption = None,
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
        bool, typer.Option("--force", help="Overwrite an existing regular file.")
    ] = False,
) -> None:
    """Report who has mastered what, where the gaps are, and the trend.

    First the headline: team mastery and its change in 7 days, who is behind
    (more than --max-overdue cards overdue, or no drill in 7 days), who is on
    hold, the cards the team is losing and the weakest tag. Then a mastery
    heatmap per tag namespace (or --by), per rep standing, mastery week by week,
    the hardest cards, the key points missed most, and per revised card how
    many reps have re-mastered it since the revision. --since-revision shows
    who has relearned each revised card.

    Examples:

    \b
      repdrill report --team west
      repdrill report --by competitor
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
    if output is not None:
        check_output(output, force=force)
    built = repdrill_of(ctx).report(
        since=since,
        until=until,
        deck=deck,
        tag=tag,
        rep=rep,
        team=team,
        roster=roster,
        by=by,
        max_overdue=max_overdue,
        since_revision=since_revision,
    )
    if output_format is ReportFormat.table:
        from repdrill.reports.exporters.terminal import print_report

        print_report(built, out_console())
        return
    _export(built, output_format.value, output, table, force=force)


def _export(built: Report, fmt: str, output: Path | None, table: str, *, force: bool) -> None:
    if fmt == "xlsx":
        assert output is not None
        write_output(output, built.write_xlsx, force=force)
    elif output is None:
        built.write(sys.stdout, fmt, table=table, pretty=pretty_json(sys.stdout))  # type: ignore[arg-type]
    else:

        def write(tmp: str) -> None:
            with open(tmp, "w", encoding="utf-8", newline="") as handle:
                built.write(handle, fmt, table=table, pretty=pretty_json(handle))  # type: ignore[arg-type]

        write_output(output, write, force=force)
    if output is not None:
        print(f"Wrote {output}", file=sys.stderr)


def brief(
    ctx: typer.Context,
    deck: DeckOption = None,
    tag: TagOption = None,
    rep: RepOption = None,
    team: TeamOption = None,
    roster: RosterOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    max_overdue: MaxOverdueOption = None,
    output_format: Annotated[
        BriefFormat,
        typer.Option("--format", "-f", help="How to print it: md, text, html or json."),
    ] = BriefFormat.md,
    link: Annotated[
        str | None,
        typer.Option("--link", metavar="URL", help="Link to the full report (a published page)."),
    ] = None,
    webhook: Annotated[
        str | None,
        typer.Option(
            "--webhook",
            metavar="URL",
            help="Post it to this incoming webhook (Slack-compatible JSON: text and blocks).",
        ),
    ] = None,
    smtp: Annotated[
        str | None,
        typer.Option(
            "--smtp",
            metavar="HOST[:PORT]",
            help="Mail it through this SMTP server (port 587 unless given; STARTTLS when "
            "offered; 465 is TLS from the start).",
        ),
    ] = None,
    to: Annotated[
        list[str] | None,
        typer.Option("--to", metavar="ADDR", help="Mail it to this address (repeat for more)."),
    ] = None,
    sender: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="ADDR",
            help="The From address. Default: --smtp-user if it is an address, else "
            "repdrill@ this host.",
        ),
    ] = None,
    smtp_user: Annotated[
        str | None,
        typer.Option(
            "--smtp-user",
            metavar="USER",
            help=f"Log in to the SMTP server as USER, with the password in {PASSWORD_ENV}.",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", "-n", help="Print it and say where it would go; send nothing."),
    ] = False,
) -> None:
    """Print the report's headline as a short message, and send it to a chat or by mail.

    The headline: team mastery and its change in 7 days and since --since,
    the reps behind and how far, who is on hold, the cards the team is losing
    and the weakest tag. --webhook posts it to a chat's incoming webhook;
    --smtp and --to mail it (a plain-text and an HTML part). The message is
    always printed, so a failed send (exit 1, with the server's answer) loses
    nothing.

    Examples:

    \b
      repdrill brief --team mid-market-west
      repdrill brief --team mid-market-west --webhook "$SLACK_WEBHOOK_URL"
      repdrill brief --smtp mail.example.com --to maria@example.com --smtp-user bot@example.com
    """
    from repdrill.errors import DeliveryError
    from repdrill.reports.brief import Brief
    from repdrill.reports.delivery import Mail, Target, Webhook

    if since is not None and until is not None and since > until:
        raise typer.BadParameter(f"--since {since} is after --until {until}", param_hint="--since")
    if smtp is None and (to or sender or smtp_user):
        raise typer.BadParameter(
            "--to, --from and --smtp-user need --smtp HOST", param_hint="--smtp"
        )
    targets: list[Target] = []
    try:
        if webhook is not None:
            targets.append(Webhook(webhook))
        if smtp is not None:
            if not to:
                raise typer.BadParameter("mail needs --to ADDR", param_hint="--to")
            targets.append(Mail.at(smtp, to, sender=sender, user=smtp_user))
    except RepdrillError as error:
        raise typer.BadParameter(str(error)) from None
    password = os.environ.get(PASSWORD_ENV) if smtp_user else None
    if smtp_user is not None and not password and not dry_run:
        raise RepdrillError(f"--smtp-user {smtp_user} needs its password in {PASSWORD_ENV}")
    targets = [
        replace(target, password=password) if isinstance(target, Mail) else target
        for target in targets
    ]
    try:
        built = repdrill_of(ctx).brief(
            since=since,
            until=until,
            deck=deck,
            tag=tag,
            rep=rep,
            team=team,
            roster=roster,
            max_overdue=max_overdue,
            link=link,
            send=targets,
            dry_run=dry_run,
        )
    except DeliveryError as error:
        if isinstance(error.undelivered, Brief):
            _print_brief(error.undelivered, output_format)
            _say_sent(error.undelivered)
        raise
    _print_brief(built, output_format)
    if dry_run and targets:
        print("Dry run: would send to " + ", ".join(t.name for t in targets), file=sys.stderr)
    _say_sent(built)


def _print_brief(built: Brief, fmt: BriefFormat) -> None:
    if fmt is BriefFormat.json:
        print_json(built)
        return
    text = {"md": built.markdown, "text": built.text, "html": built.html}[fmt.value]()
    sys.stdout.write(text)


def _say_sent(built: Brief) -> None:
    if built.sent_to:
        print("Sent to " + ", ".join(built.sent_to), file=sys.stderr)


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Managers")(report)
    app.command(rich_help_panel="Managers")(brief)
