"""Allow ``python -m repdrill``."""

from repdrill.cli import main

main()
