"""The manifest's typed model (version 1) and the resolved case the later stages use. No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from evidencekit.errors import InternalError
from evidencekit.messages import Msg

CASE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")

# ---------------------------------------------------------------- the one rule for time
#
# A time without an offset is read in the case time zone. The manifest is validated twice: once
# to learn the case (and so its time zone), then again with the zone in the validation context
# (manifest.resolve); only the second result reaches a Case, which refuses any naive time.

# Times outside these years are refused: near year 1 or 9999 an offset overflows, and no
# dispute evidence is dated there.
FIRST_YEAR, LAST_YEAR = 1900, 2199


def _time_from_text(value: object) -> object:
    """ISO 8601 text only: pydantic would read bare numbers as Unix seconds (20251004 -> 1970)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str | int | Decimal) and not isinstance(value, bool):
        text = str(value).strip()
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    raise PydanticCustomError("datetime_from_text", "not a valid date/time")


def time_problem(value: datetime) -> str:
    """Why a time read from a file cannot be used ('' when it can): readers report it."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        return f"{value.date().isoformat()} is out of range (years {FIRST_YEAR} to {LAST_YEAR})"
    return ""


def _in_case_zone(value: datetime, info: ValidationInfo) -> datetime:
    zone = info.context.get("timezone") if isinstance(info.context, dict) else None
    if value.tzinfo is None and zone is not None:
        value = value.replace(tzinfo=zone)
    if time_problem(value):
        raise PydanticCustomError(
            "datetime_range", "date/time out of range", {"first": FIRST_YEAR, "last": LAST_YEAR}
        )
    return value


Time = Annotated[datetime, BeforeValidator(_time_from_text), AfterValidator(_in_case_zone)]
"""A manifest time: ISO 8601; made aware in the case time zone when the case is resolved."""


MAX_LINE = 20_000  # characters in a one-line field (titles, names); Markdown: see manifest.py


def _one_line(value: str) -> str:
    if len(value) > MAX_LINE:
        raise PydanticCustomError(
            "text_too_long",
            "{length} characters; at most {limit} are accepted here",
            {"length": len(value), "limit": MAX_LINE},
        )
    return value


Line = Annotated[str, AfterValidator(_one_line)]
"""A one-line text field: titles, names, sources (bounded: layout cost grows with length)."""


def aware_in(value: datetime, zone: tzinfo) -> datetime:
    """The one rule: a time without an offset is read in the case time zone."""
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def require_aware(value: datetime | None, what: str) -> None:
    """Refuse a naive time where only aware ones may exist (past the manifest edge)."""
    if value is None:
        return
    if not isinstance(value, datetime) or value.utcoffset() is None:
        msg = Msg("internal.naive_time", what=what, value=value)
        raise InternalError(msg)
    try:
        value.astimezone(UTC)
    except OverflowError as e:
        msg = Msg("internal.time_range", what=what, value=value)
        raise InternalError(msg) from e


def naive_times(obj: Any, where: str = "") -> list[str]:
    """Paths of every naive datetime inside a model (lists, dicts and nested models)."""
    if isinstance(obj, datetime):
        return [where] if obj.utcoffset() is None else []
    out: list[str] = []
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            out += naive_times(getattr(obj, name), f"{where}.{name}" if where else name)
    elif isinstance(obj, list | tuple):
        for i, x in enumerate(obj):
            out += naive_times(x, f"{where}[{i}]")
    elif isinstance(obj, dict):
        for k, x in obj.items():
            out += naive_times(x, f"{where}.{k}")
    return out


def _require_no_naive(obj: Any, what: str) -> None:
    found = naive_times(obj)
    if found:
        msg = Msg("internal.naive_times", what=what, paths=", ".join(found[:5]))
        raise InternalError(msg)


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        coerce_numbers_to_str=True,
    )


class Party(_Model):
    """A party to the dispute."""

    role: str
    """respondent, claimant, merchant, buyer, platform, ... (free text)."""
    name: Line
    """The party's name or account name."""
    contact: str | None = None
    """Phone, e-mail or address, as it should appear on the cover."""


