"""Sending a brief: to a chat's incoming webhook over HTTP, or by e-mail over SMTP.

Only the standard library: ``urllib.request`` posts the webhook body (proxies
from ``HTTPS_PROXY`` as usual), ``smtplib`` sends the mail, upgrading to TLS
with STARTTLS whenever the server offers it (port 465: TLS from the start).
Certificates are checked against the system's store (``SSL_CERT_FILE`` names
another). A failed send is one line naming the server and its answer; a
webhook's path, which holds its secret, is never printed.
"""

from __future__ import annotations

import json
import smtplib
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from repdrill import __version__, config
from repdrill.errors import DeliveryError, RepdrillError
from repdrill.reports.brief import Brief

#: Seconds to wait for a webhook or a mail server.
TIMEOUT = 20.0
#: The submission port (RFC 6409), when ``--smtp`` names none.
SMTP_PORT = 587
#: Implicit TLS (SMTPS): no STARTTLS, TLS from the first byte.
SMTPS_PORT = 465
PASSWORD_ENV = config.SMTP_PASSWORD_ENV


class SendFailed(Exception):
    """One send failed; the message is the one line a user reads."""


@dataclass(frozen=True, slots=True)
class Webhook:
    """A chat's incoming webhook (Slack, Mattermost, ...): the brief is POSTed as JSON."""

    url: str = field(repr=False)

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RepdrillError(f"a webhook is an http:// or https:// URL, not '{self.url}'")

    @property
    def name(self) -> str:
        """The host only: the rest of a webhook URL is its secret."""
        return f"webhook {urllib.parse.urlsplit(self.url).hostname}"


@dataclass(frozen=True, slots=True)
class Mail:
    """An SMTP server and the addresses to mail the brief to."""

    host: str
    to: tuple[str, ...]
    port: int = SMTP_PORT
    sender: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def at(
        cls,
        server: str,
        to: Sequence[str],
        *,
        sender: str | None = None,
        user: str | None = None,
        password: str | None = None,
    ) -> Mail:
        """Mail to ``to`` through ``server``: ``HOST`` or ``HOST:PORT`` (``[::1]:25``)."""
        host, port = server, SMTP_PORT
        match = server.rsplit(":", 1)
        if len(match) == 2 and match[1].isdigit() and not match[0].endswith(":"):
            host, port = match[0], int(match[1])
        host = host.removeprefix("[").removesuffix("]")
        if not host or not 0 < port < 65536:
            raise RepdrillError(f"an SMTP server is HOST or HOST:PORT, not '{server}'")
        if not to:
            raise RepdrillError("mail needs at least one address to send to")
        return cls(host, tuple(to), port, sender=sender, user=user, password=password)

    @property
    def name(self) -> str:
        return ", ".join(self.to)

    @property
    def from_address(self) -> str:
        if self.sender:
            return self.sender
        if self.user and "@" in self.user:
            return self.user
        return f"repdrill@{socket.gethostname() or 'localhost'}"


Target = Webhook | Mail


def deliver(brief: Brief, targets: Sequence[Target], *, timeout: float = TIMEOUT) -> Brief:
    """Send ``brief`` to every target; raise :class:`DeliveryError` if any send failed.

    Every target is tried even after a failure; the error lists each failed
    send on its own and carries the brief (with the targets that did take it).
    """
    sent: list[str] = []
    failures: list[str] = []
    for target in targets:
        try:
            if isinstance(target, Webhook):
                post_webhook(target, brief.webhook_body(), timeout)
            else:
                send_mail(target, brief, timeout)
        except SendFailed as failed:
            failures.append(str(failed))
        else:
            sent.append(target.name)
    result = replace(brief, sent_to=tuple(sent))
    if failures:
        raise DeliveryError(failures, result)
    return result


def post_webhook(hook: Webhook, body: dict[str, object], timeout: float = TIMEOUT) -> None:
    request = urllib.request.Request(
        hook.url,
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"repdrill/{__version__}",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as error:
        answer = _one_line(error.read(400).decode("utf-8", "replace"))
        status = f"HTTP {error.code} {error.reason}".strip()
        said = f": {answer}" if answer else ""
        raise SendFailed(f"{hook.name} answered {status}{said}") from None
    except urllib.error.URLError as error:
        raise SendFailed(f"cannot reach {hook.name}: {_reason(error.reason)}") from None
    except (TimeoutError, OSError) as error:
        raise SendFailed(f"{hook.name} did not answer: {_reason(error)}") from None


def send_mail(mail: Mail, brief: Brief, timeout: float = TIMEOUT) -> None:
    message = brief.email(mail.from_address, mail.to)
    server = f"{mail.host}:{mail.port}"
    context = ssl.create_default_context()
    try:
        smtp: smtplib.SMTP
        if mail.port == SMTPS_PORT:
            smtp = smtplib.SMTP_SSL(mail.host, mail.port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(mail.host, mail.port, timeout=timeout)
        with smtp:
            smtp.ehlo()
            if mail.port != SMTPS_PORT and smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
            elif mail.port != SMTPS_PORT and mail.user is not None:
                raise SendFailed(
                    f"mail server {server} does not offer STARTTLS: the password for "
                    f"{mail.user} is not sent in the clear"
                )
            if mail.user is not None:
                if mail.password is None:
                    raise SendFailed(f"set {PASSWORD_ENV} to the password of {mail.user}")
                smtp.login(mail.user, mail.password)
            refused = smtp.send_message(message)
    except SendFailed:
        raise
    except smtplib.SMTPRecipientsRefused as error:
        address, (code, text) = next(iter(error.recipients.items()))
        raise SendFailed(f"mail server {server} refused {address}: {code} {_text(text)}") from None
    except smtplib.SMTPResponseException as error:
        raise SendFailed(
            f"mail server {server} answered {error.smtp_code} {_text(error.smtp_error)}"
        ) from None
    except smtplib.SMTPNotSupportedError as error:
        raise SendFailed(f"mail server {server}: {_one_line(str(error))}") from None
    except smtplib.SMTPServerDisconnected as error:
        raise SendFailed(f"mail server {server} closed the connection: {error}") from None
    except ssl.SSLError as error:
        raise SendFailed(f"TLS with mail server {server} failed: {_reason(error)}") from None
    except smtplib.SMTPException as error:
        raise SendFailed(f"mail server {server}: {_one_line(str(error))}") from None
    except OSError as error:
        raise SendFailed(f"cannot reach mail server {server}: {_reason(error)}") from None
    if refused:
        address, (code, text) = next(iter(refused.items()))
        raise SendFailed(f"mail server {server} refused {address}: {code} {_text(text)}")


def _text(answer: bytes | str) -> str:
    raw = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer
    return _one_line(raw)


def _reason(error: object) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return _one_line(error.verify_message or str(error))
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return _one_line(str(error)) or type(error).__name__


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
