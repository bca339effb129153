"""The stat cache (assets/hashcache.py): unchanged files are not read again, and any change
(content rewritten under a restored mtime, size, inode) is hashed again; a corrupt or unwritable
cache never stops a build. A nothing-changed build records nothing new in the register without
loading SQLAlchemy, and still records what the register lacks."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from evidencekit.assets import hashcache
from evidencekit.assets.collect import collect
from evidencekit.assets.hashcache import StatCache
from evidencekit.manifest import load_case
from evidencekit.pipeline import BuildOptions, BuildResult, build
from tests.conftest import make_jpeg, write_case

CASE = """\
evidencekit: 1
case:
  id: SC-1
  title: 统计缓存 stat cache
  profile: generic
  timezone: Asia/Shanghai
  orders:
    - {id: "3456789012345678901", amount: 299.00, currency: CNY}
  parties:
    - {role: respondent, name: 杭州某某服饰旗舰店}
evidence:
  - kind: product
    title: 商品照片
    files: [photo.jpg, shot.png]
"""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _entries(folder: Path) -> dict[str, object]:
    """The entries written for folder (its cache file), {} when none."""
    cache = StatCache(folder)
    assert cache.file is not None
    if not cache.file.is_file():
        return {}
    return json.loads(cache.file.read_text(encoding="utf-8"))["entries"]  # type: ignore[no-any-return]


def _rewrite_keeping_mtime(path: Path, data: bytes) -> None:
    """New content of the same size under the old mtime: only the ctime tells."""
    before = path.stat()
    time.sleep(0.05)  # past the kernel's timestamp tick, so the ctime moves
    path.write_bytes(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert after.st_ctime_ns != before.st_ctime_ns


@pytest.fixture
def trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by the test are kept at once (not held back as racily clean)."""
    monkeypatch.setattr(hashcache, "RACY_NS", 0)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, BuildResult]]:
    folder = tmp_path_factory.mktemp("statcache")
    manifest = write_case(folder / "case", CASE, {"shot.png": None})
    make_jpeg(manifest.parent / "photo.jpg", (320, 240), exif_time="2025:10:04 10:05:12")
    out = folder / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(hashcache, "RACY_NS", 0)
        result = build(manifest, BuildOptions(out_dir=out))
        yield manifest, out, result


def test_content_rewritten_under_restored_mtime_is_hashed_again(
    tmp_path: Path, trusted: None
) -> None:
    f = tmp_path / "a.bin"
    f.write_bytes(b"A" * 4096)
    cache = StatCache(tmp_path)
    assert cache.sha256(f)[0] == _sha(f)
    cache.save()
    assert str(f) in _entries(tmp_path)
    _rewrite_keeping_mtime(f, b"B" * 4096)
    assert StatCache(tmp_path).sha256(f)[0] == _sha(f) == hashlib.sha256(b"B" * 4096).hexdigest()


def test_kept_digest_used_only_while_every_stat_field_matches(
    tmp_path: Path, trusted: None
) -> None:
    f = tmp_path / "a.bin"
    f.write_bytes(b"A" * 100)
    cache = StatCache(tmp_path)
    cache.sha256(f)
    cache.save()
    assert cache.file is not None
    # A digest that no content has: returned only if the file is not read again.
    data = json.loads(cache.file.read_text(encoding="utf-8"))
    data["entries"][str(f)]["sha256"] = "0" * 64
    cache.file.write_text(json.dumps(data), encoding="utf-8")
    assert StatCache(tmp_path).sha256(f)[0] == "0" * 64
    # Another inode at the same path (same size, same mtime): read again.
    st = f.stat()
    other = tmp_path / "b.bin"
    other.write_bytes(b"C" * 100)
    os.utime(other, ns=(st.st_atime_ns, st.st_mtime_ns))
    other.replace(f)
    assert StatCache(tmp_path).sha256(f)[0] == _sha(f) == hashlib.sha256(b"C" * 100).hexdigest()
    # Another size: read again.
    f.write_bytes(b"D" * 101)
    assert StatCache(tmp_path).sha256(f)[0] == _sha(f)