class Order(_Model):
    """An order the dispute is about."""

    id: str
    """The platform's order number, verbatim (quote long numbers)."""
    placed_at: Time | None = None
    """When the order was placed (ISO 8601; without offset: case.timezone)."""
    paid_at: Time | None = None
    """When the order was paid."""
    amount: Decimal | None = None
    """Order amount, e.g. 299.00."""
    currency: str | None = None
    """ISO 4217 currency code, e.g. CNY, USD."""
    ship_to: str | None = None
    """Shipping address as on the order."""


class Dispute(_Model):
    """What the buyer claims and what the merchant asks for."""

    reason: str | None = None
    """The platform's dispute reason, e.g. 商品与描述不符 or product_not_received."""
    opened_at: Time | None = None
    """When the dispute was opened."""
    respond_by: Time | None = None
    """The platform's deadline for the merchant's answer (the case register lists what is due)."""
    claim: str | None = None
    """The buyer's claim in one or two sentences."""
    requested_outcome: str | None = None
    """What the merchant asks the reviewer to decide."""
    case_number: str | None = None
    """The platform's own dispute or case number."""


class TimelineEvent(_Model):
    """An event that no evidence file carries."""

    at: Time
    """When it happened."""
    event: Line
    """What happened."""
    exhibit: str | None = None
    """Optional exhibit id that proves it (links the timeline entry)."""


class Privacy(_Model):
    """Masking of personal data before rendering."""

    mask: list[Literal["phone", "id_card", "email"]] = []
    """Kinds of personal data to mask in tables and transcripts (with output.ocr, in images
    too)."""
    mask_columns: list[str] = []
    """Table columns whose cells are masked entirely."""
    mask_terms: list[Annotated[str, Field(min_length=2, max_length=200)]] = []
    """Words burned out of screenshots and photos with output.ocr (the buyer's real name, an
    address); matched ignoring case."""


class OrdersFrom(_Model):
    """The orders to prove, listed in a CSV/XLSX file (e.g. the platform's flagged orders)."""

    file: str
    """CSV or XLSX file, relative to the manifest."""
    column: str | None = None
    """The header of the order id column (default: recognised, e.g. 订单编号)."""
    sheet: str | None = None
    """XLSX sheet name (default: the first visible one)."""
    encoding: str | None = None
    """Text encoding of a CSV (e.g. gb18030); default: detected."""

    @field_validator("encoding")
    @classmethod
    def _check_encoding(cls, value: str | None) -> str | None:
        return _known_encoding(value)


