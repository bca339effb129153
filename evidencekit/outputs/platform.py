"""What a platform's upload form takes: per-field files, text summaries, and the limit check."""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from evidencekit.errors import RenderError
from evidencekit.messages import Msg
from evidencekit.model import Case, Profile
from evidencekit.outputs import dump_json

_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


def check_output_name(name: str) -> str:
    """An output file name built from case and profile data: relative, plain parts only."""
    parts = PurePosixPath(name).parts
    if (
        not parts
        or len(parts) > 3
        or name != "/".join(parts)
        or not all(_PART.fullmatch(p) for p in parts)
    ):
        msg = Msg("output.refuse_name", name=name[:120])
        raise RenderError(msg)
    return name


def output_path(out_dir: Path, name: str) -> Path:
    """Where an output named `name` is written; refuses anything that would land outside
    `out_dir` (a `..` name, or a sub-folder that is a link out of it)."""
    path = out_dir / check_output_name(name)
    if not path.parent.resolve().is_relative_to(out_dir.resolve()):
        msg = Msg("output.refuse_outside", name=name, folder=str(path.parent))
        raise RenderError(msg)
    return path


@dataclass(frozen=True)
class UploadFile:
    """One file the merchant uploads."""

    name: str
    size: int
    pages: int | None  # PDFs only
    format: str  # pdf | jpeg | png
    field: str = ""  # the form field it goes into, when the platform has fields


@dataclass(frozen=True)
class Violation:
    """One limit the upload set breaks."""

    limit: str
    actual: int
    allowed: int
    file: str = ""

    def describe(self, profile: Profile) -> str:
        known = (
            "file_bytes",
            "total_bytes",
            "image_bytes",
            "pages_per_file",
            "pages_total",
            "files",
        )
        what = Msg(f"limit.{self.limit}") if self.limit in known else self.limit
        if self.limit.endswith("bytes"):
            amount = Msg("limit.mb", actual=self.actual / 1e6, allowed=self.allowed / 1e6)
        else:
            amount = Msg("limit.count", actual=self.actual, allowed=self.allowed)
        where = f" ({self.file})" if self.file else ""
        return Msg("limit.violation", profile=profile.name, what=what, amount=amount, where=where)


def check_limits(profile: Profile, files: list[UploadFile]) -> list[Violation]:
    """Every limit of the profile that the upload set breaks."""
    lim = profile.limits
    found: list[Violation] = []
    for f in files:
        if lim.file_bytes and f.size > lim.file_bytes:
            found.append(Violation("file_bytes", f.size, lim.file_bytes, f.name))
        if lim.image_bytes and f.format != "pdf" and f.size > lim.image_bytes:
            found.append(Violation("image_bytes", f.size, lim.image_bytes, f.name))
        if lim.pages_per_file and f.pages and f.pages > lim.pages_per_file:
            found.append(Violation("pages_per_file", f.pages, lim.pages_per_file, f.name))
        if f.format not in profile.formats:
            found.append(Violation("format:" + f.format, 1, 0, f.name))
    total = sum(f.size for f in files)
    if lim.total_bytes and total > lim.total_bytes:
        found.append(Violation("total_bytes", total, lim.total_bytes))
    pages = sum(f.pages or 0 for f in files)
    if lim.pages_total and pages > lim.pages_total:
        found.append(Violation("pages_total", pages, lim.pages_total))
    if lim.files and len(files) > lim.files:
        found.append(Violation("files", len(files), lim.files))
    return found


def trim(text: str, limit: int, language: str) -> str:
    """Cut text to at most `limit` characters at a sentence or line end, marking the cut."""
    if len(text) <= limit:
        return text
    mark = "…（完整内容见附件）" if language == "zh-CN" else "… (full text in the attached PDF)"
    room = max(0, limit - len(mark))
    cut = text[:room]
    for stop in ("\n", "。", ". ", "；", "! ", "？", "? "):
        pos = cut.rfind(stop)
        if pos >= room * 0.6:
            cut = cut[: pos + len(stop)].rstrip()
            break
    return cut + mark


def _plain(markdown: str) -> str:
    """Markdown as plain text (markdown-it loads slowly: imported when a text is made)."""
    from evidencekit.render.markdown import markdown_to_text

    return markdown_to_text(markdown)


