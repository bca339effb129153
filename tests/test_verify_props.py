"""verify cannot be fooled: hostile sums, records, archives and PDFs fail with a reason.

One real build (with its archive) is made per module; each test copies it and alters it.
"""

from __future__ import annotations

import io
import json
import shutil
import warnings
import zipfile
from pathlib import Path

import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidencekit.outputs.integrity import Row, VerifyError, verify_path

from .conftest import MINIMAL, invoke_cli, write_case

ENV = {"SOURCE_DATE_EPOCH": "1700000000"}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A case folder with out/ (dossier, sidecars, archive); never altered."""
    root = tmp_path_factory.mktemp("pristine")
    m = write_case(root / "case", MINIMAL, {"shot.png": None})
    proc = invoke_cli("build", "-q", str(m), "--archive", env=ENV)
    assert proc.returncode == 0, proc.stderr
    assert not any(r.failed for r in verify_path(root / "case/out"))
    return root / "case"


@pytest.fixture
def case(pristine: Path, tmp_path: Path) -> Path:
    target = tmp_path / "case"
    shutil.copytree(pristine, target)
    return target


def failed(path: Path, **kw: Path) -> bool:
    """True when verify reports a failure or refuses cleanly; never an exception otherwise."""
    try:
        rows = verify_path(path, **kw)  # type: ignore[arg-type]
    except VerifyError:
        return True
    return any(r.failed for r in rows) or not any(r.status == "OK" for r in rows)


def rezip(
    src: Path, dst: Path, edit: dict[str, bytes | None], extra: list[tuple[str, bytes]]
) -> None:
    """Copy an archive, replacing (bytes) or dropping (None) entries and adding raw ones."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            if info.filename in edit:
                data = edit[info.filename]
                if data is None:
                    continue
            else:
                data = zin.read(info)
            zout.writestr(info, data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # duplicate names are the point
            for name, data in extra:
                zout.writestr(zipfile.ZipInfo(name), data)


# ---------------------------------------------------------------- the defects, one by one


def test_random_sums_fail(case: Path) -> None:
    (case / "out/SHA256SUMS").write_bytes(bytes(range(256)) * 4)
    proc = invoke_cli("verify", str(case / "out"))
    assert proc.returncode == 1 and "SHA256SUMS" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_sums_naming_outside_fails(case: Path) -> None:
    sums = case / "out/SHA256SUMS"
    sums.write_text(sums.read_text() + f"{'0' * 64}  ../case.yaml\n")
    assert failed(case / "out")


@pytest.mark.parametrize("bad", ["../../x", "/etc/x", "dossier/../../x", "dup"])
def test_unsafe_archive_entries_fail(case: Path, bad: str) -> None:
    archive = case / "out/T-1.archive.zip"
    hostile = case / "hostile.zip"
    name = "dossier/T-1.pdf" if bad == "dup" else bad
    rezip(archive, hostile, {}, [(name, b"%PDF-1.7 other")])
    rows = verify_path(hostile)
    assert any(r.failed for r in rows)
    assert any(repr(name) in r.file for r in rows if r.failed), [r for r in rows if r.failed]


def test_unrecorded_archive_entry_fails(case: Path) -> None:
    hostile = case / "extra.zip"
    rezip(case / "out/T-1.archive.zip", hostile, {}, [("case/payload.exe", b"MZ")])
    assert failed(hostile)


def test_archive_bomb_entry_refused(case: Path) -> None:
    """A huge entry declared from few compressed bytes is refused before it is read."""
    bomb = case / "bomb.zip"
    with zipfile.ZipFile(case / "out/T-1.archive.zip") as zin, zipfile.ZipFile(bomb, "w") as zout:
        for info in zin.infolist():
            if info.filename == "case/shot.png":
                continue
            zout.writestr(info, zin.read(info))
        info = zipfile.ZipInfo("case/shot.png")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zout.open(info, "w", force_zip64=True) as fh:
            zero = bytes(1 << 20)
            for _ in range(300):
                fh.write(zero)
    assert bomb.stat().st_size < 4 << 20
    rows = verify_path(bomb)
    row = next(r for r in rows if r.file == "case/shot.png")
    assert row.failed and "refused" in row.actual


def test_every_case_in_a_folder_is_checked(tmp_path: Path) -> None:
    a = write_case(tmp_path / "a", MINIMAL, {"shot.png": None})
    b = write_case(tmp_path / "b", MINIMAL.replace("T-1", "T-2"), {"shot.png": None})
    shared = tmp_path / "shared"
    for m in (a, b):
        assert invoke_cli("build", "-q", str(m), "-o", str(shared), env=ENV).returncode == 0
    rows = verify_path(shared)
    assert not any(r.failed for r in rows)
    embedded = [r.file for r in rows if "embedded copy" in r.file and r.status == "OK"]
    assert len(embedded) == 2, embedded
    # The second case's record altered (and its sums line with it): still caught.
    record = shared / "T-2.evidence.json"
    data = json.loads(record.read_text())
    data["case"]["title"] = "changed"
    record.write_text(json.dumps(data))
    assert failed(shared)


def test_standalone_pdf_altered_after_writing(case: Path, tmp_path: Path) -> None:
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(case / "out/T-1.pdf", alone / "T-1.pdf")
    ok = invoke_cli("verify", str(alone / "T-1.pdf"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "own hash not checked" in ok.stderr
    # An incremental update (what an editor or a signature tool appends).
    writer = pypdf.PdfWriter(alone / "T-1.pdf", incremental=True)
    writer.add_metadata({"/Title": "edited"})
    buf = io.BytesIO()
    writer.write(buf)
    (alone / "T-1.pdf").write_bytes(buf.getvalue())
    bad = invoke_cli("verify", str(alone / "T-1.pdf"))
    assert bad.returncode == 1 and "revision" in bad.stderr, bad.stdout + bad.stderr
    # Beside its sidecar, any change at all is caught by the recorded hash.
    data = bytearray((case / "out/T-1.pdf").read_bytes())
    data[len(data) // 2] ^= 1
    (case / "out/T-1.pdf").write_bytes(bytes(data))
    side = invoke_cli("verify", str(case / "out/T-1.pdf"))
    assert side.returncode == 1 and "altered: T-1.pdf" in side.stderr


def test_standalone_pdf_not_a_pdf(tmp_path: Path) -> None:
    junk = tmp_path / "x.pdf"
    junk.write_bytes(b"%PDF-1.7\n garbage")
    proc = invoke_cli("verify", str(junk))
    assert proc.returncode == 1 and "not a readable PDF" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "record",
    [
        "[]",
        '"text"',
        '{"outputs": 5}',
        '{"case": {"id": "T-1"}, "sources": [{"path": 1}], "outputs": []}',
        '{"case": {"id": "T-1"}, "sources": [], "outputs": [{"path": "../x", "sha256": "a"}]}',
        "{" * 100000,
    ],
)
def test_malformed_record_fails(case: Path, record: str) -> None:
    (case / "out/T-1.evidence.json").write_text(record)
    proc = invoke_cli("verify", str(case / "out"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr


def test_bad_tsa_ca_file(case: Path) -> None:
    ca = case / "ca.pem"
    ca.write_text("not a certificate")
    proc = invoke_cli("verify", str(case / "out"), "--tsa-ca", str(ca))
    assert "Traceback" not in proc.stderr
    missing = invoke_cli("verify", str(case / "out"), "--tsa-ca", str(case / "none.pem"))
    assert missing.returncode == 1 and "no such CA file" in missing.stderr


# ---------------------------------------------------------------- properties

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
FOLDER_FILES = ["T-1.pdf", "T-1.evidence.json", "SHA256SUMS", "T-1.history.jsonl"]


def _copy(pristine: Path, tmp: Path) -> Path:
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(pristine, tmp)
    return tmp


@given(
    which=st.sampled_from(FOLDER_FILES),
    where=st.floats(0, 1, exclude_max=True),
    bit=st.integers(0, 7),
)
def test_any_flipped_bit_fails(
    pristine: Path, tmp_path_factory: pytest.TempPathFactory, which: str, where: float, bit: int
) -> None:
    folder = _copy(pristine, tmp_path_factory.getbasetemp() / "flip")
    path = folder / "out" / which
    data = bytearray(path.read_bytes())
    data[int(where * len(data))] ^= 1 << bit
    path.write_bytes(bytes(data))
    assert failed(folder / "out")


@pytest.mark.parametrize("end", ["\x0b", "\x0c", "\x1c", "\r", "\u2028", ""])
def test_sums_lines_end_in_a_newline_only(
    pristine: Path, tmp_path_factory: pytest.TempPathFactory, end: str
) -> None:
    # A final "\n" flipped to "\x0b" passed once: str.splitlines() splits there too.
    folder = _copy(pristine, tmp_path_factory.mktemp("end"))
    sums = folder / "out/SHA256SUMS"
    text = sums.read_text(encoding="utf-8")
    assert text.endswith("\n")
    sums.write_text(text[:-1] + end, encoding="utf-8", newline="")
    assert failed(folder / "out")


@given(
    ops=st.lists(
        st.tuples(st.sampled_from(["drop", "dup", "swap"]), st.integers(0, 20)),
        min_size=1,
        max_size=4,
    )
)
def test_sums_edits_fail(
    pristine: Path, tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, int]]
) -> None:
    folder = _copy(pristine, tmp_path_factory.getbasetemp() / "sums")
    sums = folder / "out/SHA256SUMS"
    lines = sums.read_text().splitlines()
    original = list(lines)
    for op, k in ops:
        if not lines:
            break
        i = k % len(lines)
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        else:
            sha, name = lines[i].split("  ", 1)
            lines[i] = f"{sha[::-1]}  {name}"
    sums.write_text("".join(f"{x}\n" for x in lines))
    if sorted(lines) != sorted(original):
        assert failed(folder / "out")


@given(record=JSON)
def test_random_record_fails(
    pristine: Path, tmp_path_factory: pytest.TempPathFactory, record: object
) -> None:
    folder = _copy(pristine, tmp_path_factory.getbasetemp() / "json")
    (folder / "out/T-1.evidence.json").write_text(json.dumps(record))
    assert failed(folder / "out")


@given(
    entry=st.sampled_from(
        [
            "dossier/T-1.pdf",
            "dossier/T-1.evidence.json",
            "dossier/SHA256SUMS",
            "case/shot.png",
            "case/case.yaml",
        ]
    ),
    action=st.sampled_from(["flip", "drop", "dup", "random"]),
    blob=st.binary(max_size=64),
    where=st.floats(0, 1, exclude_max=True),
)
def test_archive_mutations_fail(
    pristine: Path,
    tmp_path_factory: pytest.TempPathFactory,
    entry: str,
    action: str,
    blob: bytes,
    where: float,
) -> None:
    out = tmp_path_factory.getbasetemp() / "mutated.zip"
    archive = pristine / "out/T-1.archive.zip"
    with zipfile.ZipFile(archive) as zf:
        data = zf.read(entry)
    if action == "flip":
        changed = bytearray(data)
        changed[int(where * len(changed))] ^= 0x10
        rezip(archive, out, {entry: bytes(changed)}, [])
    elif action == "drop":
        rezip(archive, out, {entry: None}, [])
    elif action == "dup":
        rezip(archive, out, {}, [(entry, blob)])
    else:
        if blob == data:
            return
        rezip(archive, out, {entry: blob}, [])
    assert failed(out)


def test_rows_are_rows(pristine: Path) -> None:
    rows = verify_path(pristine / "out")
    assert rows and all(isinstance(r, Row) for r in rows)
    assert any(r.file.endswith("(input fingerprint)") and r.status == "OK" for r in rows)


@given(token=st.binary(max_size=512))
def test_random_tokens_never_verify(token: bytes) -> None:
    from evidencekit.outputs.timestamp import check_token

    result = check_token(token, b"record", None)
    assert not result.ok and result.detail