class CaseInfo(_Model):
    """The case: who, what, for whom."""

    id: str
    """Case identifier; used in file names, page headers and the Bates prefix."""
    title: Line
    """One-line title shown on the cover."""
    profile: str = "generic"
    """Platform profile name (see `evidencekit profiles`) or a path to a profile YAML file."""
    form: str | None = None
    """The profile's upload form, e.g. appeal (default: the one its dispute flow shows first)."""
    language: Literal["zh-CN", "en"] | None = None
    """Dossier language; overrides the profile's."""
    timezone: str | None = None
    """IANA time zone for times without an offset, e.g. Asia/Shanghai (default: the profile's)."""
    submitted_to: Line | None = None
    """Who receives the dossier (platform, association, court)."""
    prepared_by: Line | None = None
    """Who prepared it; becomes the PDF author."""
    parties: list[Party] = []
    """The parties."""
    orders: list[Order] = []
    """The orders in dispute."""
    orders_from: OrdersFrom | None = None
    """The orders to prove (besides case.orders), read from a CSV/XLSX list."""
    dispute: Dispute | None = None
    """The dispute itself."""
    statement: str | None = None
    """The merchant's account: a Markdown file path (.md/.txt) or inline Markdown."""
    timeline: list[TimelineEvent] = []
    """Events no evidence file carries."""
    privacy: Privacy | None = None
    """Masking of personal data (tables, transcripts)."""

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not CASE_ID_RE.match(value):
            msg = Msg("model.case_id")
            raise ValueError(msg)
        return value

    @field_validator("timezone")
    @classmethod
    def _check_tz(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as e:
            msg = Msg("model.timezone", zone=value)
            raise ValueError(msg) from e
        return value


class Redaction(_Model):
    """Boxes to burn into one image before it is shown."""

    file: str
    """The image (path relative to the manifest)."""
    boxes: list[Annotated[list[int], Field(min_length=4, max_length=4)]]
    """Boxes as [x, y, w, h] in source pixels."""


class TableSpec(_Model):
    """A table taken from a CSV or XLSX export."""

    file: str
    """CSV or XLSX file, relative to the manifest."""
    sheet: str | None = None
    """XLSX sheet name (default: the first visible one)."""
    columns: list[str | dict[str, str]] = []
    """Columns to show, in order; `{name: label}` renames. Default: all."""
    where: dict[str, str | list[str]] = {}
    """Keep only rows whose columns equal these values (a list: any of them)."""
    highlight: dict[str, str | list[str]] = {}
    """Mark rows whose columns equal these values (a list: any of them)."""
    sort: str | None = None
    """Column to sort by (text order; ISO dates sort correctly)."""
    encoding: str | None = None
    """Text encoding of a CSV (e.g. gb18030, big5, shift_jis, cp1252); default: detected."""

    @field_validator("encoding")
    @classmethod
    def _check_encoding(cls, value: str | None) -> str | None:
        return _known_encoding(value)

    @field_validator("where", "highlight")
    @classmethod
    def _check_values(cls, value: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        empty = [name for name, v in value.items() if v == []]
        if empty:
            msg = Msg("model.empty_list", column=empty[0])
            raise ValueError(msg)
        return value


def _known_encoding(value: str | None) -> str | None:
    if value is None:
        return value
    import codecs

    try:
        codecs.lookup(value)
    except LookupError as e:
        msg = Msg("text.unknown_encoding", name=value)
        raise ValueError(msg) from e
    return value


class ShippingEventIn(_Model):
    """One tracking event."""

    at: Time
    """When it happened."""
    location: str = ""
    """Where."""
    status: Line
    """What the carrier recorded."""


class EventsSpec(_Model):
    """Tracking events from a carrier's CSV or XLSX export."""

    file: str
    """CSV or XLSX file, relative to the manifest."""
    columns: dict[Literal["at", "date", "time", "location", "status", "waybill"], str] = {}
    """Which header holds what, e.g. {at: 时间, location: 地点, status: 物流信息};
    default: recognised from common carrier headers."""
    sheet: str | None = None
    """XLSX sheet name (default: the first visible one)."""
    encoding: str | None = None
    """Text encoding of a CSV (e.g. gb18030, big5); default: detected."""

    @field_validator("encoding")
    @classmethod
    def _check_encoding(cls, value: str | None) -> str | None:
        return _known_encoding(value)


class TranscriptSpec(_Model):
    """A chat export with options."""

    file: str
    """CSV, JSON or TXT chat export, relative to the manifest."""
    encoding: str | None = None
    """Text encoding (e.g. gb18030, big5); default: detected."""

    @field_validator("encoding")
    @classmethod
    def _check_encoding(cls, value: str | None) -> str | None:
        return _known_encoding(value)


ProofRole = Literal[
    "buyer",
    "placed",
    "paid",
    "shipped",
    "amount",
    "consignee",
    "address",
    "phone",
    "carrier",
    "waybill",
    "time",
    "date",
    "location",
    "status",
]


class ProofSource(_Model):
    """One source of the per-order proof: an export joined on the order id, or files per order."""

    file: str | None = None
    """One file, relative to the manifest; may hold {order}, {waybill} or {buyer}."""
    files: list[str] = []
    """Files or globs; {order}, {waybill} and {buyer} are filled per order."""
    id: str | None = None
    """The header of the order id column (default: recognised, e.g. 订单编号, 商家订单号)."""
    waybill: str | None = None
    """The header of the waybill column (shipments; default: recognised, e.g. 运单号)."""
    columns: dict[ProofRole, str] = {}
    """Which header holds what, e.g. {buyer: 买家会员名, amount: 实付金额}; default: recognised."""
    sheet: str | None = None
    """XLSX sheet name (default: the first visible one)."""
    encoding: str | None = None
    """Text encoding of a CSV (e.g. gb18030); default: detected."""
    title: Line | None = None
    """The exhibit title (default: one per source kind)."""
    participants: dict[str, Literal["buyer", "seller", "platform", "other"]] = {}
    """Chats: who is who, e.g. {客服小美: seller}; in a shop-wide export, naming the shop's
    accounts makes every other sender a buyer."""

    @field_validator("encoding")
    @classmethod
    def _check_encoding(cls, value: str | None) -> str | None:
        return _known_encoding(value)

    @property
    def entries(self) -> list[tuple[tuple[str | int, ...], str]]:
        """(manifest path under the source, pattern) for file and every files entry."""
        out: list[tuple[tuple[str | int, ...], str]] = []
        if self.file is not None:
            out.append((("file",), self.file))
        out.extend((("files", j), f) for j, f in enumerate(self.files))
        return out


class Proof(_Model):
    """Per-order proof: every source joined on the order id; one section per order."""

    orders: ProofSource | None = None
    """The order export: buyer, placed, amount, consignee, address."""
    payments: ProofSource | None = None
    """The payment statement (e.g. Alipay): paid time and amount."""
    shipments: ProofSource | None = None
    """The waybill list: order id -> waybill (carrier, shipped time)."""
    traces: ProofSource | None = None
    """Carrier traces, e.g. shipping/traces/{waybill}.csv (or one file with every waybill)."""
    chats: ProofSource | None = None
    """Chat transcripts or screenshots per order, e.g. chat/{buyer}.txt."""
    photos: ProofSource | None = None
    """Photos taken before shipping, e.g. photos/{order}/*.jpg."""
    documents: ProofSource | None = None
    """Case-wide documents (e.g. supplier invoices, 进货凭证), shown once."""


class _EvidenceBase(_Model):
    id: str | None = None
    """Exhibit id (default: assigned in order per the profile's style)."""
    title: Line
    """What the reviewer sees as the exhibit title."""
    files: list[str] = []
    """Files or globs relative to the manifest (natural order)."""
    captured_at: Time | None = None
    """When the evidence was captured; default: from image metadata."""
    source: Line | None = None
    """Where it comes from (page, system, carrier)."""
    proves: Line | None = None
    """What this exhibit shows (证明目的)."""
    description: str | None = None
    """Markdown shown under the header band."""
    redact: list[Redaction] = []
    """Boxes burned into images before rendering."""
    table: TableSpec | None = None
    """A table from a CSV/XLSX export."""
    order: str | None = None
    """The order this exhibit belongs to: a case.orders id (default: the case's only order)."""
    orders: list[str] = []
    """The orders this exhibit belongs to, when several: case.orders ids."""
    presented_as: Literal["original", "copy", "printout"] | None = None
    """For a court's evidence list (原件或电子数据打印件): original, copy, or printout of
    electronic data; default: from the kind."""


class ProductEvidence(_EvidenceBase):
    """Product descriptions, listing screenshots, product photos."""

    kind: Literal["product"]
    """Evidence kind."""


class TransactionEvidence(_EvidenceBase):
    """Order and payment records."""

    kind: Literal["transaction"]
    """Evidence kind."""


class ShippingEvidence(_EvidenceBase):
    """Tracking events, waybills, proof of delivery."""

    kind: Literal["shipping"]
    """Evidence kind."""
    carrier: str | None = None
    """Carrier name."""
    tracking_number: str | None = None
    """Tracking number, verbatim."""
    events: str | EventsSpec | list[ShippingEventIn] | None = None
    """Tracking events: a carrier's CSV/XLSX export (headers recognised), the same with
    options ({file, columns, sheet, encoding}), or an inline list of {at, location, status}."""
    delivered_to: str | None = None
    """Delivery location as the carrier recorded it."""


class ChatEvidence(_EvidenceBase):
    """Chat screenshots and chat exports."""

    kind: Literal["chat"]
    """Evidence kind."""
    transcript: str | TranscriptSpec | None = None
    """A chat export (CSV/JSON/TXT: time, sender, message), or {file, encoding}."""
    participants: dict[str, Literal["buyer", "seller", "platform", "other"]] = {}
    """Who is who: sender name -> buyer | seller | platform | other."""

    @property
    def transcript_path(self) -> str | None:
        """The transcript's file as written in the manifest."""
        t = self.transcript
        return t.file if isinstance(t, TranscriptSpec) else t

    @property
    def transcript_encoding(self) -> str | None:
        """The transcript's encoding, when the manifest names one."""
        t = self.transcript
        return t.encoding if isinstance(t, TranscriptSpec) else None


class DocumentEvidence(_EvidenceBase):
    """Policies, invoices, notices and other documents."""

    kind: Literal["document"]
    """Evidence kind."""
    pages: str | None = None
    """Pages of a PDF to include, e.g. 1-3,7."""
    password_env: str | None = None
    """Environment variable holding an encrypted PDF's password."""


class NoteEvidence(_EvidenceBase):
    """A written note (Markdown description), optionally with files."""

    kind: Literal["note"]
    """Evidence kind."""


Evidence = Annotated[
    ProductEvidence
    | TransactionEvidence
    | ShippingEvidence
    | ChatEvidence
    | DocumentEvidence
    | NoteEvidence,
    Field(discriminator="kind"),
]
EVIDENCE_KINDS = ("product", "transaction", "shipping", "chat", "document", "note")


class Timestamp(_Model):
    """RFC 3161 trusted timestamp settings."""

    tsa: str
    """Time-stamping authority URL."""

    @field_validator("tsa")
    @classmethod
    def _check_tsa(cls, value: str) -> str:
        from evidencekit.outputs import tsa_url_problem

        if problem := tsa_url_problem(value):
            raise ValueError(problem)
        return value


class OutputSpec(_Model):
    """Where and how outputs are written."""

    dir: str = "out"
    """Output folder, relative to the manifest."""
    bates_prefix: str | None = None
    """Bates number prefix (default: derived from case.id)."""
    embed_originals: bool = False
    """Embed every unredacted original as a PDF/A-3 associated file."""
    pdfa: bool = False
    """Write PDF/A-3b."""
    timestamp: Timestamp | None = None
    """RFC 3161 token over the evidence JSON."""
    ocr: bool = False
    """Read the text of screenshots and photos (offline): searchable text over each image,
    privacy masks burned into the pixels, order ids cross-checked."""


class Manifest(_Model):
    """An evidencekit manifest, version 1."""

    evidencekit: Literal[1]
    """Manifest format version (1)."""
    case: CaseInfo
    """The case."""
    evidence: list[Evidence] = []
    """The exhibits, in the order they appear (at least one, unless proof: makes them)."""
    proof: Proof | None = None
    """Per-order proof (虚假交易 appeals, multi-order disputes): sources joined on the order id."""
    output: OutputSpec = OutputSpec()
    """Output options."""

    @model_validator(mode="after")
    def _something_to_show(self) -> Manifest:
        if not self.evidence and self.proof is None:
            msg = Msg("model.no_evidence")
            raise ValueError(msg)
        return self


# ---------------------------------------------------------------- resolved case


@dataclass(frozen=True)
class SourceFile:
    """A source file inside the case folder."""

    rel: str  # POSIX path relative to the manifest folder
    path: Path  # absolute, resolved
    location: str  # where the manifest names it, e.g. case.yaml:12:7: evidence[2].files[0]


@dataclass(frozen=True)
class ShippingEvent:
    """A tracking event with an aware time."""

    at: datetime
    location: str
    status: str

    def __post_init__(self) -> None:
        require_aware(self.at, "a shipping event's time")


@dataclass(frozen=True)
class Gap:
    """One thing a per-order check found missing or wrong (see checks.order_gaps)."""

    kind: str  # no_row, no_file, no_waybill, amount, shipped_before_paid, ... (i18n gap_<kind>)
    sources: tuple[str, ...]  # the proof sources involved: orders, payments, traces, ...
    detail: tuple[tuple[str, str], ...] = ()  # values for the message

    def text(self, language: str) -> str:
        from evidencekit.i18n import t

        return t(f"gap_{self.kind}", language, **dict(self.detail))


@dataclass(frozen=True)
class OrderProof:
    """One order's proof, joined from every source (times aware, values as the exports give)."""

    id: str
    section: str  # the section id its exhibits are numbered under: 3 -> 证据3-1, 3-2
    buyer: str = ""
    consignee: str = ""
    address: str = ""
    amount: Decimal | None = None
    paid_amount: Decimal | None = None
    placed_at: datetime | None = None
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    waybill: str = ""
    carrier: str = ""
    picked_up_at: datetime | None = None
    signed_at: datetime | None = None
    signer: str = ""
    delivered_at_place: str = ""  # the location of the signing (or last) scan
    address_match: bool | None = None  # None: nothing to compare
    chats: int = 0  # chat files found
    photos: int = 0  # photos found
    sources: tuple[str, ...] = ()  # the sources with a row or file for this order
    gaps: tuple[Gap, ...] = ()
    exhibits: tuple[tuple[str, str], ...] = ()  # (source, anchor) of its exhibits, in order

    def __post_init__(self) -> None:
        for name in ("placed_at", "paid_at", "shipped_at", "picked_up_at", "signed_at"):
            require_aware(getattr(self, name), f"order {self.id}: {name}")

    @property
    def complete(self) -> bool:
        return not self.gaps


@dataclass(frozen=True)
class Exhibit:
    """One evidence item with its label and resolved files."""

    index: int  # 0-based position in the manifest
    id: str  # e.g. "A" or "1"
    label: str  # e.g. "Exhibit A" or "证据1"
    anchor: str  # HTML id, e.g. "ex-A"
    item: (
        ProductEvidence
        | TransactionEvidence
        | ShippingEvidence
        | ChatEvidence
        | (DocumentEvidence | NoteEvidence)
    )
    files: tuple[SourceFile, ...] = ()
    table_file: SourceFile | None = None
    events_file: SourceFile | None = None
    transcript_file: SourceFile | None = None
    events: tuple[ShippingEvent, ...] = ()
    captured_at: datetime | None = None  # manifest value made aware
    # case.orders ids it belongs to: named by order/orders, else the case's only order
    orders: tuple[str, ...] = ()
    # a chat export shared by many buyers: only the conversation with this buyer is shown
    peer: str = ""
    # PDF files: rel -> (selected 0-based pages, password from password_env or "")
    pdf_pages: dict[str, tuple[tuple[int, ...], str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require_aware(self.captured_at, f"{self.label}: captured_at")
        _require_no_naive(self.item, self.label)

    @property
    def kind(self) -> str:
        return self.item.kind


@dataclass(frozen=True)
class Case:
    """A validated manifest with every path resolved and every time made aware."""

    manifest: Manifest
    manifest_path: Path
    root: Path
    profile: Profile
    language: str
    timezone: str
    exhibits: tuple[Exhibit, ...]
    statement_file: SourceFile | None = None
    statement_text: str | None = None  # inline Markdown or the file's text
    warnings: tuple[str, ...] = ()
    proof: tuple[OrderProof, ...] = ()  # per-order proof, in order (manifest proof:)

    def __post_init__(self) -> None:
        _require_no_naive(self.manifest, "the case")

    @property
    def info(self) -> CaseInfo:
        return self.manifest.case

    @property
    def output_dir(self) -> Path:
        return self.root / self.manifest.output.dir

    @property
    def bates_prefix(self) -> str:
        explicit = self.manifest.output.bates_prefix
        if explicit:
            return explicit
        # TB-20251005-0457 -> TB0457: the platform letters and the running number.
        parts = [p for p in re.split(r"[^A-Za-z0-9]+", self.info.id) if p]
        prefix = parts[0] + parts[-1] if len(parts) > 1 else "".join(parts)
        return prefix.upper()[:12] or "EVK"

    def sources(self) -> list[SourceFile]:
        """Every source file, in dossier order, without duplicates."""
        seen: set[str] = set()
        out: list[SourceFile] = []
        candidates: list[SourceFile] = []
        if self.statement_file:
            candidates.append(self.statement_file)
        for ex in self.exhibits:
            candidates.extend(ex.files)
            for extra in (ex.table_file, ex.events_file, ex.transcript_file):
                if extra:
                    candidates.append(extra)
        for sf in candidates:
            if sf.rel not in seen:
                seen.add(sf.rel)
                out.append(sf)
        return out


class SourceRef(_Model):
    """Where a profile figure comes from, and when it was checked."""

    url: str
    """The page that states the figure."""
    checked: date
    """When the figure was last checked against that page."""
    note: str = ""
    """What the page says, or why the figure was chosen (e.g. a safety margin)."""
    verified: bool = True
    """False when no public page confirmed the figure: use it with care."""


def _safe_name(value: str) -> str:
    # Profile data names output files (`<case>.<field>.pdf`): a plain, short file name only.
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", value) or ".." in value:
        msg = Msg("model.file_name", name=value[:80])
        raise ValueError(msg)
    return value


SafeName = Annotated[str, AfterValidator(_safe_name)]
"""A name that ends up in an output file name (profile name, category and text fields)."""


LetterKind = Literal["appeal", "statement", "answer", "evidence_list", "response"]
"""The cover document: 申诉书 (appeal), 情况说明 (statement), 答辩意见 (answer), 证据目录
(evidence_list, court practice) or a response letter."""


class LetterText(_Model):
    """A profile's cover wording in one language (the recipient's own terms)."""

    title: Line | None = None
    """The document title, when not the kind's own (e.g. a scheme's rebuttal letter)."""
    recipient: Line | None = None
    """Who reviews the dossier (case.submitted_to overrides)."""
    salutation: Line | None = None
    """The letter's opening line, e.g. 'Dear Dispute Analyst,'."""
    reason_label: Line | None = None
    """The label of the reason row, e.g. 案由 or 'Reason code'."""
    reasons: dict[str, Line] = {}
    """Reason class (not_received, not_as_described, fraud) -> the platform's words for it."""
    codes: dict[str, Line] = {}
    """A reason code exactly as the platform gives it (product_not_received, 4855) -> its words."""
    outcomes: dict[str, Line] = {}
    """Reason class or 'default' -> the requested outcome in the recipient's terms."""


class Letter(_Model):
    """The cover document a profile's recipient expects."""

    kind: LetterKind = "response"
    """The document kind."""
    answer_kind: LetterKind | None = None
    """The kind when the case answers a stated claim (dispute.claim), e.g. 12315's 答辩意见."""
    text: dict[Literal["zh-CN", "en"], LetterText] = {}
    """Wording per dossier language; a language without wording gets neutral labels."""


class ProfileLimits(_Model):
    """A platform's upload limits; None means no known limit."""

    file_bytes: int | None = None
    """Largest accepted file, in bytes."""
    total_bytes: int | None = None
    """Largest total of all files of one submission, in bytes."""
    pages_per_file: int | None = None
    """Most pages in one PDF."""
    pages_total: int | None = None
    """Most pages over all files."""
    files: int | None = None
    """Most files in one submission."""
    image_bytes: int | None = None
    """Largest accepted image, in bytes (image-only platforms)."""
    dpi: int | None = None
    """Highest image resolution worth sending (or allowed)."""
    text_chars: dict[SafeName, Annotated[int, Field(ge=1, le=1_000_000)]] = {}
    """Text fields of the form and their character limits, e.g. {summary: 1000}."""
    text_min_chars: dict[SafeName, Annotated[int, Field(ge=0, le=1_000_000)]] = {}
    """Text fields with a minimum length, e.g. {refusal_note: 2}."""
    text_bytes: dict[SafeName, Annotated[int, Field(ge=1, le=1_000_000)]] = {}
    """Text fields limited in bytes (UTF-8), e.g. {message: 400}."""
    text_total_chars: Annotated[int, Field(ge=1)] | None = None
    """Most characters over all text fields together."""


FileFormat = Literal["pdf", "jpeg", "png", "gif", "tiff", "webp", "bmp"]


class ProfileForm(_Model):
    """One upload form of a platform (a step of its dispute flow) with its own limits."""

    title: str
    """What the form is, in the platform's words."""
    formats: list[FileFormat] | None = None
    """File formats this form accepts (default: the profile's)."""
    output: Literal["pdf", "images", "categories"] | None = None
    """What to produce for this form (default: the profile's)."""
    limits: ProfileLimits = ProfileLimits()
    """This form's limits; a limit it does not set is the profile's."""
    sources: dict[str, SourceRef] = {}
    """For each of this form's limits, where it comes from."""


class FileNameRule(_Model):
    """How the files a platform receives must be named (card schemes' systems)."""

    max_chars: Annotated[int, Field(ge=8, le=255)] | None = None
    """Longest file name, extension included."""
    spaces: bool = True
    """Whether a file name may hold spaces."""


class Profile(_Model):
    """A platform profile: data, not code (evidencekit/profiles/*.yaml or a user's file)."""

    name: SafeName
    """Profile name (the file name without .yaml)."""
    title: str
    """Human name of the platform or recipient."""
    paper: Literal["A4", "Letter"] = "A4"
    """Paper size."""
    language: Literal["zh-CN", "en"] = "en"
    """Default dossier language."""
    timezone: str = "UTC"
    """Default time zone for times without an offset."""
    label_style: Literal["letter", "number"] = "letter"
    """Exhibit numbering: letter (Exhibit A) or number (证据1)."""
    external_links: bool = True
    """Whether the platform accepts PDFs with links to outside addresses."""
    pdfa: bool = False
    """Whether the platform requires PDF/A."""
    formats: list[FileFormat] = ["pdf"]
    """File formats the upload form accepts."""
    output: Literal["pdf", "images", "categories"] = "pdf"
    """What to produce: one PDF, page images, or one file per evidence category."""
    categories: dict[SafeName, list[str]] = {}
    """For output 'categories': field name -> evidence kinds that go into it."""
    limits: ProfileLimits = ProfileLimits()
    """Upload limits."""
    forms: dict[SafeName, ProfileForm] = {}
    """The platform's upload forms, the one its dispute flow shows first listed first;
    `--form NAME` chooses one, and its limits replace the profile's."""
    form: SafeName | None = None
    """The form the limits are for (set when the profile is loaded; None: no forms)."""
    api: Literal["stripe", "shopify"] | None = None
    """Write `<id>.<api>.json` as the platform API's evidence object (no network call)."""
    file_names: FileNameRule | None = None
    """Naming rules for every file written for the platform."""
    sources: dict[str, SourceRef] = {}
    """For each limit (by field name, or 'formats'), where it comes from."""
    expected: dict[
        str, list[Literal["product", "transaction", "shipping", "chat", "document", "note"]]
    ] = {}
    """Dispute reason class (not_received, not_as_described, fraud) -> evidence kinds a
    reviewer expects."""
    reasons: dict[str, list[str]] = {}
    """Dispute reason class -> words in dispute.reason that select it."""
    letter: Letter = Letter()
    """The cover document: kind, recipient, salutation, reason wording, requested outcome."""

    @field_validator("timezone")
    @classmethod
    def _check_tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as e:
            msg = Msg("model.timezone_plain")
            raise ValueError(msg) from e
        return value
