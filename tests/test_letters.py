"""The cover document follows the recipient (profiles' `letter:` block), in the case language:
申诉书 for platform appeals, 情况说明/答辩意见 for 12315, a court's 证据目录, response letters."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdf
import pytest

from evidencekit.assets.collect import collect
from evidencekit.manifest import load_case
from evidencekit.profiles import load_profile, profile_names
from evidencekit.render import render_html
from evidencekit.render.context import PreparedExhibit, build_context, letter_context
from evidencekit.render.weasy import render_pdf

from .conftest import EXAMPLES, make_png, run_cli, write_case

BUILT = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
CJK = re.compile(r"[\u3400-\u9fff]")
ZH_TITLES = ("申诉书", "情况说明", "答辩意见", "证据目录", "申诉函")
EN_TITLES = (
    "Appeal",
    "Statement of facts",
    "Response to the complaint",
    "List of evidence",
    "Dispute response letter",
    "Response to an A-to-z",
    "Chargeback rebuttal",
)


def _flat(text: str) -> str:
    """Text without white space: extraction puts spaces and line breaks where layout does."""
    return re.sub(r"\s+", "", text)


def _case(
    folder: Path,
    profile: str,
    reason: str,
    *,
    language: str | None = None,
    claim: str | None = "The buyer says so.",
    outcome: str | None = None,
    submitted_to: str | None = None,
    statement: str = "We shipped the order on time.",
) -> Path:
    lines = [
        "evidencekit: 1",
        "case:",
        "  id: L-1",
        "  title: Order 1001",
        f"  profile: {profile}",
        *([f"  language: {language}"] if language else []),
        *([f"  submitted_to: {json.dumps(submitted_to)}"] if submitted_to else []),
        "  prepared_by: Shop One",
        "  dispute:",
        f"    reason: {json.dumps(reason)}",
        *([f"    claim: {json.dumps(claim)}"] if claim else []),
        *([f"    requested_outcome: {json.dumps(outcome)}"] if outcome else []),
        f"  statement: {json.dumps(statement)}",
        "evidence:",
        "  - kind: note",
        "    title: Summary",
        "    description: Delivered.",
    ]
    return write_case(folder, "\n".join(lines) + "\n")


def _cover_pages(manifest: Path) -> list[str]:
    """The cover rendered alone through the packaged templates and WeasyPrint, read back."""
    case = load_case(manifest)
    infos = collect(case, ZoneInfo(case.timezone), None)
    ctx = build_context(
        case, [PreparedExhibit(ex) for ex in case.exhibits], infos, BUILT, case.profile.paper
    )
    ctx["unmasked_note"] = ""
    css = render_html(ctx, None, "dossier.css.j2")
    cover = render_html(ctx, None, "cover.html.j2")
    html = (
        f'<html lang="{ctx["lang"]}"><head><style>{css}</style></head><body>{cover}</body></html>'
    )
    pdf = render_pdf(html, {}, identifier=b"0" * 32).pdf
    return [p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


# (id, profile, language, reason, claim, title, what page 1 says)
RENDERED = [
    (
        "taobao",
        "taobao",
        None,
        "买家称未收到货物",
        "买家称未收到货",
        "申诉书",
        [
            "淘宝平台",
            "尊敬的淘宝平台审核人员：",
            "未收到货",
            "驳回买家以“未收到货”为由的退款申请",
            "此致",
            "申诉人：Shop One",
            "2025年12月1日",
        ],
    ),
    (
        "12315-answer",
        "12315",
        None,
        "商品与描述不符",
        "消费者称商品与描述不符",
        "答辩意见",
        ["投诉事由", "消费者投诉：商品与宣传描述不符", "尊敬的调解工作人员：", "答辩人：Shop One"],
    ),
    (
        "12315-statement",
        "12315",
        None,
        "商品与描述不符",
        None,
        "情况说明",
        ["消费者投诉：商品与宣传描述不符", "说明人：Shop One"],
    ),
    (
        "stripe",
        "stripe",
        None,
        "product_not_received",
        "The cardholder says the order never arrived.",
        "Dispute response letter",
        [
            "To: The cardholder's bank (card issuer), via Stripe",
            "Dear Dispute Analyst,",
            "Product not received",
            "reverse the chargeback",
            "Sincerely,",
            "December 1, 2025",
        ],
    ),
    (
        "mastercard",
        "mastercard",
        None,
        "4855",
        "Goods not provided.",
        "Chargeback rebuttal (second presentment)",
        [
            "The issuing bank, via the merchant's acquirer",
            "Dear Chargeback Analyst,",
            "Reason code",
            "4855 Goods or Services Not Provided",
            "second presentment",
        ],
    ),
    (
        "taobao-en",
        "taobao",
        "en",
        "item not received",
        "The buyer says the parcel never came.",
        "Appeal",
        ["To: Taobao (platform review)", "Dear Taobao reviewer,", "Item not received"],
    ),
    (
        "stripe-zh",
        "stripe",
        "zh-CN",
        "product_not_received",
        "持卡人称未收到货",
        "申诉函",
        ["持卡人的发卡银行（经 Stripe 转交）", "尊敬的争议审核人员：", "未收到产品", "撤销退单"],
    ),
]


@pytest.fixture(scope="module")
def covers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    out = {}
    for key, profile, language, reason, claim, *_ in RENDERED:
        folder = tmp_path_factory.mktemp(key)
        out[key] = _cover_pages(_case(folder, profile, reason, language=language, claim=claim))
    return out


@pytest.mark.parametrize(
    ("key", "title", "says"), [(r[0], r[5], r[6]) for r in RENDERED], ids=[r[0] for r in RENDERED]
)
def test_cover_kind_recipient_and_reason_for_the_profile(
    covers: dict[str, list[str]], key: str, title: str, says: list[str]
) -> None:
    pages = covers[key]
    assert len(pages) <= 2  # the cover stays within two pages
    first = _flat(pages[0])
    assert _flat(title) in first
    for words in says:
        assert _flat(words) in first, (words, pages[0])


@pytest.mark.parametrize("key", [r[0] for r in RENDERED])
def test_cover_never_mixes_languages(covers: dict[str, list[str]], key: str) -> None:
    language = next(r[2] or load_profile(r[1]).language for r in RENDERED if r[0] == key)
    first = _flat(covers[key][0])
    if language == "en":
        assert not [w for w in ZH_TITLES if w in first]
        if key == "stripe":  # an ASCII manifest on an English profile: no Chinese at all
            assert not CJK.search(first)
    else:
        assert not [w for w in EN_TITLES if _flat(w) in first]
        assert "Dear" not in first and "Sincerely" not in first


@pytest.mark.parametrize("manifest", EXAMPLES, ids=[m.parent.name for m in EXAMPLES])
def test_example_covers_fit_two_pages_and_name_their_kind(manifest: Path) -> None:
    pages = _cover_pages(manifest)
    case = load_case(manifest)
    title = {"taobao": "申诉书", "stripe": "Dispute response letter"}[case.profile.name]
    assert len(pages) <= 2 and _flat(title) in _flat(pages[0])


# Reason wording per profile: the platform's own words for what the manifest says, and the
# manifest's wording beside them where the words do not already hold it.
WORDING = [
    ("stripe", "product_not_received", "Product not received", ""),
    ("stripe", "fraudulent", "Fraudulent", ""),
    ("shopify", "PRODUCT_UNACCEPTABLE", "Product unacceptable", ""),
    ("paypal", "MERCHANDISE_OR_SERVICE_NOT_RECEIVED", "Item Not Received", "same"),
    ("paypal", "item not as described", "Significantly Not as Described", "same"),
    ("ebay", "SIGNIFICANTLY_NOT_AS_DESCRIBED", "Significantly not as described", ""),
    ("amazon", "item not received", "Item not received", ""),
    ("mastercard", "4837", "4837 No Cardholder Authorization", ""),
    ("amex", "C08", "C08 Goods/Services Not Received or Only Partially Received", ""),
    ("generic", "not received", "not received", ""),  # no wording: the manifest's own
    ("taobao", "商品与描述不符", "描述不符", "same"),
    ("tmall", "买家未收到货", "未收到货", "same"),
    ("jd", "虚假交易", "虚假交易", ""),
    ("pinduoduo", "质量问题", "描述不符", "same"),
    ("douyin", "刷单 虚假交易", "虚假交易", "same"),
    ("12315", "没收到货", "消费者投诉：经营者未按约定交付商品", "same"),
    ("court-cn", "欺诈", "网络购物合同纠纷（对方主张欺诈）", ""),
]


@pytest.mark.parametrize(("profile", "given", "words", "beside"), WORDING)
def test_reason_in_the_platforms_words(
    tmp_path: Path, profile: str, given: str, words: str, beside: str
) -> None:
    case = load_case(_case(tmp_path, profile, given))
    letter = letter_context(case, BUILT, ZoneInfo(case.timezone))
    assert letter["reason"] == words
    assert letter["reason_given"] == (given if beside == "same" else "")


@pytest.mark.parametrize("name", profile_names())
@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_every_profile_words_its_cover_in_the_case_language(
    tmp_path: Path, name: str, language: str
) -> None:
    case = load_case(_case(tmp_path, name, "not received", language=language))
    letter = letter_context(case, BUILT, ZoneInfo(case.timezone))
    shown = " ".join(
        str(letter[k]) for k in ("title", "recipient", "salutation", "reason_label", "outcome")
    )
    if language == "en":
        assert not CJK.search(shown), shown
    else:
        assert not [w for w in EN_TITLES if w in shown] and "Dear" not in shown, shown
        assert CJK.search(letter["title"]) and CJK.search(letter["salutation"])


def test_manifest_overrides_recipient_and_outcome(tmp_path: Path) -> None:
    case = load_case(
        _case(
            tmp_path,
            "taobao",
            "未收到货",
            submitted_to="淘宝网 消费者纠纷处理中心",
            outcome="驳回仅退款申请",
        )
    )
    letter = letter_context(case, BUILT, ZoneInfo(case.timezone))
    assert letter["recipient"] == "淘宝网 消费者纠纷处理中心"
    assert letter["addressee"] == "淘宝平台"  # 此致 still names the platform
    assert letter["outcome"] == "驳回仅退款申请"


def test_a_statement_that_greets_its_reader_gets_no_second_salutation(tmp_path: Path) -> None:
    case = load_case(_case(tmp_path, "stripe", "fraudulent", statement="Dear Sir,\n\nWe shipped."))
    assert letter_context(case, BUILT, ZoneInfo(case.timezone))["salutation"] == ""


# ---------------------------------------------------------------- court-cn: a full build

COURT = """\
evidencekit: 1
case:
  id: CN-2025-001
  title: 网络购物合同纠纷 证据材料
  profile: court-cn
  prepared_by: 杭州某某服饰有限公司
  parties:
    - {role: 原告, name: 张三}
    - {role: 被告, name: 杭州某某服饰有限公司}
  dispute:
    reason: 商品与描述不符
    case_number: （2025）浙0192民初1234号
