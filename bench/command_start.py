"""Benchmark: how long simple commands take from the shell, beside the imports they cannot do without, in one
run on this machine (issue 34).

    python3 -m uv run python bench/command_start.py [--runs 7]

Seeds the demo once into a temporary STEWARD_HOME, then runs each command ``--runs`` times in a fresh
interpreter (the venv's python, as the `steward` script starts) and prints the median wall time beside two
floors measured the same way: a bare ``import sqlmodel``, and ``import sqlmodel`` with the product's tables
(``storage.models``), which every command that reads the database must load. Goal: table reads under 1 s, or
within 1.3× of the floor with the tables where that floor makes 1 s impossible.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COMMANDS = {
    "steward tasks --as wangjg": ["tasks", "--as", "wangjg"],
    "steward doc show --as lixf JYCEM-PR-001": ["doc", "show", "--as", "lixf", "JYCEM-PR-001"],
    "steward nc list --as lixf": ["nc", "list", "--as", "lixf"],
    "steward account run --as lixf --year 2025": ["account", "run", "--as", "lixf", "--year", "2025"],
}
FLOORS = {
    "python -c 'import sqlmodel'": "import sqlmodel",
    "python -c 'import sqlmodel, storage.models'": "import sqlmodel, storage.models",
}


def median_of(argv: list[str], env: dict, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}, "STEWARD_HOME": tmp}
        subprocess.run([sys.executable, "-m", "steward", "demo", "--no-serve"], env=env, cwd=ROOT, check=True,
                       capture_output=True)
        floors = {name: median_of([sys.executable, "-c", code], env, args.runs) for name, code in FLOORS.items()}
        timed = {name: median_of([sys.executable, "-m", "steward", *argv], env, args.runs)
                 for name, argv in COMMANDS.items()}
    tables = floors["python -c 'import sqlmodel, storage.models'"]
    print(f"command start, median of {args.runs} runs, wall seconds")
    for name, took in floors.items():
        print(f"  {name:<46} {took:6.2f}   (floor)")
    for name, took in timed.items():
        print(f"  {name:<46} {took:6.2f}   {took / tables:4.2f}× the floor with the tables")


if __name__ == "__main__":
    main()
