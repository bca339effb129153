"""Outputs as one transaction: a kill, a TSA failure or a full disk never loses the set."""

from __future__ import annotations

import errno
import hashlib
import json
import os
from pathlib import Path

import pikepdf
import pytest

from evidencekit.errors import EvidencekitError, UsageError
from evidencekit.outputs import transaction
from evidencekit.outputs.transaction import STAGING_TAG, check_output_dir
from evidencekit.pipeline import BuildOptions, build

from .conftest import MINIMAL, invoke_cli, run_cli, write_case

OLD = {"SOURCE_DATE_EPOCH": "1700000000"}
NEW = {"SOURCE_DATE_EPOCH": "1700090000"}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): sha(p) for p in folder.rglob("*") if p.is_file()}


def staging_left(out: Path) -> list[Path]:
    return [p for p in out.parent.iterdir() if STAGING_TAG in p.name]


def verifies(out: Path) -> bool:
    proc = invoke_cli("verify", str(out))
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode == 0 and "verified" in proc.stdout


@pytest.fixture
def previous(minimal_case: Path) -> tuple[Path, dict[str, str]]:
    """A case built once: (output folder, hashes of its files)."""
    proc = invoke_cli("build", "-q", str(minimal_case), env=OLD)
    assert proc.returncode == 0, proc.stderr
    out = minimal_case.parent / "out"
    return out, snapshot(out)


@pytest.mark.parametrize(
    ("step", "sig"),
    [
        ("tsa", "KILL"),
        ("staged:T-1.pdf", "KILL"),
        ("staged", "KILL"),
        ("commit", "KILL"),
        ("swapped", "KILL"),
        ("staged:T-1.pdf", "INT"),
        ("staged", "TERM"),
    ],
)
def test_killed_build_leaves_a_verifiable_set(
    minimal_case: Path, previous: tuple[Path, dict[str, str]], step: str, sig: str
) -> None:
    out, before = previous
    env = {**NEW, "EVIDENCEKIT_FAULT": f"after:{step}", "EVIDENCEKIT_FAULT_SIGNAL": sig}
    proc = run_cli("build", "-q", str(minimal_case), env=env)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr
    after = snapshot(out)
    assert after == before or step == "swapped", "the set changed before the swap"
    assert verifies(out)
    if sig != "KILL":  # a handled signal removes the staging folder on the way out
        assert not staging_left(out)
    # The next build removes what a SIGKILL left and makes the new set.
    proc = invoke_cli("build", "-q", str(minimal_case), env=NEW)
    assert proc.returncode == 0, proc.stderr
    assert not staging_left(out)
    assert verifies(out)
    assert snapshot(out)["T-1.pdf"] != before["T-1.pdf"]


def test_in_place_kill_rolls_forward(tmp_path: Path) -> None:
    """An output folder holding a sub-folder of the user's cannot be swapped: files move one
    by one; a kill between moves is finished by the next build before it does anything else."""
    m = write_case(tmp_path / "case", MINIMAL, {"shot.png": None})
    case = m.parent
    out = case / "out"
    (out / "mine").mkdir(parents=True)
    (out / "mine" / "keep.txt").write_text("the user's own")
    assert invoke_cli("build", "-q", str(m), env=OLD).returncode == 0
    assert verifies(out)
    env = {**NEW, "EVIDENCEKIT_FAULT": "after:moved:first"}
    assert run_cli("build", "-q", str(m), env=env).returncode != 0
    assert staging_left(out)
    proc = run_cli("build", "-q", str(m), env={**OLD, "EVIDENCEKIT_FAULT": "after:tsa"})
    assert proc.returncode != 0  # killed before staging: only the roll-forward happened
    assert not staging_left(out)
    assert verifies(out)
    assert (out / "mine" / "keep.txt").read_text() == "the user's own"
    assert (case / "shot.png").exists() and (case / "case.yaml").exists()


def test_tsa_failure_replaces_nothing(
    minimal_case: Path, previous: tuple[Path, dict[str, str]]
) -> None:
    out, before = previous
    proc = invoke_cli("build", "-q", str(minimal_case), "--tsa", "http://127.0.0.1:9/tsr", env=NEW)
    assert proc.returncode == 1 and "could not be reached" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert snapshot(out) == before
    assert verifies(out)


