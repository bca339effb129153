"""Load case.yaml keeping line/column, validate it into the model, resolve and contain paths.

Every problem is collected before stopping; each names the manifest line and path.
"""

from __future__ import annotations

import difflib
import glob
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ValidationError

from evidencekit.checks import missing_expected, reason_class
from evidencekit.errors import ManifestError, Problem
from evidencekit.model import (
    EVIDENCE_KINDS,
    Case,
    CaseInfo,
    ChatEvidence,
    Exhibit,
    Manifest,
    Profile,
    Redaction,
    ShippingEvent,
    ShippingEvidence,
    SourceFile,
)
from evidencekit.profiles import load_profile, profile_names

IMAGE_SUFFIXES = {
    ".png",
    ".jpg",
    ".jpeg",
    ".webp",
    ".gif",
    ".bmp",
    ".tif",
    ".tiff",
    ".heic",
    ".heif",
    ".avif",
}
TABLE_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm"}
EVENT_SUFFIXES = {".csv", ".tsv"}
TRANSCRIPT_SUFFIXES = {".csv", ".json", ".txt"}
TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
PDF_SUFFIXES = {".pdf"}

# Magic numbers of the formats the foundation reads; a file that is not what it says is refused.
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")
_MAGIC: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".bmp": (b"BM",),
    ".tif": (b"II*\x00", b"MM\x00*"),
    ".tiff": (b"II*\x00", b"MM\x00*"),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}

Path_ = tuple[str | int, ...]


# ---------------------------------------------------------------- YAML with marks


