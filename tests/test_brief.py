"""``repdrill brief``: the headline as a message, posted to a real local webhook server and
mailed through a real local SMTP server (aiosmtpd), with STARTTLS and a login."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

import repdrill
from conftest import DECKS, TODAY, Cli

SECRET_PATH = "/services/T000/B000/s3cr3t"


@pytest.fixture
def team(plain_cli: Cli) -> Cli:
    """The bundled decks, ana drilling today and ben who stopped a month ago."""
    cli = plain_cli
    assert cli("load", str(DECKS)).exit_code == 0
    cli("review", "price-too-high", "-g", "4")
    cli("review", "no-budget", "-g", "4", REPDRILL_USER="ben", REPDRILL_TODAY="2026-01-30")
    return cli


def test_brief_prints_the_headline_as_markdown(team: Cli) -> None:
    result = team("brief", "--link", "https://reports.example.com/mastery.html")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith(f"**Mastery brief · week ending {TODAY.isoformat()}**\n\n- ")
    assert "- **Team mastery 0.0%**: 0.0 points in 7 days, 0.0 since" in text
    assert (
        "- **Behind (1)** (more than 10 cards overdue, or no drill in 7 days): ben, 1 overdue"
        in text
    )
    assert "[The full report](<https://reports.example.com/mastery.html>)" in text
    assert len(text.splitlines()) <= 8  # a short message
    plain = team("brief", "--format", "text").stdout
    assert "**" not in plain and "Behind (1) (more than 10 cards" in plain
    page = team("brief", "--format", "html").stdout
    assert page.startswith("<!DOCTYPE html>") and "<strong>Behind (1)</strong>" in page


def test_brief_json_is_the_brief_value(team: Cli) -> None:
    printed = json.loads(team("brief", "--format", "json").stdout)
    with repdrill.open(team.env["REPDRILL_DB"], user="ana", today=TODAY) as rd:
        value = rd.brief().to_json()
    printed.pop("generated_at")
    value.pop("generated_at")
    assert printed == value
    assert printed["sent_to"] == [] and printed["dry_run"] is False


# -- a webhook server ----------------------------------------------------------------


@dataclass
class Hook:
    """A local incoming-webhook server: what it received, and what it answers."""

    url: str
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    status: int = 200
    answer: bytes = b"ok"


@pytest.fixture
def hook() -> Iterator[Hook]:
    state = Hook(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((self.path, dict(self.headers), body))
            self.send_response(state.status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(state.answer)

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}{SECRET_PATH}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def test_webhook_gets_a_slack_compatible_body(team: Cli, hook: Hook) -> None:
    result = team("brief", "--webhook", hook.url)
    assert result.exit_code == 0, result.output
    ((path, headers, body),) = hook.requests
    assert path == SECRET_PATH
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    payload = json.loads(body)
    assert set(payload) == {"text", "blocks"}
    assert payload["text"].startswith("Mastery brief · week ending")
    header, *sections = payload["blocks"]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": payload["text"].splitlines()[0]},
    }
    assert all(s["type"] == "section" and s["text"]["type"] == "mrkdwn" for s in sections)
    assert sections[0]["text"]["text"].startswith("*Team mastery 0.0%*:")
    assert result.stderr.strip() == "Sent to webhook 127.0.0.1"
    assert "Team mastery" in result.stdout  # printed as well


def test_a_refused_webhook_exits_1_with_its_answer_and_the_message_printed(
    team: Cli, hook: Hook
) -> None:
    hook.status, hook.answer = 404, b"no_service\n"
    result = team("brief", "--webhook", hook.url)
    assert result.exit_code == 1
    assert (
        result.stderr
        == "Error: not sent: webhook 127.0.0.1 answered HTTP 404 Not Found: no_service\n"
    )
    assert "s3cr3t" not in result.stderr  # the webhook's secret path is never printed
    assert "**Team mastery" in result.stdout  # nothing is lost


def test_an_unreachable_webhook_exits_1(team: Cli) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = team("brief", "--webhook", f"http://127.0.0.1:{port}/hook")
    assert result.exit_code == 1
    assert result.stderr == "Error: not sent: cannot reach webhook 127.0.0.1: Connection refused\n"


def test_dry_run_sends_nothing(team: Cli, hook: Hook) -> None:
    result = team(
        "brief", "--webhook", hook.url, "--smtp", "mail.invalid", "--to", "a@b.example", "--dry-run"
    )
    assert result.exit_code == 0, result.output
    assert hook.requests == []
    assert result.stderr.strip() == "Dry run: would send to webhook 127.0.0.1, a@b.example"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "a@b.example"], "need --smtp HOST"),
        (["--smtp", "mail.example.com"], "mail needs --to ADDR"),
        (["--webhook", "ftp://example.com/x"], "a webhook is an http:// or https:// URL"),
        (
            ["--smtp", "mail.example.com:99999", "--to", "a@b.example"],
            "an SMTP server is HOST or HOST:PORT",
        ),
    ],
)
def test_usage_errors(team: Cli, args: list[str], message: str) -> None:
    result = team("brief", *args)
    assert result.exit_code == 2 and message in result.output


# -- an SMTP server --------------------------------------------------------------------


@dataclass
class Mailbox:
    """What a local SMTP server received."""

    port: int
    messages: list[tuple[Envelope, bool, bool]] = field(default_factory=list)

    def handle(self, envelope: Envelope, session: Session) -> None:
        self.messages.append((envelope, session.ssl is not None, session.authenticated))

    def only(self) -> tuple[Envelope, EmailMessage, bool, bool]:
        ((envelope, tls, authenticated),) = self.messages
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[arg-type]
        assert isinstance(parsed, EmailMessage)
        return envelope, parsed, tls, authenticated


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.box.handle(envelope, session)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(box: Mailbox, **smtp: Any) -> Controller:
    controller = Controller(_Handler(box), hostname="127.0.0.1", port=box.port, **smtp)
    controller.start()
    return controller


@pytest.fixture
def plain_mail() -> Iterator[Mailbox]:
    """An SMTP server without TLS or logins, as a local relay is."""
    box = Mailbox(_free_port())
    controller = _serve(box)
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made by openssl."""
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def secure_mail(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Mailbox]:
    """An SMTP server offering STARTTLS and requiring a login over TLS (bot / s3cret)."""
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    # The client trusts this certificate as it would a company's CA: through SSL_CERT_FILE.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))

    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        good = isinstance(data, LoginPassword) and (data.login, data.password) == (
            b"bot",
            b"s3cret",
        )
        return AuthResult(success=good, handled=False)

    box = Mailbox(_free_port())
    controller = _serve(
        box,
        tls_context=context,
        authenticator=authenticate,
        auth_required=True,
        auth_require_tls=True,
    )
    try:
        yield box
    finally:
        controller.stop()


