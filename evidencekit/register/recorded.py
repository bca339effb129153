"""Recording a build in the register, and what that needs without SQLAlchemy: where the register
is, what it keeps of a case, and whether it already holds exactly this build.

A rebuild with nothing changed would write nothing new (the case's facts and the last build row
are those already there; only the case's `updated_at` would move), so when an SQLite register
already holds it, it is not opened through SQLAlchemy at all: importing SQLAlchemy alone takes
longer than the rest of such a build. Any doubt (a database server, an archive to keep, a
different schema, a row that differs, an error reading) records it the full way.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evidencekit.messages import Msg, reason

if TYPE_CHECKING:
    from evidencekit.model import Case
    from evidencekit.pipeline import BuildResult

SCHEMA_VERSION = 1


def default_target() -> str:
    """EVIDENCEKIT_REGISTER, else register.sqlite in the user's data folder."""
    configured = os.environ.get("EVIDENCEKIT_REGISTER")
    if configured:
        return configured
    import platformdirs  # only when no register is configured

    return str(Path(platformdirs.user_data_dir("evidencekit")) / "register.sqlite")


def is_off(target: str | None) -> bool:
    return (target or default_target()).strip().lower() == "off"


def money(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def case_facts(case: Case) -> dict[str, Any]:
    """What the register keeps of a case, from the validated model."""
    info = case.info
    orders: dict[str, tuple[Decimal | None, str | None]] = {}
    for o in info.orders:
        orders[o.id] = (money(o.amount), o.currency)
    for p in case.proof:
        if p.id not in orders:
            orders[p.id] = (money(p.amount), None)
    waybills: dict[str, str | None] = {}
    for ex in case.exhibits:
        number = getattr(ex.item, "tracking_number", None)
        if number:
            waybills.setdefault(number, getattr(ex.item, "carrier", None))
    for p in case.proof:
        if p.waybill:
            waybills.setdefault(p.waybill, p.carrier or None)
    currencies = {c for _, c in orders.values() if c}
    amounts = [a for a, _ in orders.values() if a is not None]
    dispute = info.dispute
    words = [
        info.id,
        info.title,
        case.profile.name,
        case.profile.title,
        info.submitted_to or "",
        info.prepared_by or "",
        *(
            [dispute.reason or "", dispute.claim or "", dispute.case_number or ""]
            if dispute
            else []
        ),
        *(f"{p.name} {p.contact or ''}" for p in info.parties),
        *orders,
        *(f"{w} {c or ''}" for w, c in waybills.items()),
        *(p.buyer for p in case.proof),
        *(ex.item.title for ex in case.exhibits),
        case.statement_text or "",
    ]
    return {
        "orders": orders,
        "waybills": waybills,
        "parties": [(p.role, p.name) for p in info.parties],
        "amount": sum(amounts, Decimal(0)) if amounts and len(currencies) <= 1 else None,
        "currency": next(iter(currencies)) if len(currencies) == 1 else None,
        # Lower-cased once here: a plain LIKE then finds any case, and is several times faster on
        # PostgreSQL than ILIKE over multi-byte text.
        "search_text": "\n".join(w for w in words if w).lower(),
    }


def read_sums(path: Path) -> list[tuple[str, str]]:
    """(name, sha256) from a SHA256SUMS file."""
    out = []
    with contextlib.suppress(OSError):
        for line in path.read_text(encoding="utf-8").splitlines():
            digest, _, name = line.partition("  ")
            if len(digest) == 64 and name:
                out.append((name.lstrip("*"), digest))
    return out


def record_result(result: BuildResult, target: str | None, keep_archive: bool = True) -> list[str]:
    """Record a finished build (and its archive); a failure here is a warning, never an error."""
    if is_off(target):
        return []
    try:
        if already_recorded(result, target):
            return []
        from evidencekit.register.cases import open_register  # SQLAlchemy: only to write

        register = open_register(target)
        register.record_build(result)
        if result.archive_path is not None and result.archive_path.is_file():
            register.record_archive(result.case.info.id, result.archive_path, keep_archive)
    # The build is complete and on disk whatever happens here: any failure (database, disk,
    # driver) becomes a warning rather than a lost or failed build.
    except Exception as e:
        return [Msg("register.not_updated", why=reason(e))]
    return []


def already_recorded(result: BuildResult, target: str | None) -> bool:
    """Whether an SQLite register holds this case with these facts and this build as its last
    (what Register.record_build would write, but for `updated_at`); False when in doubt."""
    raw = (target or default_target()).strip()
    if "://" in raw or result.archive_path is not None:
        return False  # a database server, or an archive to record and keep: the full way
    path = Path(raw).expanduser().resolve()
    if not path.is_file():
        return False
    try:
        # Read-only: this check never creates, migrates or locks the register.
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return False
    try:
        return _holds(con, result)
    # Whatever goes wrong in this look, the full way records the build (or says why not).
    except Exception:
        return False
    finally:
        con.close()


def _holds(con: sqlite3.Connection, result: BuildResult) -> bool:
    case = result.case
    info, dispute = case.info, case.info.dispute
    facts = case_facts(case)
    if con.execute("SELECT version FROM evk_schema").fetchall() != [(SCHEMA_VERSION,)]:
        return False
    row = con.execute(
        "SELECT title, profile, platform, reason, claim, case_number, respond_by, amount,"
        " currency, manifest, out_dir, status, search_text FROM evk_cases WHERE id = ?",
        (info.id,),
    ).fetchone()
    out_dir = str(result.pdf_path.parent)
    respond_by = dispute.respond_by if dispute else None
    expected = (
        info.title,
        case.profile.name,
        case.profile.title,
        dispute.reason if dispute else None,
        dispute.claim if dispute else None,
        dispute.case_number if dispute else None,
        respond_by.astimezone(UTC).replace(tzinfo=None) if respond_by else None,
        facts["amount"],
        facts["currency"],
        str(case.manifest_path.resolve()),
        out_dir,
    )
    if row is None or row[11] == "draft" or row[12] != facts["search_text"]:
        return False  # unknown, or its status would move to `built`
    found = (*row[:6], _stored_time(row[6]), _stored_money(row[7]), *row[8:11])
    if found != expected:
        return False
    orders = {
        oid: (_stored_money(amount), currency)
        for oid, amount, currency in con.execute(
            "SELECT order_id, amount, currency FROM evk_orders WHERE case_id = ?", (info.id,)
        )
    }
    waybills = dict(
        con.execute("SELECT waybill, carrier FROM evk_waybills WHERE case_id = ?", (info.id,))
    )
    parties = con.execute(
        "SELECT role, name FROM evk_parties WHERE case_id = ? ORDER BY seq", (info.id,)
    ).fetchall()
    body = con.execute("SELECT body FROM evk_case_fts WHERE case_id = ?", (info.id,)).fetchall()
    if (
        orders != facts["orders"]
        or waybills != facts["waybills"]
        or parties != facts["parties"]
        or body != [(facts["search_text"],)]
    ):
        return False
    last = con.execute(
        "SELECT pdf_sha256, out_dir FROM evk_builds WHERE case_id = ? ORDER BY id DESC LIMIT 1",
        (info.id,),
    ).fetchone()
    pdf_sha = dict(read_sums(result.sums_path)).get(result.pdf_path.name, "")
    return bool(pdf_sha) and last == (pdf_sha, out_dir)


def _stored_time(value: object) -> datetime | None:
    """A time as SQLAlchemy stores it in SQLite (naive UTC text)."""
    return None if value is None else datetime.fromisoformat(str(value))


def _stored_money(value: object) -> Decimal | None:
    return None if value is None else money(Decimal(str(value)))
