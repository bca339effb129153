"""The manifest's `proof:` block resolved: orders joined on their id, paths filled per order,
checks run, and each order's evidence expanded into ordinary exhibits (证据3-1, 3-2, …).

Part of the manifest stage (called by manifest.resolve): later stages see only exhibits, the
resolved OrderProof records and the case's orders, so every renderer works for them unchanged.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from wcmatch import glob as wcglob

from evidencekit.assets.exports import normalize_id, parse_ahead, read_events
from evidencekit.assets.proof import (
    SourceTable,
    city_of,
    open_source,
    parse_amount,
    parse_when,
    read_order_ids,
    trace_facts,
)
from evidencekit.assets.transcripts import (
    Message,
    conversation,
    read_transcript,
    transcript_warnings,
)
from evidencekit.checks import order_gaps
from evidencekit.errors import EvidenceError
from evidencekit.i18n import t
from evidencekit.messages import Label, Msg, reason
from evidencekit.model import (
    ChatEvidence,
    DocumentEvidence,
    Exhibit,
    Manifest,
    Order,
    OrderProof,
    ProductEvidence,
    ProofSource,
    ShippingEvent,
    ShippingEvidence,
    SourceFile,
    TableSpec,
    TransactionEvidence,
)

TABLES = ("orders", "payments", "shipments")
PER_ORDER = ("traces", "chats", "photos")
PLACEHOLDERS = ("order", "waybill", "buyer")
_FIELD = re.compile(r"\{([^{}]*)\}")
_UNSAFE = re.compile(r"[/\\:\x00-\x1f\x7f]")
ROLES = {
    "orders": ("buyer", "placed", "paid", "amount", "consignee", "address", "waybill", "carrier"),
    "payments": ("paid", "placed", "amount", "buyer"),
    "shipments": ("waybill", "carrier", "shipped", "consignee", "address"),
}
EVENT_ROLES = ("at", "date", "time", "location", "status", "waybill")
MAX_ORDERS = 2000  # orders proven in one dossier; more is several dossiers' work


def safe_value(value: str) -> str:
    """A placeholder value as one plain path component: never a separator, never '..'."""
    v = _UNSAFE.sub("_", value).strip()
    v = re.sub(r"^\.+", lambda m: "_" * len(m[0]), v)  # no '..', no hidden files
    return wcglob.escape(v) if v else ""


@dataclasses.dataclass
class Expanded:
    """What the proof block adds to the case."""

    exhibits: list[Exhibit]
    proof: list[OrderProof]
    orders: list[Order]  # orders to add to case.orders (facts from the joined rows)


@dataclasses.dataclass
class _Facts:
    """One order's values as the joined rows give them (before the files are found)."""

    sources: list[str] = dataclasses.field(default_factory=list)
    buyer: str = ""
    consignee: str = ""
    address: str = ""
    waybill: str = ""
    carrier: str = ""
    amount: Decimal | None = None
    paid_amount: Decimal | None = None
    placed_at: datetime | None = None
    paid_at: datetime | None = None
    shipped_at: datetime | None = None


def _fields(pattern: str) -> list[str]:
    return _FIELD.findall(pattern)