def test_mail_has_a_text_and_an_html_part(team: Cli, plain_mail: Mailbox) -> None:
    result = team(
        "brief", "--smtp", f"127.0.0.1:{plain_mail.port}", "--to", "maria@example.com",
        "--to", "sam@example.com", "--from", "repdrill@example.com",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    envelope, message, tls, _ = plain_mail.only()
    assert envelope.rcpt_tos == ["maria@example.com", "sam@example.com"]
    assert envelope.mail_from == "repdrill@example.com" and not tls
    assert message["Subject"].startswith(
        f"Mastery brief · week ending {TODAY.isoformat()}: mastery 0.0%"
    )
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    page = message.get_body(("html",))
    assert text is not None and page is not None
    assert "Behind (1) (more than 10 cards overdue" in text.get_content()
    assert "<strong>Behind (1)</strong>" in page.get_content()
    assert result.stderr.strip() == "Sent to maria@example.com, sam@example.com"


def test_mail_upgrades_with_starttls_and_logs_in(
    team: Cli, secure_mail: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("brief", "--smtp", f"127.0.0.1:{secure_mail.port}", "--to", "maria@example.com")
    result = team(*args, "--smtp-user", "bot", REPDRILL_SMTP_PASSWORD="s3cret")
    assert result.exit_code == 0, result.output
    envelope, _message, tls, authenticated = secure_mail.only()
    assert tls and authenticated
    assert envelope.mail_from.startswith("repdrill@")  # the user is no address: a default From
    # A wrong password: the server's answer in one line, the message still printed.
    refused = team(*args, "--smtp-user", "bot", REPDRILL_SMTP_PASSWORD="wrong")
    assert refused.exit_code == 1
    assert refused.stderr.startswith(
        f"Error: not sent: mail server 127.0.0.1:{secure_mail.port} answered 535"
    )
    assert refused.stderr.count("\n") == 1 and "Team mastery" in refused.stdout
    # No password at all is caught before anything is sent.
    missing = team(*args, "--smtp-user", "bot")
    assert (
        missing.exit_code == 1 and "needs its password in REPDRILL_SMTP_PASSWORD" in missing.stderr
    )
    assert len(secure_mail.messages) == 1


def test_a_password_is_never_sent_without_tls(team: Cli, plain_mail: Mailbox) -> None:
    result = team(
        "brief", "--smtp", f"127.0.0.1:{plain_mail.port}", "--to", "maria@example.com",
        "--smtp-user", "bot", REPDRILL_SMTP_PASSWORD="s3cret",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "does not offer STARTTLS: the password for bot is not sent in the clear" in result.stderr
    assert plain_mail.messages == []


def test_an_untrusted_certificate_fails_in_one_line(
    team: Cli, secure_mail: Mailbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "none.pem"))
    result = team(
        "brief", "--smtp", f"127.0.0.1:{secure_mail.port}", "--to", "maria@example.com",
        "--smtp-user", "bot", REPDRILL_SMTP_PASSWORD="s3cret",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "TLS with mail server" in result.stderr and "certificate" in result.stderr
    assert result.stderr.count("\n") == 1


def test_both_targets_are_tried_and_each_failure_named(team: Cli, hook: Hook) -> None:
    result = team(
        "brief",
        "--webhook",
        hook.url,
        "--smtp",
        f"127.0.0.1:{_free_port()}",
        "--to",
        "m@example.com",
    )
    assert result.exit_code == 1
    assert len(hook.requests) == 1
    assert "Sent to webhook 127.0.0.1" in result.stderr
    assert "Error: not sent: cannot reach mail server 127.0.0.1:" in result.stderr
