"""Entry point for the ``repdrill`` command and ``python -m repdrill``.

``--version`` is answered before Typer is imported: it is the one question a
tool should answer instantly, and scripts ask it often.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from repdrill import __version__

        print(f"repdrill {__version__}")
        return
    from repdrill.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
