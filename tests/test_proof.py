"""Per-order proof: sources joined on the order id, per-order checks, table, sections, JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pypdf
import pytest

from evidencekit.errors import ManifestError
from evidencekit.manifest import load_case
from evidencekit.model import Case

from .conftest import make_jpeg, run_cli, write_case

A, B, C = "4012345678901234561", "4012345678901234572", "4012345678901234583"
OTHER = "4099999999999999999"  # in the exports, not flagged
WAYBILL = {A: "SF1400000000001", B: "SF1400000000002", C: "YT7700000000003"}
BUYER = {A: "tb_lin_88", B: "tb_zhao_521", C: "tb_qian_07"}

CASE = """\
evidencekit: 1
case:
  id: FO-PROOF-1
  title: 虚假交易处罚申诉（3 笔订单）
  profile: taobao
  timezone: Asia/Shanghai
  orders_from: {file: flagged.csv, column: 订单编号}
  dispute:
    reason: 虚假交易
    requested_outcome: 撤销对以上订单的虚假交易判定
proof:
  orders:    {file: orders/ExportOrderList.csv, id: 订单编号}
  payments:  {file: payments/alipay_record.csv, id: 商户订单号}
  shipments: {file: shipping/waybills.csv, id: 订单编号, waybill: 运单号}
  traces:    {files: ["shipping/traces/{waybill}.csv"]}
  chats:     {files: ["chat/{buyer}.txt"]}
  photos:    {files: ["photos/{order}/*.jpg"]}
  documents: {files: ["docs/*.png"], title: 进货凭证}