def resolve_proof(
    res: Any,
    manifest: Manifest,
    tz: tzinfo,
    language: str,
    section_ids: list[str],
    first_index: int,
    taken: set[str],
) -> Expanded:
    """Join the proof's sources per order and make its exhibits; problems go to `res`.

    `section_ids`: ids after the manifest's own exhibits (documents first, then one per order).
    """
    from evidencekit.manifest import (
        IMAGE_SUFFIXES,
        PDF_SUFFIXES,
        TABLE_SUFFIXES,
        TRANSCRIPT_SUFFIXES,
        _check_pdfs,
        _notes,
        label_for,
    )

    info = manifest.case
    ids = _order_ids(res, manifest, TABLE_SUFFIXES)
    known = {o.id for o in info.orders}
    proof = manifest.proof
    if proof is None:
        return Expanded([], [], [Order(id=i) for i in ids if i not in known])

    # Placeholders: only the three known names. A source named wrong is an error here, not
    # also a file missing for every order (`configured` below).
    broken: set[str] = set()
    for name in (*TABLES, *PER_ORDER, "documents"):
        src = getattr(proof, name)
        if src is None:
            continue
        if src.file is None and not src.files:
            res.problem(("proof", name), Msg("proof.no_file", name=name), Msg("proof.no_file_hint"))
            broken.add(name)
        for sub, pattern in src.entries:
            for field in _fields(pattern):
                if field not in PLACEHOLDERS or name in TABLES or name == "documents":
                    broken.add(name)
                    none = name in TABLES or name == "documents"
                    res.problem(
                        ("proof", name, *sub),
                        Msg("proof.placeholder", field="{" + field + "}", pattern=pattern),
                        Msg("proof.placeholders_none" if none else "proof.placeholders"),
                    )

    # The exports first, then read: the large ones in processes of their own meanwhile.
    named: list[tuple[str, ProofSource, tuple[object, ...], SourceFile]] = []
    for name in TABLES:
        src = getattr(proof, name)
        if src is None or not src.entries:
            continue
        sub, raw = src.entries[0]
        if len(src.entries) > 1:
            res.problem(("proof", name, "files"), Msg("proof.one_export", name=name))
        at = ("proof", name, *sub)
        if _fields(raw):
            continue
        sf = res.one(at, raw, TABLE_SUFFIXES)
        if sf is not None:
            named.append((name, src, at, sf))
    parse_ahead((sf.path, src.sheet, src.encoding) for _, src, _, sf in named)
    tables: dict[str, tuple[SourceFile, SourceTable, ProofSource]] = {}
    for name, src, at, sf in named:
        columns = {str(k): v for k, v in src.columns.items()}
        if name == "shipments" and src.waybill:
            columns["waybill"] = src.waybill
        try:
            table = open_source(
                sf.path,
                sheet=src.sheet,
                encoding=src.encoding,
                id_header=src.id,
                columns=columns,
                roles=ROLES[name],
            )
        except (ValueError, OSError) as e:
            res.problem(at, Msg("frame.at", where=sf.rel, text=reason(e)))
            continue
        for note in table.export.warnings:
            res.problem(at, Msg("frame.at", where=sf.rel, text=note), warning=True)
        tables[name] = (sf, table, src)

    # The sources each order is checked against: an export that could not be read, or a
    # pattern named wrong, is an error already, not a row or a file missing for every order.
    configured = {
        name: (src.file or ", ".join(src.files))
        for name in (*TABLES, *PER_ORDER)
        if (src := getattr(proof, name)) is not None
        and (name in tables or name in PER_ORDER)
        and name not in broken
    }
    # A table that could not be read leaves values ({buyer}, {waybill}) unknown: the per-order
    # files a pattern names with them are not missing for each order, they follow from it.
    unread = any(getattr(proof, name) is not None and name not in tables for name in TABLES)
    orders = {o.id: o for o in info.orders}
    all_ids = [o.id for o in info.orders] + [i for i in ids if i not in known]
    if len(all_ids) > MAX_ORDERS:
        res.problem(
            ("case", "orders_from"),
            Msg("proof.too_many", n=len(all_ids), max=MAX_ORDERS),
            Msg("proof.too_many_hint"),
        )
        all_ids = all_ids[:MAX_ORDERS]
    if not all_ids:
        res.problem(
            ("proof",),
            Msg("proof.no_orders"),
            Msg("proof.no_orders_hint"),
        )

    # First pass: each order's facts from the tables.
    facts: dict[str, _Facts] = {}
    for oid in all_ids:
        f = _Facts()
        for name, (_sf, table, _src) in tables.items():
            if table.rows_of(oid):
                f.sources.append(name)
        o_t = tables.get("orders")
        p_t = tables.get("payments")
        s_t = tables.get("shipments")

        def val(entry: tuple[SourceFile, SourceTable, ProofSource] | None, role: str) -> str:
            return entry[1].value(oid, role) if entry else ""  # noqa: B023

        f.buyer = val(o_t, "buyer") or val(p_t, "buyer")
        f.consignee = val(o_t, "consignee") or val(s_t, "consignee")
        f.address = val(o_t, "address") or val(s_t, "address")
        f.amount = parse_amount(val(o_t, "amount"))
        f.paid_amount = parse_amount(val(p_t, "amount"))
        f.placed_at = parse_when(val(o_t, "placed"), tz)
        f.paid_at = parse_when(val(p_t, "paid") or val(o_t, "paid"), tz)
        f.shipped_at = parse_when(val(s_t, "shipped"), tz)
        f.waybill = val(s_t, "waybill") or val(o_t, "waybill")
        f.carrier = val(s_t, "carrier") or val(o_t, "carrier")
        manual = orders.get(oid)
        if manual is not None:
            f.placed_at = manual.placed_at or f.placed_at
            f.paid_at = manual.paid_at or f.paid_at
            f.amount = manual.amount if manual.amount is not None else f.amount
            f.address = manual.ship_to or f.address
        facts[oid] = f
    by_waybill: dict[str, list[str]] = {}
    for oid, f in facts.items():
        if f.waybill:
            by_waybill.setdefault(normalize_id(f.waybill), []).append(oid)

    exhibits: list[Exhibit] = []
    index = first_index

    def add(ex_id: str, item: Any, **kw: Any) -> Exhibit:
        nonlocal index
        if ex_id in taken:
            res.problem(
                ("proof",),
                Msg("proof.id_taken", id=ex_id),
                Msg("proof.id_taken_hint"),
            )
        taken.add(ex_id)
        ex = Exhibit(
            index=index,
            id=ex_id,
            label=label_for(ex_id, language),
            anchor=f"ex-{ex_id}",
            item=item,
            **kw,
        )
        index += 1
        exhibits.append(ex)
        return ex

    sections = iter(section_ids)
    docs = proof.documents
    if docs is not None:
        dfiles: list[SourceFile] = []
        for sub, raw in docs.entries:
            for sf in res.files(("proof", "documents", *sub), raw, IMAGE_SUFFIXES | PDF_SUFFIXES):
                if sf.rel not in {d.rel for d in dfiles}:
                    dfiles.append(sf)
        doc = DocumentEvidence(
            kind="document",
            title=docs.title or t("proof_title_documents", language),
            files=[d.rel for d in dfiles],
        )
        pdf_pages = _check_pdfs(res, ("proof", "documents"), doc, dfiles)
        if dfiles:
            add(next(sections), doc, files=tuple(dfiles), pdf_pages=pdf_pages)

    # Every buyer the order export knows: in a shop-wide chat export they are customers,
    # never the shop.
    customers: set[str] = set()
    if "orders" in tables:
        o_table = tables["orders"][1]
        col = o_table.roles.get("buyer")
        if col is not None:
            customers = {r[col].strip() for r in o_table.export.rows if r[col].strip()}
    chat_participants: dict[str, Role] = dict(proof.chats.participants) if proof.chats else {}
    shared_chats: set[str] = set()  # chat exports named without {order} or {buyer}
    read_chats: dict[str, list[Message]] = {}

    def read_chat(sf: SourceFile) -> list[Message]:
        """A chat export's messages (read once however many orders share it); [] when it
        cannot be read (reported where the build reads it)."""
        if sf.rel not in read_chats:
            encoding = proof.chats.encoding if proof.chats else None
            try:
                read_chats[sf.rel] = read_transcript(sf, ZoneInfo("UTC"), {}, encoding=encoding)
            except EvidenceError:
                read_chats[sf.rel] = []
        return read_chats[sf.rel]

    result: list[OrderProof] = []
    new_orders: list[Order] = []
    for oid in all_ids:
        f = facts[oid]
        sec = next(sections)
        values = {"order": oid, "waybill": f.waybill, "buyer": f.buyer}
        own: list[tuple[str, str]] = []  # (source, anchor)
        n = 0

        def next_id() -> str:
            nonlocal n
            n += 1
            return f"{sec}-{n}"  # noqa: B023

        for name in TABLES:
            if name not in tables or name not in f.sources:
                continue
            sf, table, src = tables[name]
            cells = list(dict.fromkeys(r[table.id_col] for r in table.rows_of(oid)))
            tx = TransactionEvidence(
                kind="transaction",
                title=src.title or t(f"proof_title_{name}", language),
                source=sf.rel,
                table=TableSpec(
                    file=sf.rel,
                    sheet=src.sheet,
                    encoding=src.encoding,
                    columns=list[str | dict[str, str]](_shown_columns(table)),
                    where={table.id_header: cells},
                ),
                order=oid,
            )
            ex = add(next_id(), tx, table_file=sf, orders=(oid,))
            own.append((name, ex.anchor))

        # Per-order files: traces, chats, photos.
        found: dict[str, list[SourceFile]] = {}
        unknown: set[str] = set()  # named with a value an unreadable table would have given
        for name in PER_ORDER:
            src = getattr(proof, name)
            if src is None:
                continue
            if unread and any(not values.get(v) for _, raw in src.entries for v in _fields(raw)):
                unknown.add(name)
            suffixes = {
                "traces": TABLE_SUFFIXES,
                "chats": TRANSCRIPT_SUFFIXES | IMAGE_SUFFIXES,
                "photos": IMAGE_SUFFIXES | PDF_SUFFIXES,
            }[name]
            got: list[SourceFile] = []
            for sub, raw in src.entries:
                these = _per_order_files(res, ("proof", name, *sub), raw, values, suffixes)
                if name == "chats" and not {"order", "buyer"} & set(_fields(raw)):
                    shared_chats.update(sf.rel for sf in these)  # one export for every buyer
                got += these
            found[name] = list({sf.rel: sf for sf in got}.values())
        # A shared chat export counts for the order only when its buyer talks in it.
        chat_roles: dict[str, dict[str, Role]] = {}
        kept_chats: list[SourceFile] = []
        for sf in found.get("chats", []):
            if sf.path.suffix.lower() not in TRANSCRIPT_SUFFIXES:
                kept_chats.append(sf)
                continue
            chat_roles[sf.rel], talks = _chat_roles(
                read_chat(sf), f.buyer, customers, chat_participants, sf.rel in shared_chats
            )
            if talks:
                kept_chats.append(sf)
        if "chats" in found:
            found["chats"] = kept_chats

        events: list[ShippingEvent] = []
        trace_file: SourceFile | None = None
        if f.waybill and proof.traces is not None:
            src = proof.traces
            for sf in found.get("traces", []):
                try:
                    got_events, _ = read_events(
                        sf.path,
                        tz,
                        columns={k: v for k, v in src.columns.items() if k in EVENT_ROLES},
                        sheet=src.sheet,
                        encoding=src.encoding,
                        tracking_number=f.waybill,
                    )
                except ValueError as e:
                    if "no rows for tracking number" not in str(e):
                        res.problem(_path_of(sf), Msg("frame.at", where=sf.rel, text=reason(e)))
                    continue
                except OSError as e:
                    res.problem(
                        _path_of(sf), Msg("path.file_unreadable", file=sf.rel, why=e.strerror)
                    )
                    continue
                events += got_events
                trace_file = trace_file or sf
        tf = trace_facts(events)
        if events:
            f.sources.append("traces")
        address_match = None
        if tf.place and f.address:
            there, here = city_of(tf.place), city_of(f.address)
            if there and here:
                address_match = there == here
        chats = found.get("chats", [])
        photos = found.get("photos", [])
        if chats:
            f.sources.append("chats")
        if photos:
            f.sources.append("photos")
        if events and trace_file is not None:
            ship = ShippingEvidence(
                kind="shipping",
                title=t("proof_title_traces", language),
                source=trace_file.rel,
                carrier=f.carrier or None,
                tracking_number=f.waybill,
                events=trace_file.rel,
                delivered_to=tf.place or None,
                order=oid,
            )
            ex = add(next_id(), ship, events_file=trace_file, events=tuple(events), orders=(oid,))
            own.append(("traces", ex.anchor))
        transcripts = [c for c in chats if c.path.suffix.lower() in TRANSCRIPT_SUFFIXES]
        shots = [c for c in chats if c not in transcripts]
        # One exhibit per transcript; screenshots go with the first (or stand alone).
        chat_sets: list[tuple[SourceFile | None, list[SourceFile]]] = [
            (sf, shots if k == 0 else []) for k, sf in enumerate(transcripts)
        ]
        if not transcripts and shots:
            chat_sets = [(None, shots)]
        for sf, chat_files in chat_sets:
            chat = ChatEvidence(
                kind="chat",
                title=t("proof_title_chats", language),
                files=[c.rel for c in chat_files],
                transcript=sf.rel if sf else None,
                participants=chat_roles[sf.rel] if sf else {},
                order=oid,
            )
            if sf is not None:
                _notes(
                    res,
                    _path_of(sf),
                    transcript_warnings,
                    sf,
                    proof.chats.encoding if proof.chats else None,
                )
            ex = add(
                next_id(),
                chat,
                files=tuple(chat_files),
                transcript_file=sf,
                orders=(oid,),
                peer=f.buyer if sf is not None and sf.rel in shared_chats else "",
            )
            own.append(("chats", ex.anchor))
        if photos:
            product = ProductEvidence(
                kind="product",
                title=t("proof_title_photos", language),
                files=[p.rel for p in photos],
                order=oid,
            )
            pdf_pages = _check_pdfs(res, ("proof", "photos"), product, photos)
            ex = add(next_id(), product, files=tuple(photos), pdf_pages=pdf_pages, orders=(oid,))
            own.append(("photos", ex.anchor))

        op = OrderProof(
            id=oid,
            section=sec,
            buyer=f.buyer,
            consignee=f.consignee,
            address=f.address,
            amount=f.amount,
            paid_amount=f.paid_amount,
            placed_at=f.placed_at,
            paid_at=f.paid_at,
            shipped_at=f.shipped_at,
            waybill=f.waybill,
            carrier=f.carrier,
            picked_up_at=tf.picked_up_at,
            signed_at=tf.signed_at,
            signer=tf.signer,
            delivered_at_place=tf.place,
            address_match=address_match,
            chats=len(chats),
            photos=len(photos),
            sources=tuple(f.sources),
            exhibits=tuple(own),
        )
        shared = [o for o in by_waybill.get(normalize_id(f.waybill), []) if o != oid]
        checked = {k: v for k, v in configured.items() if k not in unknown}
        gaps = order_gaps(op, checked, shared, traced=bool(events))
        op = dataclasses.replace(op, gaps=gaps)
        for gap in gaps:
            where = ", ".join(f"proof.{s}" for s in gap.sources)
            res.problem(
                ("proof", gap.sources[0]),
                Msg(
                    "proof.gap",
                    order=oid,
                    gap=Label(f"gap_{gap.kind}", **dict(gap.detail)),
                    where=where,
                ),
                warning=True,
            )
        result.append(op)
        if oid not in known:
            new_orders.append(
                Order(
                    id=oid,
                    placed_at=f.placed_at,
                    paid_at=f.paid_at,
                    amount=f.amount,
                    ship_to=f.address or None,
                )
            )
    return Expanded(exhibits, result, new_orders)


