"""Run the benchmarks: `make bench` or `python bench/run.py [NAME ...]`.

Each bench/bench_<name>.py generates its own inputs and prints its figures; run.py only
discovers and runs them, each in a fresh process so peak RSS figures do not mix.
"""

from __future__ import annotations

import compileall
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def compile_package() -> None:
    """Byte-compile the evidencekit sources first, as installing a wheel does: an editable
    install run with PYTHONDONTWRITEBYTECODE set would otherwise compile every module it
    imports in every timed process (about 0.35 s a build)."""
    import evidencekit

    compileall.compile_dir(Path(evidencekit.__file__).parent, quiet=1)


def main(names: list[str]) -> int:
    found = sorted(HERE.glob("bench_*.py"))
    chosen = [p for p in found if not names or p.stem.removeprefix("bench_") in names]
    status = 0
    compile_package()
    for path in chosen:
        print(f"\n=== {path.stem} ===", flush=True)
        status |= subprocess.run([sys.executable, str(path)], check=False).returncode
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
