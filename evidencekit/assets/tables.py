"""Tables from CSV and XLSX exports: select, filter, highlight and sort, values kept verbatim.

The only module that imports openpyxl.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from evidencekit.assets.privacy import Masker
from evidencekit.assets.text import decode_text
from evidencekit.errors import EvidenceError
from evidencekit.model import SourceFile, TableSpec

ROW_LIMIT = 10_000  # rows shown at most; the dossier says how many it shows of how many
EXACT_DIGITS = 15  # a spreadsheet number with more digits has been rounded already


@dataclass(frozen=True)
class PreparedTable:
    """A table ready for the renderer."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    highlighted: tuple[bool, ...]
    total_rows: int  # rows in the file
    shown_rows: int  # rows after `where` (and the row limit)
    matched_rows: int  # rows after `where`, before the row limit
    encoding: str
    masked: dict[str, int] = field(default_factory=dict)


def _clean(cell: str) -> str:
    # Excel guards keep long numbers from being mangled: ="3456..." or a leading apostrophe.
    c = cell.strip()
    if c.startswith('="') and c.endswith('"'):
        return c[2:-1]
    if c.startswith("'"):
        return c[1:]
    return c


def _match_key(value: str) -> str:
    """A cell or a manifest value as where:/highlight: compare them: guards and padding gone."""
    return _clean(value).strip()


def read_csv(path: Path) -> tuple[list[list[str]], str]:
    """Rows of a CSV in any supported encoding, delimiter sniffed (comma, tab, semicolon)."""
    text, encoding = decode_text(path.read_bytes())
    try:
        dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = [[_clean(c) for c in r] for r in csv.reader(io.StringIO(text), dialect)]
    return [r for r in rows if any(c for c in r)], encoding


def _decimals(number_format: str) -> int | None:
    m = re.search(r"0\.(0+)", number_format or "")
    return len(m.group(1)) if m else None


def _xlsx_cell(value: Any, number_format: str, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == time(0) and not re.search(r"[hs]", number_format or "", re.I):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, int | float):
        digits = len(str(abs(int(value)))) if abs(value) >= 1 else 0
        if digits > EXACT_DIGITS:
            msg = (
                f"{where} holds the number {value!r} with {digits} digits: the spreadsheet "
                "stored it as a number and has already rounded it (an order number?). "
                "Format that column as Text in the source system's export, or export CSV"
            )
            raise ValueError(msg)
        places = _decimals(number_format)
        if places is not None:
            return f"{Decimal(repr(value)):.{places}f}"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return repr(value) if isinstance(value, float) else str(value)
    return _clean(str(value))


def read_xlsx(path: Path, sheet: str | None) -> list[list[str]]:
    """Rows of a worksheet as text: dates as ISO dates, numbers as the sheet formats them."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for damaged files
        msg = f"cannot read the workbook ({type(e).__name__}: {e})"
        raise ValueError(msg) from e
    try:
        if sheet is not None and sheet not in book.sheetnames:
            msg = f"no sheet {sheet!r}; the sheets are: {', '.join(book.sheetnames)}"
            raise ValueError(msg)
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        rows: list[list[str]] = []
        for r, row in enumerate(ws.iter_rows(), start=1):
            cells = []
            for c, cell in enumerate(row, start=1):
                where = f"sheet {ws.title!r} row {r} column {c}"
                value = getattr(cell, "value", None)
                cells.append(_xlsx_cell(value, getattr(cell, "number_format", ""), where))
            if any(cells):
                rows.append(cells)
        return rows
    finally:
        book.close()


def sort_key(value: str) -> tuple[int, Any]:
    """Numbers by value, ISO dates by time, other text as text."""
    v = value.strip().replace(",", "")
    try:
        return (0, Decimal(v.lstrip("¥$€£")))
    except InvalidOperation:
        pass
    try:
        return (1, datetime.fromisoformat(value.strip().replace("/", "-")).replace(tzinfo=None))
    except ValueError:
        return (2, value)


def read_rows(sf: SourceFile, sheet: str | None) -> tuple[list[list[str]], str]:
    """All rows of a CSV or XLSX source (header first), and the encoding used."""
    try:
        if sf.path.suffix.lower() in (".xlsx", ".xlsm"):
            return read_xlsx(sf.path, sheet), "xlsx"
        return read_csv(sf.path)
    except ValueError as e:
        raise EvidenceError(str(e), file=sf.rel, location=sf.location) from e


def prepare_table(sf: SourceFile, spec: TableSpec, masker: Masker | None = None) -> PreparedTable:
    """Read the table and apply the manifest's columns/where/highlight/sort and masking."""
    rows, encoding = read_rows(sf, spec.sheet)
    if not rows:
        raise EvidenceError("the table is empty", file=sf.rel, location=sf.location)
    header, body = rows[0], rows[1:]
    index = {name.strip(): i for i, name in enumerate(header)}

    def col(name: str) -> int:
        if name not in index:
            msg = f"no column {name!r}; the columns are: {', '.join(header)}"
            raise EvidenceError(msg, file=sf.rel, location=sf.location)
        return index[name]

    def cell(row: list[str], i: int) -> str:
        return row[i] if i < len(row) else ""

    def wanted(value: str | list[str]) -> set[str]:
        return {_match_key(v) for v in ([value] if isinstance(value, str) else value)}

    total = len(body)
    for name, value in spec.where.items():
        i, keep = col(name), wanted(value)
        body = [r for r in body if _match_key(cell(r, i)) in keep]
    if spec.sort:
        i = col(spec.sort)
        body.sort(key=lambda r: sort_key(cell(r, i)))
    matched = len(body)
    body = body[:ROW_LIMIT]
    hl_cols = [(col(k), wanted(v)) for k, v in spec.highlight.items()]
    highlighted = tuple(
        bool(hl_cols) and all(_match_key(cell(r, i)) in vs for i, vs in hl_cols) for r in body
    )
    picks: list[tuple[int, str, str]] = []
    for entry in spec.columns or header:
        if isinstance(entry, dict):
            picks.extend((col(k), k, v) for k, v in entry.items())
        else:
            picks.append((col(entry), entry, entry))
    mask = masker or Masker(None)
    before = dict(mask.counts)
    shown = tuple(tuple(mask.column(name, cell(r, i)) for i, name, _ in picks) for r in body)
    masked = {k: v - before.get(k, 0) for k, v in mask.counts.items() if v - before.get(k, 0)}
    return PreparedTable(
        headers=tuple(label for _, _, label in picks),
        rows=shown,
        highlighted=highlighted,
        total_rows=total,
        shown_rows=len(body),
        matched_rows=matched,
        encoding=encoding,
        masked=masked,
    )