def summary_text(case: Case) -> str:
    """The merchant's account as plain text: claim, requested outcome, statement, exhibits."""
    info = case.info
    zh = case.language == "zh-CN"
    parts: list[str] = []
    if info.dispute and info.dispute.requested_outcome:
        parts.append(("请求：" if zh else "Request: ") + info.dispute.requested_outcome)
    if case.statement_text:
        parts.append(_plain(case.statement_text))
    lines = [
        f"{ex.label} {ex.item.title}"
        + (
            f"：{ex.item.proves}"
            if zh and ex.item.proves
            else f": {ex.item.proves}"
            if ex.item.proves
            else ""
        )
        for ex in case.exhibits
    ]
    if lines:
        parts.append(("证据：\n" if zh else "Exhibits:\n") + "\n".join(lines))
    return "\n\n".join(parts)


def trim_bytes(text: str, limit: int, language: str) -> str:
    """Cut text so that its UTF-8 form is at most `limit` bytes (Taobao counts bytes)."""
    if len(text.encode()) <= limit:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # the longest character budget whose trimmed text fits
        mid = (lo + hi + 1) // 2
        if len(trim(text, mid, language).encode()) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return trim(text, lo, language)


# Roles naming the buyer/cardholder in `case.parties` (free text in the manifest).
_CUSTOMER_ROLES = {
    "buyer",
    "customer",
    "cardholder",
    "claimant",
    "consumer",
    "complainant",
    "买家",
    "消费者",
    "投诉人",
    "申请人",
}
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[A-Za-z]{2,}")


def _exhibit_text(case: Case, kinds: set[str]) -> str:
    zh = case.language == "zh-CN"
    parts = []
    for ex in case.exhibits:
        if ex.kind not in kinds:
            continue
        head = ex.item.title + ((("：" if zh else ": ") + ex.item.proves) if ex.item.proves else "")
        body = _plain(ex.item.description) if ex.item.description else ""
        parts.append(f"{head}\n{body}".strip())
    return "\n\n".join(parts)


def manifest_fields(case: Case) -> dict[str, str]:
    """Evidence text fields the manifest itself fills (Stripe's names): the customer from
    `case.parties`, shipping from the first shipping exhibit and the order, the product and
    refund policy from their exhibits. Fields without data are left out."""
    info = case.info
    out: dict[str, str] = {}
    customer = next((p for p in info.parties if p.role.strip().lower() in _CUSTOMER_ROLES), None)
    masked = set(info.privacy.mask) if info.privacy else set()
    if customer:
        out["customer_name"] = customer.name
        email = _EMAIL.search(customer.contact or "")
        if email and "email" not in masked:
            out["customer_email_address"] = email.group(0)
    ship = next((ex for ex in case.exhibits if ex.kind == "shipping"), None)
    if ship is not None:
        item = ship.item
        if getattr(item, "carrier", None):
            out["shipping_carrier"] = str(getattr(item, "carrier", ""))
        if getattr(item, "tracking_number", None):
            out["shipping_tracking_number"] = str(getattr(item, "tracking_number", ""))
        if ship.events:
            first = min(ship.events, key=lambda e: e.at)
            out["shipping_date"] = first.at.date().isoformat()  # its own local date
    address = next((o.ship_to for o in info.orders if o.ship_to), None)
    if address is None and ship is not None:
        address = getattr(ship.item, "delivered_to", None)
    if address:
        out["shipping_address"] = address
    product = _exhibit_text(case, {"product"})
    if product:
        out["product_description"] = product
    policy = _exhibit_text(case, {"document"})
    if policy:
        out["refund_policy_disclosure"] = policy
    return out


def summaries(case: Case, profile: Profile) -> dict[str, str]:
    """Each of the form's text fields, trimmed to its limit: a field the manifest fills
    (customer, shipping, product, policy) from its data, every other one (summary, refusal
    note, uncategorized text) with the merchant's account; minimums padded with the title.
    Fields the manifest cannot fill are left out."""
    lim = profile.limits
    text = summary_text(case)
    known = manifest_fields(case)
    out: dict[str, str] = {}
    for field_name in [*lim.text_chars, *(f for f in lim.text_bytes if f not in lim.text_chars)]:
        if field_name in MANIFEST_FIELDS:
            if field_name not in known:
                continue
            value = known[field_name]
        else:
            value = text
        if field_name in lim.text_chars:
            value = trim(value, lim.text_chars[field_name], case.language)
        if field_name in lim.text_bytes:
            value = trim_bytes(value, lim.text_bytes[field_name], case.language)
        minimum = lim.text_min_chars.get(field_name, 0)
        if len(value) < minimum:
            value = trim(case.info.title, lim.text_chars.get(field_name, 200), case.language)
        out[field_name] = value
    cap = lim.text_total_chars
    while cap and (excess := sum(map(len, out.values())) - cap) > 0:
        longest = max(out, key=lambda f: len(out[f]))  # the account first: the facts are short
        cut = trim(out[longest], max(len(out[longest]) - excess, 1), case.language)
        if len(cut) >= len(out[longest]):
            break  # a cap shorter than the cut mark itself: nothing more to cut
        out[longest] = cut
    return out


