"""The global options, the front door they open, and errors handled in one place.

The core raises :class:`~repdrill.errors.RepdrillError`; :class:`RepdrillGroup`
prints it as ``Error: ...`` on stderr and exits 1, for every command. Usage
errors are Typer's (exit 2). Anything else is a bug and keeps its traceback
(without local variables, which could hold a database password).
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from repdrill._text import one_line
from repdrill.cli.output import fail
from repdrill.errors import InvalidInput, RepdrillError

if TYPE_CHECKING:
    from repdrill.app import Repdrill


class RepdrillGroup(TyperGroup):
    """The root command group: turns user errors into one-line messages."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except InvalidInput as error:
            for problem in error.problems:
                print(one_line(str(problem)), file=sys.stderr)
            fail(error.summary)
        except RepdrillError as error:
            fail(str(error))
        finally:
            app_context = ctx.obj
            if isinstance(app_context, AppContext):
                app_context.close()


@dataclass
class AppContext:
    """The global options; the database is opened only when a command needs it."""

    db_option: str | None = None
    user_option: str | None = None
    today: dt.date | None = None
    _repdrill: Repdrill | None = field(default=None, repr=False)

    def repdrill(self) -> Repdrill:
        """The front door for these options (``--db``, ``--user``, ``--today``)."""
        if self._repdrill is None:
            from repdrill.app import open as open_repdrill

            self._repdrill = open_repdrill(self.db_option, user=self.user_option, today=self.today)
        return self._repdrill

    def close(self) -> None:
        if self._repdrill is not None:
            self._repdrill.close()
            self._repdrill = None


def repdrill_of(ctx: typer.Context) -> Repdrill:
    """The command's :class:`~repdrill.Repdrill`, from the root context's options."""
    root = ctx.find_root()
    if not isinstance(root.obj, AppContext):
        root.obj = AppContext()
    return root.obj.repdrill()
