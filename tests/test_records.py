"""Records: tables in every encoding and shape, XLSX, transcripts, masking, timeline, warnings."""

from __future__ import annotations

import codecs
import itertools
import json
import re
from datetime import datetime
from pathlib import Path

import openpyxl
import pikepdf
import pypdf
import pytest

from evidencekit.assets.tables import prepare_table, read_csv
from evidencekit.errors import EvidenceError
from evidencekit.model import SourceFile, TableSpec

from .conftest import invoke_cli, write_case

ROWS = [
    ["订单编号", "买家", "金额", "创建时间", "手机"],
    ["3456789012345678901", "张三", "299.00", "2025-09-30 21:14:00", "13812345678"],
    ["1234567890123456789", "李四", "1,088.50", "2025-09-01 08:00:00", "13987654321"],
    ["0009876543210987654", "王五", "88.00", "2025-09-15 12:00:00", "15011112222"],
]


def csv_bytes(rows: list[list[str]], sep: str = ",") -> str:
    return "".join(sep.join(f'"{c}"' if "," in c else c for c in r) + "\r\n" for r in rows)


@pytest.mark.parametrize(
    ("encoding", "sep"),
    [
        ("utf-8", ","),
        ("utf-8-sig", ","),
        ("gbk", ","),
        ("gb18030", "\t"),
        ("utf-16", "\t"),
        ("utf-16-le", ";"),
    ],
)
def test_csv_encodings_and_delimiters(tmp_path: Path, encoding: str, sep: str) -> None:
    p = tmp_path / "t.csv"
    p.write_bytes(csv_bytes(ROWS, sep).encode(encoding))
    rows, _ = read_csv(p)
    assert rows == ROWS