def test_a_file_just_written_is_not_kept(tmp_path: Path) -> None:
    f = tmp_path / "fresh.bin"
    f.write_bytes(b"now")
    cache = StatCache(tmp_path)
    assert cache.sha256(f)[0] == _sha(f)
    cache.save()
    assert str(f) not in _entries(tmp_path)  # a write in the same tick would go unseen


@pytest.mark.parametrize(
    "content",
    [b"\x00\xff not json", b"[1, 2]", b'{"format": "other", "entries": {}}', b'{"format": '],
)
def test_a_corrupt_or_foreign_cache_file_is_ignored_and_rewritten(
    tmp_path: Path, trusted: None, content: bytes
) -> None:
    f = tmp_path / "a.bin"
    f.write_bytes(b"A")
    cache = StatCache(tmp_path)
    assert cache.file is not None
    cache.file.parent.mkdir(parents=True, exist_ok=True)
    cache.file.write_bytes(content)
    cache = StatCache(tmp_path)
    assert cache.sha256(f)[0] == _sha(f)
    cache.save()
    assert _entries(tmp_path)[str(f)]["sha256"] == _sha(f)  # type: ignore[index]


def test_forged_entries_of_the_wrong_shape_are_not_used(tmp_path: Path, trusted: None) -> None:
    f = tmp_path / "a.bin"
    f.write_bytes(b"A")
    cache = StatCache(tmp_path)
    cache.sha256(f)
    cache.save()
    assert cache.file is not None
    data = json.loads(cache.file.read_text(encoding="utf-8"))
    for bad in ("short", None, 7):
        data["entries"][str(f)]["sha256"] = bad
        cache.file.write_text(json.dumps(data), encoding="utf-8")
        assert StatCache(tmp_path).sha256(f)[0] == _sha(f)


def test_collect_gives_the_same_facts_from_the_cache(tmp_path: Path, trusted: None) -> None:
    manifest = write_case(tmp_path / "case", CASE, {"shot.png": None})
    make_jpeg(manifest.parent / "photo.jpg", (320, 240), exif_time="2025:10:04 10:05:12")
    case = load_case(manifest)
    tz = ZoneInfo(case.timezone)
    assert not _entries(case.root)
    first = collect(case, tz, None)  # read
    assert len(_entries(case.root)) == 2
    again = collect(case, tz, None)  # from the cache
    assert again == first
    photo = again["photo.jpg"]
    assert photo.captured_how == "exif" and photo.captured_at is not None
    assert photo.captured_at.tzinfo == first["photo.jpg"].captured_at.tzinfo  # type: ignore[union-attr]
    assert photo.sha256 == _sha(manifest.parent / "photo.jpg")


@pytest.mark.parametrize(
    "forged",
    [
        [76800, ["not a time", True], "exif"],
        [76800, ["2025-10-04T10:05:12", False], "exif"],  # naive: never written
        [76800, "2025-10-04T10:05:12+08:00", "exif"],
        ["many", None, "exif"],
        [-1, None, "exif"],
        {"pixels": 1},
    ],
)
def test_kept_header_facts_of_the_wrong_shape_are_read_again(
    tmp_path: Path, trusted: None, forged: object
) -> None:
    manifest = write_case(tmp_path / "case", CASE, {"shot.png": None})
    make_jpeg(manifest.parent / "photo.jpg", (320, 240), exif_time="2025:10:04 10:05:12")
    case = load_case(manifest)
    tz = ZoneInfo(case.timezone)
    first = collect(case, tz, None)
    cache = StatCache(case.root)
    assert cache.file is not None
    data = json.loads(cache.file.read_text(encoding="utf-8"))
    entry = data["entries"][str(manifest.parent / "photo.jpg")]
    assert entry["header"]["value"][0] == 320 * 240
    entry["header"]["value"] = forged
    cache.file.write_text(json.dumps(data), encoding="utf-8")
    assert collect(case, tz, None) == first