class _Loader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1 timestamp/yes-no guessing: pydantic parses those."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class Marks:
    """Line/column (1-based) of every value and key in the document, by path."""

    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def at(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        table = self.keys if key else self.values
        p = tuple(path)
        while p:
            if p in table:
                return table[p]
            if p in self.values:
                return self.values[p]
            p = p[:-1]
        return self.values.get((), (1, 1))


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _convert(
    loader: _Loader, node: yaml.Node, path: Path_, marks: Marks, problems: list[Problem], fn: str
) -> Any:
    marks.values[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for knode, vnode in node.value:
            key = _convert(loader, knode, (*path, "\0key"), marks, problems, fn)
            if not isinstance(key, str | int):
                line, col = _mark(knode)
                problems.append(Problem("keys must be plain text", fmt_path(path), fn, line, col))
                continue
            key = str(key)
            if key in out:
                line, col = _mark(knode)
                problems.append(
                    Problem(
                        f"duplicate key {key!r}",
                        fmt_path((*path, key)),
                        fn,
                        line,
                        col,
                        hint="each key may appear once; the later one would silently win",
                    )
                )
            marks.keys[(*path, key)] = _mark(knode)
            out[key] = _convert(loader, vnode, (*path, key), marks, problems, fn)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(loader, child, (*path, i), marks, problems, fn)
            for i, child in enumerate(node.value)
        ]
    assert isinstance(node, yaml.ScalarNode)
    tag = node.tag
    if tag == "tag:yaml.org,2002:bool" and node.value.lower() not in ("true", "false"):
        return node.value  # yes/no/on/off stay text
    if tag == "tag:yaml.org,2002:float":
        try:
            return Decimal(node.value.replace("_", ""))  # exact amounts, never binary floats
        except InvalidOperation:
            return loader.construct_object(node)
    return loader.construct_object(node)


def load_yaml(text: str, filename: str) -> tuple[Any, Marks]:
    """Parse YAML text into plain data plus marks; raise ManifestError on syntax errors."""
    marks = Marks()
    problems: list[Problem] = []
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ManifestError(
                [
                    Problem(
                        "the manifest is empty",
                        file=filename,
                        line=1,
                        col=1,
                        hint="start with `evidencekit: 1`",
                    )
                ]
            )
        data = _convert(loader, node, (), marks, problems, filename)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        what = " ".join(x for x in (e.context, e.problem) if x)
        raise ManifestError(
            [
                Problem(
                    f"YAML syntax error: {what}",
                    file=filename,
                    line=line,
                    col=col,
                    hint="check indentation and quoting on this line",
                )
            ]
        ) from e
    except yaml.YAMLError as e:
        raise ManifestError([Problem(f"YAML error: {e}", file=filename)]) from e
    finally:
        loader.dispose()
    if problems:
        raise ManifestError(problems)
    return data, marks


# ---------------------------------------------------------------- validation


def fmt_path(path: Path_) -> str:
    """('evidence', 2, 'files', 0) -> 'evidence[2].files[0]'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "\0key":
            out += f".{part}" if out else str(part)
    return out


def _fields_at(loc: Path_, data: Any) -> list[str]:
    """Field names the model accepts at the mapping where an unknown key was found."""
    from evidencekit import model as m

    node: type[BaseModel] | None = Manifest
    value = data
    for part in loc[:-1]:
        if node is None:
            return []
        if isinstance(part, int):
            value = value[part] if isinstance(value, list) and part < len(value) else None
            continue
        info = node.model_fields.get(str(part))
        value = value.get(part) if isinstance(value, dict) else None
        if info is None:
            return []
        node = _model_of(info.annotation, value, m)
    return list(node.model_fields) if node else []


def _model_of(annotation: Any, value: Any, m: Any) -> type[BaseModel] | None:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    args = typing.get_args(annotation)
    if annotation is not None and getattr(annotation, "__metadata__", None):
        args = typing.get_args(typing.get_args(annotation)[0]) or args
    kinds = {
        "product": m.ProductEvidence,
        "transaction": m.TransactionEvidence,
        "shipping": m.ShippingEvidence,
        "chat": m.ChatEvidence,
        "document": m.DocumentEvidence,
        "note": m.NoteEvidence,
    }
    if (
        isinstance(value, dict)
        and value.get("kind") in kinds
        and any(a in kinds.values() for a in args)
    ):
        return kinds[value["kind"]]
    for a in args:
        found = _model_of(a, value, m)
        if found:
            return found
    return None


def _loc_to_path(loc: tuple[Any, ...]) -> Path_:
    # Pydantic adds union member tags ("product", "str", "list[...]") into loc; drop them.
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, int):
            out.append(part)
        elif (
            isinstance(part, str)
            and (part in EVIDENCE_KINDS or "[" in part or part in ("str", "int", "function-after"))
            and out
            and out[-1] != "kind"
        ):
            if part in EVIDENCE_KINDS and len(out) >= 2 and out[-2] == "evidence":
                continue
            if part in EVIDENCE_KINDS:
                out.append(part)
            continue
        else:
            out.append(part)
    return tuple(out)


def _problems_from_validation(
    err: ValidationError, data: Any, marks: Marks, fn: str
) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for e in err.errors():
        path = _loc_to_path(tuple(e["loc"]))
        etype = e["type"]
        hint = ""
        msg = e["msg"]
        if etype == "extra_forbidden":
            key = str(path[-1])
            allowed = _fields_at(path, data)
            close = difflib.get_close_matches(key, allowed, n=1)
            msg = f"unknown key {key!r}"
            hint = f"did you mean {close[0]!r}?" if close else ""
            if allowed:
                hint = (hint + " " if hint else "") + "accepted keys: " + ", ".join(allowed)
            line, col = marks.at(path, key=True)
        elif etype == "missing":
            msg = f"missing required key {path[-1]!r}"
            line, col = marks.at(path[:-1])
        elif etype in ("union_tag_invalid", "union_tag_not_found"):
            kind = e.get("input", {}).get("kind") if isinstance(e.get("input"), dict) else None
            msg = f"unknown evidence kind {kind!r}" if kind else "evidence item has no 'kind'"
            close = difflib.get_close_matches(str(kind), EVIDENCE_KINDS, n=1) if kind else []
            hint = (
                (f"did you mean {close[0]!r}? " if close else "")
                + "accepted kinds: "
                + (", ".join(EVIDENCE_KINDS))
            )
            line, col = marks.at((*path, "kind"))
        elif etype == "literal_error" and path == ("evidencekit",):
            msg = f"unknown manifest version {e.get('input')!r}"
            hint = "this evidencekit reads manifest version 1: `evidencekit: 1`"
            line, col = marks.at(path)
        elif etype.startswith("datetime"):
            msg = f"not a valid date/time: {e.get('input')!r}"
            hint = "use ISO 8601, e.g. 2025-10-04T10:00:00 or 2025-10-04T10:00:00+08:00"
            line, col = marks.at(path)
        else:
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, ") :]
            line, col = marks.at(path)
        dedup = (fmt_path(path), msg)
        if dedup in seen:
            continue
        seen.add(dedup)
        problems.append(Problem(msg, fmt_path(path), fn, line, col, hint))
    return problems


# ---------------------------------------------------------------- paths


def natural_key(text: str) -> list[Any]:
    """Sort key where '2.png' sorts before '10.png'."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", text)]


