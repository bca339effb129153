"""Batch builds: a worker that dies takes only its own case; usage mistakes exit 2."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import MINIMAL, run_cli, write_case

BROKEN = MINIMAL.replace("id: T-1", "id: T-2").replace("shot.png", "missing.png")


def test_a_killed_worker_loses_only_its_own_case(tmp_path: Path) -> None:
    write_case(tmp_path / "a-ok", MINIMAL, {"shot.png": None})
    write_case(tmp_path / "b-broken", BROKEN)
    # The first case's worker is killed once its outputs are staged; the second case was queued
    # in the same pool and must still get its own verdict (a missing file: 1), not the crash.
    proc = run_cli(
        "build", str(tmp_path), "-j", "1", "--json", "--register", "off",
        env={"EVIDENCEKIT_FAULT": "after:staged"},
    )  # fmt: skip
    assert proc.returncode == 70, proc.stderr
    rows = {Path(r["manifest"]).parent.name: r for r in json.loads(proc.stdout)}
    assert rows["a-ok"]["code"] == 70
    assert "worker process died" in rows["a-ok"]["error"]
    assert rows["b-broken"]["code"] == 1
    assert "missing.png" in rows["b-broken"]["error"]
    assert "Traceback" not in proc.stderr


def test_batch_usage_mistakes_exit_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = run_cli("build", str(empty), "--register", "off")
    assert proc.returncode == 2
    assert "no manifest matches" in proc.stderr
    write_case(tmp_path / "x" / "case", MINIMAL, {"shot.png": None})
    write_case(tmp_path / "y" / "case", MINIMAL, {"shot.png": None})
    proc = run_cli(
        "build",
        str(tmp_path / "x" / "case" / "case.yaml"),
        str(tmp_path / "y" / "case" / "case.yaml"),
        "-o",
        str(tmp_path / "out"),
        "--register",
        "off",
    )
    assert proc.returncode == 2
    assert "folders named case" in proc.stderr
    assert not (tmp_path / "out").exists()
