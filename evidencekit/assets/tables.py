"""Tables from CSV and XLSX exports: select, filter, highlight and sort, values kept verbatim.

The only module that imports openpyxl.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import math
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from evidencekit.assets.exports import Export, clean_cell, read_export, same_id
from evidencekit.assets.privacy import Masker
from evidencekit.assets.text import Decoded, decode, guess_note
from evidencekit.errors import EvidenceError
from evidencekit.messages import Msg, reason
from evidencekit.model import SourceFile, TableSpec

ROW_LIMIT = 10_000  # rows shown at most; the dossier says how many it shows of how many
EXACT_DIGITS = 15  # a spreadsheet number with more digits has been rounded already
MAX_ROWS = 1_000_000  # rows read from one table; more is not one dispute's export
MAX_CELL = 32_767  # characters in one cell: what a spreadsheet cell can hold
MAX_CELLS = 20_000_000  # cells read from one sheet (a forged sheet can claim 17 billion)
# XLSX containers: real exports inflate 5-30×; ZIP bombs by thousands.
MAX_PARTS = 10_000
MAX_PART_BYTES = 1 << 30
MAX_WORKBOOK_BYTES = 2 << 30
MAX_RATIO = 200
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


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
    keys: tuple[str, ...] = ()  # shown columns named in where/highlight/sort: kept in every part


def read_csv_raw(
    path: Path, encoding: str | None = None
) -> tuple[list[list[str]], list[int], Decoded]:
    """Raw rows of a CSV/TSV (cells as written), their line numbers, and the decoding used."""
    decoded = decode(path.read_bytes(), encoding)
    rows, lines = parse_csv(decoded.text)
    return rows, lines, decoded


def parse_csv(text: str) -> tuple[list[list[str]], list[int]]:
    """Rows of CSV text (delimiter found) and the line each starts on; bounded."""
    delimiter = _delimiter(text)
    # newline="" lets the csv module see CR-only, LF and CRLF line ends as they are.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                msg = Msg("table.too_many_rows", max=MAX_ROWS)
                raise ValueError(msg)
            for cell in row:
                if len(cell) > MAX_CELL:
                    msg = Msg("table.csv_cell", line=reader.line_num, n=len(cell), max=MAX_CELL)
                    raise ValueError(msg)
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as e:
        msg = Msg("table.csv_error", line=reader.line_num + 1, why=str(e))
        raise ValueError(msg) from e
    return rows, lines


def _delimiter(text: str) -> str:
    """Comma, tab, semicolon or pipe: the one that splits the most lines alike.

    csv.Sniffer is thrown off by preambles (Alipay's #-lines) and by tabs inside cells
    (Alipay pads ids with a tab), so lines are counted instead.
    """
    sample = text[:65536]
    best, best_score = ",", (0, 0)
    for d in (",", "\t", ";", "|"):
        try:
            widths = Counter(
                len(r)
                for r in itertools.islice(
                    csv.reader(io.StringIO(sample, newline=""), delimiter=d), 200
                )
                if any(c.strip() for c in r)
            )
        except csv.Error:
            continue
        common = [(n, w) for w, n in widths.items() if w > 1]
        score = max(common) if common else (0, 0)
        if score > best_score:
            best, best_score = d, score
    return best


def read_csv(path: Path, encoding: str | None = None) -> tuple[list[list[str]], str]:
    """Rows of a CSV in any supported encoding, cells cleaned, empty rows left out."""
    raw, _, decoded = read_csv_raw(path, encoding)
    rows = [[clean_cell(c) for c in r] for r in raw]
    return [r for r in rows if any(c for c in r)], decoded.encoding


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
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            msg = Msg("table.bad_number", where=where, value=value)
            raise ValueError(msg)
        digits = len(str(abs(int(value)))) if abs(value) >= 1 else 0
        if digits > EXACT_DIGITS:
            msg = Msg("table.rounded", where=where, value=value, digits=digits)
            raise ValueError(msg)
        places = _decimals(number_format)
        if places is not None:
            return f"{Decimal(repr(value)):.{places}f}"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return repr(value) if isinstance(value, float) else str(value)
    return str(value)


def check_workbook(path: Path) -> bool:
    """Refuse a damaged, bomb-like or entity-laden XLSX before openpyxl reads it.

    Returns whether a worksheet holds formulas. openpyxl without defusedxml parses sheets
    with the standard library (no external entities, but entity expansion is expat's to
    bound), and inflates whatever the ZIP holds: both are checked here first. Excel never
    writes a DTD, so any <!DOCTYPE is refused.
    """
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        msg = Msg("xlsx.bad_zip", why=str(e))
        raise ValueError(msg) from e
    formulas = False
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_PARTS:
            msg = Msg("xlsx.parts", n=len(infos), max=MAX_PARTS)
            raise ValueError(msg)
        total = sum(i.file_size for i in infos)
        for info in infos:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MAX_PART_BYTES or (info.file_size > 1 << 20 and ratio > MAX_RATIO):
                msg = Msg("xlsx.bomb", part=info.filename, size=info.file_size, ratio=ratio)
                raise ValueError(msg)
        if total > MAX_WORKBOOK_BYTES:
            msg = Msg("xlsx.too_big", size=total, max=MAX_WORKBOOK_BYTES)
            raise ValueError(msg)
        for info in infos:
            name = info.filename.lower()
            if not name.endswith((".xml", ".rels")):
                continue
            try:
                with zf.open(info) as fh:
                    head = fh.read(4096)
                    if _DTD.search(head) or _DTD.search(head.replace(b"\x00", b"")):
                        msg = Msg("xlsx.doctype", part=info.filename)
                        raise ValueError(msg)
                    if name.startswith("xl/worksheets/") and not formulas:
                        chunk = head
                        while chunk and not formulas:
                            formulas = bool(_FORMULA.search(chunk))
                            tail = chunk[-16:]
                            chunk = fh.read(1 << 20)
                            chunk = tail + chunk if chunk else b""
            except ValueError:
                raise
            except Exception as e:  # zlib, CRC, encryption, unsupported methods
                why = f"{type(e).__name__}: {e}"
                msg = Msg("xlsx.part_unreadable", part=info.filename, why=why)
                raise ValueError(msg) from e
    return formulas


def read_xlsx_raw(
    path: Path, sheet: str | None
) -> tuple[list[list[str]], list[int], str, list[str]]:
    """Rows of a worksheet as text, their row numbers, the sheet's name and warnings.

    The first visible sheet by default (hidden sheets hold lookups, not the export);
    formula cells without a saved value are reported, not silently blank.
    """
    import openpyxl
    from openpyxl.utils import get_column_letter

    formulas = check_workbook(path)
    notes: list[str] = []
    # Our own file handles: openpyxl leaves its file open when a damaged workbook fails.
    files = contextlib.ExitStack()
    try:
        book = openpyxl.load_workbook(
            files.enter_context(path.open("rb")), read_only=True, data_only=True
        )
    except Exception as e:  # openpyxl raises many types for damaged files
        files.close()
        msg = Msg("xlsx.unreadable", why=f"{type(e).__name__}: {e}")
        raise ValueError(msg) from e
    files.callback(book.close)
    try:
        names = book.sheetnames
        if sheet is not None and sheet not in names:
            msg = Msg("xlsx.no_sheet", sheet=sheet, names=", ".join(names))
            raise ValueError(msg)
        if not book.worksheets:
            raise ValueError(Msg("xlsx.no_worksheet"))
        if sheet is not None:
            ws = book[sheet]
        else:
            visible = [w for w in book.worksheets if w.sheet_state == "visible"]
            ws = visible[0] if visible else book.worksheets[0]
            if ws is not book.worksheets[0]:
                notes.append(
                    Msg("xlsx.hidden_first", hidden=book.worksheets[0].title, sheet=ws.title)
                )
        ws.reset_dimensions()  # a forged dimension (A1:XFD1048576) would pad every row
        shadow: Any = iter(())
        if formulas:
            formula_book = openpyxl.load_workbook(
                files.enter_context(path.open("rb")), read_only=True, data_only=False
            )
            files.callback(formula_book.close)
            fws = formula_book[ws.title]
            fws.reset_dimensions()
            shadow = fws.iter_rows(values_only=True)
        rows: list[list[str]] = []
        numbers: list[int] = []
        unsaved: list[str] = []
        cells = 0
        for r, row in enumerate(ws.iter_rows(), start=1):
            if r > MAX_ROWS:
                msg = Msg("xlsx.too_many_rows", sheet=ws.title, max=MAX_ROWS)
                raise ValueError(msg)
            cells += len(row)
            if cells > MAX_CELLS:
                msg = Msg("xlsx.too_many_cells", sheet=ws.title, max=MAX_CELLS)
                raise ValueError(msg)
            raw = next(shadow, ()) if formulas else ()
            out = []
            for c, cell in enumerate(row, start=1):
                value = getattr(cell, "value", None)
                if value is None and c <= len(raw) and _is_formula(raw[c - 1]):
                    unsaved.append(f"{get_column_letter(c)}{r}")
                where = Msg("xlsx.cell", sheet=ws.title, cell=f"{get_column_letter(c)}{r}")
                text = _xlsx_cell(value, getattr(cell, "number_format", ""), where)
                if len(text) > MAX_CELL:
                    msg = Msg("xlsx.long_cell", where=where, n=len(text), max=MAX_CELL)
                    raise ValueError(msg)
                out.append(text)
            if any(out):
                rows.append(out)
                numbers.append(r)
        if unsaved:
            more = Msg("xlsx.and_more", n=len(unsaved) - 5) if len(unsaved) > 5 else ""
            shown = ", ".join(unsaved[:5]) + more
            notes.append(Msg("xlsx.unsaved", sheet=ws.title, n=len(unsaved), shown=shown))
        return rows, numbers, ws.title, notes
    except ValueError:
        raise
    except Exception as e:  # damaged cells, dates out of range, broken XML
        msg = Msg("xlsx.unreadable", why=f"{type(e).__name__}: {e}")
        raise ValueError(msg) from e
    finally:
        files.close()


def _is_formula(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith("=")
    return value is not None and type(value).__name__ in ("ArrayFormula", "DataTableFormula")


def read_xlsx(path: Path, sheet: str | None) -> list[list[str]]:
    """Rows of a worksheet as text: dates as ISO dates, numbers as the sheet formats them."""
    rows, _, _, _ = read_xlsx_raw(path, sheet)
    return [[clean_cell(c) for c in r] for r in rows]


def sort_key(value: str) -> tuple[int, Any]:
    """Numbers by value, ISO dates by time, other text as text."""
    v = value.strip().replace(",", "")
    try:
        number = Decimal(v.lstrip("¥$€£"))
        if number.is_finite():  # NaN cannot be ordered; it sorts as text
            return (0, number)
    except InvalidOperation:
        pass
    try:
        return (1, datetime.fromisoformat(value.strip().replace("/", "-")).replace(tzinfo=None))
    except ValueError:
        return (2, value)


def _expected(spec: TableSpec) -> list[str]:
    """The column names the manifest uses: the header row is the one that holds them."""
    names: list[str] = []
    for entry in spec.columns:
        names.extend(entry if isinstance(entry, dict) else [entry])
    names.extend(spec.where)
    names.extend(spec.highlight)
    if spec.sort:
        names.append(spec.sort)
    return list(dict.fromkeys(names))


def read_table(sf: SourceFile, spec: TableSpec) -> Export:
    """The export behind a table: header found, cells cleaned; errors located."""
    try:
        return read_export(sf.path, spec.sheet, spec.encoding, expect=_expected(spec))
    except ValueError as e:
        raise EvidenceError(reason(e), file=sf.rel, location=sf.location) from e
    except OSError as e:
        msg = Msg("file.unreadable", why=e.strerror)
        raise EvidenceError(msg, file=sf.rel, location=sf.location) from e


def table_warnings(sf: SourceFile, spec: TableSpec) -> list[str]:
    """What `validate` should say about a table (guessed encoding, blank formulas, ...)."""
    export = read_table(sf, spec)
    missing = [name for name in _expected(spec) if name not in export.header]
    if missing:
        msg = Msg("table.no_column", name=missing[0], names=", ".join(export.header))
        raise EvidenceError(msg, file=sf.rel, location=sf.location)
    notes: list[str] = [Msg("frame.at", where=sf.rel, text=w) for w in export.warnings]
    if export.guessed:
        notes.insert(0, guess_note(sf.rel, export.encoding))
    return notes


def read_rows(
    sf: SourceFile, sheet: str | None, encoding: str | None = None
) -> tuple[list[list[str]], str]:
    """All rows of a CSV or XLSX source (header first), and the encoding used."""
    export = read_table(sf, TableSpec(file=sf.rel, sheet=sheet, encoding=encoding))
    return [list(export.header), *(list(r) for r in export.rows)], export.encoding


def prepare_table(sf: SourceFile, spec: TableSpec, masker: Masker | None = None) -> PreparedTable:
    """Read the table and apply the manifest's columns/where/highlight/sort and masking."""
    export = read_table(sf, spec)
    header = list(export.header)
    body: list[tuple[str, ...]] = list(export.rows)  # as wide as the header (build_export)
    if not header:
        raise EvidenceError(Msg("export.empty"), file=sf.rel, location=sf.location)
    index = {name: i for i, name in enumerate(header)}

    def col(name: str) -> int:
        if name not in index:
            msg = Msg("table.no_column", name=name, names=", ".join(header))
            raise EvidenceError(msg, file=sf.rel, location=sf.location)
        return index[name]

    def cell(row: tuple[str, ...], i: int) -> str:
        return row[i] if i < len(row) else ""

    def wanted(value: str | list[str]) -> list[str]:
        return [value] if isinstance(value, str) else list(value)

    total = len(body)
    picked: list[int] | None = None
    for name, value in spec.where.items():
        # same_id() by the export's index: 50 orders' tables look their rows up in a
        # 20 000-row export instead of scanning it 50 times.
        found = export.matching(col(name), wanted(value))
        picked = found if picked is None else sorted(set(picked) & set(found))
    if picked is not None:
        body = [export.rows[n] for n in picked]
    if spec.sort:
        i = col(spec.sort)
        body.sort(key=lambda r: sort_key(cell(r, i)))
    matched = len(body)
    body = body[:ROW_LIMIT]
    hl_cols = [(col(k), wanted(v)) for k, v in spec.highlight.items()]
    highlighted = tuple(
        bool(hl_cols) and all(any(same_id(cell(r, i), v) for v in vs) for i, vs in hl_cols)
        for r in body
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
        encoding=export.encoding,
        masked=masked,
        keys=tuple(
            label for _, name, label in picks if name in spec.where or name in spec.highlight
        )
        + tuple(label for _, name, label in picks if name == spec.sort),
    )


def xlsx_saved_time(path: Path) -> datetime | None:
    """The workbook's document properties time (modified, else created), aware; or None."""
    from datetime import UTC  # local: keeps this addition apart from the module's imports

    import openpyxl

    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    try:
        check_workbook(path)
        with path.open("rb") as fh:
            book = openpyxl.load_workbook(fh, read_only=True)
            props = book.properties
            when = props.modified or props.created
            book.close()
    except Exception:  # a damaged workbook: the table reader reports it, here no time
        return None
    if not isinstance(when, datetime):
        return None
    # openpyxl reads W3CDTF '...Z' as naive UTC.
    return when if when.tzinfo else when.replace(tzinfo=UTC)
