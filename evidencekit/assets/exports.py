"""Exports as they come: find the header row, clean cells, recognise columns by their role.

Order, payment, after-sales and carrier exports rarely start with their header: Alipay
statements open with `#`-lines of account information and close with summary lines, SF Express
puts a title above its trace, Excel guards long numbers as `="…"`. `read_export` gives the
table inside such a file; `find_column` names a column by role (order id, waybill, time, …)
among the headers merchants meet, Chinese and English. Errors are ValueError with a message
the caller turns into a located EvidenceError.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any, TypeVar, cast

from evidencekit.messages import Msg, join
from evidencekit.model import ShippingEvent

HEADER_SCAN = 200  # rows searched for the header
ROLES: dict[str, tuple[str, ...]] = {
    # Synonyms in priority order, compared after `header_key` (case, width, spaces, units).
    "order_id": (
        "订单编号",
        "订单号",
        "主订单编号",
        "子订单编号",
        "订单id",
        "商户订单号",
        "商家订单号",
        "外部订单号",
        "平台订单号",
        "orderid",
        "ordernumber",
        "orderno",
        "order#",
        "order",
    ),
    "buyer": (
        "买家会员名",
        "买家昵称",
        "买家账号",
        "买家用户名",
        "买家",
        "用户名",
        "客户",
        "buyer",
        "buyername",
        "customer",
        "customername",
        "billingname",
    ),
    "placed": (
        "订单创建时间",
        "下单时间",
        "交易创建时间",
        "创建时间",
        "订单提交时间",
        "成交时间",
        "placedat",
        "createdat",
        "orderdate",
        "datecreated",
        "created",
    ),
    "paid": (
        "订单付款时间",
        "付款时间",
        "支付时间",
        "完成时间",
        "paidat",
        "paymentdate",
        "paymenttime",
        "paid",
    ),
    "amount": (
        "买家实际支付金额",
        "实付金额",
        "实付款",
        "支付金额",
        "订单金额",
        "交易金额",
        "金额",
        "总金额",
        "amount",
        "total",
        "ordertotal",
        "amountpaid",
        "grossamount",
    ),
    "consignee": (
        "收货人姓名",
        "收货人",
        "收件人",
        "收件人姓名",
        "consignee",
        "recipient",
        "shippingname",
        "shiptoname",
    ),
    "address": (
        "收货地址",
        "收件地址",
        "收件人地址",
        "详细地址",
        "地址",
        "shippingaddress",
        "shippingaddress1",
        "shiptoaddress",
        "address",
    ),
    "phone": (
        "联系手机",
        "收货人手机",
        "收件人手机",
        "联系电话",
        "手机号",
        "手机",
        "电话",
        "phone",
        "mobile",
        "shippingphone",
        "telephone",
    ),
    "carrier": (
        "物流公司",
        "快递公司",
        "承运商",
        "物流公司名称",
        "快递",
        "carrier",
        "shippingcarrier",
        "courier",
    ),
    "waybill": (
        "运单号",
        "快递单号",
        "物流单号",
        "运单编号",
        "面单号",
        "运单号码",
        "trackingnumber",
        "trackingno",
        "tracking#",
        "tracking",
        "waybill",
        "waybillnumber",
        "waybillno",
        "awb",
        "shipmenttrackingnumber",
    ),
    "time": (
        "时间",
        "日期时间",
        "操作时间",
        "扫描时间",
        "发生时间",
        "处理时间",
        "更新时间",
        "at",
        "time",
        "datetime",
        "date/time",
        "date&time",
        "timestamp",
        "eventtime",
        "scantime",
        "localtime",
    ),
    "date": ("日期", "date", "eventdate", "scandate"),
    "location": (
        "地点",
        "所在地",
        "所在城市",
        "城市",
        "位置",
        "操作地点",
        "网点",
        "当前网点",
        "location",
        "city",
        "place",
        "scanlocation",
        "where",
    ),
    "status": (
        "物流信息",
        "状态",
        "物流状态",
        "物流详情",
        "轨迹",
        "轨迹详情",
        "跟踪信息",
        "快件状态",
        "描述",
        "详情",
        "内容",
        "status",
        "event",
        "activity",
        "description",
        "details",
        "trackingevent",
        "status/event/description",
        "message",
    ),
}
_KEYS = {role: tuple(dict.fromkeys(syn)) for role, syn in ROLES.items()}
_UNIT = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]$")  # 金额（元）, Amount (USD)
_SEPARATOR = re.compile(r"[-=_*]{5,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ID_PREFIX = re.compile(r"^(?:(?:no|运单号|单号)\s*[.:：#]?|#)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Export:
    """The table inside an export file, its header found and its cells cleaned."""

    header: tuple[str, ...]  # unique names: a repeated 备注 becomes 备注 (2)
    rows: tuple[tuple[str, ...], ...]  # each as wide as the header
    lines: tuple[int, ...]  # the file's line (CSV) or row (XLSX) number of each row
    header_line: int
    preamble: tuple[str, ...]  # lines above the header (account, period, title)
    trailer: tuple[str, ...]  # summary lines below the table (#导出时间, 共 5 笔)
    encoding: str  # the text encoding used, or "xlsx"
    guessed: bool  # whether the encoding was detected rather than certain
    sheet: str | None
    warnings: tuple[str, ...]

    @functools.cached_property
    def _ids(self) -> dict[int, dict[str, tuple[int, ...]]]:
        return {}

    def ids(self, col: int) -> dict[str, tuple[int, ...]]:
        """Row numbers by the id in column `col` (normalize_id; blank cells under ''),
        indexed once per export: 50 orders' tables filter a 20 000-row export by lookups."""
        if col not in self._ids:
            found: dict[str, list[int]] = {}
            for n, row in enumerate(self.rows):
                found.setdefault(normalize_id(row[col]), []).append(n)
            self._ids[col] = {k: tuple(v) for k, v in found.items()}
        return self._ids[col]

    def matching(self, col: int, values: Sequence[str]) -> list[int]:
        """Row numbers, in file order, whose cell in `col` holds one of `values` (same_id:
        verbatim, or once guards and prefixes are gone; a blank value matches verbatim)."""
        index = self.ids(col)
        found: set[int] = set()
        for value in values:
            if value.strip():
                found.update(index.get(normalize_id(value), ()))
            else:
                found.update(n for n, row in enumerate(self.rows) if row[col] == value)
        return sorted(found)


