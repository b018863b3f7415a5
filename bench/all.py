"""Run every benchmark and print one table of what each measured against its baseline.

    python3 -m uv run python bench/all.py [--quick]

``--quick`` runs each on a small data set (a smoke run, figures not meaningful); without it each runs at the size
its own docstring gives, which takes several minutes in all. Each script's last lines are its result.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# script, arguments for a quick run, how many of its last lines hold the result
BENCHES = [
    ("transition_rate.py", ["--count", "20"], 5),
    ("verify_walk.py", ["--entries", "5000"], 9),
    ("outbox_history.py", ["--sent", "20000"], 3),
    ("command_start.py", ["--runs", "1"], 7),
    ("notification_rate.py", ["--messages", "50"], 4),
    ("accounting_years.py", ["--enterprises", "2", "--years", "2"], 8),
    ("accounting.py", ["--meters", "40", "--hours", "200", "--repeat", "1"], 6),
    ("checklist.py", ["--lines", "5"], 4),
    ("readings.py", ["--meters", "10", "--hours", "200", "--repeat", "1"], 5),
    ("anomalies.py", [], 12),
    ("ets_group.py", ["--plants", "50", "--repeat", "3"], 6),
    ("freshness.py", ["--rows", "2000"], 3),
    ("page_load.py", ["--sessions", "4", "--seconds", "2", "--workers", "1"], 9),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    failed = 0
    for script, quick, lines in BENCHES:
        start = time.perf_counter()
        run = subprocess.run([sys.executable, str(HERE / script), *(quick if args.quick else [])], cwd=HERE.parent,
                             capture_output=True, text=True)
        took = time.perf_counter() - start
        print(f"== {script} ({took:.0f} s)" + ("" if run.returncode == 0 else f" FAILED ({run.returncode})"))
        shown = run.stdout if run.returncode == 0 else run.stderr
        print("\n".join(shown.strip().splitlines()[-lines:]))
        failed += run.returncode != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
