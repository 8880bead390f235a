"""Where commands print: Rich consoles, JSON documents and one-line errors.

Colour follows Rich's rules: on a terminal only, never with ``NO_COLOR``.
User text never reaches Rich's markup parser. JSON is indented for people
(on a terminal, or with the global ``--pretty``) and otherwise written on one
line by the standard library's C encoder, several times faster on a large
report: an indent makes ``json`` fall back to its pure-Python encoder.
"""

from __future__ import annotations

import json
import sys
from typing import IO, TYPE_CHECKING, NoReturn, Protocol

import typer

if TYPE_CHECKING:
    from rich.console import Console

EXIT_INVALID = 1
EXIT_INTERRUPTED = 130


class JsonValue(Protocol):
    """A value the front door returns: it knows its own JSON."""

    def to_json(self) -> object: ...


_OUT: Console | None = None
_ERR: Console | None = None
_PRETTY = False


def use_pretty_json(pretty: bool) -> None:
    """``--pretty``: indent JSON even when it goes to a pipe or a file."""
    global _PRETTY  # noqa: PLW0603 - a global option, set once per command
    _PRETTY = pretty


def pretty_json(out: IO[str]) -> bool:
    """Whether JSON written to ``out`` is indented: on a terminal, or with ``--pretty``."""
    return _PRETTY or out.isatty()


def json_text(document: object, *, pretty: bool) -> str:
    """One JSON document: indented by two spaces when ``pretty``, else on one line."""
    return json.dumps(document, ensure_ascii=False, indent=2 if pretty else None)


def out_console() -> Console:
    """Rich console on stdout; plain when piped or when NO_COLOR is set (Rich's rules)."""
    global _OUT  # noqa: PLW0603 - one console per process, created on first use
    if _OUT is None or _OUT.file is not sys.stdout:
        from rich.console import Console

        _OUT = Console(highlight=False)
    return _OUT


def err_console() -> Console:
    global _ERR  # noqa: PLW0603
    if _ERR is None or _ERR.file is not sys.stderr:
        from rich.console import Console

        _ERR = Console(stderr=True, highlight=False)
    return _ERR


def print_json(value: JsonValue) -> None:
    """Machine output: exactly ``value.to_json()``, one UTF-8 document on stdout."""
    sys.stdout.write(json_text(value.to_json(), pretty=pretty_json(sys.stdout)) + "\n")


def fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    """``Error: message`` on stderr, then exit with ``code``."""
    from rich.markup import escape

    from repdrill._text import one_line

    # The message may quote user input ('repdrill[postgres]', a path): never markup.
    err_console().print(f"[bold red]Error:[/] {escape(one_line(message))}", soft_wrap=True)
    raise typer.Exit(code)
