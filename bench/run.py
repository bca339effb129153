"""Run the benchmarks: `make bench` or `python bench/run.py [NAME ...]`.

Each bench/bench_<name>.py generates its own inputs and prints its figures; run.py only
discovers and runs them, each in a fresh process so peak RSS figures do not mix.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    found = sorted(HERE.glob("bench_*.py"))
    chosen = [p for p in found if not names or p.stem.removeprefix("bench_") in names]
    status = 0
    for path in chosen:
        print(f"\n=== {path.stem} ===", flush=True)
        status |= subprocess.run([sys.executable, str(path)], check=False).returncode
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