def clean_cell(cell: str) -> str:
    """A cell as the export meant it: no padding, tabs, control characters or Excel guards."""
    if cell.isprintable():  # the common case: no tab, line end or control character
        c = cell.strip(" ")
    else:
        c = cell.replace("\t", " ")  # statements pad every cell with a tab
        if not c.isprintable():
            c = _CONTROL.sub("", c)
        c = c.strip(" \r\n\u3000\xa0")
    if not c or c[0] not in "='":
        return c
    # Excel guards keep long numbers from being mangled: ="3456..." or a leading apostrophe.
    if c.startswith('="') and c.endswith('"') and len(c) >= 3:
        return c[2:-1].strip()
    if c.startswith("'"):
        return c[1:]
    return c


def normalize_id(value: str) -> str:
    """An id for matching: `No: SF123`, `="SF123"` and ` sf123 ` all become `SF123`."""
    v = _ID_PREFIX.sub("", clean_cell(value))
    return "".join(v.split()).upper()  # no whitespace (str.split's is re's \s)


def same_id(cell: str, value: str) -> bool:
    """Whether a cell holds the given id (verbatim, or once guards and prefixes are gone)."""
    return cell == value or (bool(value.strip()) and normalize_id(cell) == normalize_id(value))


def header_key(name: str) -> str:
    """A header compared loosely: width, case, spaces and a trailing unit do not count."""
    key = unicodedata.normalize("NFKC", name).strip().lower()
    key = _UNIT.sub("", key) or key
    return re.sub(r"[\s_\-]+", "", key)


def find_column(headers: Sequence[str], role: str) -> int | None:
    """Index of the column that plays `role` (see ROLES), or None.

    Exact synonyms first, in their priority order; then a header that ends with one
    (订单付款时间 → paid, 处理地点 → location): two Chinese characters or three Latin letters.
    """
    synonyms = _KEYS[role]
    keys = [header_key(h) for h in headers]
    for syn in synonyms:
        if syn in keys:
            return keys.index(syn)
    for syn in synonyms:
        if len(syn) >= 3 or (len(syn) == 2 and not syn.isascii()):
            for i, k in enumerate(keys):
                if k.endswith(syn):
                    return i
    return None


