"""Build real dossiers and check the PDF by structure: text, outline, links, labels, fonts."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pikepdf
import pypdf
import pytest

from .conftest import EXAMPLES, invoke_cli, make_jpeg, make_png, run_cli, write_case

RICH = """\
evidencekit: 1
case:
  id: TB-20251005-0457
  title: 订单 3456789012345678901 "商品与描述不符" 退款纠纷申诉材料
  profile: taobao
  timezone: Asia/Shanghai
  submitted_to: 淘宝网 消费者纠纷处理中心
  prepared_by: 杭州某某服饰旗舰店 客服主管 王五
  parties:
    - {role: respondent, name: 杭州某某服饰旗舰店}
    - {role: claimant, name: tb_buyer_8861}
  orders:
    - {id: "3456789012345678901", placed_at: 2025-09-30T21:14:00, amount: 299.00, currency: CNY,
       ship_to: 上海市浦东新区 张江路 100 号}
  dispute:
    reason: 商品与描述不符
    opened_at: 2025-10-04T10:00:00
    claim: 买家称实物颜色与图片不符
    requested_outcome: 驳回买家的退款申请
  statement: statement.md
  timeline:
    - {at: 2025-10-04T10:00:00, event: 买家发起退款申请, exhibit: "3"}
evidence:
  - kind: product
    title: 商品详情页截图
    files: [product/*.png]
    captured_at: 2025-10-01T09:00:00
    source: 淘宝商品详情页
    proves: 详情页标注"可能存在轻微色差"
  - kind: product
    title: 实物照片
    files: [photo.jpg]
  - kind: chat
    title: 与买家的旺旺聊天记录
    files: [chat/long.png]
    participants: {tb_buyer_8861: buyer}
  - kind: transaction
    title: 订单导出记录
    table:
      file: orders.csv
      columns: [订单编号, {买家实际支付金额: 金额}, 订单状态]
      highlight: {订单编号: "3456789012345678901"}
  - kind: shipping
    title: 顺丰物流轨迹
    carrier: 顺丰速运
    tracking_number: SF1234567890123
    events: tracking.csv
    delivered_to: 上海市浦东新区
  - kind: note
    title: 补充说明
    description: "色差说明见 **证据1**。"
"""

ORDERS = (
    "订单编号,买家实际支付金额,订单状态\n"
    '="3456789012345678901",299.00,交易成功\n'
    "'1234567890123456789,88.50,交易关闭\n"
)
TRACKING = (
    "at,location,status\n"
    "2025-10-01T18:00:00,杭州,已揽收\n"
    "2025-10-03T14:05:00,上海市浦东新区,已签收\n"
)


@pytest.fixture(scope="module")
def rich_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rich")
    make_png(folder / "product/detail-2.png", (750, 1334))
    make_png(folder / "product/detail-10.png", (750, 1334), "#edd")
    make_png(folder / "chat/long.png", (720, 9000), "#eef")
    make_jpeg(folder / "photo.jpg", exif_time="2025:10:01 09:12:00", offset="+08:00")
    manifest = write_case(
        folder,
        RICH,
        {
            "orders.csv": ORDERS,
            "tracking.csv": TRACKING,
            "statement.md": "# 事实\n\n我们已在详情页明确提示色差。\n\n- 第一点\n- 第二点\n",
        },
    )
    proc = invoke_cli("build", "-q", str(manifest), env={"SOURCE_DATE_EPOCH": "1764547200"})
    assert proc.returncode == 0, proc.stderr
    return folder / "out"


def pages_text(pdf: Path) -> list[str]:
    reader = pypdf.PdfReader(pdf)
    return [p.extract_text() or "" for p in reader.pages]


def outline_pages(pdf: Path) -> dict[str, int]:
    reader = pypdf.PdfReader(pdf)
    found: dict[str, int] = {}

    def walk(items: list[object]) -> None:
        for it in items:
            if isinstance(it, list):
                walk(it)
            else:
                found[it.title] = reader.get_destination_page_number(it) + 1  # type: ignore[attr-defined]

    walk(reader.outline)  # type: ignore[arg-type]
    return found


def link_targets(pdf: Path, page: int) -> set[int]:
    """Pages (1-based) that the links on one page (1-based) point to."""
    with pikepdf.open(pdf) as doc:
        page_of = {p.objgen: i + 1 for i, p in enumerate(doc.pages)}
        names = pikepdf.NameTree(doc.Root.Names.Dests)
        targets = set()
        for annot in doc.pages[page - 1].get("/Annots", []):
            dest = annot.get("/Dest")
            if dest is None:
                continue
            if not isinstance(dest, pikepdf.Array):
                dest = names[str(dest)]
            targets.add(page_of[dest[0].objgen])
        return targets


def evidence(out: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(next(out.glob("*.evidence.json")).read_text(encoding="utf-8"))


def test_every_exhibit_titled_and_bookmarked(rich_build: Path) -> None:
    pdf = rich_build / "TB-20251005-0457.pdf"
    ev = evidence(rich_build)
    texts = pages_text(pdf)
    marks = outline_pages(pdf)
    for ex in ev["exhibits"]:
        start, end = ex["pages"]
        assert start <= end
        title = f"{ex['label']} {ex['title']}"
        assert marks[title] == start, (title, marks)
        assert ex["title"] in texts[start - 1].replace("\n", "")
    for section in ("证据目录", "事件时间线", "证据材料", "完整性附录"):
        assert section in marks


def test_index_page_numbers_match_exhibit_starts(rich_build: Path) -> None:
    pdf = rich_build / "TB-20251005-0457.pdf"
    ev = evidence(rich_build)
    texts = pages_text(pdf)
    index_text = texts[1]
    assert "证据目录" in index_text
    for ex in ev["exhibits"]:
        start, end = ex["pages"]
        assert (f"{start}–{end}" if end > start else f"第 {start} 页") in index_text
    # Links on the index page land where the exhibits start.
    starts = {ex["pages"][0] for ex in ev["exhibits"]}
    assert starts <= link_targets(pdf, 2)


def test_appendix_digests_read_back_whole(rich_build: Path) -> None:
    # SHA-256 cells break their digits over lines: joined, the page text holds every digest.
    ev = evidence(rich_build)
    texts = pages_text(rich_build / "TB-20251005-0457.pdf")
    start = next(n for n, text in enumerate(texts) if "完整性附录" in text.split("\n", 1)[0])
    appendix = "".join("".join(texts[start:]).split())
    assert ev["sources"]
    for source in ev["sources"]:
        assert source["sha256"] in appendix, source["path"]


def test_furniture_on_every_page(rich_build: Path) -> None:
    texts = pages_text(rich_build / "TB-20251005-0457.pdf")
    total = len(texts)
    for n, text in enumerate(texts, start=1):
        flat = text.replace("\n", " ")
        assert "TB-20251005-0457" in flat
        assert f"第 {n} 页，共 {total} 页" in flat, flat[-200:]
        assert f"TB0457-{n:06d}" in flat


def test_page_labels_and_metadata(rich_build: Path) -> None:
    reader = pypdf.PdfReader(rich_build / "TB-20251005-0457.pdf")
    assert reader.page_labels == [str(i) for i in range(1, len(reader.pages) + 1)]
    meta = reader.metadata
    assert meta is not None
    assert meta.title and "3456789012345678901" in meta.title
    assert meta.author == "杭州某某服饰旗舰店 客服主管 王五"
    assert meta.subject and "商品与描述不符" in meta.subject
    assert "TB-20251005-0457" in str(meta.get("/Keywords"))
    assert str(meta.get("/CreationDate", "")).startswith("D:20251201")


def test_fonts_embedded_and_cjk_text_real(rich_build: Path) -> None:
    pdf = rich_build / "TB-20251005-0457.pdf"
    proc = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    rows = proc.stdout.splitlines()[2:]
    assert rows
    assert any("CJK" in r for r in rows)
    for r in rows:
        assert " yes yes " in r, r  # embedded, subset
    texts = pages_text(pdf)
    assert "买家称实物颜色与图片不符" in texts[0]


def test_values_exact_and_highlighted(rich_build: Path) -> None:
    ev = evidence(rich_build)
    start, end = next(e["pages"] for e in ev["exhibits"] if e["title"] == "订单导出记录")
    texts = pages_text(rich_build / "TB-20251005-0457.pdf")
    text = "\n".join(texts[start - 1 : end])
    assert "3456789012345678901" in text and "1234567890123456789" in text
    assert '="' not in text and "'1234" not in text
    assert "▶" in text and "88.50" in text and "金额" in text


def test_long_screenshot_sliced(rich_build: Path) -> None:
    ev = evidence(rich_build)
    start, end = next(e["pages"] for e in ev["exhibits"] if e["kind"] == "chat")
    texts = pages_text(rich_build / "TB-20251005-0457.pdf")
    text = "".join(texts[start - 1 : end])
    parts = re.findall(r"第 (\d+) 部分，共 (\d+) 部分", text)
    assert parts and len(parts) == int(parts[0][1]) >= 2
    assert end > start


def test_sidecars(rich_build: Path) -> None:
    proc = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"],
        cwd=rich_build,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ev = evidence(rich_build)
    paths = {s["path"] for s in ev["sources"]}
    assert paths == {
        "product/detail-2.png",
        "product/detail-10.png",
        "photo.jpg",
        "chat/long.png",
        "orders.csv",
        "tracking.csv",
        "statement.md",
    }
    photo = next(s for s in ev["sources"] if s["path"] == "photo.jpg")
    assert photo["captured_how"] == "exif"
    assert photo["captured_at"] == "2025-10-01T09:12:00+08:00"
    detail = next(s for s in ev["sources"] if s["path"] == "product/detail-2.png")
    assert detail["captured_how"] == "manifest"
    assert "re-encoded" in detail["shown_as"]
    pdf_entry = ev["outputs"][0]
    assert pdf_entry["pages"] == len(pypdf.PdfReader(rich_build / pdf_entry["path"]).pages)
    # natural order: detail-2 before detail-10
    product = ev["exhibits"][0]["files"]
    assert product == ["product/detail-2.png", "product/detail-10.png"]


def test_timeline_sorted_and_linked(rich_build: Path) -> None:
    ev = evidence(rich_build)
    texts = pages_text(rich_build / "TB-20251005-0457.pdf")
    tl = texts[2]
    assert "事件时间线" in tl
    times = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d", tl)
    assert times == sorted(times) and len(times) >= 6
    assert "已签收" in tl and "买家发起退款申请" in tl
    shipping = next(e for e in ev["exhibits"] if e["kind"] == "shipping")
    assert f"第 {shipping['pages'][0]} 页" in tl
    assert shipping["pages"][0] in link_targets(rich_build / "TB-20251005-0457.pdf", 3)


def test_deterministic_with_source_date_epoch(tmp_path: Path, minimal_case: Path) -> None:
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    a, b = tmp_path / "a", tmp_path / "b"
    for target, cli in ((a, invoke_cli), (b, run_cli)):  # two processes, two hash seeds
        proc = cli("build", "-q", str(minimal_case), "-o", str(target), env=env)
        assert proc.returncode == 0, proc.stderr
    for name in ("T-1.pdf", "T-1.evidence.json", "SHA256SUMS"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_summary_printed(tmp_path: Path, minimal_case: Path) -> None:
    proc = invoke_cli("build", str(minimal_case), "-o", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    assert "pages" in proc.stdout and "exhibits" in proc.stdout and "size" in proc.stdout


def test_source_files_untouched(tmp_path: Path, minimal_case: Path) -> None:
    before = {p: p.read_bytes() for p in minimal_case.parent.rglob("*") if p.is_file()}
    proc = invoke_cli("build", "-q", str(minimal_case), "-o", str(tmp_path / "o"))
    assert proc.returncode == 0
    for p, data in before.items():
        assert p.read_bytes() == data


@pytest.mark.parametrize("manifest", EXAMPLES, ids=[m.parent.name for m in EXAMPLES])
def test_examples_build(manifest: Path, built_examples: dict[str, Path]) -> None:
    out = built_examples[manifest.parent.name]
    ev = evidence(out)
    pdf = out / ev["outputs"][0]["path"]
    texts = pages_text(pdf)
    marks = outline_pages(pdf)
    for ex in ev["exhibits"]:
        assert marks[f"{ex['label']} {ex['title']}"] == ex["pages"][0]
    case_id = ev["case"]["id"]
    assert all(case_id in t for t in texts)
    listed = {s["path"] for s in ev["sources"]}
    assert len(listed) >= 5
    proc = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0


def test_index_columns_never_break_a_word(built_examples: dict[str, Path]) -> None:
    # Column widths from the content once capped the kind column at 4 em: "Transacti|on".
    out = built_examples["stripe-not-received"]
    reader = pypdf.PdfReader(next(p for p in out.glob("*.pdf") if p.stem.count(".") == 0))
    index = next(pg.extract_text() for pg in reader.pages if "Evidence index" in pg.extract_text())
    words = set(index.split())
    for word in ("Transaction", "Shipping", "confirmation", "Product"):
        assert word in words, index
