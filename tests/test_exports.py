"""Exports as they come: carrier traces, Alipay statements, encodings, hostile workbooks."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from evidencekit.assets.exports import (
    clean_cell,
    export_cache,
    find_column,
    normalize_id,
    parse_time,
    read_events,
    read_export,
)
from evidencekit.assets.tables import prepare_table, read_csv
from evidencekit.assets.text import decode
from evidencekit.assets.transcripts import read_transcript
from evidencekit.errors import EvidenceError
from evidencekit.model import SourceFile, TableSpec

from .conftest import run_cli, write_case

SH = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


# ---------------------------------------------------------------- encodings (#17)


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("cp1252", "Name,City,Note\nMüller,Köln,“fragile” – 12,50 €\n"),
        ("cp1252", "a,b\nÅsa,Øre\n"),
        ("gb18030", "时间,地点,状态\n2025-10-01 09:36,杭州,已揽收\n"),
        ("gbk", "a,b\n1,张\n"),
        ("big5", "時間,地點,狀態\n2025-10-01 09:36,台北,已簽收\n"),
        ("shift_jis", "日時,場所,状況\n2025-10-01 09:36,東京,配達完了\n"),
        ("shift_jis", "お届け先,ステータス\n大阪,お届け済み\n"),
    ],
)
def test_legacy_encodings_told_apart(encoding: str, text: str) -> None:
    # Before: everything not UTF-8 was read as GB18030 (Müller -> M黮ler).
    d = decode(text.encode(encoding))
    assert d.text == text
    assert d.guessed


def test_certain_encodings_are_not_guesses() -> None:
    assert decode("Müller".encode()).guessed is False
    assert decode("\ufeffMüller".encode()).encoding == "utf-8-sig"
    assert decode("Müller".encode("utf-16")).text == "Müller"
    assert not decode("Müller".encode("utf-16")).guessed


def test_encoding_override_and_bad_override(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_bytes("名前,都市\n山田,東京\n".encode("shift_jis"))
    sf = SourceFile("t.csv", p, "case.yaml:4:5: evidence[0].table.file")
    table = prepare_table(sf, TableSpec(file="t.csv", encoding="shift_jis"))
    assert table.rows == (("山田", "東京"),)
    assert table.encoding == "shift_jis"
    with pytest.raises(EvidenceError, match=r"t\.csv: cannot decode the text as utf-8 \(line 1"):
        prepare_table(sf, TableSpec(file="t.csv", encoding="utf-8"))


def test_guessed_encoding_is_a_validate_warning(tmp_path: Path) -> None:
    manifest = write_case(
        tmp_path,
        """\
        evidencekit: 1
        case: {id: ENC-1, title: t}
        evidence:
          - kind: transaction
            title: Orders
            table: {file: orders.csv}
          - kind: transaction
            title: Certain
            table: {file: utf8.csv}
          - kind: chat
            title: Chat
            transcript: {file: chat.csv, encoding: cp1252}
        """,
        {
            "orders.csv": "Name,City\nMüller,Köln\n".encode("cp1252"),
            "utf8.csv": "Name,City\nMüller,Köln\n",
            "chat.csv": "time,sender,message\n2025-10-01 09:00,Zoë,Grüße\n".encode("cp1252"),
        },
    )
    proc = run_cli("validate", str(manifest))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    assert "orders.csv: no encoding is marked in the file; read as cp1252 (detected)" in out
    assert "utf8.csv: no encoding" not in out
    assert "chat.csv: no encoding" not in out  # named in the manifest: no guess


# ---------------------------------------------------------------- CSV shapes


ALIPAY = (
    "#支付宝业务明细查询\n"
    "#账号：[20880012345678900156]\n"
    "#起始日期：[2025年10月01日 00:00:00]   终止日期：[2025年10月20日 00:00:00]\n"
    "#-----------------------------------------业务明细列表----------------------------------------\n"
    "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,订单金额（元）,备注,备注,\n"
    "2025100122001456781234567890\t,T200P3456789012345678901\t,交易付款  ,衬衫  ,"
    "2025-10-01 09:00:00,2025-10-01 09:00:05,299.00 ,  ,好评,\n"
    "2025100222001456781234567891\t,T200P1111111111111111111\t,交易付款  ,裤子  ,"
    "2025-10-02 10:00:00,2025-10-02 10:00:03,88.00 ,  ,,\n"
    "#-----------------------------------------业务明细列表结束------------------------------------\n"
    "#支出合计：0笔，共0.00元\n"
    "#收入合计：2笔，共387.00元\n"
    "#导出时间：[2025-10-20 12:00:00]\n"
)


def test_alipay_statement_preamble_trailer_duplicates(tmp_path: Path) -> None:
    p = tmp_path / "alipay.csv"
    p.write_bytes(ALIPAY.encode("gb18030"))
    export = read_export(p)
    assert export.header == (
        "支付宝交易号",
        "商户订单号",
        "业务类型",
        "商品名称",
        "创建时间",
        "完成时间",
        "订单金额（元）",
        "备注",
        "备注 (2)",  # before: one of the two 备注 columns was lost
    )
    assert len(export.rows) == 2
    assert export.rows[0][:3] == (
        "2025100122001456781234567890",
        "T200P3456789012345678901",
        "交易付款",
    )
    assert export.rows[0][8] == "好评"
    assert export.preamble[0] == "#支付宝业务明细查询"
    assert export.trailer[-1] == "#导出时间：[2025-10-20 12:00:00]"
    assert export.header_line == 5 and export.lines == (6, 7)
    assert any("备注 (2)" in w for w in export.warnings)
    assert find_column(export.header, "order_id") == 1
    assert find_column(export.header, "amount") == 6
    assert find_column(export.header, "paid") == 5
    assert find_column(export.header, "placed") == 4
    # The table exhibit reads the same file (before: the first #-line was the header).
    sf = SourceFile("alipay.csv", p, "x")
    table = prepare_table(
        sf,
        TableSpec(
            file="alipay.csv", columns=["商户订单号", "订单金额（元）"], sort="订单金额（元）"
        ),
    )
    assert table.rows == (
        ("T200P1111111111111111111", "88.00"),
        ("T200P3456789012345678901", "299.00"),
    )


def test_old_alipay_layout_with_title_and_dashes(tmp_path: Path) -> None:
    text = (
        "支付宝交易记录明细查询\n"
        "账号:[seller@example.com]\n"
        "起始日期:[2025-10-01 00:00:00]    终止日期:[2025-10-20 00:00:00]\n"
        "---------------------------------交易记录明细列表------------------------------------\n"
        "交易号                  ,商家订单号               ,交易创建时间              ,付款时间"
        "                ,金额（元）   ,\n"
        "2025100122001        ,T200P1                ,2025-10-01 09:00:00 ,2025-10-01 09:00:05"
        "  ,299.00       ,\n"
        "------------------------------------------------------------------------------------\n"
        "共1笔记录\n"
        "已收入:1笔,299.00元\n"
    )
    p = tmp_path / "old.csv"
    p.write_bytes(text.encode("gbk"))
    export = read_export(p)
    assert export.header == ("交易号", "商家订单号", "交易创建时间", "付款时间", "金额（元）")
    assert export.rows == (
        ("2025100122001", "T200P1", "2025-10-01 09:00:00", "2025-10-01 09:00:05", "299.00"),
    )
    assert export.trailer[1:] == ("共1笔记录", "已收入:1笔,299.00元")


def test_cells_cleaned_and_ids_matched() -> None:
    assert clean_cell('  ="3456789012345678901"  ') == "3456789012345678901"
    assert clean_cell("SF123\t") == "SF123"
    assert clean_cell("a\x00b\x1fc") == "abc"
    assert normalize_id("No: sf1234567890123") == "SF1234567890123"
    assert normalize_id("NO.SF1234567890123") == "SF1234567890123"
    assert normalize_id('="SF1234567890123"') == "SF1234567890123"


def test_where_matches_waybills_with_prefixes(tmp_path: Path) -> None:
    p = tmp_path / "w.csv"
    p.write_text("订单编号,运单号\n1,No:SF1234567890123\n2,No.SF999\n", encoding="utf-8")
    table = prepare_table(
        SourceFile("w.csv", p, "x"),
        TableSpec(file="w.csv", where={"运单号": "SF1234567890123"}, highlight={"订单编号": "1"}),
    )
    assert table.rows == (("1", "No:SF1234567890123"),)  # shown verbatim, matched loosely
    assert table.highlighted == (True,)


def test_cr_only_line_ends_and_big_cells(tmp_path: Path) -> None:
    p = tmp_path / "cr.csv"
    p.write_bytes(b"a,b\r1,2\r3,4\r")
    rows, _ = read_csv(p)
    assert rows == [["a", "b"], ["1", "2"], ["3", "4"]]  # before: one row or a csv.Error
    big = tmp_path / "big.csv"
    big.write_text("a,b\n1," + "x" * 131_072 + "\n", encoding="utf-8")
    sf = SourceFile("big.csv", big, "case.yaml:3:5: evidence[0].table.file")
    with pytest.raises(EvidenceError, match=r"big\.csv: line 2: a cell holds 131,072 characters"):
        prepare_table(sf, TableSpec(file="big.csv"))


def test_rows_per_table_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import evidencekit.assets.tables as tables

    monkeypatch.setattr(tables, "MAX_ROWS", 100)
    p = tmp_path / "many.csv"
    p.write_text("a\n" + "1\n" * 200, encoding="utf-8")
    with pytest.raises(EvidenceError, match="more than 100 rows"):
        prepare_table(SourceFile("many.csv", p, "x"), TableSpec(file="many.csv"))


def test_nan_in_a_sorted_column(tmp_path: Path) -> None:
    p = tmp_path / "n.csv"
    p.write_text("id,amount\n1,NaN\n2,5\n3,sNaN\n4,Infinity\n", encoding="utf-8")
    # Before: decimal.InvalidOperation from comparing NaN while sorting.
    table = prepare_table(SourceFile("n.csv", p, "x"), TableSpec(file="n.csv", sort="amount"))
    assert [r[0] for r in table.rows] == ["2", "4", "1", "3"]  # a number, then text


# ---------------------------------------------------------------- XLSX (#17)


def test_hidden_first_sheet_is_skipped(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    lookup = book.active
    lookup.title = "lookup"
    lookup.append(["code", "name"])
    lookup.sheet_state = "hidden"
    book.create_sheet("订单").append(["订单编号", "金额"])
    book["订单"].append(["3456789012345678901", "299.00"])
    book.save(tmp_path / "h.xlsx")
    export = read_export(tmp_path / "h.xlsx")
    assert export.sheet == "订单" and export.header == ("订单编号", "金额")
    assert any("'lookup' is hidden" in w for w in export.warnings)
    assert read_export(tmp_path / "h.xlsx", sheet="lookup").header == ("code", "name")


def test_formulas_without_saved_values_are_reported(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Sheet1"
    ws.append(["item", "amount"])
    ws.append(["a", 1])
    ws.append(["b", 2])
    ws.append(["total", "=SUM(B2:B3)"])  # openpyxl saves no cached value
    book.save(tmp_path / "f.xlsx")
    export = read_export(tmp_path / "f.xlsx")
    assert export.rows[-1] == ("total", "")
    assert any("1 formula cell(s) have no saved value (B4)" in w for w in export.warnings)


def _xlsx_with_sheet_xml(path: Path, sheet_xml: str) -> None:
    """A real workbook whose first sheet's XML is replaced (cells openpyxl cannot write)."""
    book = openpyxl.Workbook()
    book.active.append(["x"])
    buf = io.BytesIO()
    book.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode()
            out.writestr(info, data)