def role_of(header: str) -> str | None:
    """The role a header names exactly, if any."""
    key = header_key(header)
    return next((role for role, syn in _KEYS.items() if key in syn), None)


def _width(row: Sequence[str]) -> int:
    for i in range(len(row) - 1, -1, -1):
        if row[i]:
            return i + 1
    return 0


def _is_note(row: Sequence[str]) -> bool:
    """A comment or separator line (#导出时间:[…], ------), not a table row."""
    first = row[0] if row else ""
    if not first or not (first[0] == "#" or _SEPARATOR.search(first)):
        return False
    return not any(row[1:])


def _find_header(rows: Sequence[Sequence[str]], expect: Sequence[str]) -> int:
    head = rows[:HEADER_SCAN]
    if expect:
        wanted = {e.strip() for e in expect}
        for i, row in enumerate(head):
            if wanted <= {c for c in row}:
                return i
    widths = Counter(_width(r) for r in head if not _is_note(r))
    if not widths:
        return 0
    if any(w > 1 for w in widths):  # title and summary lines are one cell wide; tables are not
        widths = Counter({w: n for w, n in widths.items() if w > 1})
    common = max(widths.items(), key=lambda kv: (kv[1], kv[0]))[0]
    first = next(i for i, r in enumerate(head) if not _is_note(r))
    if _width(head[first]) >= common:
        return first
    scores = [(sum(role_of(c) is not None for c in r if c), -i) for i, r in enumerate(head)]
    best, neg = max(scores)
    if best >= 1:
        return -neg
    # No header word known: the first line that is more than a title (or the first line).
    wide = min(2, common)
    return next((i for i, r in enumerate(head) if not _is_note(r) and _width(r) >= wide), first)


def _unique(names: list[str]) -> tuple[list[str], list[str]]:
    seen: Counter[str] = Counter()
    out: list[str] = []
    notes: list[str] = []
    for i, name in enumerate(names):
        base = name or f"column {i + 1}"
        seen[base] += 1
        if seen[base] > 1:
            new = f"{base} ({seen[base]})"
            while new in names or new in out:
                seen[base] += 1
                new = f"{base} ({seen[base]})"
            notes.append(Msg("export.column_repeats", name=base, n=i + 1, shown=new))
            out.append(new)
        else:
            out.append(base)
    return out, notes


def build_export(
    raw: Sequence[Sequence[str]],
    lines: Sequence[int],
    *,
    encoding: str,
    guessed: bool = False,
    sheet: str | None = None,
    expect: Sequence[str] = (),
    warnings: Iterable[str] = (),
) -> Export:
    """The table inside raw rows (cells not yet cleaned); ValueError when there is none."""
    rows, kept = _clean_rows(raw, lines)
    return _split(rows, kept, encoding, guessed, sheet, expect, warnings)


def _clean_rows(
    raw: Sequence[Sequence[str]], lines: Sequence[int]
) -> tuple[list[list[str]], list[int]]:
    """Cells cleaned, empty rows dropped, with the line each kept row starts on."""
    rows: list[list[str]] = []
    kept: list[int] = []
    for r, line in zip(raw, lines, strict=True):
        joined = "".join(r)
        if "\t" in joined and joined.replace("\t", " ").isprintable():  # tab-padded cells
            r = [c.replace("\t", " ") for c in r]
            joined = "".join(r)
        if joined.isprintable():  # clean_cell's common case for a whole row at once
            cells = [c.strip(" ") for c in r]
            cells = [clean_cell(c) if c[:1] in ("=", "'") else c for c in cells]
        else:
            cells = [clean_cell(c) for c in r]
        if any(cells):
            rows.append(cells)
            kept.append(line)
    return rows, kept


def _split(
    rows: list[list[str]],
    lines: list[int],
    encoding: str,
    guessed: bool,
    sheet: str | None,
    expect: Sequence[str],
    warnings: Iterable[str],
) -> Export:
    """Header, body and the lines around them, for the columns the caller expects."""
    if not rows:
        raise ValueError(Msg("export.empty"))
    return _split_at(rows, lines, _find_header(rows, expect), encoding, guessed, sheet, warnings)


