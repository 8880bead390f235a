"""Entry point for the ``repdrill`` command and ``python -m repdrill``.

``--version``, ``due`` and ``status`` are answered before Typer is imported:
the first is the one question a tool should answer instantly, the second runs
in shell prompts, the third is what a rep types first each day
(:mod:`repdrill.fastcli`).
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from repdrill import __version__

        print(f"repdrill {__version__}")
        return
    if any(command in sys.argv[1:] for command in ("due", "status")):
        from repdrill.fastcli import fast_main

        status = fast_main(sys.argv[1:])
        if status is not None:
            raise SystemExit(status)
    from repdrill.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
