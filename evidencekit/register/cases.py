"""Register operations: record builds and archives, mark outcomes, list, search, verify, stats."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shlex
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, delete, func, or_, select, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from evidencekit.errors import EvidencekitError, RegisterError
from evidencekit.messages import Msg, join, reason
from evidencekit.register.db import (
    OPEN,
    ArchiveRow,
    BuildRow,
    CaseRow,
    OrderRow,
    OutputRow,
    PartyRow,
    StatusEvent,
    WaybillRow,
    now,
    session,
    shown,
    storage_dir,
    target_url,
)
from evidencekit.register.recorded import case_facts, is_off, read_sums

if TYPE_CHECKING:
    from evidencekit.pipeline import BuildResult

MARKS = ("submitted", "won", "lost", "withdrawn")


@dataclass
class CaseSummary:
    """One case as `cases list`, `search` and `due` show it."""

    id: str
    title: str
    profile: str
    platform: str
    reason: str | None
    status: str
    status_at: datetime
    respond_by: datetime | None
    amount: Decimal | None
    currency: str | None
    orders: list[str] = field(default_factory=list)
    waybills: list[str] = field(default_factory=list)

    def days_left(self, at: datetime) -> float | None:
        if self.respond_by is None:
            return None
        return (self.respond_by - at).total_seconds() / 86400

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("status_at", "respond_by"):
            out[key] = out[key].isoformat() if out[key] else None
        out["amount"] = str(self.amount) if self.amount is not None else None
        return out


@dataclass
class StatRow:
    """Outcomes for one dispute reason or platform."""

    by: str  # reason | platform
    key: str
    cases: int
    won: int
    lost: int
    withdrawn: int
    pending: int  # not decided yet: draft, built or submitted

    @property
    def win_rate(self) -> float | None:
        decided = self.won + self.lost
        return self.won / decided if decided else None

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "win_rate": self.win_rate}


@dataclass
class VerifyResult:
    """One kept archive re-checked: its own hash, then every hash inside it."""

    case_id: str
    sha256: str
    path: str
    status: str  # OK | ALTERED | MISSING
    detail: str = ""


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _terms(query: str) -> list[str]:
    try:
        parts = shlex.split(query)
    except ValueError:
        parts = query.split()
    return [p for p in (s.strip() for s in parts) if p]


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Register:
    """One register (SQLite file or database URL) and its archive storage folder."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self.where = shown(url)
        self.store = storage_dir(url)

    def _session(self) -> Session:
        return session(self.url)

    def _fail(self, e: SQLAlchemyError) -> RegisterError:
        first = str(getattr(e, "orig", None) or e).strip().splitlines()
        return RegisterError(Msg("register.failed", where=self.where, why=first[0] if first else e))

    # -- recording ---------------------------------------------------------------------------

    def record_build(self, result: BuildResult) -> None:
        """Record (or update) the case and this build's outputs; status `built` if still open."""
        case = result.case
        facts = case_facts(case)
        at = now()
        info = case.info
        dispute = info.dispute
        try:
            with self._session() as s, s.begin():
                row = s.get(CaseRow, info.id)
                if row is None:
                    row = CaseRow(id=info.id, status="draft", status_at=at, created_at=at)
                    s.add(row)
                row.title = info.title
                row.profile = case.profile.name
                row.platform = case.profile.title
                row.reason = dispute.reason if dispute else None
                row.claim = dispute.claim if dispute else None
                row.case_number = dispute.case_number if dispute else None
                row.respond_by = dispute.respond_by if dispute else None
                row.amount = facts["amount"]
                row.currency = facts["currency"]
                row.manifest = str(case.manifest_path.resolve())
                row.out_dir = str(result.pdf_path.parent)
                row.updated_at = at
                row.search_text = facts["search_text"]
                if row.status in OPEN and row.status != "built":
                    row.status, row.status_at = "built", at
                    s.add(StatusEvent(case_id=info.id, status="built", at=at, note=None))
                s.flush()
                s.execute(delete(OrderRow).where(OrderRow.case_id == info.id))
                s.execute(delete(WaybillRow).where(WaybillRow.case_id == info.id))
                s.execute(delete(PartyRow).where(PartyRow.case_id == info.id))
                for oid, (amount, currency) in facts["orders"].items():
                    s.add(OrderRow(case_id=info.id, order_id=oid, amount=amount, currency=currency))
                for number, carrier in facts["waybills"].items():
                    s.add(WaybillRow(case_id=info.id, waybill=number, carrier=carrier))
                for i, (role, name) in enumerate(facts["parties"]):
                    s.add(PartyRow(case_id=info.id, seq=i, role=role, name=name))
                self._record_outputs(s, result, at)
                if s.get_bind().dialect.name == "sqlite":
                    s.execute(text("DELETE FROM evk_case_fts WHERE case_id = :id"), {"id": info.id})
                    s.execute(
                        text("INSERT INTO evk_case_fts (case_id, body) VALUES (:id, :body)"),
                        {"id": info.id, "body": facts["search_text"]},
                    )
        except SQLAlchemyError as e:
            raise self._fail(e) from e

    def _record_outputs(self, s: Session, result: BuildResult, at: datetime) -> None:
        pdf_sha = dict(read_sums(result.sums_path)).get(result.pdf_path.name, "")
        out_dir = str(result.pdf_path.parent)
        last = s.scalars(
            select(BuildRow)
            .where(BuildRow.case_id == result.case.info.id)
            .order_by(BuildRow.id.desc())
            .limit(1)
        ).first()
        if last is not None and last.pdf_sha256 == pdf_sha and last.out_dir == out_dir:
            return  # an up-to-date rebuild: the same outputs, already recorded
        build = BuildRow(
            case_id=result.case.info.id,
            at=at,
            out_dir=out_dir,
            pdf_sha256=pdf_sha,
            pages=result.pages,
            size=result.pdf_size,
            warnings=len(result.warnings),
        )
        s.add(build)
        s.flush()
        for name, digest in read_sums(result.sums_path):
            p = result.pdf_path.parent / name
            size = p.stat().st_size if p.is_file() else None
            s.add(OutputRow(build_id=build.id, path=name, sha256=digest, size=size))

    def keep_archive(self, archive: Path) -> tuple[str, Path]:
        """Copy an archive into storage under its SHA-256; an existing copy is never replaced."""
        digest = _sha256_file(archive)
        target = self.store / digest[:2] / f"{digest}.zip"
        if target.is_file():
            return digest, target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            shutil.copyfile(archive, tmp)
            if _sha256_file(tmp) != digest:
                msg = Msg("register.changed", archive=str(archive), store=str(self.store))
                raise RegisterError(msg)
            tmp.chmod(0o444)
            # link, not rename: it fails instead of replacing a copy another build just made
            with contextlib.suppress(FileExistsError):
                os.link(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return digest, target

    def record_archive(self, case_id: str, archive: Path, keep: bool = True) -> Path | None:
        """Record an archive (and keep a copy); returns where it is kept."""
        if keep:
            digest, stored = self.keep_archive(archive)
        else:
            digest, stored = _sha256_file(archive), None
        try:
            with self._session() as s, s.begin():
                seen = s.scalars(
                    select(ArchiveRow).where(
                        ArchiveRow.case_id == case_id, ArchiveRow.sha256 == digest
                    )
                ).first()
                if seen is not None:
                    if stored is not None:
                        seen.stored_at = str(stored)
                    return stored
                s.add(
                    ArchiveRow(
                        case_id=case_id,
                        at=now(),
                        sha256=digest,
                        size=archive.stat().st_size,
                        written_to=str(archive.resolve()),
                        stored_at=str(stored) if stored else None,
                    )
                )
        except SQLAlchemyError as e:
            raise self._fail(e) from e
        return stored

    def mark(self, case_id: str, status: str, note: str | None = None) -> None:
        """Set a case's status (submitted, won, lost, withdrawn) with a note; history kept."""
        if status not in MARKS:
            msg = Msg("register.unknown_status", status=status, names=", ".join(MARKS))
            raise RegisterError(msg)
        try:
            with self._session() as s, s.begin():
                row = s.get(CaseRow, case_id)
                if row is None:
                    raise self._unknown(s, case_id)
                at = now()
                row.status, row.status_at, row.updated_at = status, at, at
                s.add(StatusEvent(case_id=case_id, status=status, at=at, note=note))
        except SQLAlchemyError as e:
            raise self._fail(e) from e

    def _unknown(self, s: Session, case_id: str) -> RegisterError:
        like = s.scalars(
            select(CaseRow.id).where(CaseRow.id.icontains(case_id, autoescape=True)).limit(5)
        ).all()
        hint = Msg("register.did_you_mean", names=", ".join(like)) if like else ""
        return RegisterError(Msg("register.unknown_case", id=case_id, where=self.where, hint=hint))

    # -- reading -----------------------------------------------------------------------------

    def _summaries(self, s: Session, rows: list[CaseRow]) -> list[CaseSummary]:
        ids = [r.id for r in rows]
        orders: dict[str, list[str]] = {i: [] for i in ids}
        waybills: dict[str, list[str]] = {i: [] for i in ids}
        for chunk in (ids[k : k + 500] for k in range(0, len(ids), 500)):
            for cid, oid in s.execute(
                select(OrderRow.case_id, OrderRow.order_id).where(OrderRow.case_id.in_(chunk))
            ):
                orders[cid].append(oid)
            for cid, wb in s.execute(
                select(WaybillRow.case_id, WaybillRow.waybill).where(WaybillRow.case_id.in_(chunk))
            ):
                waybills[cid].append(wb)
        return [
            CaseSummary(
                id=r.id,
                title=r.title,
                profile=r.profile,
                platform=r.platform,
                reason=r.reason,
                status=r.status,
                status_at=r.status_at,
                respond_by=r.respond_by,
                amount=r.amount,
                currency=r.currency,
                orders=sorted(orders[r.id]),
                waybills=sorted(waybills[r.id]),
            )
            for r in rows
        ]

    def _matching_ids(self, s: Session, query: str, limit: int | None) -> list[str]:
        """Case ids whose text holds every term, best first (the full-text index)."""
        terms = _terms(query)
        if not terms:
            return []
        if s.get_bind().dialect.name == "sqlite":
            # Trigram MATCH needs 3+ characters a term; shorter ones (二字 Chinese words) are
            # checked on the same rows by instr().
            long = [t for t in terms if len(t) >= 3]
            short = [t.lower() for t in terms if len(t) < 3]
            where, params = [], {}
            if long:
                where.append("evk_case_fts MATCH :q")
                params["q"] = " ".join('"' + t.replace('"', '""') + '"' for t in long)
            for i, t in enumerate(short):
                where.append(f"instr(lower(body), :s{i}) > 0")
                params[f"s{i}"] = t
            sql = f"SELECT case_id FROM evk_case_fts WHERE {' AND '.join(where)}"
            sql += " ORDER BY rank" if long else ""
            if limit:
                sql += f" LIMIT {int(limit)}"
            return [r[0] for r in s.execute(text(sql), params)]
        # A plain LIKE on the lower-cased column (not SQLAlchemy's icontains, which wraps the
        # column in lower()): the form the pg_trgm index serves.
        stmt = (
            select(CaseRow.id)
            .where(and_(*(CaseRow.search_text.like(_like(t.lower()), escape="\\") for t in terms)))
            .order_by(CaseRow.updated_at.desc())
        )
        if limit:
            stmt = stmt.limit(limit)
        return list(s.scalars(stmt))

    def search(self, query: str, limit: int = 50) -> list[CaseSummary]:
        """Cases whose title, claim, statement, parties, order ids or waybills hold the text."""
        try:
            with self._session() as s:
                ids = self._matching_ids(s, query, limit)
                rows = {r.id: r for r in s.scalars(select(CaseRow).where(CaseRow.id.in_(ids)))}
                return self._summaries(s, [rows[i] for i in ids if i in rows])
        except SQLAlchemyError as e:
            raise self._fail(e) from e

    def list_cases(
        self,
        status: list[str] | None = None,
        platform: str | None = None,
        due_days: float | None = None,
        query: str | None = None,
    ) -> list[CaseSummary]:
        """Cases by filter, the nearest deadline first, then the most recently changed."""
        try:
            with self._session() as s:
                stmt = select(CaseRow)
                if status:
                    stmt = stmt.where(CaseRow.status.in_(status))
                if platform:
                    p = platform.lower()
                    stmt = stmt.where(
                        or_(func.lower(CaseRow.profile) == p, func.lower(CaseRow.platform) == p)
                    )
                if due_days is not None:
                    stmt = stmt.where(
                        CaseRow.status.in_(OPEN),
                        CaseRow.respond_by.is_not(None),
                        CaseRow.respond_by <= now() + timedelta(days=due_days),
                    )
                if query:
                    stmt = stmt.where(CaseRow.id.in_(self._matching_ids(s, query, None)))
                stmt = stmt.order_by(
                    case((CaseRow.respond_by.is_(None), 1), else_=0),
                    CaseRow.respond_by,
                    CaseRow.updated_at.desc(),
                    CaseRow.id,
                )
                return self._summaries(s, list(s.scalars(stmt)))
        except SQLAlchemyError as e:
            raise self._fail(e) from e

    def due(self, days: float = 7) -> list[CaseSummary]:
        """Open cases whose deadline is within `days` (overdue ones included), most urgent first."""
        return self.list_cases(due_days=days)

    def show(self, case_id: str) -> dict[str, Any]:
        """Everything the register holds about one case."""
        try:
            with self._session() as s:
                row = s.get(CaseRow, case_id)
                if row is None:
                    raise self._unknown(s, case_id)
                summary = self._summaries(s, [row])[0].as_json()
                builds = list(
                    s.scalars(
                        select(BuildRow).where(BuildRow.case_id == case_id).order_by(BuildRow.id)
                    )
                )
                outputs = (
                    list(
                        s.scalars(
                            select(OutputRow)
                            .where(OutputRow.build_id == builds[-1].id)
                            .order_by(OutputRow.path)
                        )
                    )
                    if builds
                    else []
                )
                archives = s.scalars(
                    select(ArchiveRow).where(ArchiveRow.case_id == case_id).order_by(ArchiveRow.id)
                )
                history = s.scalars(
                    select(StatusEvent)
                    .where(StatusEvent.case_id == case_id)
                    .order_by(StatusEvent.id)
                )
                parties = s.scalars(
                    select(PartyRow).where(PartyRow.case_id == case_id).order_by(PartyRow.seq)
                )
                orders = s.scalars(
                    select(OrderRow).where(OrderRow.case_id == case_id).order_by(OrderRow.order_id)
                )
                waybills = s.scalars(
                    select(WaybillRow)
                    .where(WaybillRow.case_id == case_id)
                    .order_by(WaybillRow.waybill)
                )
                return {
                    **summary,
                    "claim": row.claim,
                    "case_number": row.case_number,
                    "manifest": row.manifest,
                    "out_dir": row.out_dir,
                    "parties": [{"role": p.role, "name": p.name} for p in parties],
                    "orders": [
                        {
                            "id": o.order_id,
                            "amount": str(o.amount) if o.amount is not None else None,
                            "currency": o.currency,
                        }
                        for o in orders
                    ],
                    "waybills": [{"waybill": w.waybill, "carrier": w.carrier} for w in waybills],
                    "history": [
                        {"status": h.status, "at": h.at.isoformat(), "note": h.note}
                        for h in history
                    ],
                    "builds": [
                        {
                            "at": b.at.isoformat(),
                            "out_dir": b.out_dir,
                            "pdf_sha256": b.pdf_sha256,
                            "pages": b.pages,
                            "size": b.size,
                            "warnings": b.warnings,
                        }
                        for b in builds
                    ],
                    "outputs": [
                        {"path": o.path, "sha256": o.sha256, "size": o.size} for o in outputs
                    ],
                    "archives": [
                        {
                            "at": a.at.isoformat(),
                            "sha256": a.sha256,
                            "size": a.size,
                            "written_to": a.written_to,
                            "stored_at": a.stored_at,
                            "verified_at": a.verified_at.isoformat() if a.verified_at else None,
                            "verify_status": a.verify_status,
                        }
                        for a in archives
                    ],
                }
        except SQLAlchemyError as e:
            raise self._fail(e) from e

    def export_rows(self) -> list[dict[str, Any]]:
        """One flat row per case (CSV export)."""
        rows = []
        for c in self.list_cases():
            j = c.as_json()
            rows.append(
                {
                    **{k: v for k, v in j.items() if k not in ("orders", "waybills")},
                    "orders": " ".join(c.orders),
                    "waybills": " ".join(c.waybills),
                }
            )
        return rows

    def verify_all(self, case_id: str | None = None) -> list[VerifyResult]:
        """Re-hash every kept archive (or one case's) and re-verify what it holds; the verdicts
        are recorded."""
        from evidencekit.outputs.integrity import verify_path

        results: list[VerifyResult] = []
        stmt = select(ArchiveRow).order_by(ArchiveRow.case_id, ArchiveRow.id)
        if case_id is not None:
            stmt = stmt.where(ArchiveRow.case_id == case_id)
        try:
            with self._session() as s, s.begin():
                for a in s.scalars(stmt):
                    path = Path(a.stored_at or a.written_to)
                    detail: str
                    if not path.is_file():
                        status, detail = "MISSING", Msg("register.no_file")
                    elif (actual := _sha256_file(path)) != a.sha256:
                        status, detail = "ALTERED", Msg("register.now", sha=actual[:16])
                    else:
                        try:
                            rows = verify_path(path)
                        except EvidencekitError as e:
                            status, detail = "ALTERED", reason(e)
                        else:
                            bad = [r for r in rows if r.failed]
                            status = "ALTERED" if bad else "OK"
                            detail = join(
                                [Msg(f"verify.{r.status.lower()}", file=r.file) for r in bad[:3]],
                                ", ",
                            )
                    a.verified_at, a.verify_status = now(), status
                    results.append(VerifyResult(a.case_id, a.sha256, str(path), status, detail))
        except SQLAlchemyError as e:
            raise self._fail(e) from e
        return results

    def stats(self) -> list[StatRow]:
        """Outcomes by dispute reason and by platform."""
        out: list[StatRow] = []
        try:
            with self._session() as s:
                for by, col in (("reason", CaseRow.reason), ("platform", CaseRow.profile)):
                    counts: dict[str, dict[str, int]] = {}
                    for key, status, n in s.execute(
                        select(col, CaseRow.status, func.count()).group_by(col, CaseRow.status)
                    ):
                        counts.setdefault(key or "—", {})[status] = n
                    for key, c in sorted(counts.items()):
                        out.append(
                            StatRow(
                                by=by,
                                key=key,
                                cases=sum(c.values()),
                                won=c.get("won", 0),
                                lost=c.get("lost", 0),
                                withdrawn=c.get("withdrawn", 0),
                                pending=sum(c.get(k, 0) for k in (*OPEN, "submitted")),
                            )
                        )
        except SQLAlchemyError as e:
            raise self._fail(e) from e
        return out


def open_register(target: str | None = None) -> Register:
    """The register at a path or URL (default: EVIDENCEKIT_REGISTER, else the user's data)."""
    if is_off(target):
        msg = Msg("register.off")
        raise RegisterError(msg)
    from evidencekit.register.db import engine_for

    url = target_url(target)
    engine_for(url)
    return Register(url)