def _split_at(
    rows: list[list[str]],
    lines: list[int],
    h: int,
    encoding: str,
    guessed: bool,
    sheet: str | None,
    warnings: Iterable[str],
) -> Export:
    """The table under the header at row `h`."""
    preamble = tuple(",".join(c for c in r if c) for r in rows[:h])
    body: list[list[str]] = []
    body_lines: list[int] = []
    trailer: list[str] = []
    header = rows[h]
    notes_end = _width(header) > 1  # in a one-column table, '#1001' is data
    for row, line in zip(rows[h + 1 :], lines[h + 1 :], strict=True):
        if trailer or (notes_end and _is_note(row)):
            trailer.append(",".join(c for c in row if c))
            continue
        body.append(row)
        body_lines.append(line)
    width = _width(header)
    for r in body:
        if len(r) > width:
            width = max(width, _width(r))
    names, notes = _unique([*header[:width], *[""] * (width - len(header))][:width])
    return Export(
        header=tuple(names),
        rows=tuple(tuple([*r[:width], *[""] * (width - len(r))]) for r in body),
        lines=tuple(body_lines),
        header_line=lines[h],
        preamble=preamble,
        trailer=tuple(trailer),
        encoding=encoding,
        guessed=guessed,
        sheet=sheet,
        warnings=(*warnings, *notes),
    )


def read_export(
    path: Path,
    sheet: str | None = None,
    encoding: str | None = None,
    expect: Sequence[str] = (),
) -> Export:
    """Read a CSV/TSV/TXT or XLSX export; `expect` names columns the header must hold.

    The same file is read by validation, the order checks, collect and the build, each
    expecting other columns: inside `export_cache()` (one build or validation) it is read and
    parsed once, and split once per header row those columns find (a frozen Export, shared):
    50 orders' exhibits of one 20 000-row export split it once, not 50 times.
    """
    xlsx = _is_xlsx(path)
    cache = _CACHE.get()
    if cache is None:
        return _split_parsed(_parse(path, path.read_bytes(), xlsx, sheet, encoding), expect)
    key = _key(path, sheet, encoding)  # a file changed under a running build is read again
    if key not in cache.parsed:
        ahead = cache.ahead.pop(key, None)
        got = ahead.result() if ahead is not None else None
        cache.parsed[key] = got or _parse(path, path.read_bytes(), xlsx, sheet, encoding)
    parsed = cache.parsed[key]
    if not parsed.rows:
        raise ValueError(Msg("export.empty"))
    # Callers expecting other columns mostly find the same header: one table, one id index.
    h = _find_header(parsed.rows, expect)
    if (*key, h) not in cache.splits:
        cache.splits[(*key, h)] = _split_at(
            parsed.rows,
            parsed.lines,
            h,
            parsed.encoding,
            parsed.guessed,
            parsed.sheet,
            parsed.warnings,
        )
    return cache.splits[(*key, h)]


@dataclass(frozen=True)
class _Parsed:
    rows: list[list[str]]  # cleaned, never mutated: every Export copies what it keeps
    lines: list[int]
    encoding: str
    guessed: bool
    sheet: str | None
    warnings: tuple[str, ...]


def _split_parsed(parsed: _Parsed, expect: Sequence[str]) -> Export:
    return _split(
        parsed.rows,
        parsed.lines,
        parsed.encoding,
        parsed.guessed,
        parsed.sheet,
        expect,
        parsed.warnings,
    )


def _parse(path: Path, data: bytes, xlsx: bool, sheet: str | None, encoding: str | None) -> _Parsed:
    from evidencekit.assets.tables import parse_csv, read_xlsx_raw
    from evidencekit.assets.text import decode

    if xlsx:
        raw, lines, name, notes = read_xlsx_raw(path, sheet)
        rows, kept = _clean_rows(raw, lines)
        return _Parsed(rows, kept, "xlsx", False, name, tuple(notes))
    decoded = decode(data, encoding)
    raw, lines = parse_csv(decoded.text)
    rows, kept = _clean_rows(raw, lines)
    return _Parsed(rows, kept, decoded.encoding, decoded.guessed, None, ())


@dataclass
class _Cache:
    """Exports parsed (by resolved path, size, mtime and reading options) and split (by the
    header row the expected columns find) while one `export_cache()` is open."""

    parsed: dict[tuple[object, ...], _Parsed] = field(default_factory=dict)
    splits: dict[tuple[object, ...], Export] = field(default_factory=dict)
    other: dict[tuple[object, ...], object] = field(default_factory=dict)  # build_cached
    ahead: dict[tuple[object, ...], _Ahead] = field(default_factory=dict)  # parse_ahead