SHEET = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<sheetData>{rows}</sheetData></worksheet>"
)


def test_infinite_and_nan_cells_are_clean_errors(tmp_path: Path) -> None:
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>amount</t></is></c></row>'
    rows += '<row r="2"><c r="A2"><v>1e309</v></c></row>'
    _xlsx_with_sheet_xml(tmp_path / "inf.xlsx", SHEET.format(rows=rows))
    sf = SourceFile("inf.xlsx", tmp_path / "inf.xlsx", "case.yaml:3:5: evidence[0].table.file")
    # Before: OverflowError (cannot convert float infinity to integer).
    with pytest.raises(EvidenceError, match=r"cell A2 holds inf, which is not a number"):
        prepare_table(sf, TableSpec(file="inf.xlsx"))


def test_xxe_workbook_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    _xlsx_with_sheet_xml(tmp_path / "xxe.xlsx", xml)
    with pytest.raises(ValueError, match="declares XML entities"):
        read_export(tmp_path / "xxe.xlsx")


def test_truncated_workbook_is_refused(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["a"])
    book.save(tmp_path / "ok.xlsx")
    data = (tmp_path / "ok.xlsx").read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="ZIP container is damaged or truncated"):
        read_export(tmp_path / "cut.xlsx")


def test_zip_bomb_workbook_is_refused_before_inflating(tmp_path: Path) -> None:
    # 100 MB of one repeated row compresses to a few hundred KB (a real bomb goes to GBs).
    row = '<row><c t="inlineStr"><is><t>a</t></is></c></row>'
    body = SHEET.format(rows=row * (100_000_000 // len(row)))
    _xlsx_with_sheet_xml(tmp_path / "bomb.xlsx", body)
    assert (tmp_path / "bomb.xlsx").stat().st_size < 2_000_000
    with pytest.raises(ValueError, match="refused as a ZIP bomb"):
        read_export(tmp_path / "bomb.xlsx")


# ---------------------------------------------------------------- times


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-10-01 09:36:12", at(2025, 10, 1, 9, 36, 12)),
        ("2025/10/1 9:36", at(2025, 10, 1, 9, 36)),
        ("2025年10月1日 09:36", at(2025, 10, 1, 9, 36)),
        ("2025年10月1日09:36:05", at(2025, 10, 1, 9, 36, 5)),
        ("2025.10.01 09:36", at(2025, 10, 1, 9, 36)),
        ("01.10.2025 09:36", at(2025, 10, 1, 9, 36)),
        ("10/01/2025 9:36 A.M.", at(2025, 10, 1, 9, 36)),
        ("10/01/2025 1:05 PM", at(2025, 10, 1, 13, 5)),
        ("25/10/2025 13:05", at(2025, 10, 25, 13, 5)),
        ("Wednesday, October 01, 2025 9:36 AM", at(2025, 10, 1, 9, 36)),
        ("Oct 1, 2025", at(2025, 10, 1)),
        ("20251001093612", at(2025, 10, 1, 9, 36, 12)),
        ("２０２５-１０-０１ ０９：３６", at(2025, 10, 1, 9, 36)),
        ("2025-10-01 下午 3:00", at(2025, 10, 1, 15, 0)),
    ],
)
def test_export_time_forms(raw: str, expected: datetime) -> None:
    assert parse_time(raw, SH) == expected


