"""Helpers for the benchmarks: timed child processes with peak RSS."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run cmd in a child process; return (seconds, peak RSS of that child in MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        msg = f"{cmd[0]} failed with {proc.returncode}"
        raise RuntimeError(msg)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the maximum over all children so far: report it only if it grew.
    return seconds, max(peak, before) / 1024


def evidencekit_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "evidencekit", *args]


def size_mb(path: Path) -> float:
    return path.stat().st_size / 1e6