def _key(path: Path, sheet: str | None, encoding: str | None) -> tuple[object, ...]:
    st = path.stat()
    return (path.resolve(), st.st_size, st.st_mtime_ns, _is_xlsx(path), sheet, encoding)


def _is_xlsx(path: Path) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm")


# An export this large (bytes) is worth a process of its own to parse (parse_ahead): a
# 20 000-row order export takes about 0.5 s, sending it back 0.15 s.
AHEAD_BYTES = 1 << 20


class _Ahead:
    """An export parsed in a forked process (parse_ahead). Its result is None when the process
    failed for any reason: the caller parses the file itself, where errors are reported."""

    def __init__(self, path: Path, sheet: str | None, encoding: str | None) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe(duplex=False)
        args = (child, path, sheet, encoding)
        self._process = context.Process(target=_parse_for, args=args, daemon=True)
        self._process.start()
        child.close()

    def result(self) -> _Parsed | None:
        from evidencekit.waiting import do_waiting

        do_waiting(self._conn.poll)  # what this process can do meanwhile
        try:
            got = self._conn.recv()
        except (EOFError, OSError):
            got = None
        self.stop()
        return got if isinstance(got, _Parsed) else None

    def stop(self) -> None:
        self._conn.close()
        if self._process.is_alive():
            self._process.kill()
        self._process.join()


def _parse_for(conn: Any, path: Path, sheet: str | None, encoding: str | None) -> None:
    """In the forked process: the parsed export, or None on any failure."""
    try:
        parsed: _Parsed | None = _parse(path, path.read_bytes(), _is_xlsx(path), sheet, encoding)
    except Exception:  # reported when the caller parses it again
        parsed = None
    conn.send(parsed)
    conn.close()


def parse_ahead(files: Iterable[tuple[Path, str | None, str | None]]) -> None:
    """Start parsing large exports (path, sheet, encoding) in processes of their own while
    the caller goes on; `read_export` takes the results (inside an `export_cache`, with two
    cores or more). The paths must be those the manifest was allowed to name (checked)."""
    import os

    cache = _CACHE.get()
    if cache is None or (os.cpu_count() or 1) < 2:
        return
    for path, sheet, encoding in files:
        try:
            key = _key(path, sheet, encoding)
        except OSError:
            continue  # reported when read
        if key in cache.parsed or key in cache.ahead or cast(int, key[1]) < AHEAD_BYTES:
            continue
        cache.ahead[key] = _Ahead(path, sheet, encoding)


_CACHE: ContextVar[_Cache | None] = ContextVar("evidencekit_exports", default=None)
_T = TypeVar("_T")


def build_cached(path: Path, key: tuple[object, ...], make: Callable[[], _T]) -> _T:
    """make(), once per file (resolved path, size, mtime) and key while an export_cache() is
    open, every time without one (what transcripts read, e.g.). Errors are not kept."""
    cache = _CACHE.get()
    if cache is None:
        return make()
    st = path.stat()
    full = (path.resolve(), st.st_size, st.st_mtime_ns, *key)
    if full not in cache.other:
        cache.other[full] = make()
    return cast(_T, cache.other[full])


@contextmanager
def export_cache() -> Iterator[None]:
    """Read and parse each export once while open (a build, a validation); nested: the
    outer one holds. Nothing outlives it: the next build reads its files afresh."""
    if _CACHE.get() is not None:
        yield
        return
    cache = _Cache()
    token = _CACHE.set(cache)
    try:
        yield
    finally:
        _CACHE.reset(token)
        for ahead in cache.ahead.values():
            ahead.stop()


