"""Property tests: random bytes and text into the record readers give rows or clean errors."""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
from hypothesis import example, given
from hypothesis import strategies as st

from evidencekit.assets.exports import (
    ROLES,
    build_export,
    find_column,
    parse_time,
    read_events,
    read_export,
)
from evidencekit.assets.tables import prepare_table
from evidencekit.assets.text import decode
from evidencekit.assets.transcripts import read_transcript
from evidencekit.errors import EvidenceError
from evidencekit.model import SourceFile, TableSpec

TZ = ZoneInfo("Asia/Shanghai")

# Text that looks like exports: delimiters, quotes, guards, #-lines, CJK, odd line ends.
_pieces = st.sampled_from(
    [
        *[",", "\t", ";", '"', '="', "\n", "\r", "\r\n", "#", "-----", " ", "\u3000", "\x00", "'"],
        *[
            "时间",
            "地点",
            "状态",
            "运单号",
            "订单编号",
            "备注",
            "Date",
            "Time",
            "Location",
            "Status",
        ],
        *["2025-10-01 09:36", "2025/10/1 9:36", "SF123", "No:SF123", "1e309", "NaN", "Müller"],
    ]
)
export_text = st.lists(st.one_of(_pieces, st.text(max_size=8)), max_size=60).map("".join)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "big5", "shift_jis", "cp1252"])


def _write(folder: Path, name: str, data: bytes) -> SourceFile:
    p = folder / name
    p.write_bytes(data)
    return SourceFile(name, p, "case.yaml:3:5: evidence[0].table.file")


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


@given(data=st.binary(max_size=600))
@example(data=b"a,b\r\n\xff\xfe\x00\x00")
@example(data=b"\xef\xbb\xbf\xff")
def test_decode_gives_text_or_value_error(data: bytes) -> None:
    try:
        d = decode(data)
    except ValueError:
        return
    assert isinstance(d.text, str)


@given(data=st.binary(max_size=600))
def test_table_reader_on_random_bytes(tmp_path: Path, data: bytes) -> None:
    sf = _write(tmp_path, "t.csv", data)
    try:
        table = prepare_table(sf, TableSpec(file="t.csv"))
    except EvidenceError as e:
        assert "t.csv" in str(e)
        return
    assert all(len(r) == len(table.headers) for r in table.rows)


@given(text=export_text, encoding=encodings, sort=st.booleans())
def test_table_reader_on_export_like_text(
    tmp_path: Path, text: str, encoding: str, sort: bool
) -> None:
    sf = _write(tmp_path, "t.csv", _encode(text, encoding))
    try:
        export = read_export(sf.path)
    except ValueError:
        return
    assert export.header and all(len(r) == len(export.header) for r in export.rows)
    assert len(set(export.header)) == len(export.header)  # duplicates kept apart
    spec = TableSpec(file="t.csv", sort=export.header[0] if sort else None)
    with contextlib.suppress(EvidenceError):
        prepare_table(sf, spec)


@given(
    rows=st.lists(st.lists(st.one_of(_pieces, st.text(max_size=6)), max_size=8), max_size=25),
    expect=st.lists(st.sampled_from(["时间", "地点", "Date", "x"]), max_size=2),
)
def test_header_recogniser(rows: list[list[str]], expect: list[str]) -> None:
    try:
        export = build_export(rows, list(range(1, len(rows) + 1)), encoding="utf-8", expect=expect)
    except ValueError:
        return
    width = len(export.header)
    assert all(len(r) == width for r in export.rows)
    assert len(export.rows) == len(export.lines)
    for role in ROLES:
        i = find_column(export.header, role)
        assert i is None or 0 <= i < width


@given(
    headers=st.lists(st.one_of(st.sampled_from([s for v in ROLES.values() for s in v]), st.text()))
)
def test_find_column_on_any_headers(headers: list[str]) -> None:
    for role in ROLES:
        i = find_column(headers, role)
        assert i is None or 0 <= i < len(headers)