@dataclass
class _Resolver:
    root: Path
    fn: str
    marks: Marks
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def problem(self, path: Path_, msg: str, hint: str = "", *, warning: bool = False) -> None:
        line, col = self.marks.at(path)
        p = Problem(
            msg, fmt_path(path), self.fn, line, col, hint, "warning" if warning else "error"
        )
        (self.warnings if warning else self.problems).append(p)

    def _contained(self, path: Path_, raw: str) -> bool:
        if not raw.strip():
            self.problem(path, "empty path")
            return False
        pure = PurePosixPath(raw.replace("\\", "/"))
        if pure.is_absolute() or re.match(r"^[A-Za-z]:", raw):
            self.problem(
                path,
                f"absolute path {raw!r} is not allowed",
                "give paths relative to the manifest's folder, inside the case folder",
            )
            return False
        if ".." in pure.parts:
            self.problem(
                path,
                f"path {raw!r} leaves the case folder",
                "copy the file into the case folder and name it relative to case.yaml",
            )
            return False
        return True

    def _inside(self, path: Path_, raw: str, candidate: Path) -> Path | None:
        real = candidate.resolve()
        if not real.is_relative_to(self.root):
            shown = candidate.relative_to(self.root).as_posix()
            self.problem(
                path,
                f"{shown!r} is a link that points outside the case folder",
                "copy the file itself into the case folder",
            )
            return None
        return real

    def files(self, path: Path_, raw: str, suffixes: set[str] | None = None) -> list[SourceFile]:
        """Resolve one entry (a path or a glob) to the files it names, in natural order."""
        if not self._contained(path, raw):
            return []
        pattern = raw.replace("\\", "/")
        if glob.has_magic(pattern):
            matches = [
                m
                for m in glob.glob(pattern, root_dir=self.root, recursive=True)
                if (self.root / m).is_file()
            ]
            if not matches:
                self.problem(
                    path,
                    f"no file matches {raw!r}",
                    f"check the pattern against the files under {self.root.name}/",
                )
                return []
            matches.sort(key=natural_key)
        else:
            if not (self.root / pattern).exists():
                parent = (self.root / pattern).parent
                near = []
                if parent.is_dir():
                    near = difflib.get_close_matches(
                        Path(pattern).name, [p.name for p in parent.iterdir()], n=1
                    )
                self.problem(
                    path, f"file not found: {raw!r}", f"did you mean {near[0]!r}?" if near else ""
                )
                return []
            if (self.root / pattern).is_dir():
                self.problem(path, f"{raw!r} is a folder", "name files or a glob like 'dir/*.png'")
                return []
            matches = [pattern]
        out = []
        for m in matches:
            real = self._inside(path, raw, self.root / m)
            if real is None:
                continue
            rel = real.relative_to(self.root).as_posix()
            if suffixes is not None and real.suffix.lower() not in suffixes:
                self._bad_type(path, rel, real, suffixes)
                continue
            if not self._magic_ok(path, rel, real):
                continue
            line, col = self.marks.at(path)
            where = f"{self.fn}:{line}:{col}: {fmt_path(path)}"
            out.append(SourceFile(rel=rel, path=real, location=where))
        return out

    def _bad_type(self, path: Path_, rel: str, real: Path, suffixes: set[str]) -> None:
        self.problem(
            path,
            f"{rel}: unsupported file type {real.suffix or '(none)'!r}",
            "accepted here: " + ", ".join(sorted(suffixes)),
        )

    def _magic_ok(self, path: Path_, rel: str, real: Path) -> bool:
        magic = _MAGIC.get(real.suffix.lower())
        if magic is None and real.suffix.lower() in (".webp", ".heic", ".heif", ".avif"):
            magic = ()  # checked by their container signature below
        if magic is None:
            return True
        try:
            with real.open("rb") as fh:
                head = fh.read(1024)  # PDF headers may follow junk bytes
        except OSError as e:
            self.problem(path, f"{rel}: cannot read: {e.strerror}")
            return False
        suffix = real.suffix.lower()
        if suffix == ".pdf" and b"%PDF-" in head:
            return True
        if suffix == ".webp" and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return True
        if suffix in (".heic", ".heif") and head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
            return True
        if suffix == ".avif" and head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis"):
            return True
        if not any(head.startswith(m) for m in magic):
            noun = "file" if real.suffix.lower() == ".pdf" else "image"
            self.problem(
                path,
                f"{rel}: not a {real.suffix[1:].upper()} {noun} "
                "(its content does not match its name)",
                "re-export the file, or give it the right extension",
            )
            return False
        return True

    def one(self, path: Path_, raw: str, suffixes: set[str]) -> SourceFile | None:
        if glob.has_magic(raw):
            self.problem(path, f"{raw!r}: give one file here, not a pattern")
            return None
        found = self.files(path, raw, suffixes)
        return found[0] if found else None


