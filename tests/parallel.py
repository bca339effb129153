"""Run the test suite as N independent pytest processes, one per core (`make test` uses it).

Whole test files are dealt to the groups, the longest first to the group with the least time so
far, from the durations stored in `tests/test_durations.json`: a file's module-scoped builds then
run once, not once in each group (pytest-split's per-test split sent the tests of one file to
both groups, and each paid for the file's shared builds). A file without stored durations counts
as the average file; the files that read the session's example builds (built_examples) go
to one group together. Each group is a plain pytest process with its own temporary folder, so no
group shares state with another. pytest-xdist was tried first: its controller hung after the
last test in two full runs, which a CI run cannot afford. Given test paths of its own, the run
leaves the split to pytest-split, test by test. `--store` runs the groups and then rewrites the
durations file from the times measured in that run (pytest-split's --store-durations).

Prints each group's output when it ends, then one line with the counts of all groups, and exits
with the worst exit status of the groups.
"""

from __future__ import annotations

import heapq
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DURATIONS = ROOT / "tests" / "test_durations.json"
COUNTS = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)")


def _groups() -> int:
    wanted = os.environ.get("EVIDENCEKIT_TEST_JOBS")
    return max(1, int(wanted)) if wanted else max(1, min(4, os.cpu_count() or 1))


def _counts(output: str) -> dict[str, int]:
    """The counts of pytest's closing line, e.g. '3 failed, 590 passed, 2 skipped in 301s'."""
    lines = [line for line in output.splitlines() if re.search(r" in [\d.]+s", line)]
    found: dict[str, int] = {}
    for number, kind in COUNTS.findall(lines[-1] if lines else ""):
        found["errors" if kind.startswith("error") else kind] = int(number)
    return found


def _deal(groups: int) -> list[list[str]]:
    """Test files into `groups` lists of about equal stored time, longest file first."""
    stored = json.loads(DURATIONS.read_text(encoding="utf-8")) if DURATIONS.exists() else {}
    per_file: dict[str, float] = {}
    for test_id, seconds in stored.items():
        name = test_id.split("::")[0]
        per_file[name] = per_file.get(name, 0.0) + seconds
    paths = sorted((ROOT / "tests").glob("test_*.py"))
    files = [p.relative_to(ROOT).as_posix() for p in paths]
    known = [per_file[f] for f in files if f in per_file]
    average = sum(known) / len(known) if known else 1.0
    # The files that read the session's example builds go together: each example built once.
    shared = [f for f, p in zip(files, paths, strict=True) if "built_examples" in p.read_text()]
    units = [shared] + [[f] for f in files if f not in shared] if shared else [[f] for f in files]
    cost = {tuple(u): sum(per_file.get(f, average) for f in u) for u in units}
    load = [(0.0, g) for g in range(groups)]
    dealt: list[list[str]] = [[] for _ in range(groups)]
    for unit in sorted(units, key=lambda u: (-cost[tuple(u)], u)):
        seconds, g = heapq.heappop(load)
        dealt[g] += unit
        heapq.heappush(load, (seconds + cost[tuple(unit)], g))
    return [sorted(d) for d in dealt]


def main(argv: list[str]) -> int:
    store = "--store" in argv
    extra = [a for a in argv if a != "--store"]
    groups = _groups()
    work = Path(tempfile.mkdtemp(prefix="evidencekit-tests-"))
    procs = []
    started = time.monotonic()
    # Paths of its own (e.g. one test file): pytest-split splits those, test by test.
    own_paths = any(not a.startswith("-") and (ROOT / a.split("::")[0]).exists() for a in extra)
    dealt = _deal(groups) if groups > 1 and not own_paths else []
    for g in range(1, groups + 1):
        args = [sys.executable, "-m", "pytest", "-q", f"--basetemp={work / f'tmp{g}'}"]
        args += ["-o", f"cache_dir={work / f'cache{g}'}"]
        durations = DURATIONS
        if store:
            # pytest-split writes its group's times into the file it read the split from.
            durations = work / f"durations{g}.json"
            if DURATIONS.exists():
                durations.write_bytes(DURATIONS.read_bytes())
            args += ["--store-durations", f"--durations-path={durations}"]
        if dealt:
            if not dealt[g - 1]:
                continue  # more groups than test files
            args += dealt[g - 1]
        elif groups > 1:
            args += [f"--splits={groups}", f"--group={g}", f"--durations-path={durations}"]
            args += ["--splitting-algorithm=least_duration"]
        log = (work / f"group{g}.log").open("w", encoding="utf-8")
        procs.append((g, subprocess.Popen([*args, *extra], cwd=ROOT, stdout=log, stderr=log), log))
    print(f"pytest in {groups} groups (logs in {work})", flush=True)
    worst = 0
    total: dict[str, int] = {}
    for g, proc, log in procs:
        while True:
            try:
                code = proc.wait(timeout=60)
                break
            except subprocess.TimeoutExpired:
                print(f"  … {time.monotonic() - started:.0f} s", flush=True)
        log.close()
        output = (work / f"group{g}.log").read_text(encoding="utf-8", errors="replace")
        print(f"\n===== group {g} of {groups}: exit {code} =====\n{output}", flush=True)
        counts = _counts(output)
        for kind, number in counts.items():
            total[kind] = total.get(kind, 0) + number
        if code == 5 and groups > 1:
            code = 0  # this group drew no test; the others did
        worst = max(worst, code)
    if store:
        old = json.loads(DURATIONS.read_text(encoding="utf-8")) if DURATIONS.exists() else {}
        merged: dict[str, float] = dict(old)
        for g in range(1, groups + 1):
            path = work / f"durations{g}.json"
            if path.exists():  # each holds the stored times and its own group's new ones
                new = json.loads(path.read_text(encoding="utf-8"))
                merged.update({k: v for k, v in new.items() if old.get(k) != v})
        DURATIONS.write_text(json.dumps(merged, indent=0, sort_keys=True) + "\n", encoding="utf-8")
        print(f"stored {len(merged)} test durations in {DURATIONS.relative_to(ROOT)}")
    if not total.get("passed") and not total.get("failed"):
        worst = max(worst, 5)
    rest = ", ".join(f"{total[k]} {k}" for k in ("skipped", "errors", "xfailed") if total.get(k))
    line = f"{total.get('passed', 0)} passed, {total.get('failed', 0)} failed"
    print(f"\n{groups} groups in {time.monotonic() - started:.0f} s wall")
    print(f"total: {line}{', ' + rest if rest else ''}")
    if worst:  # the failing tests' folders, to look into
        print(f"kept: {work}")
    else:  # a passing run's folders (about 250 MB) are not left in the temporary folder
        shutil.rmtree(work, ignore_errors=True)
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