def test_planted_record_deletes_nothing(tmp_path: Path) -> None:
    """A stale evidence JSON naming a source, '../x' or another file (with their true hashes)
    never makes a build delete them."""
    m = write_case(tmp_path / "case", MINIMAL, {"shot.png": None})
    case = m.parent
    out = case / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (tmp_path / "x").write_text("outside")
    victims = {
        "../shot.png": case / "shot.png",
        "../../x": tmp_path / "x",
        "notes.txt": out / "notes.txt",
        "./notes.txt": out / "notes.txt",
    }
    record = {
        "case": {"id": "T-1"},
        "outputs": [{"path": k, "sha256": sha(v)} for k, v in victims.items()],
    }
    (out / "T-1.evidence.json").write_text(json.dumps(record))
    # A planted "killed build" beside the folder: its plan must not be carried out.
    planted = case / f".out{STAGING_TAG}evil"
    planted.mkdir()
    (planted / "notes.txt").write_text("evil")
    plan = {"out_dir": "/elsewhere", "move": ["notes.txt"], "remove": ["shot.png"]}
    (planted / ".commit.json").write_text(json.dumps(plan))
    proc = invoke_cli("build", "-q", str(m), env=OLD)
    assert proc.returncode == 0, proc.stderr
    assert all(v.exists() for v in victims.values())
    assert (out / "notes.txt").read_text() == "mine"
    assert not planted.exists()
    assert verifies(out)


def test_output_never_overwrites_a_source(tmp_path: Path) -> None:
    """A source document named like the dossier: output.dir "." is refused at validation, and
    `-o` onto the case folder is refused at writing; the source is kept."""
    case = tmp_path / "case"
    case.mkdir()
    doc = pikepdf.new()
    doc.add_blank_page()
    doc.save(case / "T-1.pdf")
    original = sha(case / "T-1.pdf")
    text = MINIMAL + "  - {kind: document, title: Policy, files: [T-1.pdf]}\n"
    m = write_case(case, text + 'output: {dir: "."}\n', {"shot.png": None})
    proc = invoke_cli("build", "-q", str(m), env=OLD)
    assert proc.returncode == 1, proc.stderr
    assert "output.dir" in proc.stderr and "Traceback" not in proc.stderr
    m.write_text(text)
    proc = invoke_cli("build", "-q", str(m), "-o", str(case), env=OLD)
    assert proc.returncode == 2, proc.stderr
    assert "source" in proc.stderr and "T-1.pdf" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert sha(case / "T-1.pdf") == original
    assert not staging_left(case)


def test_output_option_is_held_to_the_case_folder_rule(tmp_path: Path) -> None:
    """`-o` onto the case folder (`.` inside it, or its path), a folder holding it, or a folder
    holding a source is refused like output.dir: nothing written, nothing lost."""
    text = MINIMAL.replace("[shot.png]", "[shots/shot.png]")
    m = write_case(tmp_path / "case", text, {"shots/shot.png": None})
    case = m.parent
    before = snapshot(tmp_path)
    proc = run_cli("build", "-q", "case.yaml", "-o", ".", cwd=case, env=OLD)
    assert proc.returncode == 2, proc.stderr
    assert "holds the case's manifest or sources" in proc.stderr, proc.stderr
    assert "case.yaml" in proc.stderr and "Traceback" not in proc.stderr
    for out in (case, tmp_path, case / "shots"):
        with pytest.raises(UsageError, match="holds the case's manifest or sources"):
            build(m, BuildOptions(out_dir=out))
    assert snapshot(tmp_path) == before
    assert not [p for p in tmp_path.rglob("*") if STAGING_TAG in p.name]
    build(m, BuildOptions(out_dir=case / "shots" / "out"))  # a folder beside the sources
    assert (case / "shots" / "out" / "T-1.pdf").is_file()


def test_foreign_file_at_an_output_name_is_kept(minimal_case: Path) -> None:
    """A file at an output name that no previous build of this case recorded is not ours."""
    out = minimal_case.parent / "out"
    out.mkdir()
    (out / "T-1.pdf").write_text("someone else's")
    proc = invoke_cli("build", "-q", str(minimal_case), env=OLD)
    assert proc.returncode == 2 and "not an output" in proc.stderr, proc.stderr
    assert (out / "T-1.pdf").read_text() == "someone else's"


