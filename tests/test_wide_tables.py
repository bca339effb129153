"""Tables by content: wide exports split into parts and record cards, tokens never broken,
every value of the rows in dispute and every column name readable in the PDF."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import time
from pathlib import Path

import pypdf
import pytest

from evidencekit.render.ledger import ledger_pages, wrap
from evidencekit.render.tables import is_token, layout_table
from tests.conftest import drawn_in_side_margins, run_cli, write_case

# A Shopify order export's columns, in Shopify's order (48 of them).
SHOPIFY = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
    "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code",
    "Discount Amount", "Shipping Method", "Created at", "Lineitem quantity", "Lineitem name",
    "Lineitem price", "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping",
    "Lineitem taxable", "Lineitem fulfillment status", "Billing Name", "Billing Street",
    "Billing Address1", "Billing Address2", "Billing Company", "Billing City", "Billing Zip",
    "Billing Province", "Billing Country", "Billing Phone", "Shipping Name", "Shipping Street",
    "Shipping Address1", "Shipping Address2", "Shipping Company", "Shipping City",
    "Shipping Zip", "Shipping Province", "Shipping Country", "Shipping Phone", "Notes",
    "Cancelled at", "Payment Method", "Payment Reference",
]  # fmt: skip
NARROW = ["Name", "Paid at", "Total", "Lineitem name", "Shipping City", "Payment Reference"]
DISPUTED = "#1083"
CITIES = ["Columbus", "Springfield", "Portland", "San Francisco", "Minneapolis"]
PRODUCTS = ["Merino Wool Hoodie - Charcoal / M", "Canvas Tote", "Ceramic Pour-Over Set"]


def shopify_rows(n: int = 99, seed: int = 12) -> list[dict[str, str]]:
    """A realistic export: one order a row, some columns always empty (as in real exports)."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        number = 1030 + i
        price = rnd.choice(["149.00", "89.50", "1,249.00", "24.99"])
        city = rnd.choice(CITIES)
        name = rnd.choice(["Jordan Miller", "Ana María Ortega", "Wei Zhang", "Sam O'Neil"])
        street = f"{rnd.randrange(10, 9999)} {rnd.choice(['Columbus Avenue', 'Oak St'])}"
        day = f"2025-09-{1 + i % 28:02d}"
        row = {
            "Name": f"#{number}",
            "Email": f"customer{number}@example.net",
            "Financial Status": rnd.choice(["paid", "refunded", "partially_refunded"]),
            "Paid at": f"{day} 10:{i % 60:02d}:12 -0400",
            "Fulfillment Status": "fulfilled",
            "Fulfilled at": f"2025-10-{1 + i % 28:02d} 09:00:00 -0400",
            "Accepts Marketing": rnd.choice(["yes", "no"]),
            "Currency": "USD",
            "Subtotal": price,
            "Shipping": "9.95",
            "Taxes": "11.92",
            "Total": price,
            "Discount Code": rnd.choice(["", "WELCOME10"]),
            "Discount Amount": rnd.choice(["0.00", "14.90"]),
            "Shipping Method": "Standard Shipping (3-5 business days)",
            "Created at": f"{day} 10:{i % 60:02d}:00 -0400",
            "Lineitem quantity": str(rnd.randrange(1, 4)),
            "Lineitem name": rnd.choice(PRODUCTS),
            "Lineitem price": price,
            "Lineitem compare at price": "",
            "Lineitem sku": f"MWH-CHR-M-{rnd.randrange(10**5):05d}",
            "Lineitem requires shipping": "true",
            "Lineitem taxable": "true",
            "Lineitem fulfillment status": "fulfilled",
            "Billing Name": name,
            "Billing Street": street,
            "Billing Address1": street,
            "Billing Address2": "",
            "Billing Company": "",
            "Billing City": city,
            "Billing Zip": f"{rnd.randrange(10**4, 10**5)}",
            "Billing Province": "OH",
            "Billing Country": "US",
            "Billing Phone": f"+1614555{rnd.randrange(10**4):04d}",
            "Shipping Name": name,
            "Shipping Street": street,
            "Shipping Address1": street,
            "Shipping Address2": rnd.choice(["", "Apt 4B"]),
            "Shipping Company": "",
            "Shipping City": city,
            "Shipping Zip": f"{rnd.randrange(10**4, 10**5)}",
            "Shipping Province": "OH",
            "Shipping Country": "US",
            "Shipping Phone": f"+1614555{rnd.randrange(10**4):04d}",
            "Notes": rnd.choice(["", "Please leave at the side door, the front porch is wet."]),
            "Cancelled at": "",
            "Payment Method": "Shopify Payments",
            "Payment Reference": f"c{rnd.randrange(10**11)}.{rnd.randrange(1, 9)}",
        }
        if row["Name"] == DISPUTED:
            row["Billing City"] = row["Shipping City"] = "Columbus"
            row["Total"] = row["Subtotal"] = "149.00"
        rows.append(row)
    return rows


