"""The register's tables, its engine and its full-text index (SQLite or PostgreSQL)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import (
    DateTime,
    Dialect,
    Engine,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    create_engine,
    delete,
    event,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

from evidencekit.errors import RegisterError
from evidencekit.messages import Msg
from evidencekit.register.recorded import SCHEMA_VERSION, default_target

STATUSES = ("draft", "built", "submitted", "won", "lost", "withdrawn")
OPEN = ("draft", "built")  # still to be answered: these are what `cases due` lists


class UTCTime(TypeDecorator[datetime]):
    """Aware times stored as naive UTC: SQLite has no zone, and both backends then agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            msg = "the register stores aware times only"
            raise ValueError(msg)
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class SchemaVersion(Base):
    """One row: the schema version the register was written with."""

    __tablename__ = "evk_schema"
    version: Mapped[int] = mapped_column(Integer, primary_key=True)


class CaseRow(Base):
    __tablename__ = "evk_cases"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    profile: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(Text)  # the profile's title, e.g. 淘宝网
    reason: Mapped[str | None] = mapped_column(Text)
    claim: Mapped[str | None] = mapped_column(Text)
    case_number: Mapped[str | None] = mapped_column(Text)
    respond_by: Mapped[datetime | None] = mapped_column(UTCTime)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    currency: Mapped[str | None] = mapped_column(String(8))
    manifest: Mapped[str] = mapped_column(Text)
    out_dir: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    status_at: Mapped[datetime] = mapped_column(UTCTime)
    created_at: Mapped[datetime] = mapped_column(UTCTime)
    updated_at: Mapped[datetime] = mapped_column(UTCTime)
    # Everything `cases search` looks in, one text: title, claim, statement, parties, orders,
    # waybills (the full-text index is built over it).
    search_text: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("evk_cases_respond_by", "respond_by"),
        Index("evk_cases_status", "status"),
    )


class OrderRow(Base):
    __tablename__ = "evk_orders"
    case_id: Mapped[str] = mapped_column(
        ForeignKey("evk_cases.id", ondelete="CASCADE"), primary_key=True
    )
    order_id: Mapped[str] = mapped_column(String(128), primary_key=True, index=True)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    currency: Mapped[str | None] = mapped_column(String(8))


class WaybillRow(Base):
    __tablename__ = "evk_waybills"
    case_id: Mapped[str] = mapped_column(
        ForeignKey("evk_cases.id", ondelete="CASCADE"), primary_key=True
    )
    waybill: Mapped[str] = mapped_column(String(128), primary_key=True, index=True)
    carrier: Mapped[str | None] = mapped_column(Text)