# ---------------------------------------------------------------- times

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for m in names
}
_WEEKDAY = re.compile(
    r"^(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?|星期[一二三四五六日天]|周[一二三四五六日天])\s*",
    re.IGNORECASE,
)
_CLOCK = (
    r"(?:[T\s]+(?P<ap1>上午|下午|凌晨|晚上|中午)?\s*(?P<h>\d{1,2})(?:[:：时点](?P<mi>\d{2}))"
    r"(?:[:：分](?P<s>\d{2})(?:[.,](?P<f>\d{1,6})\d*)?秒?)?\s*"
    r"(?P<ap2>[ap]\.?\s?m\.?)?"
    r"\s*\(?(?:(?P<z>z|utc|gmt)?\s*(?P<off>[+-])(?P<oh>\d{1,2})(?::?(?P<om>\d{2}))?|"
    r"(?P<z2>z|utc|gmt))?\)?)?$"
)
_DATES = [
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})" + _CLOCK, re.I),
    re.compile(r"^(?P<y>\d{4})年\s*(?P<m>\d{1,2})月\s*(?P<d>\d{1,2})[日号]?" + _CLOCK, re.I),
    re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})" + _CLOCK, re.I),
    re.compile(r"^(?P<a>\d{1,2})[/-](?P<b>\d{1,2})[/-](?P<y>\d{4})" + _CLOCK, re.I),
    re.compile(
        r"^(?P<mon>[a-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})" + _CLOCK, re.I
    ),
    re.compile(r"^(?P<d>\d{1,2})[\s-](?P<mon>[a-z]{3,9})\.?[\s-](?P<y>\d{4})" + _CLOCK, re.I),
    re.compile(
        r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:[T\s]?(?P<h>\d{2})(?P<mi>\d{2})(?P<s>\d{2})?)?$"
    ),
]
YEARS = (1900, 2199)  # outside this a value is a typing error, and time arithmetic would overflow


def _offset(sign: str, hours: int, minutes: int) -> tzinfo:
    if hours > 14 or minutes > 59:
        msg = Msg("time.bad_offset", offset=f"{sign}{hours:02d}:{minutes:02d}")
        raise ValueError(msg)
    return timezone((-1 if sign == "-" else 1) * timedelta(hours=hours, minutes=minutes))


def _from_match(m: re.Match[str], tz: tzinfo) -> datetime:
    g = m.groupdict()
    year = int(g["y"])
    if g.get("mon"):
        month = _MONTHS.get(g["mon"].lower())
        if month is None:
            msg = Msg("time.bad_month", month=g["mon"])
            raise ValueError(msg)
        day = int(g["d"])
    elif g.get("a"):
        a, b = int(g["a"]), int(g["b"])
        # Slashes are month-first (US carriers) unless the first number cannot be a month.
        month, day = (b, a) if a > 12 else (a, b)
    else:
        month, day = int(g["m"]), int(g["d"])
    hour = int(g.get("h") or 0)
    minute = int(g.get("mi") or 0)
    second = int(g.get("s") or 0)
    micro = int((g.get("f") or "0").ljust(6, "0")[:6])
    half = (g.get("ap1") or g.get("ap2") or "").lower().replace(".", "").replace(" ", "")
    if half:
        if hour > 12:
            msg = Msg("time.bad_hour")
            raise ValueError(msg)
        if half in ("pm", "下午", "晚上") and hour < 12:
            hour += 12
        elif half in ("am", "凌晨", "上午") and hour == 12:
            hour = 0
    zone: tzinfo = tz
    if g.get("off"):
        zone = _offset(g["off"], int(g["oh"]), int(g.get("om") or 0))
    elif g.get("z") or g.get("z2"):
        zone = UTC
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)


