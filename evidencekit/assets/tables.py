"""Tables from CSV exports: select, filter, highlight and sort, values kept verbatim."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from evidencekit.assets.text import decode_text
from evidencekit.errors import EvidenceError
from evidencekit.model import SourceFile, TableSpec


@dataclass(frozen=True)
class PreparedTable:
    """A table ready for the renderer."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    highlighted: tuple[bool, ...]
    total_rows: int  # rows in the file
    shown_rows: int  # rows after `where`
    encoding: str


def _clean(cell: str) -> str:
    # Excel guards keep long numbers from being mangled: ="3456..." or a leading apostrophe.
    c = cell.strip()
    if c.startswith('="') and c.endswith('"'):
        return c[2:-1]
    if c.startswith("'"):
        return c[1:]
    return c


def prepare_table(sf: SourceFile, spec: TableSpec) -> PreparedTable:
    """Read the CSV and apply the manifest's columns/where/highlight/sort."""
    try:
        text, encoding = decode_text(sf.path.read_bytes())
    except ValueError as e:
        raise EvidenceError(str(e), file=sf.rel, location=sf.location) from e
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment,unused-ignore]
    rows = [[_clean(c) for c in r] for r in csv.reader(io.StringIO(text), dialect)]
    rows = [r for r in rows if any(r)]
    if not rows:
        raise EvidenceError("the table is empty", file=sf.rel, location=sf.location)
    header, body = rows[0], rows[1:]
    index = {name: i for i, name in enumerate(header)}

    def col(name: str) -> int:
        if name not in index:
            msg = f"no column {name!r}; the columns are: {', '.join(header)}"
            raise EvidenceError(msg, file=sf.rel, location=sf.location)
        return index[name]

    def cell(row: list[str], i: int) -> str:
        return row[i] if i < len(row) else ""

    total = len(body)
    for name, value in spec.where.items():
        i = col(name)
        body = [r for r in body if cell(r, i) == value]
    if spec.sort:
        i = col(spec.sort)
        body.sort(key=lambda r: cell(r, i))
    hl_cols = [(col(k), v) for k, v in spec.highlight.items()]
    highlighted = tuple(bool(hl_cols) and all(cell(r, i) == v for i, v in hl_cols) for r in body)
    picks: list[tuple[int, str]] = []
    for entry in spec.columns or header:
        if isinstance(entry, dict):
            picks.extend((col(k), v) for k, v in entry.items())
        else:
            picks.append((col(entry), entry))
    return PreparedTable(
        headers=tuple(label for _, label in picks),
        rows=tuple(tuple(cell(r, i) for i, _ in picks) for r in body),
        highlighted=highlighted,
        total_rows=total,
        shown_rows=len(body),
        encoding=encoding,
    )