MANIFEST_FIELDS = frozenset(
    {
        "customer_name",
        "customer_email_address",
        "shipping_carrier",
        "shipping_tracking_number",
        "shipping_date",
        "shipping_address",
        "billing_address",
        "product_description",
        "refund_policy_disclosure",
    }
)
"""Text fields filled from manifest data, never from the statement."""

# Stripe's Disputes API `evidence` object: its text and file fields (docs.stripe.com/api/
# disputes/update). File fields take the ID of a file uploaded with purpose dispute_evidence.
STRIPE_TEXT_FIELDS = frozenset(
    {
        "access_activity_log",
        "billing_address",
        "cancellation_policy_disclosure",
        "cancellation_rebuttal",
        "customer_email_address",
        "customer_name",
        "customer_purchase_ip",
        "duplicate_charge_explanation",
        "duplicate_charge_id",
        "product_description",
        "refund_policy_disclosure",
        "refund_refusal_explanation",
        "service_date",
        "shipping_address",
        "shipping_carrier",
        "shipping_date",
        "shipping_tracking_number",
        "uncategorized_text",
    }
)
STRIPE_FILE_FIELDS = frozenset(
    {
        "cancellation_policy",
        "customer_communication",
        "customer_signature",
        "duplicate_charge_documentation",
        "receipt",
        "refund_policy",
        "service_documentation",
        "shipping_documentation",
        "uncategorized_file",
    }
)
# Shopify's ShopifyPaymentsDisputeEvidenceUpdateInput, from the same vocabulary: text fields
# are strings, file fields take {id} of an uploaded dispute file.
SHOPIFY_TEXT = {
    "uncategorized_text": "uncategorizedText",
    "refund_policy_disclosure": "refundPolicyDisclosure",
    "customer_email_address": "customerEmailAddress",
    "cancellation_policy_disclosure": "cancellationPolicyDisclosure",
    "cancellation_rebuttal": "cancellationRebuttal",
    "refund_refusal_explanation": "refundRefusalExplanation",
    "access_activity_log": "accessActivityLog",
}
SHOPIFY_FILES = {
    "customer_communication": "customerCommunicationFile",
    "refund_policy": "refundPolicyFile",
    "shipping_documentation": "shippingDocumentationFile",
    "service_documentation": "serviceDocumentationFile",
    "cancellation_policy": "cancellationPolicyFile",
    "uncategorized_file": "uncategorizedFile",
}


def api_evidence(
    profile: Profile, texts: dict[str, str], files: dict[str, str]
) -> dict[str, object] | None:
    """The platform API's evidence object (profile.api), from the text fields and the files
    written (name -> file field). File fields hold the file's name: the merchant uploads it
    and puts the returned ID in its place (docs/submit-via-api.md)."""
    if profile.api == "stripe":
        stripe: dict[str, object] = {k: v for k, v in texts.items() if k in STRIPE_TEXT_FIELDS}
        for name, field_name in files.items():
            if field_name in STRIPE_FILE_FIELDS:
                stripe[field_name] = name
        return dict(sorted(stripe.items()))
    if profile.api == "shopify":
        shopify: dict[str, object] = {
            SHOPIFY_TEXT[k]: v for k, v in texts.items() if k in SHOPIFY_TEXT
        }
        if "customer_name" in texts:
            first, _, last = texts["customer_name"].rpartition(" ")
            shopify["customerFirstName"] = first or last
            if first:
                shopify["customerLastName"] = last
        if "shipping_address" in texts:
            shopify["shippingAddress"] = {"address1": texts["shipping_address"]}
        for name, field_name in files.items():
            if field_name in SHOPIFY_FILES:
                shopify[SHOPIFY_FILES[field_name]] = {"id": name}
        shopify["submitEvidence"] = False  # the merchant reviews, then submits
        return dict(sorted(shopify.items()))
    return None


