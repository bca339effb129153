"""Exports take their capture time from what they say; file times never reach the timeline."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from pypdf import PdfReader

from evidencekit.assets.captured import EXPORT_METHODS, export_time, name_time
from evidencekit.i18n import CATALOG
from evidencekit.manifest import load_case
from evidencekit.pipeline import BuildOptions, build, collect

from .conftest import write_case

TZ = ZoneInfo("Asia/Shanghai")

ALIPAY = (
    "支付宝交易记录明细查询\n"
    "账号:[buyer@example.com]\n"
    "起始日期:[2025-10-01 00:00:00]    终止日期:[2025-10-20 00:00:00]\n"
    "---------------------------------交易记录明细列表------------------------------------\n"
    "交易号,商户订单号,交易创建时间,金额（元）\n"
    "2025100122001,T200,2025-10-01 10:00:00,88.50\n"
    "------------------------------------------------------------------------------------\n"
    "共1笔记录\n"
    "#导出时间:[2025-10-19 08:30:00]\n"
)
ORDERS = "订单编号,金额\nT200,88.50\n"

CASE = """\
evidencekit: 1
case:
  id: T-EXP
  title: 导出时间
  profile: generic
  language: zh-CN
  timezone: Asia/Shanghai
evidence:
  - kind: product
    title: 商品截图
    files: [shot.png]
    source: 店铺后台
    proves: 商品描述
  - kind: transaction
    title: 支付宝账单
    table: {file: alipay.csv}
    source: 支付宝
    proves: 付款
  - kind: transaction
    title: 订单导出
    table: {file: ExportOrderList202510201200.csv}
    source: 店铺后台
    proves: 订单
  - kind: transaction
    title: 订单表
    table: {file: book.xlsx}
    source: 店铺后台
    proves: 订单
  - kind: transaction
    title: 声明时间的订单表
    table: {file: orders.csv}
    captured_at: 2025-10-02T09:00:00
    source: 店铺后台
    proves: 订单
"""


def _xlsx(created: datetime) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["订单编号", "金额"])
    ws.append(["T200", "88.50"])
    book.properties.created = created
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _book_time(path: Path) -> datetime:
    props = openpyxl.load_workbook(path).properties
    value = props.modified or props.created
    assert value is not None
    return value


def test_every_export_method_has_a_label_in_both_languages() -> None:
    for method in EXPORT_METHODS:
        zh, en = CATALOG[f"how_{method}"]
        assert zh and en and zh != en


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ExportOrderList202510201200.csv", "2025-10-20 12:00"),
        ("alipay_record_20251020_1200.csv", "2025-10-20 12:00"),
        ("orders-2025-10-20_12-00-30.xlsx", "2025-10-20 12:00:30"),
    ],
)
def test_export_time_from_file_name(name: str, expected: str) -> None:
    when = name_time(name, TZ)
    assert when is not None and when.tzinfo is not None
    assert when.strftime("%Y-%m-%d %H:%M:%S").startswith(expected)


@pytest.mark.parametrize("name", ["orders.csv", "orders_20251340_9999.csv", "id12345678.csv"])
def test_no_export_time_in_plain_names(name: str) -> None:
    assert name_time(name, TZ) is None


def test_export_time_methods_in_order(tmp_path: Path) -> None:
    stated = tmp_path / "alipay_record_20251020_1200.csv"
    stated.write_text(ALIPAY, encoding="utf-8")
    # The time written in the file wins over the one in its name.
    assert export_time(stated, TZ) == (datetime(2025, 10, 19, 8, 30, tzinfo=TZ), "export-time")
    named = tmp_path / "ExportOrderList202510201200.csv"
    named.write_text(ORDERS, encoding="utf-8")
    assert export_time(named, TZ) == (datetime(2025, 10, 20, 12, 0, tzinfo=TZ), "filename")
    book = tmp_path / "orders_20251020_1200.xlsx"
    book.write_bytes(_xlsx(datetime(2025, 9, 15, 4, 0)))
    found = export_time(book, TZ)
    assert found is not None and found[1] == "xlsx-properties"
    assert found[0].replace(tzinfo=None) == _book_time(book)
    plain = tmp_path / "orders.csv"
    plain.write_text(ORDERS, encoding="utf-8")
    assert export_time(plain, TZ) is None


def _case(tmp_path: Path) -> Path:
    return write_case(
        tmp_path / "case",
        CASE,
        {
            "shot.png": None,
            "alipay.csv": ALIPAY,
            "ExportOrderList202510201200.csv": ORDERS,
            "book.xlsx": _xlsx(datetime(2025, 9, 15, 4, 0)),
            "orders.csv": ORDERS,
        },
    )


def test_collect_gives_exports_their_own_time(tmp_path: Path) -> None:
    case = load_case(_case(tmp_path))
    infos = collect(case, TZ, None)
    hows = {rel: i.captured_how for rel, i in infos.items()}
    assert hows == {
        "shot.png": "file-mtime",
        "alipay.csv": "export-time",
        "ExportOrderList202510201200.csv": "filename",
        "book.xlsx": "xlsx-properties",
        "orders.csv": "manifest",
    }
    assert infos["orders.csv"].captured_at == datetime(2025, 10, 2, 9, 0, tzinfo=TZ)


def test_index_shows_export_times_and_timeline_has_no_file_times(tmp_path: Path) -> None:
    result = build(_case(tmp_path), BuildOptions(out_dir=tmp_path / "out"))
    pages = [p.extract_text() or "" for p in PdfReader(result.pdf_path).pages]
    index = next(p for p in pages if "证据目录" in p and "证明目的" in p)
    assert "2025-10-19" in index and "08:30" in index
    assert "导出时间" in index  # the method, shown under the time
    assert "2025-10-20" in index and "12:00" in index
    assert "未知" not in index
    timeline = next(p for p in pages if "事件时间线" in p)
    assert "取证：支付宝账单" in timeline
    assert "取证：商品截图" not in timeline  # known only from the file's modification time


def test_index_capture_column_holds_its_note_on_one_line() -> None:
    # How a time was found is set under it in the notes' larger type (8.5 pt, the index 8 pt):
    # with times of whole minutes, "文件内记载的导出时间" broke before its last character (the
    # test above failed once a minute: a file written at :00 seconds).
    from evidencekit.render import content_box_mm
    from evidencekit.render.context import INDEX_PAD_PT, NOTE_PT, index_widths

    rows = [
        ("2026-11-28 11:37", "文件修改时间（较弱）"),
        ("2025-10-19 08:30", "文件内记载的导出时间"),
        ("2025-10-20 12:00", "文件名"),
    ]
    exhibits = [
        {"label": f"证据{k}", "kind_label": "交易记录", "title": "支付宝账单", "source": "支付宝",
         "proves": "付款", "ocr_found": "", "captured": when, "captured_how": how}
        for k, (when, how) in enumerate(rows, start=1)
    ]  # fmt: skip
    table_pt = content_box_mm("A4")[0] / 25.4 * 72
    widths = index_widths(exhibits, table_pt, "zh-CN")
    assert widths[6] / 100 * table_pt - INDEX_PAD_PT >= 10 * NOTE_PT
