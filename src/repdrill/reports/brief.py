"""The weekly brief: the report's headline as a short message for a chat or a mailbox.

:class:`Brief` renders the same lines as Markdown (what ``repdrill brief``
prints), plain text and HTML (the two parts of the e-mail), and a
Slack-compatible webhook body (``text`` plus blocks). Sending it is
:mod:`repdrill.reports.delivery`'s job.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import re
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from repdrill._text import visible
from repdrill.cards import iso
from repdrill.reports.report import REPORT_VERSION, Headline, ReportScope, signed
from repdrill.schedule.rules import IDLE_DAYS

#: Reps named in the "behind" line; the rest are counted.
BEHIND_NAMED = 8


class Flavour(Protocol):
    """How one output format marks up the brief's lines."""

    def bold(self, text: str) -> str: ...

    def code(self, text: str) -> str:
        """``text`` (raw, not escaped) set as an identifier."""
        ...

    def escape(self, text: str) -> str: ...

    def link(self, url: str, text: str) -> str: ...


class Plain:
    """Plain text: the e-mail's text part, a webhook's fallback, the workbook."""

    def bold(self, text: str) -> str:
        return text

    def code(self, text: str) -> str:
        return visible(text)

    def escape(self, text: str) -> str:
        return visible(text)

    def link(self, url: str, text: str) -> str:
        return f"{text}: {url}"


class Markdown:
    """CommonMark: what ``repdrill brief`` prints and the Markdown report's summary."""

    def bold(self, text: str) -> str:
        return f"**{text}**"

    def code(self, text: str) -> str:
        return f"`{visible(text)}`"

    def escape(self, text: str) -> str:
        return re.sub(r"([\\`*_\[\]<>#|~])", r"\\\1", visible(text))

    def link(self, url: str, text: str) -> str:
        return f"[{text}](<{url}>)"