def form_json(
    case: Case, profile: Profile, mapping: dict[str, object], texts: dict[str, str]
) -> tuple[str, bytes] | None:
    """`<id>.<api>.json`, the API's evidence object, for a profile with an API; else
    `<id>.<profile>.json` mapping the per-field files and text fields (when there are any)."""
    cid = case.info.id
    files = mapping.get("files")
    fields = dict(files) if isinstance(files, dict) else {f"{cid}.pdf": "uncategorized_file"}
    evidence = api_evidence(profile, texts, {upload_name(profile, n): f for n, f in fields.items()})
    if evidence is not None:
        return f"{cid}.{profile.api}.json", dump_json(evidence)
    if not (mapping or texts):
        return None
    data = {**mapping, "text": texts, "profile": profile.name}
    if isinstance(volumes := data.get("volumes"), list):
        data["volumes"] = [upload_name(profile, str(v)) for v in volumes]
    if profile.form:
        data["form"] = profile.form
    return f"{cid}.{profile.name}.json", dump_json(data)


def sheet_notes(profile: Profile, pages: int) -> list[str]:
    """The build's word that an image-count cap combined pages into sheets."""
    lim = profile.limits
    if profile.output != "images" or not lim.files or pages <= lim.files:
        return []
    per = math.ceil(pages / lim.files)
    sheets = math.ceil(pages / per)
    form = f" ({profile.form} form)" if profile.form else ""
    return [
        f"{profile.name}{form} takes at most {lim.files} images: the {pages} pages are "
        f"combined into {sheets} sheets of up to {per} pages each (out/pages/)"
    ]


def upload_name(profile: Profile, name: str) -> str:
    """`name` made to fit the profile's file-name rule (Mastercom: at most 16 characters, no
    spaces): spaces become '-', and a long name keeps its extension and its end (the volume,
    page or field part) and loses the middle of the case id. Sub-folders are kept."""
    rule = profile.file_names
    if rule is None:
        return name
    folder, _, base = name.rpartition("/")
    if not rule.spaces:
        base = re.sub(r"\s+", "-", base)
    if rule.max_chars and len(base) > rule.max_chars:
        stem, dot, ext = base.rpartition(".")
        ext = dot + ext if stem else ""
        stem = stem or base
        room = rule.max_chars - len(ext)
        digest = hashlib.sha256(stem.encode()).hexdigest()[:4]  # keeps cut names apart
        tail = re.search(r"(\.vol\d+|-p\d+(-\d+)?|\.[A-Za-z_]+)$", stem)
        end = tail.group(0) if tail and len(tail.group(0)) <= room - 6 else ""
        head = stem[: room - len(end) - 5].rstrip("._-")
        base = f"{head}-{digest}{end}{ext}"
    return f"{folder}/{base}" if folder else base


def categories_for(profile: Profile, record: dict[str, object]) -> dict[str, list[int]]:
    """Pages of the dossier for each of the platform's file fields.

    Exhibits go to the field that takes their kind; the cover letter, index, timeline and
    integrity appendix (and exhibits of kinds no field takes) go to the last field listed,
    the platform's catch-all.
    """
    fields = list(profile.categories)
    if not fields:
        return {}
    catch_all = fields[-1]
    pages_total = int(record["outputs"][0]["pages"])  # type: ignore[index]
    taken: dict[str, list[int]] = {f: [] for f in fields}
    used: set[int] = set()
    for ex in record["exhibits"]:  # type: ignore[attr-defined]
        field_name = next((f for f in fields if ex["kind"] in profile.categories[f]), catch_all)
        start, end = ex["pages"]
        pages = list(range(start, end + 1))
        taken[field_name].extend(pages)
        used.update(pages)
    front = [p for p in range(1, pages_total + 1) if p not in used]
    taken[catch_all] = sorted(set(taken[catch_all]) | set(front))
    return {f: sorted(set(p)) for f, p in taken.items() if p}


def suggestions(profile: Profile) -> str:
    """What a merchant can do when the case cannot fit."""
    return Msg("limit.suggestions", profile=profile.name)
