"""Benchmark: how much time and memory a hostile workbook costs before it is refused, against reading an
ordinary workbook of the same template, each in a fresh process.

    python3 -m uv run python bench/hostile_files.py

Prints seconds and peak RSS of each. Target: each hostile file refused in under 2 s and 200 MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from accounting.factors import default_library
from forms.activity_import import read
from storage.errors import StewardError
data = open(sys.argv[1], "rb").read()
lib = default_library()
start = time.perf_counter()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    read(sys.argv[1].rsplit("/", 1)[-1], data, lib)
    outcome = "read"
except StewardError as exc:
    outcome = exc.code
print(json.dumps({{"seconds": time.perf_counter() - start, "outcome": outcome, "bytes": len(data),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "start_mb": before / 1024}}))
"""


def measure(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), str(path)], capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out)


def main() -> None:
    import warnings
    warnings.filterwarnings("ignore")
    from test_hostile_files import HEADERS, ROW, huge_dimension, workbook, zip_bomb
    ordinary = [HEADERS] + [[f"{2023 + i // 12 % 3}-{i % 12 + 1:02d}", f"F-{i}", *ROW[2:]] for i in range(2000)]
    with tempfile.TemporaryDirectory() as tmp:
        files = {"ordinary.xlsx (baseline, 2,000 rows)": workbook(ordinary),
                 "dimension.xlsx (declares A1:XFD1048576)": huge_dimension(),
                 "bomb.xlsx (unpacks to 250 MB)": zip_bomb()}
        for label, data in files.items():
            path = Path(tmp) / label.split(" ")[0]
            path.write_bytes(data)
            m = measure(path)
            print(f"{label:<42} {m['bytes'] / 1024:>8,.0f} KB  {m['seconds']:6.2f} s  peak RSS {m['peak_mb']:6.0f} MB "
                  f"(imports {m['start_mb']:.0f} MB)  → {m['outcome']}")


if __name__ == "__main__":
    main()