# Besides the id and the recognised roles, a reviewer wants the record's number and status.
_KEEP = re.compile(r"状态|交易号|流水号|status|transaction", re.IGNORECASE)


def _shown_columns(table: SourceTable) -> list[str]:
    """An order's rows show the columns the proof reads, not every column of the export
    (phone numbers, remarks): a short, fixed-width table per order."""
    keep = {table.id_col, *table.roles.values()}
    header = table.export.header
    shown = [h for i, h in enumerate(header) if h and (i in keep or _KEEP.search(h))]
    return list(dict.fromkeys(shown))


Role = Literal["buyer", "seller", "platform", "other"]
_SYSTEM = re.compile(r"系统|平台|官方|小二|system|platform|notice", re.IGNORECASE)


def _chat_roles(
    messages: list[Message],
    buyer: str,
    customers: set[str],
    participants: dict[str, Role],
    shared: bool,
) -> tuple[dict[str, Role], bool]:
    """Who is who in an order's chat, and whether its buyer talks in it. A sender is the
    role `participants` gives, else a buyer when the order export knows them as one (or
    when `participants` names the shop's accounts), else the platform for system notices,
    else the shop (a role column in the transcript still wins). In a `shared` export only
    the senders of the order's conversation are named."""
    roles: dict[str, Role] = {buyer: "buyer"} if buyer else {}
    roles.update(participants)
    shop_named = "seller" in participants.values()
    for m in messages:
        if m.sender and m.sender not in roles:
            if m.sender in customers or shop_named:
                roles[m.sender] = "buyer"
            else:
                roles[m.sender] = "platform" if _SYSTEM.search(m.sender) else "seller"
    if not shared:
        return roles, True
    if not buyer:
        return {}, False
    typed = [
        dataclasses.replace(m, role=m.role if m.role != "other" else roles.get(m.sender, "other"))
        for m in messages
    ]
    talk = conversation(typed, buyer)
    senders = {m.sender for m in talk}
    return {k: v for k, v in roles.items() if k in senders}, any(m.sender == buyer for m in talk)


