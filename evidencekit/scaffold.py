"""`evidencekit init`: a commented case folder for one platform that validates as written."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import jinja2.sandbox

from evidencekit.checks import REASON_LABELS
from evidencekit.errors import UsageError
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
        msg = f"{manifest} already exists; evidencekit init never overwrites a case"
        raise UsageError(msg)
    zh = profile.language == "zh-CN"
    lang = 0 if zh else 1
    words = profile.reasons.get(reason) or []
    reason_text = next(
        (w for w in words if bool(re.search(r"[\u4e00-\u9fff]", w)) == zh),
        REASON_LABELS.get(reason, (reason, reason))[lang],
    )
    kinds = profile.expected.get(reason) or ["product", "transaction", "shipping", "chat"]
    checklist = [KIND_HINTS[k][lang] for k in kinds]
    reasons = ", ".join(
        next(
            (w for w in profile.reasons.get(c, []) if bool(re.search(r"[\u4e00-\u9fff]", w)) == zh),
            REASON_LABELS[c][lang],
        )
        for c in REASON_LABELS
    )
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", folder.resolve().name).strip("-.") or "CASE"
    case_id = stem[:80] if re.match(r"^[A-Za-z0-9]", stem) else f"CASE-{stem}"[:80]
    env = _env()
    ctx = {
        "zh": zh,
        "profile": profile,
        "case_id": case_id,
        "reason": reason_text,
        "reasons": reasons,
        "checklist": checklist,
    }
    written = []
    folder.mkdir(parents=True, exist_ok=True)
    for sub, (zh_text, en_text) in FOLDERS.items():
        (folder / sub).mkdir(exist_ok=True)
        readme = folder / sub / ("说明.txt" if zh else "README.txt")
        if not readme.exists():
            write_atomic(readme, ((zh_text if zh else en_text) + "\n").encode())
            written.append(readme)
    statement = folder / "statement.md"
    if not statement.exists():
        write_atomic(statement, env.get_template("statement.md.j2").render(ctx).encode())
        written.append(statement)
    write_atomic(folder / "evidencekit.schema.json", schema.encode())
    write_atomic(manifest, env.get_template("case.yaml.j2").render(ctx).encode())
    written += [folder / "evidencekit.schema.json", manifest]
    return written
