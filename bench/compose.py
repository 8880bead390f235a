"""The parsing floor for a load, in a fresh process: PyYAML's C loader composing a file.

    python bench/compose.py DECK

Composes the node tree (what a load validates, no Python objects built) with
``yaml.CSafeLoader`` and the garbage collector off, as a load does. Prints
JSON: the seconds spent composing, after the imports.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

import yaml


def main() -> None:
    data = Path(sys.argv[1]).read_bytes()
    gc.disable()
    started = time.perf_counter()
    yaml.compose(data, Loader=yaml.CSafeLoader)
    print(json.dumps({"seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