@given(raw=st.one_of(st.text(max_size=40), _pieces))
@example(raw="9999-12-31T23:59:59-14:00")
@example(raw="2025-10-01 12:00 PM +99:99")
@example(raw="Feb 30, 2025")
def test_time_parser_gives_aware_times_or_value_errors(raw: str) -> None:
    try:
        value = parse_time(raw, TZ)
    except ValueError:
        return
    assert value.tzinfo is not None
    assert isinstance(value - datetime(2000, 1, 1, tzinfo=TZ), object)


@given(
    text=export_text,
    encoding=encodings,
    tracking=st.one_of(st.none(), st.sampled_from(["SF123", "No:SF123", "X"])),
)
@example(
    text="运单号,时间,地点,物流信息\nSF123,2025-10-01 09:36,杭州,揽收\n",
    encoding="utf-8",
    tracking=None,
)
def test_events_reader(tmp_path: Path, text: str, encoding: str, tracking: str | None) -> None:
    p = tmp_path / "e.csv"
    p.write_bytes(_encode(text, encoding))
    try:
        events, _ = read_events(p, TZ, tracking_number=tracking)
    except ValueError:
        return
    assert events and all(e.at.tzinfo is not None for e in events)
    sorted(e.at for e in events)  # every time comparable with the others


message = st.fixed_dictionaries(
    {},
    optional={
        "time": st.one_of(st.text(max_size=20), st.integers(), st.none(), _pieces),
        "sender": st.one_of(st.text(max_size=10), st.integers(), st.lists(st.integers())),
        "text": st.one_of(st.text(max_size=20), st.dictionaries(st.text(), st.integers())),
        "role": st.text(max_size=8),
    },
)


@given(
    kind=st.sampled_from(["csv", "txt", "json"]),
    text=export_text,
    messages=st.lists(message, max_size=5),
    raw=st.binary(max_size=200),
    pick=st.integers(0, 2),
)
@example(kind="json", text="[" * 100_000, messages=[], raw=b"", pick=1)
@example(kind="json", text="1" * 5000, messages=[], raw=b"", pick=1)
def test_transcript_reader(
    tmp_path: Path, kind: str, text: str, messages: list[dict[str, object]], raw: bytes, pick: int
) -> None:
    body = [
        raw,
        text.encode("utf-8", errors="replace"),
        json.dumps({"messages": messages}, ensure_ascii=False).encode(),
    ][pick if kind == "json" else min(pick, 1)]
    sf = SourceFile(f"c.{kind}", tmp_path / f"c.{kind}", "case.yaml:3:5: evidence[0].transcript")
    sf.path.write_bytes(body)
    try:
        out = read_transcript(sf, TZ, {"a": "buyer"})
    except EvidenceError as e:
        assert f"c.{kind}" in str(e)
        return
    assert out and all(m.at.tzinfo is not None for m in out)


def _workbook() -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["订单编号", "时间", "金额"])
    ws.append(["3456789012345678901", datetime(2025, 10, 1, 9, 36), 299.0])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


WORKBOOK = _workbook()


@given(
    flips=st.lists(st.tuples(st.integers(0, len(WORKBOOK) - 1), st.integers(0, 255)), max_size=8),
    cut=st.integers(0, len(WORKBOOK)),
)
def test_damaged_workbooks_are_value_errors(
    tmp_path: Path, flips: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(WORKBOOK)
    for at, value in flips:
        data[at] = value
    p = tmp_path / "w.xlsx"
    p.write_bytes(bytes(data[:cut]) if cut < len(data) // 2 else bytes(data))
    try:
        export = read_export(p)
    except ValueError:
        return
    assert all(len(r) == len(export.header) for r in export.rows)


@given(sheet=st.text(max_size=200))
def test_any_sheet_xml_is_a_value_error_or_rows(tmp_path: Path, sheet: str) -> None:
    src = zipfile.ZipFile(io.BytesIO(WORKBOOK))
    p = tmp_path / "s.xlsx"
    with zipfile.ZipFile(p, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode("utf-8", errors="replace")
            out.writestr(info, data)
    with contextlib.suppress(ValueError):
        read_export(p)