def parse_time(raw: str, tz: tzinfo) -> datetime:
    """An aware time from the forms exports use; without an offset it is read in `tz`.

    2025-10-01 09:36:12, 2025/10/1 9:36, 2025年10月1日 09:36, 2025-10-01T09:36:12+08:00,
    01.10.2025 09:36 (day first), 10/01/2025 9:36 AM (month first), Oct 1, 2025 9:36 AM,
    20251001093612. ValueError for anything else. Hand-written because a lenient parser
    (dateutil) turns stray numbers into dates; an export's time must be unambiguous.
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    text = _WEEKDAY.sub("", text).strip()
    text = re.sub(r"(\d[日号])(?=\S)", r"\1 ", text)  # 2025年10月1日09:36
    if not text:
        msg = Msg("time.empty")
        raise ValueError(msg)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None:
        for pattern in _DATES:
            m = pattern.match(text)
            if m:
                value = _from_match(m, tz)
                break
    if value is None:
        msg = Msg("time.bad", value=raw)
        raise ValueError(msg)
    if not YEARS[0] <= value.year <= YEARS[1]:
        msg = Msg("time.year_range", year=value.year, first=YEARS[0], last=YEARS[1])
        raise ValueError(msg)
    return value if value.tzinfo else value.replace(tzinfo=tz)


# ---------------------------------------------------------------- tracking events

EVENT_ROLES = ("at", "date", "time", "location", "status", "waybill")


def read_events(
    path: Path,
    tz: tzinfo,
    *,
    columns: dict[str, str] | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    tracking_number: str | None = None,
) -> tuple[list[ShippingEvent], Export]:
    """Tracking events from a carrier's CSV/XLSX export, in file order.

    `columns` maps at/date/time/location/status/waybill to headers; the rest are recognised.
    A file with several waybills is filtered to `tracking_number`.
    """
    columns = dict(columns or {})
    unknown = set(columns) - set(EVENT_ROLES)
    if unknown:
        msg = Msg("export.unknown_role", role=sorted(unknown)[0], names=", ".join(EVENT_ROLES))
        raise ValueError(msg)
    export = read_export(path, sheet, encoding, expect=list(columns.values()))
    header = export.header

    def col(role: str) -> int | None:
        name = columns.get(role)
        if name is None:
            return None
        if name not in header:
            msg = Msg("export.no_column", name=name, role=role, names=", ".join(header))
            raise ValueError(msg)
        return header.index(name)

    # The time is one column (at / time) or a date column and a time column.
    if {"at", "date", "time"} & set(columns):
        time_i, date_i = col("at"), col("date")
        if time_i is None:
            time_i = col("time")
    else:
        time_i, date_i = find_column(header, "time"), find_column(header, "date")
    status_i = col("status") if "status" in columns else find_column(header, "status")
    location_i = col("location") if "location" in columns else find_column(header, "location")
    waybill_i = col("waybill") if "waybill" in columns else find_column(header, "waybill")
    if (time_i is None and date_i is None) or status_i is None:
        msg = Msg("export.no_event_columns", names=", ".join(header))
        raise ValueError(msg)
    rows = list(zip(export.lines, export.rows, strict=True))
    if waybill_i is not None:
        rows = _one_waybill(rows, waybill_i, tracking_number, header[waybill_i])
    events: list[ShippingEvent] = []
    bad: list[str] = []
    for line, row in rows:
        clock = row[time_i] if time_i is not None else ""
        day = row[date_i] if date_i is not None and date_i != time_i else ""
        try:
            at = parse_time(clock or day, tz)
        except ValueError:
            try:
                at = parse_time(f"{day} {clock}", tz)
            except ValueError:
                bad.append(
                    Msg("export.bad_line", line=line, value=" ".join(x for x in (day, clock) if x))
                )
                continue
        location = row[location_i] if location_i is not None and location_i != status_i else ""
        events.append(ShippingEvent(at, location, row[status_i]))
    if bad:
        more = Msg("export.and_more", n=len(bad) - 3) if len(bad) > 3 else ""
        msg = Msg("export.bad_times", lines=join(bad[:3], "; "), more=more)
        raise ValueError(msg)
    if not events:
        raise ValueError(Msg("export.no_events"))
    return events, export


def _one_waybill(
    rows: list[tuple[int, tuple[str, ...]]], i: int, tracking: str | None, name: str
) -> list[tuple[int, tuple[str, ...]]]:
    """Rows of one waybill; a blank waybill cell continues the one above (grouped exports)."""
    filled: list[tuple[str, int, tuple[str, ...]]] = []
    current = ""
    for line, row in rows:
        current = normalize_id(row[i]) or current
        filled.append((current, line, row))
    numbers = list(dict.fromkeys(n for n, _, _ in filled if n))
    if not numbers:
        return rows
    if tracking:
        want = normalize_id(tracking)
        keep = [(line, row) for n, line, row in filled if n == want]
        if not keep:
            shown = ", ".join(numbers[:5]) + (" …" if len(numbers) > 5 else "")
            msg = Msg("export.no_waybill_rows", number=tracking, column=name, shown=shown)
            raise ValueError(msg)
        return keep
    if len(numbers) > 1:
        shown = ", ".join(numbers[:5]) + (" …" if len(numbers) > 5 else "")
        msg = Msg("export.many_waybills", n=len(numbers), shown=shown)
        raise ValueError(msg)
    return rows