def test_own_outputs_under_another_shape_are_recognised(tmp_path: Path) -> None:
    """Outputs our previous record lists with their hash are ours whatever their name's shape
    (Mastercom's 16-character upload name cuts the case id): a rebuild replaces them, while an
    altered one, or one listed by a record we did not write, still stops it."""
    text = MINIMAL.replace("id: T-1", "id: MC-2025-000123").replace("generic", "mastercard")
    m = write_case(tmp_path / "case", text, {"shot.png": None})
    out = m.parent / "out"
    first = build(m, BuildOptions(out_dir=out))
    pdf = first.pdf_path
    assert not pdf.name.startswith("MC-2025-000123.")  # the upload name
    again = build(m, BuildOptions(out_dir=out, force=True))
    assert again.pdf_path == pdf and verifies(out)
    record_path = out / "MC-2025-000123.evidence.json"
    record = json.loads(record_path.read_text())
    record["tool"]["name"] = "something-else"
    record_path.write_text(json.dumps(record))
    with pytest.raises(UsageError, match="not an output"):
        build(m, BuildOptions(out_dir=out, force=True))
    record["tool"]["name"] = "evidencekit"
    record_path.write_text(json.dumps(record))
    pdf.write_bytes(pdf.read_bytes() + b"%")  # altered since
    with pytest.raises(UsageError, match="not an output"):
        build(m, BuildOptions(out_dir=out, force=True))


def test_output_folder_is_a_file(minimal_case: Path) -> None:
    target = minimal_case.parent / "file.txt"
    target.write_text("x")
    proc = invoke_cli("build", "-q", str(minimal_case), "-o", str(target))
    assert proc.returncode == 2 and "is a file" in proc.stderr
    assert "Traceback" not in proc.stderr and target.read_text() == "x"


def test_read_only_folder_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests may run as root, for whom chmod does not bite: the access check is what counts.
    folder = tmp_path / "ro"
    folder.mkdir()
    monkeypatch.setattr(transaction.os, "access", lambda *_a, **_k: False)
    with pytest.raises(UsageError, match="not writable"):
        check_output_dir(folder, set())


def test_full_disk_keeps_previous(
    minimal_case: Path, previous: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = previous
    calls = {"n": 0}
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the second staged file hits a full disk
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(transaction.os, "fsync", fsync)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", NEW["SOURCE_DATE_EPOCH"])
    with pytest.raises(EvidencekitError, match="disk is full"):
        build(minimal_case, BuildOptions(force=True))
    assert snapshot(out) == before
    assert not staging_left(out)


def test_two_cases_share_a_folder(tmp_path: Path) -> None:
    """Each case's build keeps the other's files and SHA256SUMS lines; verify checks both."""
    a = write_case(tmp_path / "a", MINIMAL, {"shot.png": None})
    b = write_case(tmp_path / "b", MINIMAL.replace("T-1", "T-2"), {"shot.png": None})
    shared = tmp_path / "shared"
    for m in (a, b):
        proc = invoke_cli("build", "-q", str(m), "-o", str(shared), env=OLD)
        assert proc.returncode == 0, proc.stderr
    names = (shared / "SHA256SUMS").read_text()
    assert "T-1.pdf" in names and "T-2.pdf" in names
    (shared / "T-1.pdf").write_bytes(b"%PDF-1.7 tampered")
    proc = invoke_cli("verify", str(shared))
    assert proc.returncode == 1 and "T-1.pdf" in proc.stderr


def test_users_own_sums_file_is_kept(tmp_path: Path) -> None:
    """The user's own SHA256SUMS (another format) in the output folder: refused, kept."""
    m = write_case(tmp_path / "case", MINIMAL, {"shot.png": None})
    out = m.parent / "out"
    out.mkdir()
    theirs = f"{sha(m.parent / 'shot.png')} *shot.png\n"
    (out / "SHA256SUMS").write_text(theirs)
    proc = invoke_cli("build", "-q", str(m), env=OLD)
    assert proc.returncode == 2 and "SHA256SUMS" in proc.stderr, proc.stderr
    assert (out / "SHA256SUMS").read_text() == theirs
