"""repdrill: spaced-repetition drills for sales teams.

The package is a library first: :mod:`repdrill.decks.parse` parses and validates deck
files, :mod:`repdrill.schedule.sm2` schedules, :mod:`repdrill.store.load` and
:mod:`repdrill.store.read` keep the database, and :mod:`repdrill.cli` wires them to a
terminal.
"""

__version__ = "0.1.0"