def test_offsets_are_kept() -> None:
    assert parse_time("2025-10-01T09:36:12+08:00", SH).utcoffset() == timedelta(hours=8)
    assert parse_time("2025-10-01 09:36 (GMT-5)", SH).utcoffset() == timedelta(hours=-5)
    assert parse_time("2025-10-01 09:36 UTC", SH).tzinfo == UTC
    assert parse_time("2025-10-01T01:36:12Z", SH) == datetime(2025, 10, 1, 9, 36, 12, tzinfo=SH)
    assert parse_time("2025/10/01 09:36 +0530", SH).tzinfo == timezone(timedelta(hours=5.5))


@pytest.mark.parametrize(
    "raw", ["", "soon", "0001-01-01 00:00", "9999-12-31 23:59", "2025-13-01", "12345678"]
)
def test_bad_times_are_value_errors(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_time(raw, SH)


# ---------------------------------------------------------------- tracking events (#10)

SF_TRACE = (
    "运单号,时间,地点,物流信息\n"
    "SF1234567890123,2025-10-01 18:20:00,浙江省杭州市,顺丰速运 已收取快件\n"
    ",2025-10-02 11:30:00,上海转运中心,快件已到达 上海转运中心\n"
    "SF9999999999999,2025-10-01 08:00:00,北京,已收取快件\n"
    "SF1234567890123,2025/10/3 14:05,上海市浦东新区,已签收，签收人：本人\n"
)


def test_sf_trace_export_filtered_to_the_waybill(tmp_path: Path) -> None:
    p = tmp_path / "sf.csv"
    p.write_bytes(SF_TRACE.encode("gb18030"))
    events, export = read_events(p, SH, tracking_number="No: SF1234567890123")
    assert [(e.at, e.location) for e in events] == [
        (at(2025, 10, 1, 18, 20), "浙江省杭州市"),
        (at(2025, 10, 2, 11, 30), "上海转运中心"),  # a blank waybill continues the one above
        (at(2025, 10, 3, 14, 5), "上海市浦东新区"),
    ]
    assert export.guessed and export.encoding == "gb18030"
    with pytest.raises(ValueError, match="no rows for tracking number 'SF000'"):
        read_events(p, SH, tracking_number="SF000")
    with pytest.raises(ValueError, match="holds 2 waybills"):
        read_events(p, SH)


@pytest.mark.parametrize(
    ("text", "location"),
    [
        ("时间,地点,状态\n2025-10-01 09:36,杭州,已揽收\n", "杭州"),
        (
            'Date,Time,Location,Activity\n10/01/2025,9:36 A.M.,"Louisville, KY",Departed\n',
            "Louisville, KY",
        ),
        ("Date/Time, Location, Status\n2025-10-01 09:36, Hangzhou , Picked up\n", "Hangzhou"),
        ("Date/Time,Location,Event\n2025-10-01 09:36,Hangzhou,Picked up\n", "Hangzhou"),
        ("时间,内容\n2025-10-01 09:36,【杭州市】顺丰速运 已收取快件\n", ""),
        ("at,location,status\n2025-10-01T09:36:00,杭州,已揽收\n", "杭州"),
        ("日期,时间,所在城市,快件状态\n2025-10-01,09:36,杭州,已揽收\n", "杭州"),
        (
            "顺丰速运 运单轨迹\n运单号：SF1\n"
            "运单号,时间,地点,物流信息\nSF1,2025-10-01 09:36,杭州,已揽收\n",
            "杭州",
        ),
    ],
)
def test_common_carrier_headers_recognised(tmp_path: Path, text: str, location: str) -> None:
    p = tmp_path / "t.csv"
    p.write_text(text, encoding="utf-8")
    events, _ = read_events(p, SH)
    assert len(events) == 1
    assert events[0].at == at(2025, 10, 1, 9, 36)
    assert events[0].location == location
    assert events[0].status


def test_events_from_xlsx_with_a_mapping(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "轨迹"
    ws.append(["操作时刻", "网点名称", "描述信息"])
    ws.append([datetime(2025, 10, 1, 9, 36), "杭州", "已揽收"])
    ws["A2"].number_format = "yyyy-mm-dd hh:mm:ss"
    book.save(tmp_path / "t.xlsx")
    columns = {"at": "操作时刻", "location": "网点名称", "status": "描述信息"}
    events, _ = read_events(tmp_path / "t.xlsx", SH, columns=columns, sheet="轨迹")
    assert events[0].at == at(2025, 10, 1, 9, 36) and events[0].location == "杭州"
    with pytest.raises(ValueError, match="no column '时间' \\(columns: at\\)"):
        read_events(tmp_path / "t.xlsx", SH, columns={"at": "时间", "status": "描述信息"})


CASE = """\
evidencekit: 1
case: {{id: EV-1, title: t, timezone: Asia/Shanghai}}
evidence:
  - kind: shipping
    title: 顺丰
    tracking_number: SF1234567890123
    events: {events}
"""


def test_carrier_export_in_a_case(tmp_path: Path) -> None:
    # Before: "tracking CSV needs the columns at, location, status".
    manifest = write_case(
        tmp_path / "ok",
        CASE.format(events="shipping/sf.csv"),
        {"shipping/sf.csv": SF_TRACE.encode("gbk")},
    )
    proc = run_cli("validate", str(manifest))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "sf.csv: no encoding is marked in the file; read as gb18030" in proc.stdout + proc.stderr
    from evidencekit.manifest import load_case

    case = load_case(manifest)
    assert [e.status for e in case.exhibits[0].events][-1] == "已签收，签收人：本人"
    mapped = write_case(
        tmp_path / "map",
        CASE.format(
            events="{file: sf.csv, columns: {at: 时间, location: 地点, status: 物流信息}, "
            "encoding: gb18030}"
        ).replace("SF1234567890123", "SF000"),
        {"sf.csv": SF_TRACE.encode("gbk")},
    )
    proc = run_cli("validate", str(mapped))
    assert proc.returncode == 1
    assert (
        "evidence[0].events: sf.csv: no rows for tracking number 'SF000'"
        in proc.stdout + proc.stderr
    )


def test_transcript_encoding_and_preamble(tmp_path: Path) -> None:
    p = tmp_path / "chat.csv"
    p.write_bytes("Chat export\ntime,sender,message\n2025-10-01 09:00,Zoë,Grüße\n".encode("cp1252"))
    sf = SourceFile("chat.csv", p, "x")
    messages = read_transcript(sf, SH, {"Zoë": "buyer"})
    assert [(m.sender, m.text, m.role) for m in messages] == [("Zoë", "Grüße", "buyer")]
    with pytest.raises(EvidenceError, match="cannot decode the text as utf-8"):
        read_transcript(sf, SH, {}, encoding="utf-8")


BUILD = """\
evidencekit: 1
case: {id: EX-1, title: exports, timezone: Asia/Shanghai, language: en}
evidence:
  - kind: transaction
    title: Alipay statement
    table:
      file: alipay.csv
      columns: [商户订单号, 备注 (2)]
      where: {商户订单号: T200P3456789012345678901}
  - kind: shipping
    title: SF trace
    tracking_number: SF1234567890123
    events: {file: sf.csv, encoding: gbk}
  - kind: chat
    title: Chat
    transcript: {file: chat.csv, encoding: cp1252}
"""


def test_exports_build_into_the_dossier(tmp_path: Path) -> None:
    import pypdf

    manifest = write_case(
        tmp_path,
        BUILD,
        {
            "alipay.csv": ALIPAY.encode("gb18030"),
            "sf.csv": SF_TRACE.encode("gbk"),
            "chat.csv": "time,sender,message\n2025-10-04 09:00,Zoë,Grüße\n".encode("cp1252"),
        },
    )
    proc = run_cli("build", "-q", str(manifest), env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = "\n".join(
        p.extract_text() or "" for p in pypdf.PdfReader(tmp_path / "out/EX-1.pdf").pages
    )
    assert "T200P3456789012345678901" in text and "好评" in text
    assert "T200P1111111111111111111" not in text
    assert "已签收，签收人：本人" in text and "北京" not in text  # the other waybill is left out
    assert "Grüße" in text and "Zoë" in text


def test_validate_reports_table_problems_before_the_build(tmp_path: Path) -> None:
    manifest = write_case(
        tmp_path,
        """\
        evidencekit: 1
        case: {id: V-1, title: t}
        evidence:
          - kind: transaction
            title: Orders
            table: {file: t.csv, where: {订单号: "1"}}
          - kind: transaction
            title: Book
            table: {file: cut.xlsx}
        """,
        {"t.csv": "订单编号,金额\n1,2\n", "cut.xlsx": b"PK\x03\x04 truncated"},
    )
    proc = run_cli("validate", str(manifest))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert (
        "evidence[0].table.file: t.csv: no column '订单号'; the columns are: 订单编号, 金额" in out
    )
    assert "evidence[1].table.file: cut.xlsx: not a readable XLSX workbook" in out


def test_header_is_the_first_line_unless_it_is_a_title() -> None:
    from evidencekit.assets.exports import build_export

    plain = build_export([["a", "b"], ["1", "2", "3"], ["4", "5", "6"]], [1, 2, 3], encoding="x")
    assert plain.header == ("a", "b", "column 3") and len(plain.rows) == 2
    titled = build_export([["Report"], ["x", "y", "z"], ["1", "2", "3"]], [1, 2, 3], encoding="x")
    assert titled.header == ("x", "y", "z") and titled.preamble == ("Report",)
    one = build_export([["Name"], ["#1001"], ["#1002"]], [1, 2, 3], encoding="x")
    assert one.rows == (("#1001",), ("#1002",))  # Shopify order names are not comments


def test_unknown_encoding_is_a_manifest_error(tmp_path: Path) -> None:
    manifest = write_case(
        tmp_path,
        """\
        evidencekit: 1
        case: {id: U-1, title: t}
        evidence:
          - kind: transaction
            title: Orders
            table: {file: t.csv, encoding: klingon}
        """,
        {"t.csv": "a,b\n1,2\n"},
    )
    proc = run_cli("validate", str(manifest))
    assert proc.returncode == 1
    assert "unknown encoding 'klingon'" in proc.stdout + proc.stderr


def test_roles_from_longer_headers() -> None:
    headers = [
        "邮件号",
        "处理时间",
        "处理地点",
        "邮件状态",
        "收货人地址",
        "订单金额（元）",
        "format",
    ]
    assert find_column(headers, "time") == 1
    assert find_column(headers, "location") == 2
    assert find_column(headers, "status") == 3
    assert find_column(headers, "address") == 4
    assert find_column(headers, "amount") == 5
    assert find_column(["format", "Latitude"], "time") is None  # 'at' is matched whole only


def test_forged_sheet_dimension_does_not_pad_rows(tmp_path: Path) -> None:
    # A sheet claiming A1:XFD1048576: openpyxl would pad each of 20 000 rows to 16 384 cells.
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>v{r}</t></is></c></row>'
        for r in range(1, 20_001)
    )
    xml = SHEET.format(rows=rows).replace(
        "<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>'
    )
    _xlsx_with_sheet_xml(tmp_path / "dim.xlsx", xml)
    export = read_export(tmp_path / "dim.xlsx")
    assert export.header == ("v1",) and len(export.rows) == 19_999


def test_export_split_once_per_caller_columns(tmp_path: Path) -> None:
    # 50 orders' exhibits of one 20 000-row export each split all its rows again (5 s of a
    # proof build): within a build the split is kept too, per expected columns, and changes
    # with the file; nothing is kept once the build is over.
    p = tmp_path / "orders.csv"
    p.write_text("#exported\norder,amount\n1,9.50\n2,3.00\n#2 rows\n", encoding="utf-8")
    with export_cache():
        first = read_export(p, expect=["order"])
        with export_cache():  # nested: the outer cache holds
            assert read_export(p, expect=["order"]) is first
        assert first.rows == (("1", "9.50"), ("2", "3.00")) and first.trailer == ("#2 rows",)
        assert read_export(p, expect=["amount"]) is first  # the same header row: one table
        q = tmp_path / "two-heads.csv"
        q.write_text("title,note\norder,amount\n1,9.50\n", encoding="utf-8")
        other = read_export(q, expect=["order"])
        assert other.header == ("order", "amount") and other.preamble == ("title,note",)
        assert read_export(q, expect=["title"]).header == ("title", "note")
        p.write_text("order,amount\n3,1.00\n", encoding="utf-8")
        assert read_export(p, expect=["order"]).rows == (("3", "1.00"),)
    again = read_export(p, expect=["order"])
    assert read_export(p, expect=["order"]) is not again and again.rows == (("3", "1.00"),)


def test_rows_are_cleaned_as_each_of_their_cells_would_be() -> None:
    # Whole printable rows take a shortcut (issue 11: 460 000 cells of a proof build).
    from evidencekit.assets.exports import _clean_rows

    cells = ['="3456"', "'0012", " a ", "", "=SUM(A1)", '="', "'", "b\t", "\u3000c ", "x\x01y"]
    rows = [[a, b] for a in cells for b in cells] + [[" ", ""], ['  ="7"  ', " 'x"]]
    got, kept = _clean_rows(rows, list(range(len(rows))))
    want = [[clean_cell(c) for c in r] for r in rows]
    assert got == [w for w in want if any(w)]
    assert kept == [n for n, w in enumerate(want) if any(w)]
