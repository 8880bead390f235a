"""Where commands print: Rich consoles, JSON documents and one-line errors.

Colour follows Rich's rules: on a terminal only, never with ``NO_COLOR``.
User text never reaches Rich's markup parser.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, NoReturn, Protocol

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
    sys.stdout.write(json.dumps(value.to_json(), indent=2, ensure_ascii=False) + "\n")


def fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    """``Error: message`` on stderr, then exit with ``code``."""
    from rich.markup import escape

    from repdrill._text import one_line

    # The message may quote user input ('repdrill[postgres]', a path): never markup.
    err_console().print(f"[bold red]Error:[/] {escape(one_line(message))}", soft_wrap=True)
    raise typer.Exit(code)
