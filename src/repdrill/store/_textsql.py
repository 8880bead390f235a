"""SQL text built by the same rule functions that build SQLAlchemy expressions.

``repdrill due`` runs in a shell prompt and ``repdrill status`` is what a rep
types first, so on SQLite both read with the standard library's sqlite3 and
never import SQLAlchemy (:mod:`repdrill.store.fastread`). Their clauses still
come from :mod:`repdrill.schedule.rules`: those functions only apply
operators (``due <= today``), and :class:`Sql` answers the operators with SQL
text, so the rule has one definition for both readers.

>>> from repdrill.schedule.rules import due_clause
>>> due_clause(Sql("s.due"), Sql(":today"))
'(s.due <= :today)'
"""

from __future__ import annotations


class Sql(str):
    """A piece of SQL text; comparisons and ``&`` build larger pieces."""

    __slots__ = ()

    def _op(self, operator: str, other: object) -> Sql:
        return Sql(f"({self} {operator} {_render(other)})")

    def __le__(self, other: object) -> Sql:  # type: ignore[override]
        return self._op("<=", other)

    def __lt__(self, other: object) -> Sql:  # type: ignore[override]
        return self._op("<", other)

    def __ge__(self, other: object) -> Sql:  # type: ignore[override]
        return self._op(">=", other)

    def __gt__(self, other: object) -> Sql:  # type: ignore[override]
        return self._op(">", other)

    def __and__(self, other: object) -> Sql:
        return self._op("AND", other)

    __hash__ = str.__hash__


def _render(value: object) -> str:
    """Only SQL pieces and whole numbers go into text; anything else is a bind parameter."""
    if isinstance(value, Sql):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"{value!r} must be bound as a parameter, not written into SQL text")