evidence:
  - kind: product
    title: 商品详情页截图
    files: [detail.png]
    source: 淘宝商品详情页
    proves: 详情页标注可能存在色差
  - kind: transaction
    title: 订单记录
    presented_as: original
    table: {file: orders.csv}
    source: 千牛订单导出
    proves: 买家实付 299 元
  - kind: note
    title: 情况说明
    description: 卖家已按约发货。
"""


@pytest.fixture(scope="module")
def court(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("court")
    make_png(folder / "detail.png", (750, 1334))
    manifest = write_case(folder, COURT, {"orders.csv": "订单编号,实付金额\n1001,299.00\n"})
    proc = run_cli("build", "-q", str(manifest), env={"SOURCE_DATE_EPOCH": "1764547200"})
    assert proc.returncode == 0, proc.stderr
    return folder / "out"


def test_court_evidence_list_columns_pages_and_signature(court: Path) -> None:
    reader = pypdf.PdfReader(court / "CN-2025-001.pdf")
    first = _flat(reader.pages[0].extract_text())
    ev = json.loads((court / "CN-2025-001.evidence.json").read_text(encoding="utf-8"))
    assert "证据目录" in first
    columns = ["序号", "证据名称", "证据来源", "证明对象/证明目的", "页码", "原件或电子数据打印件"]
    positions = [first.index(c) for c in columns]
    assert positions == sorted(positions)  # in the 证据规定 order
    assert "案号：（2025）浙0192民初1234号" in first
    assert "案由：网络购物合同纠纷（对方主张商品与描述不符）" in first
    # title -> (source, proves, 原件或电子数据打印件): from the kind, or the exhibit's presented_as
    rows = {
        "商品详情页截图": ("淘宝商品详情页", "详情页标注可能存在色差", "电子数据打印件"),
        "订单记录": ("千牛订单导出", "买家实付299元", "原件"),
        "情况说明": ("", "", "原件"),
    }
    body = first[first.index("原件或电子数据打印件") + len("原件或电子数据打印件") :]
    for n, ex in enumerate(ev["exhibits"], start=1):
        start, end = ex["pages"]
        pages = str(start) if start == end else f"{start}–{end}"
        source, proves, presented = rows[ex["title"]]
        row = _flat(f"{n}{ex['title']}{source}{proves}{pages}{presented}")
        assert row in body, (row, body)
    assert "提交人（签名/盖章）：" in first
    assert "年月日" in first  # 年　月　日, left blank for the hand-written date
    assert not [w for w in EN_TITLES if _flat(w) in first] and "Dear" not in first
    # The technical index follows under its own name: one 证据目录 in the dossier.
    titles = [it.title for it in reader.outline if not isinstance(it, list)]
    assert "证据目录" in titles and "证据清单（取证时间与校验值）" in titles
