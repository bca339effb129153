"""Capture times: always aware, from EXIF, PNG metadata, XMP or the file name (issue #10)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from evidencekit.assets.images import (
    CAPTURE_METHODS,
    capture_time,
    filename_time,
    image_size,
    prepare_image,
)
from evidencekit.errors import EvidenceError
from evidencekit.i18n import CATALOG
from evidencekit.pipeline import BuildOptions, build

from .conftest import MINIMAL, make_jpeg, write_case

SHANGHAI = ZoneInfo("Asia/Shanghai")
EXIF_IFD, DATETIME, DATETIME_ORIGINAL, OFFSET_ORIGINAL, ORIENTATION = (
    0x8769,
    0x0132,
    0x9003,
    0x9011,
    0x0112,
)


def jpeg_with_exif(path: Path, exif: Image.Exif, **kw: object) -> Path:
    Image.new("RGB", (32, 24), "#8a6").save(path, "JPEG", exif=exif.tobytes(), **kw)
    return path


def test_exif_without_offset_read_in_case_time_zone(tmp_path: Path) -> None:
    p = make_jpeg(tmp_path / "a.jpg", exif_time="2025:10:03 14:05:00")
    when, how = capture_time(p, "a.jpg", SHANGHAI)
    assert how == "exif" and when is not None
    assert when.tzinfo is not None and when.utcoffset() == timedelta(hours=8)
    assert when.isoformat() == "2025-10-03T14:05:00+08:00"
    # The offset, when the camera wrote one, wins over the case time zone.
    q = make_jpeg(tmp_path / "b.jpg", exif_time="2025:10:03 14:05:00", offset="-05:00")
    when, _ = capture_time(q, "b.jpg", SHANGHAI)
    assert when is not None and when.utcoffset() == timedelta(hours=-5)


def test_png_creation_time_without_offset_is_aware(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Creation Time", "2025:10:04 11:20:00")
    p = tmp_path / "c.png"
    Image.new("RGB", (20, 20), "white").save(p, pnginfo=info)
    when, how = capture_time(p, "c.png", SHANGHAI)
    assert how == "png-metadata" and when == datetime(2025, 10, 4, 11, 20, tzinfo=SHANGHAI)
    assert when is not None and when.utcoffset() is not None


def test_png_creation_time_rfc1123(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Creation Time", "Sat, 04 Oct 2025 03:20:00 GMT")  # PNG's recommended form
    p = tmp_path / "r.png"
    Image.new("RGB", (20, 20), "white").save(p, pnginfo=info)
    when, how = capture_time(p, "r.png", SHANGHAI)
    assert how == "png-metadata" and when == datetime(2025, 10, 4, 3, 20, tzinfo=UTC)


def test_xmp_time_without_offset(tmp_path: Path) -> None:
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
        b'xmp:CreateDate="2025-10-04T09:30:00"/></rdf:RDF></x:xmpmeta>'
    )
    p = tmp_path / "x.jpg"
    Image.new("RGB", (20, 20), "white").save(p, "JPEG", xmp=xmp)
    when, how = capture_time(p, "x.jpg", SHANGHAI)
    assert how == "xmp" and when == datetime(2025, 10, 4, 9, 30, tzinfo=SHANGHAI)
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp.decode().replace("09:30", "09:31"))
    q = tmp_path / "x.png"
    Image.new("RGB", (20, 20), "white").save(q, pnginfo=info)
    when, how = capture_time(q, "x.png", SHANGHAI)
    assert how == "xmp" and when == datetime(2025, 10, 4, 9, 31, tzinfo=SHANGHAI)


def test_every_capture_method_has_a_label_in_both_languages() -> None:
    methods = (*CAPTURE_METHODS, "manifest", "file-mtime", "unknown")
    for method in methods:
        zh, en = CATALOG[f"how_{method}"]
        assert zh.strip() and en.strip() and zh != en, method
    assert CATALOG["how_filename"] == ("文件名", "file name")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Screenshot_20251004-100512.png", "2025-10-04T10:05:12+08:00"),
        ("IMG_20251004_100512.jpg", "2025-10-04T10:05:12+08:00"),
        ("微信图片_20251004100512.jpg", "2025-10-04T10:05:12+08:00"),
        ("Screenshot 2025-10-04 at 10.05.12.png", "2025-10-04T10:05:12+08:00"),
        ("Screen Shot 2025-10-04 at 10.05.12 AM.png", "2025-10-04T10:05:12+08:00"),
        ("Screen Shot 2025-10-04 at 1.05.12 PM.png", "2025-10-04T13:05:12+08:00"),
        ("Screenshot 2025-10-04 at 12.05.12\u202fAM.png", "2025-10-04T00:05:12+08:00"),
        ("PXL_20251004_020512345.jpg", "2025-10-04T10:05:12+08:00"),  # Pixel names are UTC
        ("VID_20251004_100512.jpg", "2025-10-04T10:05:12+08:00"),
        ("mmexport1696384712345.jpg", "2023-10-04T09:58:32.345000+08:00"),  # epoch ms
        ("WechatIMG_20251004100512.jpg", "2025-10-04T10:05:12+08:00"),
        ("Screenshot_2025-10-04-10-05-12-345_com.tencent.mm.jpg", "2025-10-04T10:05:12+08:00"),
        ("Screenshot_20251004_100512_Taobao.jpg", "2025-10-04T10:05:12+08:00"),
    ],
)
def test_filename_times(name: str, expected: str) -> None:
    when = filename_time(name, SHANGHAI)
    assert when is not None and when.isoformat() == expected


@pytest.mark.parametrize(
    "name",
    [
        "WechatIMG123.jpg",  # a counter, no time
        "IMG_0412.JPG",
        "IMG_19800101_120000.jpg",  # before 1990: a reset camera clock
        "IMG_20991231_120000.jpg",  # the future
        "IMG_20251304_100512.jpg",  # month 13
        "Screen Shot 2025-10-04 at 13.05.12 PM.png",  # 13 PM
        "order_34567890123456789.jpg",
    ],
)
def test_filename_without_plausible_time(name: str) -> None:
    assert filename_time(name, SHANGHAI) is None


def test_filename_used_only_without_metadata(tmp_path: Path) -> None:
    bare = tmp_path / "Screenshot_20251004-100512.png"
    Image.new("RGB", (20, 20), "white").save(bare)
    when, how = capture_time(bare, bare.name, SHANGHAI)
    assert how == "filename" and when == datetime(2025, 10, 4, 10, 5, 12, tzinfo=SHANGHAI)
    tagged = make_jpeg(tmp_path / "IMG_20251004_100512.jpg", exif_time="2025:10:01 08:00:00")
    when, how = capture_time(tagged, tagged.name, SHANGHAI)
    assert how == "exif" and when is not None and when.day == 1


@pytest.mark.parametrize(
    "raw",
    [
        "0000:00:00 00:00:00",  # what many cameras write when the clock was never set
        "1970:01:01 00:00:00",
        "2099:01:01 00:00:00",
        "9999:12:31 23:59:59",
        "    :  :     :  :  ",
        "2025:02:30 10:00:00",
        b"\xff\xfe2025:10:04",
        "2025:10:04 10:05:12\x00\x00\x00garbage",
    ],
)
def test_implausible_or_garbage_exif_dates_ignored(tmp_path: Path, raw: str | bytes) -> None:
    exif = Image.Exif()
    exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = raw
    p = jpeg_with_exif(tmp_path / "g.jpg", exif)
    when, how = capture_time(p, "g.jpg", SHANGHAI)
    assert when is None and how == ""


def test_exif_date_with_nul_padding_and_fallback_to_datetime(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[DATETIME] = "2025:10:04 10:05:12\x00"
    exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = "0000:00:00 00:00:00"
    exif.get_ifd(EXIF_IFD)[OFFSET_ORIGINAL] = "+99:99"  # garbage offset: case time zone
    p = jpeg_with_exif(tmp_path / "n.jpg", exif)
    when, how = capture_time(p, "n.jpg", SHANGHAI)
    assert how == "exif" and when == datetime(2025, 10, 4, 10, 5, 12, tzinfo=SHANGHAI)


def test_collect_records_aware_times_from_every_source(tmp_path: Path) -> None:
    """A real build of photos with and without offsets, a file-name time and none at all."""
    folder = tmp_path / "case"
    make_jpeg(folder / "a.jpg", exif_time="2025:10:03 14:05:00")
    make_jpeg(folder / "b.jpg", exif_time="2025:10:03 15:05:00", offset="+02:00")
    Image.new("RGB", (40, 80), "white").save(folder / "Screenshot_20251004-100512.png")
    Image.new("RGB", (40, 80), "white").save(folder / "plain.png")
    text = MINIMAL.replace(
        "files: [shot.png]",
        "files: [a.jpg, b.jpg, Screenshot_20251004-100512.png, plain.png]",
    ).replace("profile: generic", "profile: generic\n  timezone: Asia/Shanghai")
    m = write_case(folder, text)
    result = build(m, BuildOptions(out_dir=tmp_path / "out"))
    ev = json.loads(result.json_path.read_text(encoding="utf-8"))
    got = {Path(s["path"]).name: (s["captured_at"], s["captured_how"]) for s in ev["sources"]}
    assert got["a.jpg"] == ("2025-10-03T14:05:00+08:00", "exif")
    assert got["b.jpg"] == ("2025-10-03T15:05:00+02:00", "exif")
    assert got["Screenshot_20251004-100512.png"] == ("2025-10-04T10:05:12+08:00", "filename")
    assert got["plain.png"][1] == "file-mtime"
    assert all(datetime.fromisoformat(at).utcoffset() is not None for at, _ in got.values())


# --- property test: random EXIF and PNG metadata never crash the readers ----------------------

_values = st.one_of(
    st.text(max_size=40),
    st.binary(max_size=40),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.sampled_from(
        [
            "2025:10:04 10:05:12",
            "2025-10-04T10:05:12",
            "+08:00",
            "-99:00",
            "0000:00:00 00:00:00",
            "9999:12:31 23:59:59",
            "\x00\x00",
        ]
    ),
)
_tags = st.sampled_from([DATETIME, DATETIME_ORIGINAL, OFFSET_ORIGINAL, 0x9004, 0x9010, 0x9012])


def _exif_bytes(top: dict[int, object], sub: dict[int, object]) -> bytes | None:
    exif = Image.Exif()
    for tag, value in top.items():
        exif[tag] = value
    for tag, value in sub.items():
        exif.get_ifd(EXIF_IFD)[tag] = value
    try:
        return exif.tobytes()
    except Exception:  # Pillow raises many kinds on unwritable values
        return None  # Pillow cannot write this combination; nothing to read


@given(
    top=st.dictionaries(st.one_of(_tags, st.just(ORIENTATION)), _values, max_size=4),
    sub=st.dictionaries(_tags, _values, max_size=4),
    png_text=st.dictionaries(
        st.sampled_from(["Creation Time", "XML:com.adobe.xmp", "Comment"]),
        st.one_of(
            st.text(max_size=60),
            st.sampled_from(['<x xmp:CreateDate="2025-10-04T10:05:12"/>', "Sat, 99 Foo"]),
        ),
        max_size=3,
    ),
    name=st.sampled_from(["a.jpg", "IMG_20251004_100512.jpg", "mmexport9999999999999.jpg"]),
)
def test_metadata_readers_never_crash(
    tmp_path_factory: pytest.TempPathFactory,
    top: dict[int, object],
    sub: dict[int, object],
    png_text: dict[str, str],
    name: str,
) -> None:
    folder = tmp_path_factory.mktemp("prop")
    exif = _exif_bytes(top, sub)
    jpg = folder / name
    Image.new("RGB", (8, 8), "white").save(jpg, "JPEG", exif=exif or b"")  # square: any turn
    png = folder / name.replace(".jpg", ".png")
    info = PngImagePlugin.PngInfo()
    for key, value in png_text.items():
        info.add_itxt(key, value)
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, "PNG", pnginfo=info, exif=exif or b"")
    png.write_bytes(buf.getvalue())
    for path in (jpg, png):
        try:
            shown = image_size(path, path.name)  # reads the (random) orientation too
            when, how = capture_time(path, path.name, SHANGHAI)
            prepared = prepare_image(path, path.name, folder, "p", box_mm=(50.0, 50.0))
        except EvidenceError:
            continue
        assert shown == prepared.source_px == (8, 8)
        assert (when is None) == (how == "")
        if when is not None:
            assert when.utcoffset() is not None and how in CAPTURE_METHODS
            assert datetime(1990, 1, 1, tzinfo=UTC) <= when
            assert when <= datetime.now(UTC) + timedelta(days=1)


@given(
    body=st.one_of(
        st.binary(max_size=200),
        st.builds(
            lambda n, tail: b"II*\x00\x08\x00\x00\x00" + n.to_bytes(2, "little") + tail,
            st.integers(0, 40),
            st.binary(max_size=300),
        ),
    )
)
def test_random_exif_bytes_never_crash(
    tmp_path_factory: pytest.TempPathFactory, body: bytes
) -> None:
    folder = tmp_path_factory.mktemp("raw")
    path = folder / "r.jpg"
    Image.new("RGB", (8, 6), "white").save(path, "JPEG", exif=b"Exif\x00\x00" + body)
    try:
        shown = image_size(path, path.name)
        when, _how = capture_time(path, path.name, SHANGHAI)
        prepared = prepare_image(path, path.name, folder, "r", box_mm=(50.0, 50.0))
    except EvidenceError:
        return
    assert when is None or when.utcoffset() is not None
    assert shown == prepared.source_px and sorted(shown) == [6, 8]
