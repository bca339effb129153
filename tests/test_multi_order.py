"""Multi-order cases: exhibits name their orders; addresses, timeline and checks stay per order."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pypdf
import pytest

from evidencekit.assets.tables import prepare_table
from evidencekit.model import SourceFile, TableSpec

from .conftest import run_cli, write_case

A, B, C = "3456789012345678901", "3456789012345679902", "3456789012345680903"
ADDRESS = {
    A: "江苏省南京市鼓楼区中山路1号",
    B: "广东省深圳市南山区科技园2号",
    C: "北京市海淀区中关村3号",
}

MULTI = f"""\
evidencekit: 1
case:
  id: FO-3
  title: 三笔订单申诉
  profile: taobao
  timezone: Asia/Shanghai
  orders:
    - {{id: "{A}", placed_at: 2025-10-01T10:00:00, paid_at: 2025-10-01T10:01:00,
       amount: 99.00, ship_to: {ADDRESS[A]}}}
    - {{id: "{B}", placed_at: 2025-10-03T11:00:00, amount: 199.00, ship_to: {ADDRESS[B]}}}
    - {{id: "{C}", placed_at: 2025-10-05T12:00:00, amount: 299.00, ship_to: {ADDRESS[C]}}}
evidence:
  - kind: transaction
    title: 订单A付款截图
    order: "{A}"
    files: [pay-a.png]
  - kind: transaction
    title: 订单导出记录
    table:
      file: orders.csv
      where: {{订单编号: ["{A}", "{B}", "{C}"]}}
      highlight: {{订单编号: ["{B}", "{C}"]}}
  - kind: shipping
    title: 订单A物流
    order: "{A}"
    carrier: 顺丰速运
    tracking_number: SF1000000000001
    events: track-a.csv
    delivered_to: 南京市鼓楼区
  - kind: shipping
    title: 订单B物流
    order: "{B}"
    carrier: 顺丰速运
    tracking_number: SF2000000000002
    events: track-b.csv
    delivered_to: 深圳市南山区
  - kind: shipping
    title: 订单C物流
    orders: ["{C}"]
    carrier: 顺丰速运
    tracking_number: SF3000000000003
    events: track-c.csv
    delivered_to: 北京市海淀区
  - kind: chat
    title: 订单B、C聊天记录
    orders: ["{B}", "{C}"]
    transcript: chat-b.csv
    participants: {{buyer_b: buyer, 客服小美: seller}}
