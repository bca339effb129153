"""`evidencekit init`: a commented case folder for one platform that validates as written."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import jinja2.sandbox

from evidencekit.checks import REASON_LABELS
from evidencekit.errors import UsageError
from evidencekit.messages import Msg
from evidencekit.model import Profile
from evidencekit.outputs import write_atomic
from evidencekit.render import packaged_templates

FOLDERS = {
    "product": ("商品详情页截图、商品实拍照片", "listing screenshots, product photos"),
    "orders": ("订单导出表（CSV/XLSX）、付款凭证", "order exports (CSV/XLSX), receipts"),
    "shipping": (
        "物流轨迹（CSV：at,location,status）、面单、签收照片",
        "tracking (CSV: at,location,status), waybills, delivery photos",
    ),
    "chat": ("聊天截图、聊天记录导出", "chat screenshots, chat exports"),
    "docs": ("店铺政策、发票、其他文件", "policies, invoices, other documents"),
}

# `init --reason fake_orders`: an appeal against the platform's fake-order (虚假交易) judgement,
# laid out for the manifest's proof: block (one sub-folder per proof source).
FAKE_ORDERS = "fake_orders"
REASONS = (*REASON_LABELS, FAKE_ORDERS)
PROOF_FOLDERS = {
    "orders": (
        "订单导出（千牛 → 已卖出的宝贝 → 导出，CSV/XLSX，含被判定的订单）",
        "the order export (CSV/XLSX) holding the flagged orders",
    ),
    "payments": (
        "支付宝交易记录明细（CSV，原样导出即可，表头前后的 # 行不用删）",
        "the payment statement (CSV as exported; account lines above the header may stay)",
    ),
    "shipping": (
        "发货记录 waybills.csv：订单编号、运单号（每单一行）",
        "waybills.csv: order id and waybill number, one row per order",
    ),
    "shipping/traces": (
        "每个运单一份物流轨迹导出，文件名为运单号：SF1234567890123.csv（运单号,时间,地点,物流信息）",
        "one carrier trace export per waybill, named after it: 1Z999AA10123456784.csv",
    ),
    "chat": (
        "与买家的聊天记录：<买家会员名>.txt（千牛导出），或截图放在 <订单号>/ 子文件夹",
        "messages with each buyer: <buyer>.txt (an export), or screenshots in <order id>/",
    ),
    "photos": (
        "发货前实拍，每单一个子文件夹：<订单号>/*.jpg（保留照片原始 EXIF 时间）",
        "photos taken before shipping, one sub-folder per order: <order id>/*.jpg (keep EXIF)",
    ),
    "docs": (
        "进货凭证：供应商发票、采购合同（PDF 或图片），全案共用",
        "supplier invoices and purchase records (PDF or images), shown once",
    ),
}
PROOF_HINTS = (
    (
        "平台的违规订单列表 → flagged.csv（启用 case.orders_from）",
        "the platform's list of flagged orders → flagged.csv (case.orders_from)",
    ),
    ("订单导出 → orders/（启用 proof.orders）", "the order export → orders/ (proof.orders)"),
    (
        "支付宝交易记录 → payments/（启用 proof.payments）",
        "the payment statement → payments/ (proof.payments)",
    ),
    (
        "发货记录与物流轨迹 → shipping/、shipping/traces/",
        "waybills and carrier traces → shipping/, shipping/traces/",
    ),
    ("与买家的聊天记录 → chat/", "messages with the buyers → chat/"),
    ("发货前实拍 → photos/<订单号>/", "photos before shipping → photos/<order id>/"),
    ("进货凭证 → docs/（启用 proof.documents）", "supplier invoices → docs/ (proof.documents)"),
)
# Header names the proof block is written with (the platform's exports, in its language).
PROOF_IDS = {
    True: {"order": "订单编号", "payment": "商家订单号", "waybill": "运单号"},
    False: {"order": "Order ID", "payment": "Order ID", "waybill": "Tracking Number"},
}
PROOF_FILES = {
    True: {"orders": "ExportOrderList.csv", "payments": "alipay_record.csv"},
    False: {"orders": "orders.csv", "payments": "payments.csv"},
}

KIND_HINTS = {
    "product": ("商品详情页截图（发货时版本）→ product/", "the listing as sold → product/"),
    "transaction": ("订单导出记录 → orders/", "the order record → orders/"),
    "shipping": ("物流轨迹与签收记录 → shipping/", "tracking and proof of delivery → shipping/"),
    "chat": ("与买家的聊天记录 → chat/", "messages with the customer → chat/"),
    "document": ("店铺政策等文件 → docs/", "policies and other documents → docs/"),
    "note": ("补充说明", "notes"),
}


def _env() -> jinja2.Environment:
    # YAML and Markdown, not HTML: no autoescape; every value comes from our own profile data.
    return jinja2.sandbox.ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(packaged_templates() / "init")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def scaffold_case(folder: Path, profile: Profile, reason: str, schema: str) -> list[Path]:
    """Write case.yaml, statement.md, the sub-folders and the JSON Schema; never overwrite."""
    manifest = folder / "case.yaml"
    if manifest.exists():
        msg = Msg("init.exists", manifest=str(manifest))
        raise UsageError(msg)
    zh = profile.language == "zh-CN"
    lang = 0 if zh else 1
    fake = reason == FAKE_ORDERS
    if fake:
        reason = "fraud"  # the profile's words for it: 虚假交易 on Taobao
    words = profile.reasons.get(reason) or []
    reason_text = next(
        (w for w in words if bool(re.search(r"[\u4e00-\u9fff]", w)) == zh),
        REASON_LABELS.get(reason, (reason, reason))[lang],
    )
    kinds = profile.expected.get(reason) or ["product", "transaction", "shipping", "chat"]
    checklist = [KIND_HINTS[k][lang] for k in kinds]
    if fake:
        checklist = [h[lang] for h in PROOF_HINTS]
    reasons = ", ".join(
        next(
            (w for w in profile.reasons.get(c, []) if bool(re.search(r"[\u4e00-\u9fff]", w)) == zh),
            REASON_LABELS[c][lang],
        )
        for c in REASON_LABELS
    )
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", folder.resolve().name).strip("-.") or "CASE"
    case_id = stem[:80] if re.match(r"^[A-Za-z0-9]", stem) else f"CASE-{stem}"[:80]
    # The form the case is for: the appeal form for a fake-order appeal, where there is one.
    form = "appeal" if fake and "appeal" in profile.forms else profile.form
    env = _env()
    ctx = {
        "form": form,
        "zh": zh,
        "profile": profile,
        "case_id": case_id,
        "reason": reason_text,
        "reasons": reasons,
        "checklist": checklist,
        "ids": PROOF_IDS[zh],
        "files": PROOF_FILES[zh],
    }
    suffix = "_fake_orders" if fake else ""
    written = []
    folder.mkdir(parents=True, exist_ok=True)
    for sub, (zh_text, en_text) in (PROOF_FOLDERS if fake else FOLDERS).items():
        (folder / sub).mkdir(parents=True, exist_ok=True)
        readme = folder / sub / ("说明.txt" if zh else "README.txt")
        if not readme.exists():
            write_atomic(readme, ((zh_text if zh else en_text) + "\n").encode())
            written.append(readme)
    statement = folder / "statement.md"
    if not statement.exists():
        write_atomic(statement, env.get_template(f"statement{suffix}.md.j2").render(ctx).encode())
        written.append(statement)
    write_atomic(folder / "evidencekit.schema.json", schema.encode())
    write_atomic(manifest, env.get_template(f"case{suffix}.yaml.j2").render(ctx).encode())
    written += [folder / "evidencekit.schema.json", manifest]
    return written