# ---------------------------------------------------------------- entry point


def _aware(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=tz)


def _exhibit_ids(count: int, style: str) -> list[str]:
    if style == "number":
        return [str(i + 1) for i in range(count)]
    out = []
    for i in range(count):
        n, s = i, ""
        while True:
            s = chr(ord("A") + n % 26) + s
            n = n // 26 - 1
            if n < 0:
                break
        out.append(s)
    return out


def label_for(exhibit_id: str, language: str) -> str:
    """'A' -> 'Exhibit A'; '1' -> '证据1'."""
    return f"证据{exhibit_id}" if language == "zh-CN" else f"Exhibit {exhibit_id}"


def _read_events_csv(
    res: _Resolver, path: Path_, sf: SourceFile, tz: ZoneInfo
) -> list[ShippingEvent]:
    import csv
    import io

    from evidencekit.assets.text import read_text

    try:
        text = read_text(sf.path)
    except ValueError as e:
        res.problem(path, f"{sf.rel}: {e}")
        return []
    rows = list(csv.DictReader(io.StringIO(text)))
    need = {"at", "status"}
    if not rows or not need <= set(rows[0]):
        res.problem(
            path,
            f"{sf.rel}: tracking CSV needs the columns at, location, status",
            "first line: at,location,status",
        )
        return []
    out = []
    for i, row in enumerate(rows, start=2):
        try:
            at = datetime.fromisoformat(row["at"].strip())
        except ValueError:
            res.problem(
                path,
                f"{sf.rel}:{i}: not a valid date/time: {row['at']!r}",
                "use ISO 8601, e.g. 2025-10-01T09:00:00",
            )
            continue
        out.append(
            ShippingEvent(
                _aware(at, tz) or at,
                (row.get("location") or "").strip(),
                (row.get("status") or "").strip(),
            )
        )
    return out


def load_case(
    manifest_path: Path, *, profile: str | None = None, language: str | None = None
) -> Case:
    """Read, validate and resolve a manifest; raise ManifestError with every problem found.

    profile and language override the manifest's (command-line options).
    """
    fn = manifest_path.name
    try:
        raw = manifest_path.read_bytes()
    except OSError as e:
        raise ManifestError(
            [Problem(f"cannot read the manifest: {e.strerror}", file=str(manifest_path))]
        ) from e
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ManifestError(
            [
                Problem(
                    "the manifest is not UTF-8 text",
                    file=fn,
                    line=line,
                    col=1,
                    hint="save case.yaml as UTF-8",
                )
            ]
        ) from e
    data, marks = load_yaml(text, fn)
    if not isinstance(data, dict):
        raise ManifestError(
            [Problem("the manifest must be a mapping (key: value)", file=fn, line=1, col=1)]
        )
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as e:
        raise ManifestError(_problems_from_validation(e, data, marks, fn)) from e
    update: dict[str, object] = {}
    if profile:
        update["profile"] = profile
    if language:
        if language not in ("zh-CN", "en"):
            raise ManifestError([Problem(f"unknown language {language!r}", hint="use zh-CN or en")])
        update["language"] = language
    if update:
        manifest = manifest.model_copy(update={"case": manifest.case.model_copy(update=update)})
    return resolve(manifest, manifest_path, marks)