"""

ORDERS_CSV = (
    "订单编号,买家,实付金额,订单状态\n"
    f'="{A}",buyer_a,99.00,交易成功\n'
    f" {B} ,buyer_b,199.00,交易成功\n"  # space-padded, as some exports write it
    f"'{C},buyer_c,299.00,交易成功\n"
    "1111111111111111111,other,5.00,交易关闭\n"
)


def track(day: int, city: str) -> str:
    return (
        "at,location,status\n"
        f"2025-10-{day:02d}T18:00:00,杭州市,已揽收\n"
        f"2025-10-{day + 2:02d}T14:05:00,{city},已签收\n"
    )


def make_multi(folder: Path) -> Path:
    return write_case(
        folder,
        MULTI,
        {
            "pay-a.png": None,
            "orders.csv": ORDERS_CSV,
            # A is delivered on 10-03, before B (10-03 11:00 is later) and C were placed.
            "track-a.csv": track(1, "南京市鼓楼区"),
            "track-b.csv": track(4, "深圳市南山区"),
            "track-c.csv": track(6, "北京市海淀区"),
            "chat-b.csv": "time,sender,message\n2025-10-03 11:30,buyer_b,请尽快发货\n",
        },
    )


@pytest.fixture(scope="module")
def multi(tmp_path_factory: pytest.TempPathFactory) -> Path:
    manifest = make_multi(tmp_path_factory.mktemp("multi"))
    proc = run_cli("build", "-q", str(manifest), env={"SOURCE_DATE_EPOCH": "1764547200"})
    assert proc.returncode == 0, proc.stderr
    return manifest.parent / "out"


def texts_of(out: Path) -> list[str]:
    pdf = next(out.glob("*.pdf"))
    return [re.sub(r"\s+", "", p.extract_text() or "") for p in pypdf.PdfReader(pdf).pages]


def evidence(out: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(next(out.glob("*.evidence.json")).read_text(encoding="utf-8"))


def exhibit_text(out: Path, title: str) -> str:
    ev = evidence(out)
    start, end = next(e["pages"] for e in ev["exhibits"] if e["title"] == title)
    return "".join(texts_of(out)[start - 1 : end])


def timeline_rows(out: Path) -> str:
    texts = texts_of(out)
    return "".join(t for t in texts if "事件时间线" in t)


def test_each_shipping_exhibit_shows_its_own_orders_address(multi: Path) -> None:
    for title, oid in (("订单A物流", A), ("订单B物流", B), ("订单C物流", C)):
        text = exhibit_text(multi, title)
        assert ADDRESS[oid] in text, title
        assert oid in text  # the order it belongs to, in its header
        others = [ADDRESS[o] for o in (A, B, C) if o != oid]
        assert not any(a in text for a in others), title


def test_shipping_exhibit_naming_no_order_shows_no_address(tmp_path: Path) -> None:
    manifest = make_multi(tmp_path / "c")
    manifest.write_text(MULTI.replace(f'    orders: ["{C}"]\n', ""), encoding="utf-8")
    proc = run_cli("build", "-q", str(manifest))
    assert proc.returncode == 0, proc.stderr
    page = exhibit_text(tmp_path / "c/out", "订单C物流")
    assert not any(a in page for a in ADDRESS.values())
    assert "北京市海淀区" in page  # delivered_to is still shown


def test_timeline_links_each_order_to_its_own_exhibit(multi: Path) -> None:
    from .test_build import link_targets

    ev = evidence(multi)
    label = {e["title"]: e["label"] for e in ev["exhibits"]}
    rows = timeline_rows(multi)
    pay, table = label["订单A付款截图"], label["订单导出记录"]
    assert re.search(rf"订单{A}下单{pay},第\d+页", rows), rows
    assert re.search(rf"订单{A}付款{pay},第\d+页", rows)
    assert re.search(rf"订单{B}下单{table},第\d+页", rows), rows
    assert re.search(rf"订单{C}下单{table},第\d+页", rows), rows
    texts = texts_of(multi)
    n = next(i for i, t in enumerate(texts, 1) if "事件时间线" in t)
    table_start = next(e["pages"][0] for e in ev["exhibits"] if e["title"] == "订单导出记录")
    assert table_start in link_targets(next(multi.glob("*.pdf")), n)


def test_timeline_entries_name_their_order_and_waybill(multi: Path) -> None:
    rows = timeline_rows(multi)
    assert "订单…8901·SF1000000000001·南京市鼓楼区已签收" in rows
    assert "订单…9902·SF2000000000002·杭州市已揽收" in rows
    assert "订单…0903·SF3000000000003·北京市海淀区已签收" in rows
    assert "订单…9902,…0903·buyer_b：请尽快发货" in rows


def test_validate_compares_each_order_only_with_its_own_evidence(tmp_path: Path) -> None:
    manifest = make_multi(tmp_path / "c")
    proc = run_cli("validate", str(manifest))
    assert proc.returncode == 0, proc.stderr
    assert "早于订单" not in proc.stderr, proc.stderr  # a taobao case speaks Chinese
    assert "未注明订单" not in proc.stderr
    # Its own evidence still counts: C's trace delivered before C was placed.
    manifest.parent.joinpath("track-c.csv").write_text(track(1, "北京市海淀区"), encoding="utf-8")
    proc = run_cli("validate", str(manifest))
    assert re.findall(r"的签收时间（.*?）早于订单 (\d+) 的下单时间", proc.stderr) == [C]


def test_unknown_order_is_located_with_a_hint(tmp_path: Path) -> None:
    typo = B[:-1] + "3"
    text = MULTI.replace(f'    order: "{B}"\n    carrier', f'    order: "{typo}"\n    carrier')
    manifest = make_multi(tmp_path / "c")
    manifest.write_text(text, encoding="utf-8")
    proc = run_cli("validate", str(manifest))
    assert proc.returncode == 1
    line = text.splitlines().index(f'    order: "{typo}"') + 1
    assert f"case.yaml:{line}:12: evidence[3].order: case.orders 中没有订单 '{typo}'" in (
        proc.stderr
    ), proc.stderr
    assert f"是否想写 '{B}'？" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_order_and_orders_together_and_list_errors(tmp_path: Path) -> None:
    text = MULTI.replace(f'    orders: ["{C}"]\n', f'    order: "{C}"\n    orders: ["{C}", "42"]\n')
    manifest = make_multi(tmp_path / "c")
    manifest.write_text(text, encoding="utf-8")
    proc = run_cli("validate", str(manifest))
    assert proc.returncode == 1
    assert "evidence[4].orders: order: 和 orders: 只能写一个" in proc.stderr
    assert "evidence[4].orders[1]: case.orders 中没有订单 '42'" in proc.stderr


def test_multi_order_shipping_without_order_warns(tmp_path: Path) -> None:
    manifest = make_multi(tmp_path / "c")
    manifest.write_text(MULTI.replace(f'    order: "{B}"\n    carrier', "    carrier"), "utf-8")
    proc = run_cli("validate", str(manifest))
    assert proc.returncode == 0, proc.stderr
    assert "evidence[3]: 证据4 未注明订单，而本案有 3 笔订单" in proc.stderr


def test_single_order_case_keeps_its_shape(tmp_path: Path) -> None:
    one = MULTI.split('    - {id: "' + B)[0] + "evidence:" + MULTI.split("evidence:", 1)[1]
    one = re.sub(r"    orders?: .*\n", "", one)
    manifest = make_multi(tmp_path / "c")
    manifest.write_text(one, encoding="utf-8")
    proc = run_cli("build", "-q", str(manifest))
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "c/out"
    rows = timeline_rows(out)
    assert "SF1000000000001·" not in rows and "订单…" not in rows
    assert re.search(rf"订单{A}下单证据1,第\d+页", rows)
    # With one order every shipping exhibit belongs to it, as before.
    assert ADDRESS[A] in exhibit_text(out, "订单B物流")
    assert all(e["orders"] == [A] for e in evidence(out)["exhibits"])


def test_evidence_json_records_each_exhibits_orders(multi: Path) -> None:
    ev = evidence(multi)
    orders = {e["title"]: e.get("orders") for e in ev["exhibits"]}
    assert orders == {
        "订单A付款截图": [A],
        "订单导出记录": None,
        "订单A物流": [A],
        "订单B物流": [B],
        "订单C物流": [C],
        "订单B、C聊天记录": [B, C],
    }
    table = next(e for e in ev["exhibits"] if e["title"] == "订单导出记录")["table"]
    assert table["rows_in_file"] == 4 and table["rows_matching"] == 3


def test_where_and_highlight_take_lists(tmp_path: Path) -> None:
    p = tmp_path / "orders.csv"
    p.write_text(ORDERS_CSV, encoding="utf-8")
    sf = SourceFile("orders.csv", p, "x")
    table = prepare_table(
        sf,
        TableSpec(
            file="orders.csv",
            where={"订单编号": [A, f' ="{B}" ', C], "订单状态": "交易成功"},
            highlight={"订单编号": [B, C], "买家": ["buyer_b", "buyer_c ", "buyer_a"]},
            columns=["订单编号", "买家"],
        ),
    )
    assert [r[0] for r in table.rows] == [A, B, C]
    assert table.highlighted == (False, True, True)
    assert table.matched_rows == 3 and table.total_rows == 4
    one = prepare_table(sf, TableSpec(file="orders.csv", where={"订单编号": B}, highlight={}))
    assert [r[0] for r in one.rows] == [B]  # one value, padded cell: still matched


def test_examples_keep_their_single_order_shape(built_examples: dict[str, Path]) -> None:
    out = built_examples["taobao-not-as-described"]
    rows = timeline_rows(out)
    assert "订单…" not in rows and "SF1234567890123·" not in rows
    assert "上海市浦东新区张江路100号" in exhibit_text(out, "顺丰物流轨迹与签收记录")


def test_empty_value_list_is_refused(tmp_path: Path) -> None:
    manifest = make_multi(tmp_path / "c")
    text = MULTI.replace(
        f'      highlight: {{订单编号: ["{B}", "{C}"]}}', "      highlight: {订单编号: []}"
    )
    manifest.write_text(text, encoding="utf-8")
    proc = run_cli("validate", str(manifest))
    assert proc.returncode == 1
    line = text.splitlines().index("      highlight: {订单编号: []}") + 1
    assert (
        f"case.yaml:{line}:18: evidence[1].table.highlight: 列 '订单编号' 的值列表为空"
        in proc.stderr
    ), proc.stderr


def test_duplicate_orders_are_refused(tmp_path: Path) -> None:
    manifest = make_multi(tmp_path / "c")
    manifest.write_text(MULTI.replace(f'    - {{id: "{C}"', f'    - {{id: "{B}"'), "utf-8")
    proc = run_cli("validate", str(manifest))
    assert proc.returncode == 1
    assert f"case.orders[2].id: 订单 '{B}' 重复（另见 case.orders[1]）" in proc.stderr