def test_undecodable_csv_is_refused_with_the_file(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    p.write_bytes(b"a,b\r\n\xff\xff\xff not text \x80\r\n")
    sf = SourceFile("bad.csv", p, "case.yaml:3:5: evidence[0].table.file")
    with pytest.raises(EvidenceError, match=r"evidence\[0\]\.table\.file: bad\.csv: cannot decode"):
        prepare_table(sf, TableSpec(file="bad.csv"))


def test_excel_guards_and_options(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    guarded = [
        ROWS[0],
        *[[f'="{r[0]}"', *r[1:]] for r in ROWS[1:2]],
        ["'" + ROWS[2][0], *ROWS[2][1:]],
        ROWS[3],
    ]
    p.write_text(csv_bytes(guarded), encoding="utf-8")
    sf = SourceFile("t.csv", p, "x")
    table = prepare_table(
        sf,
        TableSpec(
            file="t.csv",
            columns=["订单编号", {"金额": "Amount"}],
            sort="金额",
            highlight={"买家": "张三"},
        ),
    )
    assert table.headers == ("订单编号", "Amount")
    assert [r[1] for r in table.rows] == ["88.00", "299.00", "1,088.50"]  # numeric sort
    assert [r[0] for r in table.rows] == [ROWS[3][0], ROWS[1][0], ROWS[2][0]]
    assert table.highlighted == (False, True, False)
    where = prepare_table(sf, TableSpec(file="t.csv", where={"买家": "李四"}))
    assert where.shown_rows == 1 and where.total_rows == 3


def make_xlsx(path: Path, long_id_as_number: bool = False) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "售后"
    ws.append(["订单编号", "申请时间", "金额", "日期"])
    oid: object = 3456789012345678901 if long_id_as_number else "3456789012345678901"
    ws.append([oid, datetime(2025, 10, 4, 10, 0), 299.0, datetime(2025, 10, 4)])
    ws["C2"].number_format = "0.00"
    ws["B2"].number_format = "yyyy-mm-dd hh:mm"
    ws["D2"].number_format = "yyyy-mm-dd"
    book.create_sheet("其他").append(["x"])
    book.save(path)


def test_xlsx_values(tmp_path: Path) -> None:
    make_xlsx(tmp_path / "a.xlsx")
    sf = SourceFile("a.xlsx", tmp_path / "a.xlsx", "x")
    table = prepare_table(sf, TableSpec(file="a.xlsx", sheet="售后"))
    assert table.rows == (("3456789012345678901", "2025-10-04 10:00:00", "299.00", "2025-10-04"),)
    with pytest.raises(EvidenceError, match="no sheet '无'; the sheets are: 售后, 其他"):
        prepare_table(sf, TableSpec(file="a.xlsx", sheet="无"))


def test_xlsx_long_number_refused(tmp_path: Path) -> None:
    make_xlsx(tmp_path / "b.xlsx", long_id_as_number=True)
    sf = SourceFile("b.xlsx", tmp_path / "b.xlsx", "x")
    with pytest.raises(EvidenceError, match="already rounded it"):
        prepare_table(sf, TableSpec(file="b.xlsx"))


CASE = """\
evidencekit: 1
case:
  id: RC-1
  title: 记录测试
  profile: taobao
  orders: [{id: "3456789012345678901", placed_at: 2025-09-30T21:14:00, amount: 299.00},
           {id: "7777777777777777777", placed_at: 2025-09-30T21:00:00}]
  dispute: {reason: 商品与描述不符, opened_at: 2025-10-04T10:00:00}
  privacy: {mask: [phone, id_card, email], mask_columns: [地址]}
evidence:
  - kind: transaction
    title: 大订单表
    table: {file: big.csv, highlight: {订单编号: "3456789012345678901"}}
  - kind: transaction
    title: 售后表
    table: {file: after.xlsx, sheet: 售后}
  - kind: chat
    title: 聊天导出 CSV
    transcript: chat.csv
    participants: {tb_buyer: buyer, 客服小美: seller}
  - kind: chat
    title: 聊天导出 TXT
    transcript: chat.txt
    participants: {tb_buyer: buyer, 客服小美: seller}
  - kind: chat
    title: 聊天导出 JSON
    transcript: chat.json
  - kind: shipping
    title: 物流
    order: "3456789012345678901"
    events: track.csv
"""


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("records")
    big = [["订单编号", "买家", "金额", "地址", "备注"]]
    for i in range(400):
        oid = "3456789012345678901" if i == 250 else f"{1000000000000000000 + i * 7919}"
        big.append(
            [
                oid,
                f"买家{i}",
                f"{i}.50",
                f"上海市浦东新区 张江路 {i} 号",
                f"电话 139{i:08d} 身份证 11010119900307{i:04d} 邮箱 user{i}@example.com",
            ]
        )
    (d / "big.csv").write_bytes(csv_bytes(big).encode("gbk"))
    make_xlsx(d / "after.xlsx")
    (d / "chat.csv").write_text(
        "time,sender,message\n"
        "2025-10-04 09:36,tb_buyer,颜色不对 13812345678\n"
        "2025-10-04 09:37,客服小美,<script>alert('x')</script> 这是色差\n"
        "2025-10-05 08:00,tb_buyer,我要退款 😀\n",
        encoding="utf-8-sig",
    )
    (d / "chat.txt").write_text(
        "2025-10-04 09:36:10 tb_buyer\n第一行\n第二行\n2025-10-04 09:37:02 客服小美\n好的\n",
        encoding="utf-8",
    )
    (d / "chat.json").write_text(
        json.dumps(
            {
                "messages": [
                    {
                        "time": "2025-10-06T10:00:00+08:00",
                        "sender": "平台小二",
                        "text": "请双方举证",
                        "role": "platform",
                    }
                ]
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    (d / "track.csv").write_text(
        "at,location,status\n2025-09-29T10:00:00,上海,已签收\n2025-10-01T10:00:00,杭州,已揽收\n",
        encoding="utf-8",
    )
    manifest = write_case(d, CASE)
    proc = invoke_cli("build", "-q", str(manifest), env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert proc.returncode == 0, proc.stderr
    return d


def pages_text(folder: Path) -> list[str]:
    return [p.extract_text() or "" for p in pypdf.PdfReader(folder / "out/RC-1.pdf").pages]


def evidence(folder: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((folder / "out/RC-1.evidence.json").read_text(encoding="utf-8"))


def test_big_table_is_paginated_with_headers_and_exact_ids(records: Path) -> None:
    ev = evidence(records)
    texts = pages_text(records)
    start, end = ev["exhibits"][0]["pages"]
    pages = texts[start - 1 : end]
    assert len(pages) >= 5
    notes = [re.search(r"第 (\d+)–(\d+) 行，共 400 行", t) for t in pages]
    assert all(notes), pages[0][:300]
    spans = [(int(m[1]), int(m[2])) for m in notes if m]
    assert spans[0][0] == 1 and spans[-1][1] == 400
    assert all(b + 1 == c for (_, b), (c, _) in itertools.pairwise(spans))
    assert all("订单编号" in t for t in pages)  # header on every page
    joined = "\n".join(pages)
    for i in (0, 123, 399):
        assert f"{1000000000000000000 + i * 7919}" in joined
    assert "3456789012345678901" in joined and "▶" in joined
    assert ev["exhibits"][0]["table"]["encoding"] == "gb18030"


def test_masking_removes_personal_data(records: Path) -> None:
    joined = "\n".join(pages_text(records))
    for i in (0, 7, 399):
        assert f"139{i:08d}" not in joined
        assert f"11010119900307{i:04d}" not in joined
        assert f"user{i}@example.com" not in joined
    assert "13812345678" not in joined and "138****5678" in joined
    assert "张江路" not in joined  # a masked column
    ev = evidence(records)
    masked = ev["exhibits"][0]["masked"]
    assert masked["phone"] == 400 and masked["id_card"] == 400 and masked["email"] == 400
    assert masked["column:地址"] == 400


def test_transcripts(records: Path) -> None:
    ev = evidence(records)
    texts = pages_text(records)
    csv_start = ev["exhibits"][2]["pages"][0]
    text = texts[csv_start - 1]
    assert "<script>alert('x')</script> 这是色差" in text
    assert "2025-10-04" in text and "2025-10-05" in text  # day separators
    assert "tb_buyer（买家）" in text and "客服小美（卖家）" in text
    txt_start = ev["exhibits"][3]["pages"][0]
    assert "第一行" in texts[txt_start - 1] and "第二行" in texts[txt_start - 1]
    json_start = ev["exhibits"][4]["pages"][0]
    assert "平台小二（平台）" in texts[json_start - 1]
    with pikepdf.open(records / "out/RC-1.pdf") as pdf:
        fonts = {
            str(f.get("/BaseFont"))
            for f in pdf.objects
            if isinstance(f, pikepdf.Dictionary) and f.get("/Type") == pikepdf.Name.Font
        }
    assert any("Emoji" in f for f in fonts)


def test_timeline_sorted_and_linked(records: Path) -> None:
    from .test_build import link_targets

    ev = evidence(records)
    texts = pages_text(records)
    n = next(i for i, t in enumerate(texts, 1) if "事件时间线" in t)
    tl = texts[n - 1]
    times = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d", tl)
    assert times == sorted(times) and len(times) >= 8
    assert "颜色不对" in tl and "已签收" in tl and "订单 3456789012345678901 下单" in tl
    starts = {e["pages"][0] for e in ev["exhibits"]}
    targets = link_targets(records / "out/RC-1.pdf", n)
    assert {ev["exhibits"][i]["pages"][0] for i in (0, 2, 3, 4, 5)} <= targets <= starts


def test_validate_warns_about_contradictions(records: Path) -> None:
    proc = invoke_cli("validate", str(records / "case.yaml"))
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr
    # A Chinese case: its warnings are Chinese.
    assert re.search(
        r"case\.orders\[1\]\.id: 订单 7777777777777777777 没有出现在本案任何表格中", err
    )
    assert re.search(
        r"case\.orders\[0\]\.placed_at: 证据6 显示的签收时间（2025-09-29 10:00）"
        r"早于订单 3456789012345678901 的下单时间",
        err,
    ), err


def test_bom_marks_are_exact() -> None:
    assert codecs.BOM_UTF8.decode("utf-8") == "\ufeff"


def test_long_transcript_compact_layout(tmp_path: Path) -> None:
    lines = ["time,sender,message"]
    for i in range(400):
        who = "tb_buyer" if i % 3 else "客服小美"
        lines.append(f"2025-10-{1 + i // 150:02d} 09:{i % 60:02d}:00,{who},第{i}条消息 <b>x</b>")
    (tmp_path / "chat.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    m = write_case(
        tmp_path,
        """\
        evidencekit: 1
        case: {id: CB-1, title: 聊天, profile: taobao}
        evidence:
          - {kind: chat, title: 聊天导出, transcript: chat.csv,
             participants: {tb_buyer: buyer, 客服小美: seller}}
        """,
    )
    proc = invoke_cli("build", "-q", str(m))
    assert proc.returncode == 0, proc.stderr
    texts = [p.extract_text() or "" for p in pypdf.PdfReader(tmp_path / "out/CB-1.pdf").pages]
    joined = "\n".join(texts)
    for i in (0, 199, 399):
        assert f"第{i}条消息 <b>x</b>" in joined
    notes = re.findall(r"第 (\d+)–(\d+) 条消息，共 400 条", joined)
    assert notes[0][0] == "1" and notes[-1][1] == "400"
    assert "2025-10-01" in joined and "2025-10-03" in joined
    assert "客服小美（卖家）" in joined and "tb_buyer（买家）" in joined