def _check_redactions(
    res: _Resolver, base: Path_, redactions: list[Redaction], files: list[SourceFile]
) -> None:
    """Each redaction names one of the item's images, and its boxes lie inside it."""
    from evidencekit.assets.images import image_size
    from evidencekit.errors import EvidenceError

    by_rel = {f.rel: f for f in files}
    for k, red in enumerate(redactions):
        at = (*base, "redact", k)
        rel = PurePosixPath(red.file.replace("\\", "/")).as_posix()
        sf = by_rel.get(rel)
        if sf is None:
            res.problem(
                (*at, "file"),
                f"{red.file!r} is not one of this item's files",
                "name the image exactly as it is matched by files:",
            )
            continue
        if sf.path.suffix.lower() not in IMAGE_SUFFIXES:
            res.problem((*at, "file"), f"{rel}: only images can be redacted here")
            continue
        try:
            w, h = image_size(sf.path, sf.rel)
        except EvidenceError as e:
            res.problem((*at, "file"), str(e))
            continue
        for j, (x, y, bw, bh) in enumerate(red.boxes):
            if bw <= 0 or bh <= 0 or x < 0 or y < 0 or x + bw > w or y + bh > h:
                res.problem(
                    (*at, "boxes", j),
                    f"box [{x}, {y}, {bw}, {bh}] is not inside the {w}×{h} image",
                    "boxes are [x, y, width, height] in pixels, as the image displays",
                )


def _check_pdfs(
    res: _Resolver, base: Path_, item: object, files: list[SourceFile]
) -> dict[str, tuple[tuple[int, ...], str]]:
    """Open every PDF of an item (password, repair) and select its pages; rel -> (pages, pw)."""
    from evidencekit.pdf.sources import PdfSourceError, inspect_pdf, parse_pages

    pdfs = [f for f in files if f.path.suffix.lower() in PDF_SUFFIXES]
    spec = getattr(item, "pages", None)
    env_name = getattr(item, "password_env", None)
    if spec and not pdfs:
        res.problem((*base, "pages"), "pages: applies to PDF files, and this item has none")
    password = ""
    if env_name:
        if not pdfs:
            res.problem((*base, "password_env"), "password_env: applies to PDF files only")
        value = os.environ.get(env_name)
        if value is None:
            res.problem(
                (*base, "password_env"),
                f"the environment variable {env_name!r} is not set",
                f"export {env_name}='the PDF password' before running evidencekit",
            )
            return {}
        password = value
    out: dict[str, tuple[tuple[int, ...], str]] = {}
    for sf in pdfs:
        at = _location_path(sf.location)
        try:
            info = inspect_pdf(sf.path, password)
        except PdfSourceError as e:
            where = (*base, "password_env") if e.reason == "password" and env_name else at
            res.problem(where, f"{sf.rel}: {e}")
            continue
        if info.repaired:
            res.problem(
                at,
                f"{sf.rel}: the PDF was damaged and has been repaired on reading",
                "check its pages in the dossier",
                warning=True,
            )
        for note in info.notes:
            res.problem(at, f"{sf.rel}: {note}", warning=True)
        selected = list(range(info.pages))
        if spec:
            try:
                selected = parse_pages(spec, info.pages)
            except ValueError as e:
                res.problem((*base, "pages"), f"{sf.rel}: {e}", "e.g. pages: 1-3,7")
                continue
        out[sf.rel] = (tuple(selected), password)
    return out


def _location_path(location: str) -> Path_:
    """'case.yaml:9:13: evidence[2].files[0]' -> ('evidence', 2, 'files', 0)."""
    parts: list[str | int] = []
    for name, index in re.findall(r"([A-Za-z_]+)|\[(\d+)\]", location.rsplit(": ", 1)[-1]):
        parts.append(int(index) if index else name)
    return tuple(parts)


_DELIVERED = re.compile(r"签收|妥投|已送达|delivered|signed for", re.IGNORECASE)


