"""User text that is safe to show: no terminal escapes, no invisible or reordering characters.

Deck text, rep names and typed answers come from other people. Shown raw, an
ESC sequence can clear the screen, write the clipboard (OSC 52) or plant a
link (OSC 8); a right-to-left override or a zero-width character makes one
name look like another; a newline in a message forges a line of output (on a
CI runner, a workflow command). The deck validator refuses such characters
(:func:`unsafe_characters`), and everything shown to a terminal or written to
a text report passes through :func:`visible` (or :func:`one_line` where a
value must stay on its line) as a second line of defence.
"""

from __future__ import annotations

import re
import unicodedata

#: Characters that reorder or hide text: bidi embeddings, overrides and isolates,
#: zero-width spaces and joiners, invisible operators, the byte-order mark.
_INVISIBLE = (
    "\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064"
    "\u2066\u2067\u2068\u2069"
    "\ufeff"
)
#: C0 controls but tab and newline, DEL, C1 controls, and the invisible characters.
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_INVISIBLE}]")
_UNSAFE_IN_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every unsafe character written as a visible escape (``\\x1b``)."""
    return _UNSAFE.sub(_escape, text)


def one_line(text: str) -> str:
    """:func:`visible`, and newlines, tabs and carriage returns escaped too."""
    return _UNSAFE_IN_LINE.sub(_escape, text)


def unsafe_characters(text: str) -> list[tuple[int, str]]:
    """Each unsafe character of ``text`` (tab and newline allowed), with its index."""
    return [(m.start(), m.group()) for m in _UNSAFE.finditer(text)]


def describe(character: str) -> str:
    """``U+001B ESCAPE``: how a problem message names a character."""
    name = (
        unicodedata.name(character, "")
        or _CONTROL_NAMES.get(character)
        or _UNNAMED.get(unicodedata.category(character), "control character")
    )
    return f"U+{ord(character):04X} {name}"


#: What a character without a name is, by its Unicode category.
_UNNAMED = {"Cs": "surrogate", "Co": "private-use character", "Cn": "unassigned character"}


_CONTROL_NAMES = {
    "\x00": "NUL",
    "\x07": "BELL",
    "\x08": "BACKSPACE",
    "\x1b": "ESCAPE",
    "\x7f": "DELETE",
    "\x9b": "CONTROL SEQUENCE INTRODUCER",
    "\x9d": "OPERATING SYSTEM COMMAND",
}