def test_collect_rehashes_a_source_rewritten_under_its_mtime(tmp_path: Path, trusted: None) -> None:
    manifest = write_case(tmp_path / "case", CASE, {"shot.png": None})
    photo = make_jpeg(manifest.parent / "photo.jpg", (320, 240), exif_time="2025:10:04 10:05:12")
    case = load_case(manifest)
    tz = ZoneInfo(case.timezone)
    before = collect(case, tz, None)["photo.jpg"]
    data = bytearray(photo.read_bytes())
    data[-3] ^= 0xFF  # one byte of the picture, same size
    _rewrite_keeping_mtime(photo, bytes(data))
    after = collect(case, tz, None)["photo.jpg"]
    assert after.sha256 == _sha(photo) != before.sha256


def test_the_pixel_budget_holds_for_images_not_opened_again(
    tmp_path: Path, trusted: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evidencekit.assets import collect as collect_module
    from evidencekit.assets import images
    from evidencekit.errors import EvidenceError

    manifest = write_case(tmp_path / "case", CASE, {"shot.png": None})
    make_jpeg(manifest.parent / "photo.jpg", (320, 240), exif_time="2025:10:04 10:05:12")
    case = load_case(manifest)
    collect(case, ZoneInfo(case.timezone), None)  # both kept
    assert len(_entries(case.root)) == 2
    # A budget the two images exceed together (320 × 240 + 400 × 800 pixels).
    for module in (collect_module, images):
        monkeypatch.setattr(module, "MAX_CASE_PIXELS", 320 * 240 + 1000)
    with pytest.raises(EvidenceError) as caught:
        collect(case, ZoneInfo(case.timezone), None)
    assert caught.value.file == "shot.png"
    assert "over the 77,800-pixel limit per case" in str(caught.value)


def test_collect_with_an_unwritable_cache_dir(
    tmp_path: Path, trusted: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("EVIDENCEKIT_CACHE_DIR", str(blocker))
    manifest = write_case(tmp_path / "case", CASE, {"shot.png": None})
    make_jpeg(manifest.parent / "photo.jpg", (320, 240), exif_time="2025:10:04 10:05:12")
    case = load_case(manifest)
    infos = collect(case, ZoneInfo(case.timezone), None)
    assert infos["shot.png"].sha256 == _sha(manifest.parent / "shot.png")
    assert blocker.read_text() == "a file where the cache folder would be"


def test_an_output_changed_under_its_mtime_is_not_up_to_date(
    built: tuple[Path, Path, BuildResult], trusted: None
) -> None:
    from evidencekit.outputs.uptodate import up_to_date

    _, out, result = built
    json_name = result.json_path.name
    key = json.loads(result.json_path.read_text(encoding="utf-8"))["build_key"]
    assert up_to_date(out, json_name, key) is not None
    assert str(result.pdf_path) in _entries(out)  # the outputs' hashes are kept
    pdf = result.pdf_path
    original = pdf.read_bytes()
    data = bytearray(original)
    data[len(data) // 2] ^= 0x01  # same size
    try:
        _rewrite_keeping_mtime(pdf, bytes(data))
        assert up_to_date(out, json_name, key) is None
    finally:
        pdf.write_bytes(original)
    assert up_to_date(out, json_name, key) is not None


_CLI = """
import sys
from evidencekit.cli import app
try:
    app(["build", "-q", sys.argv[1], "-o", sys.argv[2]])
except SystemExit as e:
    assert not e.code, e.code
print("loaded:", ",".join(m for m in sys.argv[3:] if m in sys.modules))
"""


def test_nothing_changed_build_loads_no_register_library(
    built: tuple[Path, Path, BuildResult],
) -> None:
    manifest, out, _ = built
    heavy = (
        *("sqlalchemy", "typer.rich_utils", "weasyprint", "pikepdf", "openpyxl", "PIL"),
        *("evidencekit.assets.tables", "evidencekit.assets.transcripts"),
    )
    proc = subprocess.run(
        [sys.executable, "-c", _CLI, str(manifest), str(out), *heavy],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert "up to date" in proc.stdout or "nothing changed" in proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "loaded:"


def _register_rows(path: Path, case_id: str) -> tuple[object, list[str]]:
    con = sqlite3.connect(path)
    try:
        row = con.execute("SELECT title, status FROM evk_cases WHERE id = ?", (case_id,)).fetchone()
        builds = con.execute(
            "SELECT out_dir FROM evk_builds WHERE case_id = ? ORDER BY id", (case_id,)
        ).fetchall()
    finally:
        con.close()
    return row, [b[0] for b in builds]


def test_the_register_check_reads_what_the_register_holds(
    built: tuple[Path, Path, BuildResult], case_register: Path
) -> None:
    from evidencekit.register.recorded import already_recorded

    _, _, result = built
    assert already_recorded(result, str(case_register))
    assert not already_recorded(result, str(case_register.with_name("absent.sqlite")))
    con = sqlite3.connect(case_register)
    try:
        for table, column, where in (
            ("evk_cases", "title", "id"),
            ("evk_orders", "amount", "case_id"),
            ("evk_parties", "name", "case_id"),
            ("evk_builds", "pdf_sha256", "case_id"),
        ):
            (kept,) = con.execute(f"SELECT {column} FROM {table} WHERE {where} = 'SC-1'").fetchone()
            with con:
                con.execute(f"UPDATE {table} SET {column} = '1' WHERE {where} = 'SC-1'")
            assert not already_recorded(result, str(case_register)), table
            with con:
                con.execute(f"UPDATE {table} SET {column} = ? WHERE {where} = 'SC-1'", (kept,))
            assert already_recorded(result, str(case_register))
    finally:
        con.close()


def test_a_kept_build_is_recorded_where_the_register_lacks_it(
    built: tuple[Path, Path, BuildResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest, out, _ = built
    fresh = tmp_path / "fresh.sqlite"
    monkeypatch.setenv("EVIDENCEKIT_REGISTER", str(fresh))
    result = build(manifest, BuildOptions(out_dir=out))
    assert "up to date" in result.stages
    row, builds = _register_rows(fresh, "SC-1")
    assert row == ("统计缓存 stat cache", "built") and builds == [str(out)]


def test_a_kept_build_after_one_elsewhere_is_recorded_as_the_last(
    built: tuple[Path, Path, BuildResult], case_register: Path, tmp_path: Path
) -> None:
    manifest, out, _ = built
    elsewhere = tmp_path / "other-out"
    build(manifest, BuildOptions(out_dir=elsewhere))
    assert _register_rows(case_register, "SC-1")[1][-1] == str(elsewhere)
    assert "up to date" in build(manifest, BuildOptions(out_dir=out)).stages
    assert _register_rows(case_register, "SC-1")[1][-1] == str(out)


_LOAD = """
import sys
from pathlib import Path
from evidencekit.manifest import load_case
load_case(Path(sys.argv[1]))
print("loaded:", ",".join(m for m in sys.argv[2:] if m in sys.modules))
"""


def test_a_case_without_tables_loads_without_the_table_readers(
    built: tuple[Path, Path, BuildResult],
) -> None:
    manifest, _, _ = built
    readers = ("evidencekit.assets.tables", "evidencekit.assets.transcripts", "openpyxl")
    proc = subprocess.run(
        [sys.executable, "-c", _LOAD, str(manifest), *readers],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert proc.stdout.strip().splitlines()[-1] == "loaded:"