def csv_text(columns: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([r[c] for c in columns] for r in rows)
    return out.getvalue()


CASE = """\
evidencekit: 1
case: {id: W-1, title: Wide export, profile: generic}
evidence:
  - kind: transaction
    title: Shopify orders, all columns
    table: {file: orders.csv, highlight: {Name: "#1083"}}
  - kind: transaction
    title: Shopify orders, a few columns
    table: {file: narrow.csv, highlight: {Name: "#1083"}}
  - kind: transaction
    title: Shopify orders, long export
    table: {file: long.csv, highlight: {Name: "#1083"}}
  - kind: transaction
    title: The disputed order only
    table: {file: orders.csv, where: {Name: "#1083"}}
  - kind: transaction
    title: 淘宝订单导出
    table: {file: taobao.csv, highlight: {订单编号: "3958274619302845731"}}
"""

TAOBAO = ["订单编号", "买家会员名", "买家应付货款", "买家实际支付金额", "订单状态", "买家留言",
          "收货人姓名", "收货地址", "订单创建时间", "订单付款时间", "宝贝标题", "宝贝种类",
          "物流单号", "商家备注"]  # fmt: skip


def taobao_rows() -> list[dict[str, str]]:
    rows = []
    for i in range(30):
        oid = "3958274619302845731" if i == 7 else str(3958274619302845000 + i * 7919)
        rows.append(
            {
                "订单编号": oid,
                "买家会员名": f"tb{i:04d}_buyer",
                "买家应付货款": "149.00",
                "买家实际支付金额": f"{100 + i}.90",
                "订单状态": "交易成功",
                "买家留言": "请尽快发货，颜色要和图片一致，谢谢" if i % 3 else "",
                "收货人姓名": "张三",
                "收货地址": f"浙江省 杭州市 余杭区 文一西路 {i} 号",
                "订单创建时间": f"2025-09-{1 + i % 28:02d} 21:14:{i % 60:02d}",
                "订单付款时间": f"2025-09-{1 + i % 28:02d} 21:15:{i % 60:02d}",
                "宝贝标题": "纯棉短袖T恤 男款 宽松 白色 XL",
                "宝贝种类": "1",
                "物流单号": f"YT{7500000000000 + i}",
                "商家备注": "",
            }
        )
    return rows


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    d = tmp_path_factory.mktemp("wide")
    rows = shopify_rows()
    files = {
        "orders.csv": csv_text(SHOPIFY, rows),
        "narrow.csv": csv_text(NARROW, rows),
        "long.csv": csv_text(SHOPIFY, shopify_rows(150, seed=3)),
        "taobao.csv": csv_text(TAOBAO, taobao_rows()),
    }
    manifest = write_case(d, CASE, files)
    start = time.perf_counter()
    proc = run_cli("build", "-q", str(manifest), env={"SOURCE_DATE_EPOCH": "1700000000"})
    took = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr
    return d, took


def exhibit_text(folder: Path, n: int) -> list[str]:
    ev = json.loads((folder / "out/W-1.evidence.json").read_text(encoding="utf-8"))
    start, end = ev["exhibits"][n]["pages"]
    reader = pypdf.PdfReader(folder / "out/W-1.pdf")
    return [reader.pages[i].extract_text() or "" for i in range(start - 1, end)]


def test_wide_export_has_every_column_and_disputed_value(wide: tuple[Path, float]) -> None:
    folder, _ = wide
    pages = exhibit_text(folder, 0)
    joined = "\n".join(pages)
    flat = squash(joined)
    assert len(pages) <= 14, len(pages)  # was 104 pages, one row a page
    for name in SHOPIFY:
        assert squash(name) in flat, name
    disputed = next(r for r in shopify_rows() if r["Name"] == DISPUTED)
    for column, value in disputed.items():
        if value:
            assert squash(value) in flat, (column, value)
    assert "Rows in dispute, field by field" in joined  # the record card
    assert "empty columns left out: " in joined and "Billing Company" in joined
    assert re.search(r"part 2 of \d, each row repeats Name", joined)


def test_every_order_number_in_every_part(wide: tuple[Path, float]) -> None:
    folder, _ = wide
    joined = "\n".join(exhibit_text(folder, 0))
    parts = len(set(re.findall(r"part \d of \d", joined)))
    assert parts >= 2
    for r in shopify_rows():
        assert len(re.findall(re.escape(r["Name"]) + r"\b", joined)) >= parts, r["Name"]


def test_narrow_table_keeps_tokens_whole(wide: tuple[Path, float]) -> None:
    folder, _ = wide
    pages = exhibit_text(folder, 1)
    joined = "\n".join(pages)
    assert len(pages) <= 4
    for r in shopify_rows():
        for column in ("Name", "Paid at", "Total", "Payment Reference"):
            # Dates may wrap between day and time, never inside either.
            for piece in r[column].split(" "):
                assert re.search(rf"(?<![\w.]){re.escape(piece)}(?![\w.])", joined), piece
    assert "Columbus" in joined and "part 1 of" not in joined


def test_long_wide_ledger_is_cut_into_parts_not_clipped(wide: tuple[Path, float]) -> None:
    folder, _ = wide
    joined = "\n".join(exhibit_text(folder, 2))
    flat = squash(joined)
    for name in SHOPIFY:
        assert squash(name) in flat, name
    assert re.search(r"part 2 of \d, each row repeats Name", joined)
    for r in shopify_rows(150, seed=3):
        for column in ("Name", "Payment Reference", "Billing Phone", "Lineitem sku"):
            assert r[column] in joined, (column, r[column])


def test_filtered_wide_table_is_a_record_card(wide: tuple[Path, float]) -> None:
    folder, _ = wide
    pages = exhibit_text(folder, 3)
    joined = "\n".join(pages)
    flat = squash(joined)
    assert len(pages) == 1
    assert "Rows in dispute, field by field" in joined and "part 1 of" not in joined
    for name in SHOPIFY:
        assert squash(name) in flat, name
    disputed = next(r for r in shopify_rows() if r["Name"] == DISPUTED)
    for column, value in disputed.items():
        if value:  # each value whole, on the line of its field name
            field = r"\s+".join(map(re.escape, column.split()))
            assert re.search(rf"{field}\s+{re.escape(value)}", joined), (column, value)


def test_taobao_export_keeps_ids_whole(wide: tuple[Path, float]) -> None:
    folder, _ = wide
    joined = "\n".join(exhibit_text(folder, 4))
    flat = squash(joined)
    for name in TAOBAO:
        assert name in flat, name
    assert "empty columns left out: 商家备注" in joined
    for r in taobao_rows():
        for column in ("订单编号", "买家实际支付金额", "物流单号", "买家会员名"):
            assert re.search(rf"(?<![\w.]){re.escape(r[column])}(?![\w.])", joined), r[column]
        for piece in r["订单付款时间"].split(" "):
            assert piece in joined
        assert squash(r["收货地址"]) in flat


def test_taobao_ids_and_amounts_are_tokens() -> None:
    for value in ("3958274619302845731", "149.00", "#1083", "2025-10-04 10:00:00", "¥1,088.50"):
        assert is_token(value), value
    assert not is_token("上海市浦东新区 张江路 12 号")
    assert is_token("交易成功") and not is_token("请尽快发货，颜色要和图片一致，谢谢")
    headers = ["订单编号", "买家留言", "金额"]
    rows = [["3958274619302845731", "颜色与描述不符，" * 6, "149.00"]]
    layout = layout_table(headers, rows, [False], (), 500, 7.5)
    (part,) = layout.parts
    assert part.tokens == (True, False, True)
    assert abs(sum(part.widths) - 100) < 0.1


def test_ledger_wraps_at_words_and_cjk() -> None:
    assert wrap("Please leave at the side door", 12) == ["Please leave", "at the side", "door"]
    assert wrap("颜色不对请退款", 6) == ["颜色不", "对请退", "款"]
    pages = ledger_pages(
        ["订单编号", "备注"],
        [["3958274619302845731", "Columbus Avenue " * 5]],
        [True],
        "rows {a}–{b} of {n}",
        line_chars=60,
        first_lines=40,
        page_lines=40,
    )
    text = str(pages[0].html)
    assert "3958274619302845731" in text and "Colum\n" not in text


def test_empty_columns_are_dropped_and_named() -> None:
    layout = layout_table(
        ["a", "b", "c"], [["1", "", "x"], ["2", " ", "y"]], [False, False], (), 500, 7.5
    )
    assert layout.dropped == ("b",)
    assert layout.parts[0].headers == ("a", "c")


def test_tables_and_record_cards_stay_within_the_page_margins(wide: tuple[Path, float]) -> None:
    # A record card's field names and values had widths summing to the whole line, each
    # cell's padding on top (10 mm into the right margin); a table with a row in dispute had
    # its columns' shares sum to the whole line besides the 4.2 mm column of its ▶.
    folder, _ = wide
    assert drawn_in_side_margins(folder / "out/W-1.pdf") == []