"""

FLAGGED = f"订单编号,判定时间\n{A},2025-10-20\n{B},2025-10-20\n{C},2025-10-20\n"

ORDERS = (
    "订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,订单付款时间,收货人姓名,收货地址,"
    "商家备注\n"
    f'="{A}",{BUYER[A]},129.00,交易成功,2025-10-01 09:10:00,2025-10-01 09:11:02,林某,'
    "浙江省杭州市西湖区文三路 1 号,老客户回购备注\n"
    f'="{B}",{BUYER[B]},89.50,交易成功,2025-10-02 20:00:00,2025-10-02 20:01:00,赵某,'
    "上海市浦东新区张江路 2 号\n"
    f'="{C}",{BUYER[C]},199.00,交易成功,2025-10-03 08:00:00,2025-10-03 12:00:00,钱某,'
    "北京市海淀区中关村 3 号\n"
    f'="{OTHER}",tb_other,5.00,交易关闭,2025-10-04 08:00:00,,孙某,江苏省南京市\n'
)

ALIPAY = (
    "#支付宝交易记录明细查询\n"
    "#账号:[20880000000000000156]\n"
    "#起始日期:[2025-10-01 00:00:00]    终止日期:[2025-10-31 00:00:00]\n"
    "#---------------------------------交易记录明细列表------------------------------------\n"
    "交易号                  ,商户订单号               ,交易创建时间              ,"
    "付款时间                ,"
    "交易对方            ,金额（元）   ,交易状态    ,\n"
    f"2025100122001 ,{A}  ,2025-10-01 09:10:05 ,2025-10-01 09:11:02 ,林*  ,129.00 ,交易成功 ,\n"
    f"2025100222002 ,{B}  ,2025-10-02 20:00:10 ,2025-10-02 20:01:00 ,赵*  ,89.50 ,交易成功 ,\n"
    f"2025100322003 ,{C}  ,2025-10-03 08:00:10 ,2025-10-03 12:00:00 ,钱*  ,150.00 ,交易成功 ,\n"
    "#-----------------------------------------------------------------------------------\n"
    "#共3笔记录\n"
    "#导出时间:[2025-10-21 10:00:00]\n"
)

WAYBILLS = (
    "订单编号,运单号,物流公司,发货时间\n"
    f"{A},{WAYBILL[A]},顺丰速运,2025-10-01 15:00:00\n"
    f"{B},{WAYBILL[B]},顺丰速运,2025-10-03 10:00:00\n"
    f"{C},{WAYBILL[C]},圆通速递,2025-10-03 09:00:00\n"  # before its payment (12:00)
)

TRACES = {
    A: "时间,地点,物流信息\n"
    "2025-10-01 18:00:00,杭州市,顺丰速运 已收取快件\n"
    "2025-10-02 06:00:00,杭州市,快件到达 【杭州西湖集散中心】\n"
    "2025-10-02 14:05:00,杭州市西湖区,已签收，签收人：本人\n",
    B: "时间,地点,物流信息\n"
    "2025-10-03 17:00:00,杭州市,顺丰速运 已收取快件\n"
    "2025-10-04 16:30:00,上海市浦东新区,已签收，签收人：前台\n",
    # No pickup scan, and signed in another city than the consignee's.
    C: "时间,地点,物流信息\n"
    "2025-10-04 07:00:00,深圳市,快件到达 【深圳转运中心】\n"
    "2025-10-04 15:00:00,深圳市南山区,已签收，签收人：快递柜\n",
}

CHAT = {
    A: "2025-10-01 09:05 tb_lin_88\n这件有现货吗？\n2025-10-01 09:06 小店客服\n有的，今天发货\n",
    B: "2025-10-02 19:50 tb_zhao_521\n能开发票吗\n2025-10-02 19:51 小店客服\n可以的\n",
}


def make_case(folder: Path, text: str = CASE) -> Path:
    files: dict[str, bytes | str | None] = {
        "flagged.csv": FLAGGED,
        "orders/ExportOrderList.csv": ORDERS.encode("gb18030"),
        "payments/alipay_record.csv": ALIPAY.encode("gb18030"),
        "shipping/waybills.csv": WAYBILLS,
        "docs/invoice-1.png": None,
        **{f"shipping/traces/{WAYBILL[o]}.csv": TRACES[o] for o in (A, B, C)},
        **{f"chat/{BUYER[o]}.txt": CHAT[o] for o in (A, B)},
    }
    manifest = write_case(folder, text, files)
    for o in (A, B):
        make_jpeg(folder / f"photos/{o}/pack-1.jpg", exif_time="2025:10:01 14:00:00")
    return manifest


def order(case: Case, oid: str):  # type: ignore[no-untyped-def]
    return next(p for p in case.proof if p.id == oid)


def kinds(case: Case, oid: str) -> list[str]:
    return [g.kind for g in order(case, oid).gaps]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Case:
    return load_case(make_case(tmp_path_factory.mktemp("proof")))


# ---------------------------------------------------------------- the join


def test_join_reads_every_source_for_each_order(loaded: Case) -> None:
    assert [p.id for p in loaded.proof] == [A, B, C]
    a = order(loaded, A)
    assert a.buyer == BUYER[A]
    assert a.sources == ("orders", "payments", "shipments", "traces", "chats", "photos")
    assert str(a.amount) == "129.00" and str(a.paid_amount) == "129.00"
    assert a.placed_at is not None and a.placed_at.isoformat() == "2025-10-01T09:10:00+08:00"
    assert a.paid_at is not None and a.paid_at.isoformat() == "2025-10-01T09:11:02+08:00"
    assert a.waybill == WAYBILL[A] and a.carrier == "顺丰速运"
    assert a.picked_up_at is not None and a.picked_up_at.hour == 18
    assert a.signed_at is not None and a.signer == "本人"
    assert a.address_match is True
    assert (a.chats, a.photos) == (1, 1)
    assert a.complete and order(loaded, B).complete
    # The flagged orders become case orders (cover, timeline), the unflagged one does not.
    assert [o.id for o in loaded.info.orders] == [A, B, C]


def test_orders_expand_into_exhibits_numbered_within_the_order(loaded: Case) -> None:
    labels = [(ex.label, ex.kind, ex.orders) for ex in loaded.exhibits]
    assert labels[0] == ("证据1", "document", ())
    assert [x[:2] for x in labels if x[2] == (A,)] == [
        ("证据2-1", "transaction"),
        ("证据2-2", "transaction"),
        ("证据2-3", "transaction"),
        ("证据2-4", "shipping"),
        ("证据2-5", "chat"),
        ("证据2-6", "product"),
    ]
    # C has no chat and no photos: its section simply holds fewer exhibits.
    assert [x[0] for x in labels if x[2] == (C,)] == ["证据4-1", "证据4-2", "证据4-3", "证据4-4"]
    trace = next(ex for ex in loaded.exhibits if ex.orders == (B,) and ex.kind == "shipping")
    assert trace.item.tracking_number == WAYBILL[B]  # type: ignore[union-attr]
    assert len(trace.events) == 2


# ---------------------------------------------------------------- the checks


def test_an_unreadable_export_is_one_error_not_a_missing_row_per_order(tmp_path: Path) -> None:
    manifest = make_case(tmp_path / "c")
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("payments/alipay_record.csv", "payments/nope.csv"), "utf-8")
    proc = run_cli("validate", str(manifest))
    assert proc.returncode == 1
    assert "proof.payments.file" in proc.stderr and "payments/nope.csv" in proc.stderr
    # Not, for each order, that the file that could not be read lacks its row.
    assert "payments/nope.csv 中无该订单" not in proc.stderr


def test_an_unreadable_order_export_is_not_also_a_missing_chat_per_order(tmp_path: Path) -> None:
    # The chats are named by {buyer}, which only the order export gives: without it they are
    # not missing for every order, they follow from the one error.
    manifest = make_case(tmp_path / "c")
    text = manifest.read_text(encoding="utf-8")
    name = re.search(r"orders/[^,}\s]+", text)
    assert name is not None and "chat/{buyer}.txt" in text
    manifest.write_text(text.replace(name.group(0), "orders/nope.csv"), "utf-8")
    proc = run_cli("validate", str(manifest))
    assert proc.returncode == 1
    assert "proof.orders.file" in proc.stderr and "orders/nope.csv" in proc.stderr
    assert "无聊天记录" not in proc.stderr
    # A gap the missing table does not explain is still named (C's photos are missing).
    assert f"订单 {C}：无发货前照片" in proc.stderr


def test_a_pattern_with_an_unknown_placeholder_is_one_error_not_a_gap_per_order(
    tmp_path: Path,
) -> None:
    manifest = make_case(tmp_path / "c")
    text = manifest.read_text(encoding="utf-8")
    assert "photos/{order}/" in text
    manifest.write_text(text.replace("photos/{order}/", "photos/{oder}/"), "utf-8")
    proc = run_cli("validate", str(manifest))
    assert proc.returncode == 1
    assert "{oder}" in proc.stderr and "{order}" in proc.stderr  # the error and its hint
    assert "无发货前照片" not in proc.stderr
    assert f"订单 {C}：无聊天记录" in proc.stderr  # the gaps it does not explain


def test_incomplete_order_has_each_gap_named(loaded: Case) -> None:
    assert kinds(loaded, C) == [
        "amount",
        "shipped_before_paid",
        "no_pickup",
        "city",
        "no_chat",
        "no_photos",
    ]
    texts = [g.text("en") for g in order(loaded, C).gaps]
    assert "paid 150.00 ≠ order amount 199.00" in texts
    assert "shipped (2025-10-03 09:00) before paid (2025-10-03 12:00)" in texts
    assert any(t.startswith("delivered in 深圳市南山区") for t in texts)
    assert loaded.warnings and any(
        f"order {C}: paid 150.00 ≠ order amount 199.00 (proof.orders, proof.payments)" in w
        for w in loaded.warnings
    )


def test_validate_warns_per_order_naming_the_sources(tmp_path: Path) -> None:
    manifest = make_case(tmp_path / "c")
    proc = run_cli("validate", str(manifest))
    assert proc.returncode == 0, proc.stderr
    # A taobao case: the warnings are Chinese.
    assert f"订单 {C}：运单 {WAYBILL[C]} 无揽收记录（proof.traces）" in proc.stderr
    assert f"订单 {C}：无聊天记录（chat/{{buyer}}.txt）（proof.chats）" in proc.stderr
    assert f"订单 {A}：" not in proc.stderr and f"订单 {B}：" not in proc.stderr


def test_missing_row_shared_waybill_and_signed_before_shipped(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    manifest = make_case(folder)
    # B drops out of the statement; A and B ship under one waybill; A signed before shipped.
    pay = (folder / "payments/alipay_record.csv").read_bytes().decode("gb18030")
    pay = "\n".join(x for x in pay.split("\n") if B not in x)
    (folder / "payments/alipay_record.csv").write_bytes(pay.encode("gb18030"))
    (folder / "shipping/waybills.csv").write_text(
        WAYBILLS.replace(WAYBILL[B], WAYBILL[A]).replace("2025-10-01 15:00", "2025-10-02 15:00"),
        encoding="utf-8",
    )
    case = load_case(manifest)
    assert "no_row" in kinds(case, B)
    gap = next(g for g in order(case, B).gaps if g.kind == "no_row")
    assert gap.text("en") == "no row in payments/alipay_record.csv"
    assert "shared_waybill" in kinds(case, A) and "shared_waybill" in kinds(case, B)
    assert "signed_before_shipped" in kinds(case, A)


def test_placeholder_values_cannot_leave_the_case_folder(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    manifest = make_case(folder)
    evil = ORDERS.replace(BUYER[A], "../../etc/passwd")
    (folder / "orders/ExportOrderList.csv").write_bytes(evil.encode("gb18030"))
    (folder.parent / "passwd.txt").write_text("2025-10-01 09:05 x\nsecret\n", encoding="utf-8")
    case = load_case(manifest)
    a = order(case, A)
    assert a.chats == 0 and "no_chat" in kinds(case, A)
    for ex in case.exhibits:
        for sf in (*ex.files, ex.transcript_file):
            if sf is not None:
                assert sf.path.is_relative_to(folder.resolve())


def test_problems_in_proof_sources_are_located(tmp_path: Path) -> None:
    text = CASE.replace("id: 商户订单号", "id: 外部单号").replace(
        '"photos/{order}/*.jpg"', '"photos/{orderid}/*.jpg"'
    )
    manifest = make_case(tmp_path / "c", text)
    with pytest.raises(ManifestError) as info:
        load_case(manifest)
    lines = text.splitlines()
    msgs = {p.path: p for p in info.value.problems if p.severity == "error"}
    pay = msgs["proof.payments.file"]
    assert "no column '外部单号' (id:)" in pay.message and "商户订单号" in pay.message
    assert pay.line == next(i for i, x in enumerate(lines, 1) if x.startswith("  payments:"))
    photo = msgs["proof.photos.files[0]"]
    assert "unknown placeholder {orderid}" in photo.message


# ---------------------------------------------------------------- the dossier


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    manifest = make_case(tmp_path_factory.mktemp("built"))
    proc = run_cli("build", "-q", str(manifest), env={"SOURCE_DATE_EPOCH": "1764547200"})
    assert proc.returncode == 0, proc.stderr
    return manifest.parent / "out"


def _texts(out: Path) -> list[str]:
    pdf = next(out.glob("*.pdf"))
    return [re.sub(r"\s+", "", p.extract_text() or "") for p in pypdf.PdfReader(pdf).pages]


def _record(out: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(next(out.glob("*.evidence.json")).read_text(encoding="utf-8"))


def test_evidence_json_lists_orders_with_gaps_and_pages(built: Path) -> None:
    rec = _record(built)
    orders = rec["orders"]
    assert [o["id"] for o in orders] == [A, B, C]
    assert [o["complete"] for o in orders] == [True, True, False]
    assert orders[0]["gaps"] == [] and len(orders[2]["gaps"]) == 6
    assert "实付 150.00 与订单金额 199.00 不符" in orders[2]["gaps"]
    by_label = {e["label"]: e["pages"] for e in rec["exhibits"]}
    assert orders[0]["pages"] == [by_label["证据2-1"][0], by_label["证据2-6"][1]]
    assert orders[2]["pages"] == [by_label["证据4-1"][0], by_label["证据4-4"][1]]


def test_proof_table_after_the_index_with_gaps_and_links(built: Path) -> None:
    from .test_build import link_targets

    texts = _texts(built)
    n = next(i for i, t in enumerate(texts, 1) if t.startswith("逐单举证一览"))
    assert "证据目录" in texts[n - 2] and "证据目录" not in texts[n - 1]  # right after the index
    assert "逐单举证一览" in texts[0]  # and summarised on the cover
    table = texts[n - 1]
    assert "共3笔订单，其中2笔证据完整" in table
    for oid in (A, B, C):
        assert oid in table
    assert f"运单{WAYBILL[C]}无揽收记录" in table
    assert "实付150.00与订单金额199.00不符" in table
    assert "本人" in table  # A's signer
    rec = _record(built)
    firsts = {o["pages"][0] for o in rec["orders"]}
    assert firsts <= link_targets(next(built.glob("*.pdf")), n)


def test_each_order_section_holds_only_its_own_order(built: Path) -> None:
    texts = _texts(built)
    rec = _record(built)
    for o in rec["orders"]:
        first, last = o["pages"]
        section = "".join(texts[first - 1 : last])
        assert o["id"] in section
        others = [x for x in (A, B, C, OTHER) if x != o["id"]]
        assert not any(x in section for x in others), o["id"]
        assert not any(w in section for k, w in WAYBILL.items() if k != o["id"])


def test_order_exhibits_flow_and_each_order_starts_a_page(built: Path) -> None:
    rec = _record(built)
    texts = _texts(built)
    by_label = {e["label"]: e["pages"] for e in rec["exhibits"]}
    a_first, a_last = rec["orders"][0]["pages"]
    # Six exhibits of order A share pages instead of one page each (issue 11: bench time).
    assert a_last - a_first + 1 < 6
    assert by_label["证据2-2"][0] == by_label["证据2-1"][1]
    for prev, o in zip(rec["orders"], rec["orders"][1:], strict=False):
        assert o["pages"][0] == prev["pages"][1] + 1
        assert texts[o["pages"][0] - 1].find(o["id"]) >= 0  # its own page, its own header
    # Every exhibit's range still holds its label.
    for label, (first, last) in by_label.items():
        assert any(label in t for t in texts[first - 1 : last]), label


def test_order_rows_show_the_columns_the_proof_reads(built: Path) -> None:
    texts = "".join(_texts(built))
    assert "交易成功" in texts and "林某" in texts  # status and consignee kept
    assert "商家备注" not in texts and "老客户回购备注" not in texts  # other columns left out


def test_shop_replies_in_an_order_chat_are_the_sellers(built: Path) -> None:
    texts = "".join(_texts(built))
    assert "小店客服（卖家）" in texts
    assert "tb_lin_88（买家）" in texts


def test_each_order_has_a_bookmark_with_its_exhibits_under_it(built: Path) -> None:
    reader = pypdf.PdfReader(next(built.glob("*.pdf")))

    def walk(items: list, depth: int = 0) -> list[tuple[int, str]]:  # type: ignore[type-arg]
        out = []
        for it in items:
            if isinstance(it, list):
                out += walk(it, depth + 1)
            else:
                out.append((depth, it.title))
        return out

    marks = walk(reader.outline)
    at = next(i for i, (_, title) in enumerate(marks) if title == f"订单 {A}")
    depth = marks[at][0]
    children = [title for d, title in marks[at + 1 : at + 7] if d == depth + 1]
    assert len(children) == 6 and children[0].startswith("证据2-1")


def test_existing_multi_order_manifest_without_proof_is_unchanged(tmp_path: Path) -> None:
    from .test_multi_order import make_multi

    case = load_case(make_multi(tmp_path / "m"))
    assert case.proof == ()
    assert [ex.label for ex in case.exhibits][:2] == ["证据1", "证据2"]


def test_taobao_page_images_per_order_and_appeal_texts_within_limits(built: Path) -> None:
    rec = _record(built)
    pages = built / "pages"
    assert sorted(p.name for p in pages.iterdir()) == sorted([A, B, C, "common"])
    for o in rec["orders"]:
        first, last = o["pages"]
        names = sorted(p.name for p in (pages / o["id"]).iterdir())
        assert names == [f"FO-PROOF-1-p{n:03d}.jpg" for n in range(first, last + 1)]
    every = [p for p in pages.rglob("*.jpg")]
    assert len(every) == rec["outputs"][0]["pages"]
    assert all(p.stat().st_size <= 500_000 for p in every)  # the taobao per-image cap
    text = (built / f"{A}.refusal_note.txt").read_text(encoding="utf-8").strip()
    assert text.startswith(f"订单 {A}（买家 {BUYER[A]}）") and 2 <= len(text) <= 200
    gaps = (built / f"{C}.refusal_note.txt").read_text(encoding="utf-8")
    assert gaps.startswith(f"订单 {C}") and len(gaps.strip()) <= 200  # cut to the field


def test_without_a_waybill_list_the_trace_gap_is_named(tmp_path: Path) -> None:
    text = CASE.replace(
        "  shipments: {file: shipping/waybills.csv, id: 订单编号, waybill: 运单号}\n", ""
    )
    case = load_case(make_case(tmp_path / "c", text))
    for oid in (A, B, C):  # the order export has no waybill column
        assert kinds(case, oid)[0] == "no_waybill"
        assert order(case, oid).waybill == ""
    assert not any(ex.kind == "shipping" for ex in case.exhibits)


def test_english_case_numbers_exhibits_per_order_and_names_gaps(tmp_path: Path) -> None:
    text = CASE.replace("profile: taobao", "profile: generic\n  language: en")
    case = load_case(make_case(tmp_path / "c", text))
    labels = [ex.label for ex in case.exhibits]
    assert labels[:3] == ["Exhibit A", "Exhibit B-1", "Exhibit B-2"]
    assert next(ex for ex in case.exhibits if ex.orders == (C,)).label == "Exhibit D-1"
    assert order(case, C).gaps[-1].text("en") == "no photos (photos/{order}/*.jpg)"


def test_flagged_order_found_nowhere_is_a_row_of_gaps(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    manifest = make_case(folder)
    missing = "4000000000000000000"
    (folder / "flagged.csv").write_text(FLAGGED + f"{missing},2025-10-20\n", encoding="utf-8")
    case = load_case(manifest)
    lost = order(case, missing)
    assert lost.exhibits == () and lost.sources == ()
    assert [g.kind for g in lost.gaps] == ["no_row", "no_row", "no_row", "no_chat", "no_photos"]
    assert missing in {o.id for o in case.info.orders}