def _path_of(sf: SourceFile) -> tuple[str | int, ...]:
    """The manifest path a resolved file was named at ('… proof.traces.files[0]')."""
    from evidencekit.manifest import _location_path

    return _location_path(sf.location)


def _order_ids(res: Any, manifest: Manifest, suffixes: set[str]) -> list[str]:
    spec = manifest.case.orders_from
    if spec is None:
        return []
    sf = res.one(("case", "orders_from", "file"), spec.file, suffixes)
    if sf is None:
        return []
    try:
        return read_order_ids(sf.path, spec.column, spec.sheet, spec.encoding)
    except (ValueError, OSError) as e:
        at = ("case", "orders_from", "column" if spec.column else "file")
        res.problem(at, Msg("frame.at", where=sf.rel, text=reason(e)))
        return []


def _per_order_files(
    res: Any, at: tuple[str | int, ...], raw: str, values: dict[str, str], suffixes: set[str]
) -> list[SourceFile]:
    """The files a pattern names for one order; a missing value or file is a gap, not an error."""
    filled = raw
    for name in _fields(raw):
        value = safe_value(values.get(name, ""))
        if not value:
            return []
        filled = filled.replace(f"{{{name}}}", value)
    quiet = dataclasses.replace(res, problems=[], warnings=[])
    found: list[SourceFile] = quiet.files(at, filled, suffixes)
    for p in quiet.problems:
        if not p.message.startswith(("no file matches", "file not found")):
            res.problems.append(p)
    res.warnings.extend(quiet.warnings)
    return found