def _check_records(res: _Resolver, info: CaseInfo, exhibits: list[Exhibit], tz: ZoneInfo) -> None:
    """Contradictions a reviewer would catch, as warnings."""
    from evidencekit.assets.tables import read_rows

    delivered = [(ex, e) for ex in exhibits for e in ex.events if _DELIVERED.search(e.status)]
    for k, order in enumerate(info.orders):
        placed = _aware(order.placed_at, tz)
        if placed is None:
            continue
        for ex, e in delivered:
            if e.at < placed:
                res.problem(
                    ("case", "orders", k, "placed_at"),
                    f"{ex.label} shows delivery ({e.at:%Y-%m-%d %H:%M}) before order "
                    f"{order.id} was placed",
                    "check the dates",
                    warning=True,
                )
    for ex in exhibits:
        if not ex.events:
            continue
        ordered = sorted(ex.events, key=lambda e: e.at)
        first_delivery = next((e for e in ordered if _DELIVERED.search(e.status)), None)
        if (
            first_delivery
            and ordered[-1] is not first_delivery
            and not _DELIVERED.search(ordered[-1].status)
        ):
            res.problem(
                ("evidence", ex.index, "events"),
                f"tracking continues after delivery ({first_delivery.at:%Y-%m-%d %H:%M}):"
                f" last event '{ordered[-1].status}'",
                "check the carrier's record",
                warning=True,
            )
    tables = [ex for ex in exhibits if ex.table_file is not None and ex.item.table is not None]
    if not tables or not info.orders:
        return
    seen: set[str] = set()
    for ex in tables:
        assert ex.table_file is not None and ex.item.table is not None
        try:
            rows, _ = read_rows(ex.table_file, ex.item.table.sheet)
        except Exception as e:  # reported where the table is read
            res.problem(("evidence", ex.index, "table", "file"), str(e).split(": ", 1)[-1])
            continue
        for row in rows:
            seen.update(c.strip() for c in row)
    for k, order in enumerate(info.orders):
        if order.id not in seen:
            res.problem(
                ("case", "orders", k, "id"),
                f"order {order.id} appears in none of the case's tables",
                "check the order number, or add the order export",
                warning=True,
            )


def _check_expected(
    res: _Resolver, profile: Profile, reason: str | None, exhibits: list[Exhibit]
) -> None:
    """Warn when the dispute reason calls for evidence the case does not have."""
    kinds = {ex.kind for ex in exhibits}
    cls = reason_class(profile, reason)
    for kind in missing_expected(profile, reason, kinds):
        res.problem(
            ("case", "dispute", "reason"),
            f"a '{cls}' dispute usually needs {kind} evidence, and the case has none",
            f"add an evidence item with kind: {kind} (see `evidencekit init --profile "
            f"{profile.name}`)",
            warning=True,
        )


