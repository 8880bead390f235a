"""How the drill shows a revised card: the "Changed on" mark and what changed since.

Removed words are struck through in red and added ones green; with colour
off they read as ``[-old-]`` and ``{+new+}``, as ``git diff --word-diff``
writes them.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from repdrill._text import visible
from repdrill.cards import CardView, Revised
from repdrill.decks.changes import Piece, passages, point_pairs, word_diff


def revised_mark(revised: Revised) -> Text:
    """The line above a revised card's details: the day its message changed."""
    return Text(
        f"Changed on {revised.revised_on.isoformat()}: the message changed since you "
        "last reviewed it",
        style="bold yellow",
    )


def revised_lines(revised: Revised, card: CardView) -> list[Text]:
    """What changed in the answer and the key points since the version the rep last saw."""
    lines = [Text(f"\nChanged on {revised.revised_on.isoformat()}", style="bold yellow")]
    for passage in passages(revised.answer_before, card.answer):
        line = Text("  … " if passage.cut_before else "  ")
        _diff(line, passage.pieces)
        if passage.cut_after:
            line.append(" …")
        lines.append(line)
    for before, after in point_pairs(revised.key_points_before, card.key_points):
        if before is not None and after is not None:
            line = Text("  key point: ")
            _diff(line, word_diff(before, after))
        elif before is not None:
            line = Text.assemble("  key point removed: ", (f"[-{visible(before)}-]", "red strike"))
        else:
            line = Text.assemble("  key point added: ", (f"{{+{visible(after or '')}+}}", "green"))
        lines.append(line)
    if len(lines) == 1:
        lines.append(Text("  The answer and key points read as when you last saw them."))
    return lines


def _diff(line: Text, pieces: Sequence[Piece]) -> None:
    """Append a word diff: removed words struck red, added words green, adjacent."""
    for index, piece in enumerate(pieces):
        if index and not (pieces[index - 1].op == "-" and piece.op == "+"):
            line.append(" ")
        text = visible(piece.text)
        if piece.op == "-":
            line.append(f"[-{text}-]", style="red strike")
        elif piece.op == "+":
            line.append(f"{{+{text}+}}", style="green")
        else:
            line.append(text)
