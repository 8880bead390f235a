"""repdrill: spaced-repetition drills for sales teams.

The package is a library first: :mod:`repdrill.decks` parses and validates deck
files, :mod:`repdrill.sm2` schedules, :mod:`repdrill.loading` and
:mod:`repdrill.store` keep the database, and :mod:`repdrill.cli` wires them to a
terminal.
"""

__version__ = "0.1.0"