def resolve(manifest: Manifest, manifest_path: Path, marks: Marks) -> Case:
    """Second pass: profile, paths, cross-field checks."""
    root = manifest_path.parent.resolve()
    res = _Resolver(root=root, fn=manifest_path.name, marks=marks)
    info = manifest.case

    try:
        profile = load_profile(info.profile, root)
    except KeyError:
        close = difflib.get_close_matches(info.profile, profile_names(), n=1)
        res.problem(
            ("case", "profile"),
            f"unknown profile {info.profile!r}",
            (f"did you mean {close[0]!r}? " if close else "")
            + "profiles: "
            + ", ".join(profile_names()),
        )
        profile = load_profile("generic")
    except (OSError, ValueError, TypeError) as e:
        res.problem(("case", "profile"), f"cannot load profile {info.profile!r}: {e}")
        profile = load_profile("generic")
    language = info.language or profile.language
    tzname = info.timezone or profile.timezone
    tz = ZoneInfo(tzname)

    statement_file = None
    statement_text = None
    if info.statement is not None:
        s = info.statement
        if "\n" not in s and Path(s).suffix.lower() in TEXT_SUFFIXES:
            statement_file = res.one(("case", "statement"), s, TEXT_SUFFIXES)
            if statement_file:
                from evidencekit.assets.text import read_text

                try:
                    statement_text = read_text(statement_file.path)
                except ValueError as e:
                    res.problem(("case", "statement"), f"{statement_file.rel}: {e}")
        else:
            statement_text = s

    ids = _exhibit_ids(len(manifest.evidence), profile.label_style)
    seen_ids: dict[str, int] = {}
    exhibits = []
    for i, item in enumerate(manifest.evidence):
        base: Path_ = ("evidence", i)
        ex_id = item.id or ids[i]
        if ex_id in seen_ids:
            res.problem(
                (*base, "id") if item.id else base,
                f"duplicate exhibit id {ex_id!r} (also evidence[{seen_ids[ex_id]}])",
                "give each evidence item its own id, or leave ids out to number them",
            )
        seen_ids.setdefault(ex_id, i)
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$", ex_id):
            res.problem(
                (*base, "id"),
                f"exhibit id {ex_id!r} must be 1-20 letters/digits",
                "e.g. A, B, 1, 2, C1",
            )
        files: list[SourceFile] = []
        for j, entry in enumerate(item.files):
            files.extend(res.files((*base, "files", j), entry, IMAGE_SUFFIXES | PDF_SUFFIXES))
        pdf_pages = _check_pdfs(res, base, item, files)
        _check_redactions(res, base, item.redact, files)
        table_file = None
        if item.table is not None:
            tpath = (*base, "table", "file")
            table_file = res.one(tpath, item.table.file, TABLE_SUFFIXES)
            if (
                item.table.sheet is not None
                and table_file
                and table_file.path.suffix.lower() not in (".xlsx", ".xlsm")
            ):
                res.problem((*base, "table", "sheet"), "sheet: applies to XLSX workbooks only")
        events_file = None
        events: list[ShippingEvent] = []
        item_events = isinstance(item, ShippingEvidence) and item.events is not None
        if isinstance(item, ShippingEvidence) and item.events is not None:
            if isinstance(item.events, str):
                events_file = res.one((*base, "events"), item.events, EVENT_SUFFIXES)
                if events_file:
                    events = _read_events_csv(res, (*base, "events"), events_file, tz)
            else:
                events = [
                    ShippingEvent(_aware(e.at, tz) or e.at, e.location, e.status)
                    for e in item.events
                ]
        transcript_file = None
        if isinstance(item, ChatEvidence) and item.transcript is not None:
            transcript_file = res.one((*base, "transcript"), item.transcript, TRANSCRIPT_SUFFIXES)
        if (
            not item.files
            and item.table is None
            and not item_events
            and transcript_file is None
            and item.kind != "note"
        ):
            res.problem(
                base,
                f"evidence item {item.title!r} shows nothing",
                "give files:, a table:, or events:",
                warning=True,
            )
        if item.kind == "note" and not (item.description or files or table_file):
            res.problem(base, "a note needs a description or files")
        exhibits.append(
            Exhibit(
                index=i,
                id=ex_id,
                label=label_for(ex_id, language),
                anchor=f"ex-{ex_id}",
                item=item,
                files=tuple(files),
                table_file=table_file,
                events_file=events_file,
                events=tuple(events),
                pdf_pages=pdf_pages,
                transcript_file=transcript_file,
                captured_at=_aware(item.captured_at, tz),
            )
        )

    known = set(seen_ids)
    for k, ev in enumerate(info.timeline):
        if ev.exhibit is not None and ev.exhibit not in known:
            res.problem(
                ("case", "timeline", k, "exhibit"),
                f"no exhibit with id {ev.exhibit!r}",
                "known ids: " + ", ".join(sorted(known, key=natural_key)),
            )
    res._contained(("output", "dir"), manifest.output.dir)
    _check_records(res, info, exhibits, tz)

    _check_expected(res, profile, info.dispute.reason if info.dispute else None, exhibits)
    if res.problems:
        raise ManifestError(res.problems + res.warnings)
    return Case(
        manifest=manifest,
        manifest_path=manifest_path.resolve(),
        root=root,
        profile=profile,
        language=language,
        timezone=tzname,
        exhibits=tuple(exhibits),
        statement_file=statement_file,
        statement_text=statement_text,
        warnings=tuple(w.format() for w in res.warnings),
    )
