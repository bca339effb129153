"""The 虚假交易 appeal example (examples/taobao-fake-orders), checked against PRODUCT.md's
"Per-order proof": the proof table, the per-order sections, the evidence JSON `orders` and the
Taobao page images."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from pathlib import Path

import pypdf
import pytest

from evidencekit.manifest import load_case

from .conftest import ROOT, drawn_in_side_margins

EXAMPLE = ROOT / "examples/taobao-fake-orders"
GAP_ORDER = "2719893027164583920"
GAP_WAYBILL = "SF1472583690562"


def _rows(rel: str, encoding: str) -> list[dict[str, str]]:
    text = (EXAMPLE / rel).read_bytes().decode(encoding)
    return list(csv.DictReader(io.StringIO(text)))


def _bare(text: str) -> str:
    # Table cells wrap long numbers across lines: compare without any whitespace.
    return re.sub(r"\s+", "", text)


FLAGGED = [r["订单编号"] for r in _rows("flagged.csv", "utf-8-sig")]
EXPORT = {
    r["订单编号"].strip('="'): r for r in _rows("orders/ExportOrderList202510201030.csv", "gbk")
}
WAYBILLS = {r["订单编号"]: r["运单号"] for r in _rows("shipping/waybills.csv", "utf-8")}


@pytest.fixture(scope="module")
def built(built_examples: Mapping[str, Path]) -> Path:
    return built_examples["taobao-fake-orders"]  # the session's one build of the example


@pytest.fixture(scope="module")
def evidence(built: Path) -> dict:
    return json.loads((built / "TB-XJJY-20251018.evidence.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def page_texts(built: Path) -> list[str]:
    reader = pypdf.PdfReader(built / "TB-XJJY-20251018.pdf")
    return [_bare(p.extract_text() or "") for p in reader.pages]


def test_the_example_has_four_real_orders_and_one_with_gaps() -> None:
    # The inputs are what the tests below rely on: 5 flagged orders, each in the export.
    assert len(FLAGGED) == 5 and GAP_ORDER in FLAGGED
    assert all(oid in EXPORT for oid in FLAGGED) and len(EXPORT) > 50
    assert not (EXAMPLE / f"chat/{EXPORT[GAP_ORDER]['买家会员名']}.txt").exists()


def test_evidence_json_orders(evidence: dict) -> None:
    orders = evidence["orders"]
    assert [o["id"] for o in orders] == FLAGGED  # the platform's list, in its order
    total = evidence["outputs"][0]["pages"]
    last = 0
    for o in orders:
        first, end = o["pages"]
        assert last < first <= end <= total  # sections follow one another
        last = end
        if o["id"] == GAP_ORDER:
            assert o["complete"] is False
            assert len(o["gaps"]) == 3  # no pickup scan, delivered elsewhere, no chat
            assert any(GAP_WAYBILL in g for g in o["gaps"])  # the pickup gap names the waybill
            assert any("苏州" in g and "上海" in g for g in o["gaps"])  # delivery city vs address
        else:
            assert o["complete"] is True and o["gaps"] == []


def test_proof_table_shows_complete_orders_and_the_gaps(
    evidence: dict, page_texts: list[str]
) -> None:
    first_order_page = evidence["orders"][0]["pages"][0]
    # The table's pages open with its title (the cover only links to it).
    table = "".join(t for t in page_texts[: first_order_page - 1] if t.startswith("逐单举证一览"))
    assert table, "no per-order proof table before the first order's section"
    for o in evidence["orders"]:
        assert o["id"] in table
    gap_order = next(o for o in evidence["orders"] if o["id"] == GAP_ORDER)
    for gap in gap_order["gaps"]:
        # Each named gap is in the table, or at least its distinctive parts (the cell is narrow).
        parts = [p for p in re.split(r"[\s，,（）()]+", gap) if len(p) >= 4]
        assert _bare(gap) in table or all(_bare(p) in table for p in parts[:2]), gap
    assert GAP_WAYBILL in table


def test_each_order_section_holds_only_its_own_rows_and_messages(
    evidence: dict, page_texts: list[str]
) -> None:
    buyers = {oid: EXPORT[oid]["买家会员名"] for oid in FLAGGED}
    for o in evidence["orders"]:
        first, last = o["pages"]
        section = "".join(page_texts[first - 1 : last])
        oid = o["id"]
        assert oid in section and WAYBILLS[oid] in section
        strangers = [other for other in EXPORT if other != oid and other in section]
        assert strangers == [], f"order {oid}'s section shows other orders: {strangers[:3]}"
        for other in FLAGGED:
            if other == oid:
                continue
            assert WAYBILLS[other] not in section
            assert _bare(buyers[other]) not in section, f"{buyers[other]} in {oid}'s section"
    # Messages: a complete order's section holds its buyer's chat; the gap order's holds none.
    chat = _bare((EXAMPLE / "chat/tb_20931477.txt").read_text(encoding="utf-8").splitlines()[1])
    own = next(o for o in evidence["orders"] if o["id"] == "2719512837460192837")
    assert chat in "".join(page_texts[own["pages"][0] - 1 : own["pages"][1]])
    gap = next(o for o in evidence["orders"] if o["id"] == GAP_ORDER)
    assert chat not in "".join(page_texts[gap["pages"][0] - 1 : gap["pages"][1]])


def test_taobao_page_images_stay_within_the_profile_limits(built: Path) -> None:
    limits = load_case(EXAMPLE / "case.yaml").profile.limits  # its form's
    images = sorted((built / "pages").rglob("*"))
    images = [p for p in images if p.is_file()]
    assert images
    for p in images:
        assert p.suffix.lower() in {".jpg", ".jpeg", ".png", ".gif"}
        assert p.stat().st_size <= limits.image_bytes, p.name


def test_taobao_page_images_and_appeal_texts_are_filed_per_order(
    built: Path, evidence: dict
) -> None:
    limits = load_case(EXAMPLE / "case.yaml").profile.limits  # its form's
    folders = {p.name for p in (built / "pages").iterdir() if p.is_dir()}
    assert folders == {*FLAGGED, "common"}
    for o in evidence["orders"]:
        first, last = o["pages"]
        assert len(list((built / "pages" / o["id"]).iterdir())) == last - first + 1
        # The form's one text field, per order, within its limits.
        for field, most in limits.text_chars.items():
            text = (built / f"{o['id']}.{field}.txt").read_text(encoding="utf-8")
            assert limits.text_min_chars.get(field, 0) <= len(text) <= most
            assert o["id"] in text or o["id"][-6:] in text


def test_no_page_runs_into_its_side_margins(built: Path) -> None:
    # The shop's chat messages stood at 33 % with 66 % of width and their padding besides
    # (4 mm into the margin); every order's record cards ran 10 mm into it.
    assert drawn_in_side_margins(built / "TB-XJJY-20251018.pdf") == []


def test_a_per_order_case_builds_again(tmp_path: Path) -> None:
    """A second build replaces the per-order outputs of the first (pages/<order>/…, and
    <order-id>.<field>.txt): before, they were taken for files of the user's and it stopped."""
    import shutil

    from evidencekit.pipeline import BuildOptions, build

    case = tmp_path / "case"
    shutil.copytree(EXAMPLE, case, ignore=shutil.ignore_patterns("out"))
    first = build(case / "case.yaml")
    notes = sorted(p.name for p in first.pdf_path.parent.glob("*.txt"))
    assert any(p.parent.name != "common" for p in (first.pdf_path.parent / "pages").glob("*/*.jpg"))
    again = build(case / "case.yaml", BuildOptions(force=True))
    assert sorted(p.name for p in again.pdf_path.parent.glob("*.txt")) == notes
