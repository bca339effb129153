"""Capture times of exports (tables, events files, transcripts): what the file itself says.

An export is made at one moment; its file time only says when it was copied. In order: the
XLSX document properties, an export time written in the file (Alipay statements end with
`#导出时间:[2025-10-20 12:00:00]`), the export time in the file name.
"""

from __future__ import annotations

import contextlib
import re
from datetime import datetime, tzinfo
from pathlib import Path

from evidencekit.assets.exports import parse_time, read_export
from evidencekit.assets.tables import xlsx_saved_time
from evidencekit.model import time_problem

# Every method export_time() may return; each has a label "how_<method>" in i18n.CATALOG.
EXPORT_METHODS = ("xlsx-properties", "export-time", "filename")
WEAK_METHODS = ("file-mtime",)  # shown in the appendix and marked weak, never on the timeline

_STATED = re.compile(
    r"(?:导出时间|导出日期|生成时间|export(?:ed)?\s*(?:time|at|on|date))\s*[:：]?\s*\[?\s*"
    r"([^\]\n,]+?)\s*\]?\s*$",
    re.IGNORECASE,
)
# ExportOrderList202510201200.csv, alipay_record_20251020_1200.csv, orders-2025-10-20_12-00.xlsx
_NAME = re.compile(
    r"(?<!\d)(20\d{2})[-_]?(\d{2})[-_]?(\d{2})[-_T ]?(\d{2})[-_:]?(\d{2})(?:[-_:]?(\d{2}))?(?!\d)"
)


def _usable(value: datetime | None) -> datetime | None:
    return value if value is not None and not time_problem(value) else None


def stated_time(lines: tuple[str, ...], tz: tzinfo) -> datetime | None:
    """An export time written above or below the table ('#导出时间:[2025-10-20 12:00:00]')."""
    for line in lines:
        m = _STATED.search(line.lstrip("#").strip())
        if not m:
            continue
        try:
            return _usable(parse_time(m[1], tz))
        except ValueError:
            continue
    return None


def name_time(name: str, tz: tzinfo) -> datetime | None:
    """The export time in a file name, to the minute, read in the case time zone."""
    m = _NAME.search(Path(name).stem)
    if not m:
        return None
    try:
        value = datetime(
            int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6] or 0), tzinfo=tz
        )
    except ValueError:
        return None
    return _usable(value)


def export_time(path: Path, tz: tzinfo) -> tuple[datetime, str] | None:
    """(time, how) for an export file, how being xlsx-properties, export-time or filename."""
    if (when := _usable(xlsx_saved_time(path))) is not None:
        return when, "xlsx-properties"
    export = None
    if path.suffix.lower() in (".csv", ".tsv", ".txt", ".xlsx", ".xlsm"):
        # Unreadable: the table reader reports it; the file name may still say.
        with contextlib.suppress(ValueError, OSError):
            export = read_export(path)
    if export is not None:
        when = stated_time((*export.trailer, *export.preamble), tz)
        if when is not None:
            return when, "export-time"
    if (when := name_time(path.name, tz)) is not None:
        return when, "filename"
    return None