class PartyRow(Base):
    __tablename__ = "evk_parties"
    case_id: Mapped[str] = mapped_column(
        ForeignKey("evk_cases.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)


class BuildRow(Base):
    __tablename__ = "evk_builds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("evk_cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCTime)
    out_dir: Mapped[str] = mapped_column(Text)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[int] = mapped_column(Integer)


class OutputRow(Base):
    __tablename__ = "evk_outputs"
    build_id: Mapped[int] = mapped_column(
        ForeignKey("evk_builds.id", ondelete="CASCADE"), primary_key=True
    )
    path: Mapped[str] = mapped_column(Text, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)


class ArchiveRow(Base):
    __tablename__ = "evk_archives"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("evk_cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCTime)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    written_to: Mapped[str] = mapped_column(Text)  # where the build wrote it
    stored_at: Mapped[str | None] = mapped_column(Text)  # the register's kept copy
    verified_at: Mapped[datetime | None] = mapped_column(UTCTime)
    verify_status: Mapped[str | None] = mapped_column(String(16))  # OK | ALTERED | MISSING


class StatusEvent(Base):
    __tablename__ = "evk_status_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("evk_cases.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCTime)
    note: Mapped[str | None] = mapped_column(Text)


def now() -> datetime:
    return datetime.now(UTC)


def target_url(target: str | None) -> URL:
    """A path or a database URL as an SQLAlchemy URL (postgresql:// goes through psycopg 3)."""
    raw = (target or default_target()).strip()
    if "://" not in raw:
        path = Path(raw).expanduser().resolve()
        return URL.create("sqlite", database=str(path))
    try:
        url = make_url(raw)
    except ArgumentError as e:
        msg = Msg("register.bad_url", raw=raw, why=str(e))
        raise RegisterError(msg) from e
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def shown(url: URL) -> str:
    """The register's address for messages: never its password."""
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return url.render_as_string(hide_password=True)


def storage_dir(url: URL) -> Path:
    """Where kept archives go: EVIDENCEKIT_STORE, else beside an SQLite file, else user data."""
    configured = os.environ.get("EVIDENCEKIT_STORE")
    if configured:
        return Path(configured).expanduser().resolve()
    if url.get_backend_name() == "sqlite" and url.database:
        return Path(url.database).parent / "archives"
    return Path(platformdirs.user_data_dir("evidencekit")) / "archives"


_ENGINES: dict[str, Engine] = {}


def close_engines() -> None:
    """Close every pooled connection (tests; a long-lived process switching registers)."""
    while _ENGINES:
        _ENGINES.popitem()[1].dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # transactions begin in _sqlite_begin, not in the driver
    cur = dbapi_conn.cursor()
    # WAL: parallel batch workers write while `cases` reads; foreign keys for the cascades.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # IMMEDIATE: take the write lock up front, so a second writer waits (busy timeout) instead of
    # failing on the read-then-write upgrade of a deferred transaction.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def engine_for(url: URL) -> Engine:
    """One engine per register and process, its schema made or checked on first use."""
    key = url.render_as_string(hide_password=False)
    if key in _ENGINES:
        return _ENGINES[key]
    try:
        if url.get_backend_name() == "sqlite":
            assert url.database
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 60})
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        _ensure_schema(engine)
    except (SQLAlchemyError, OSError) as e:
        msg = Msg("register.cannot_open", where=shown(url), why=_short(e))
        raise RegisterError(msg) from e
    except ModuleNotFoundError as e:
        msg = Msg("register.no_driver", where=shown(url), name=str(e.name))
        raise RegisterError(msg) from e
    _ENGINES[key] = engine
    return engine


def _short(e: BaseException) -> str:
    first = str(getattr(e, "orig", None) or e).strip().splitlines()
    return first[0] if first else type(e).__name__


def _ensure_schema(engine: Engine) -> None:
    """Create the tables and the full-text index, or check the version of existing ones."""
    with engine.begin() as conn:
        if inspect(conn).has_table(SchemaVersion.__tablename__):
            found = conn.execute(select(SchemaVersion.version)).scalar()
            if found is not None and found > SCHEMA_VERSION:
                msg = Msg("register.newer_schema", found=found, known=SCHEMA_VERSION)
                raise RegisterError(msg)
            if found == SCHEMA_VERSION:
                return
        Base.metadata.create_all(conn)
        _create_search_index(conn)
        # Later versions add their steps here, each from the version before (no Alembic: one
        # small schema, and a step list keeps SQLite and PostgreSQL in the same code).
        conn.execute(delete(SchemaVersion))
        conn.execute(insert(SchemaVersion).values(version=SCHEMA_VERSION))


def _create_search_index(conn: Any) -> None:
    if conn.dialect.name == "sqlite":
        # trigram: finds any substring of 3+ characters, so Chinese (no spaces between words),
        # order ids and waybills are found from any part of them.
        conn.execute(
            text(
                "CREATE VIRTUAL TABLE IF NOT EXISTS evk_case_fts "
                "USING fts5(case_id UNINDEXED, body, tokenize='trigram')"
            )
        )
    elif conn.dialect.name == "postgresql":
        # pg_trgm makes ILIKE '%…%' an index scan; tsvector would find whole words only, and
        # its parsers do not split Chinese. Without the extension ILIKE still works, unindexed.
        savepoint = conn.begin_nested()
        try:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            conn.execute(
                text(
                    "CREATE INDEX IF NOT EXISTS evk_cases_search_trgm "
                    "ON evk_cases USING gin (search_text gin_trgm_ops)"
                )
            )
            savepoint.commit()
        except SQLAlchemyError:
            savepoint.rollback()


def session(url: URL) -> Session:
    return Session(engine_for(url), expire_on_commit=False)