class Slack:
    """Slack's mrkdwn: ``*bold*``, ``<url|text>``, and only ``&<>`` escaped."""

    def bold(self, text: str) -> str:
        return f"*{text}*"

    def code(self, text: str) -> str:
        return f"`{self.escape(text)}`"

    def escape(self, text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def link(self, url: str, text: str) -> str:
        return f"<{self.escape(url)}|{text}>"


class Html:
    """HTML: the e-mail's HTML part and the HTML report's summary."""

    def bold(self, text: str) -> str:
        return f"<strong>{text}</strong>"

    def code(self, text: str) -> str:
        return f"<code>{html.escape(text)}</code>"

    def escape(self, text: str) -> str:
        return html.escape(text)

    def link(self, url: str, text: str) -> str:
        return f'<a href="{html.escape(url)}">{text}</a>'


def headline_lines(headline: Headline, f: Flavour, *, link: str | None = None) -> list[str]:
    """The headline in a few sentences, marked up by ``f``: every format says it alike."""
    h, esc = headline, f.escape
    lines = [
        f"{f.bold(f'Team mastery {h.mastery_percent:.1f}%')}: "
        f"{signed(h.change_7d)} points in 7 days, {signed(h.change_period)} since "
        f"{h.since.isoformat()}."
    ]
    rule = f"more than {h.max_overdue} cards overdue, or no drill in {IDLE_DAYS} days"
    if h.behind:
        named = [_behind(r.rep, r.overdue, r.last_active, h.until, f) for r in h.behind]
        more = len(named) - BEHIND_NAMED
        shown = "; ".join(named[:BEHIND_NAMED]) + (f"; and {more} more" if more > 0 else "")
        lines.append(f"{f.bold(f'Behind ({len(h.behind)})')} ({rule}): {shown}.")
    else:
        lines.append(f"{f.bold('Behind')}: nobody ({rule}).")
    if h.on_hold:
        held = ", ".join(
            f"{esc(r.rep)} until {iso(r.on_hold_until)}" for r in h.on_hold if r.on_hold_until
        )
        lines.append(f"{f.bold('On hold')}: {held}.")
    if h.losing:
        cards = "; ".join(
            f"{f.code(c.ref)} ({c.mastered_reps} now, {c.lost_reps} fewer than 7 days ago)"
            for c in h.losing
        )
        lines.append(f"{f.bold('Losing mastery')} (reps who have it mastered): {cards}.")
    if h.weakest_tag is not None:
        weak = h.weakest_tag
        cards_word = "card" if weak.active_cards == 1 else "cards"
        lines.append(
            f"{f.bold('Weakest tag')}: {f.code(weak.tag)}, {weak.percent:.1f}% mastered "
            f"({weak.active_cards} {cards_word})."
        )
    if link:
        lines.append(f.link(link, "The full report"))
    return lines


def _behind(rep: str, overdue: int, last: dt.date | None, until: dt.date, f: Flavour) -> str:
    if last is None:
        seen = "never drilled"
    else:
        ago = (until - last).days
        seen = f"last drill {last.isoformat()}" + (f" ({ago} days ago)" if ago > 1 else "")
    return f"{f.escape(rep)}, {overdue} overdue, {seen}"


@dataclass(frozen=True, slots=True)
class Brief:
    """The headline of one report, ready to print or send: ``repdrill brief``."""

    scope: ReportScope
    generated_at: dt.datetime
    headline: Headline
    #: A link to the full report (a published HTML page), or ``None``.
    link: str | None = None
    #: Where it was delivered: ``webhook HOST`` and e-mail addresses.
    sent_to: tuple[str, ...] = ()
    dry_run: bool = False

    @property
    def title(self) -> str:
        described = self.scope.describe()
        week = f"week ending {self.scope.until.isoformat()}"
        return " · ".join(part for part in ("Mastery brief", described, week) if part)

    @property
    def subject(self) -> str:
        """The e-mail subject: the figure first, as a manager scans an inbox."""
        h = self.headline
        behind = f", {len(h.behind)} behind" if h.behind else ""
        change = signed(h.change_7d)
        return f"{self.title}: mastery {h.mastery_percent:.1f}% ({change} pts){behind}"

    def lines(self, flavour: Flavour) -> list[str]:
        """The brief's lines, marked up by ``flavour``."""
        return headline_lines(self.headline, flavour, link=self.link)

    def markdown(self) -> str:
        flavour = Markdown()
        items = [f"- {line}" for line in self.lines(flavour)]
        return "\n".join([flavour.bold(flavour.escape(self.title)), "", *items]) + "\n"

    def text(self) -> str:
        return "\n".join([self.title, "", *self.lines(Plain())]) + "\n"

    def html(self) -> str:
        flavour = Html()
        items = "".join(f"<li>{line}</li>" for line in self.lines(flavour))
        return (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(self.title)}</title></head>"
            '<body style="font-family: sans-serif; line-height: 1.45; color: #1d2430;">'
            f'<h2 style="font-size: 1.1rem;">{html.escape(self.title)}</h2>'
            f"<ul>{items}</ul></body></html>\n"
        )

    def webhook_body(self) -> dict[str, object]:
        """A Slack-compatible incoming-webhook body: ``text`` (the fallback) and blocks."""
        flavour = Slack()
        blocks: list[dict[str, object]] = [
            {"type": "header", "text": {"type": "plain_text", "text": self.title[:150]}}
        ]
        blocks += [
            {"type": "section", "text": {"type": "mrkdwn", "text": line[:3000]}}
            for line in self.lines(flavour)
        ]
        return {"text": self.text(), "blocks": blocks}

    def email(self, sender: str, to: tuple[str, ...]) -> EmailMessage:
        """The brief as an e-mail: a plain-text part and an HTML part."""
        message = EmailMessage()
        message["Subject"] = self.subject
        message["From"] = sender
        message["To"] = ", ".join(to)
        message["Date"] = email.utils.format_datetime(self.generated_at)
        message["Message-ID"] = email.utils.make_msgid(domain=sender.rpartition("@")[2] or None)
        message.set_content(self.text())
        message.add_alternative(self.html(), subtype="html")
        return message

    def to_json(self) -> dict[str, object]:
        return {
            "report_version": REPORT_VERSION,
            "generated_at": iso(self.generated_at),
            **self.scope.to_json(),
            "summary": self.headline.to_json(),
            "sent_to": list(self.sent_to),
            "dry_run": self.dry_run,
        }
