"""Build the peers' environment for the benchmarks: bench/out/peers-venv.

    python bench/peers/setup.py [--python PATH]

A virtual environment of its own, so the peers' dependencies never meet
repdrill's, with the packages of requirements.txt installed by pip. spacedrep
declares Python >= 3.12; on an older Python it is installed with
--ignore-requires-python (its code and its dependencies run on 3.11). The
benchmarks find it here, or wherever REPDRILL_BENCH_PEERS points.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE.parent / "out" / "peers-venv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--python", default=sys.executable, help="the interpreter for the venv")
    args = parser.parse_args()
    subprocess.run([args.python, "-m", "venv", str(VENV)], check=True)
    pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "-q"]
    version = subprocess.run(
        [str(VENV / "bin" / "python"), "-c", "import sys; print(sys.version_info >= (3, 12))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    for line in (HERE / "requirements.txt").read_text().splitlines():
        requirement = line.split("#", 1)[0].strip()
        if not requirement:
            continue
        extra = ["--ignore-requires-python"] if version != "True" else []
        subprocess.run([*pip, *extra, requirement], check=True)
    print(f"peers installed in {VENV}")


if __name__ == "__main__":
    main()
