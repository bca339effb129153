"""Load case.yaml keeping line/column, validate it into the model, resolve and contain paths.

Every problem is collected before stopping; each names the manifest line and path.
"""

from __future__ import annotations

import codecs
import difflib
import glob
import itertools
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ValidationError
from wcmatch import glob as wcglob

from evidencekit.checks import missing_expected, reason_class
from evidencekit.errors import ManifestError, Problem
from evidencekit.messages import MESSAGES, Msg, fields, join, reason
from evidencekit.model import (
    EVIDENCE_KINDS,
    FIRST_YEAR,
    LAST_YEAR,
    Case,
    CaseInfo,
    ChatEvidence,
    EventsSpec,
    Exhibit,
    Manifest,
    OrderProof,
    Profile,
    Redaction,
    ShippingEvent,
    ShippingEvidence,
    SourceFile,
)
from evidencekit.profiles import ProfileError, load_profile, profile_names

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
EVENT_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm"}
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


# Bounds on what a manifest may ask of the loader (hostile or broken files).
MAX_ALIASES = 100  # YAML aliases (*name) in one manifest
MAX_NODES = 200_000  # values after alias expansion: a "billion laughs" manifest stops here
MAX_TEXT = 200_000  # characters in one value (Markdown included)
MAX_DEPTH = 200  # nesting of mappings and lists
MAX_MANIFEST_BYTES = 8_000_000  # read no further: a manifest is text a person writes
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class _Loader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1 timestamp/yes-no guessing: pydantic parses those.

    It also counts aliases while composing, so an alias bomb is refused before it grows.
    """

    aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                event = self.peek_event()
                raise _Refused(
                    Msg("manifest.aliases", n=MAX_ALIASES),
                    event.start_mark,
                    Msg("manifest.aliases_hint"),
                )
        return super().compose_node(parent, index)


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Refused(Exception):
    """A manifest the loader will not expand (alias bombs, recursion, absurd sizes)."""

    def __init__(self, message: str, mark: yaml.Mark | None, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.hint = hint


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


@dataclass
class _Walk:
    """State of one conversion: the nodes being converted (recursion) and the node budget."""

    open: set[int] = field(default_factory=set)
    nodes: int = 0


def _convert(
    loader: _Loader,
    node: yaml.Node,
    path: Path_,
    marks: Marks,
    problems: list[Problem],
    fn: str,
    walk: _Walk | None = None,
) -> Any:
    walk = walk or _Walk()
    walk.nodes += 1
    if walk.nodes > MAX_NODES:
        raise _Refused(
            f"the manifest expands to more than {MAX_NODES} values",
            node.start_mark,
            "YAML aliases (*name) that repeat large blocks are refused; write the values out",
        )
    if id(node) in walk.open:
        raise _Refused(
            "a YAML alias refers to the block that contains it (a recursive alias)",
            node.start_mark,
            "remove the anchor (&name) or the alias (*name)",
        )
    if len(walk.open) >= MAX_DEPTH:
        raise _Refused(f"the manifest nests deeper than {MAX_DEPTH} levels", node.start_mark)
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        walk.open.add(id(node))
        try:
            return _convert_collection(loader, node, path, marks, problems, fn, walk)
        finally:
            walk.open.discard(id(node))
    return _convert_scalar(loader, node, path, marks, problems, fn)


def _convert_collection(
    loader: _Loader,
    node: yaml.MappingNode | yaml.SequenceNode,
    path: Path_,
    marks: Marks,
    problems: list[Problem],
    fn: str,
    walk: _Walk,
) -> Any:
    marks.values[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        _check_merges(node, walk)
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for knode, vnode in node.value:
            key = _convert(loader, knode, (*path, "\0key"), marks, problems, fn, walk)
            if not isinstance(key, str | int):
                line, col = _mark(knode)
                problems.append(Problem(Msg("manifest.key_text"), fmt_path(path), fn, line, col))
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
            out[key] = _convert(loader, vnode, (*path, key), marks, problems, fn, walk)
        return out
    return [
        _convert(loader, child, (*path, i), marks, problems, fn, walk)
        for i, child in enumerate(node.value)
    ]


def _check_merges(node: yaml.MappingNode, walk: _Walk) -> None:
    """Refuse merges (<<: *name) that loop or multiply: PyYAML would recurse or copy without end."""

    def size(n: yaml.MappingNode, seen: set[int], memo: dict[int, int]) -> int:
        if id(n) in memo:
            return memo[id(n)]
        total = 0
        for knode, vnode in n.value:
            if knode.tag != "tag:yaml.org,2002:merge":
                total += 1
                continue
            for sub in vnode.value if isinstance(vnode, yaml.SequenceNode) else [vnode]:
                if not isinstance(sub, yaml.MappingNode):
                    continue
                if id(sub) in seen or id(sub) in walk.open:
                    raise _Refused(
                        "a YAML merge (<<: *name) refers to the mapping that contains it",
                        knode.start_mark,
                        "remove the anchor (&name) or the merge",
                    )
                seen.add(id(sub))
                total += size(sub, seen, memo)
                seen.discard(id(sub))
        if total > MAX_NODES:
            raise _Refused(
                f"YAML merges (<<: *name) expand to more than {MAX_NODES} values",
                n.start_mark,
                "write the values out",
            )
        memo[id(n)] = total
        return total

    size(node, {id(node)}, {})


def _convert_scalar(
    loader: _Loader, node: yaml.Node, path: Path_, marks: Marks, problems: list[Problem], fn: str
) -> Any:
    marks.values[path] = _mark(node)
    assert isinstance(node, yaml.ScalarNode)
    line, col = _mark(node)
    if len(node.value) > MAX_TEXT:
        problems.append(
            Problem(
                Msg("manifest.value_too_long", n=len(node.value), max=MAX_TEXT),
                fmt_path(path),
                fn,
                line,
                col,
                Msg("manifest.value_too_long_hint"),
            )
        )
        return ""
    bad = _CONTROL.search(node.value)
    if bad:
        problems.append(
            Problem(
                Msg("manifest.value_control", code=f"U+{ord(bad[0]):04X}"),
                fmt_path(path),
                fn,
                line,
                col,
                Msg("manifest.value_control_hint"),
            )
        )
        return ""
    tag = node.tag
    if tag == "tag:yaml.org,2002:bool" and node.value.lower() not in ("true", "false"):
        return node.value  # yes/no/on/off stay text
    if tag == "tag:yaml.org,2002:float":
        try:
            return Decimal(node.value.replace("_", ""))  # exact amounts, never binary floats
        except InvalidOperation:
            pass
    try:
        return loader.construct_object(node)
    except ValueError:  # e.g. an integer longer than Python converts (4300 digits)
        problems.append(
            Problem(
                Msg("manifest.not_a_number"),
                fmt_path(path),
                fn,
                line,
                col,
                Msg("manifest.not_a_number_hint"),
            )
        )
        return ""


def load_yaml(text: str, filename: str) -> tuple[Any, Marks]:
    """Parse YAML text into plain data plus marks; raise ManifestError on syntax errors."""
    marks = Marks()
    problems: list[Problem] = []
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # the reader checks every character here
        node = loader.get_single_node()
        if node is None:
            raise ManifestError(
                [
                    Problem(
                        Msg("manifest.empty"),
                        file=filename,
                        line=1,
                        col=1,
                        hint=Msg("manifest.empty_hint"),
                    )
                ]
            )
        data = _convert(loader, node, (), marks, problems, filename)
    except _Refused as e:
        line, col = (e.mark.line + 1, e.mark.column + 1) if e.mark else (0, 0)
        raise ManifestError([Problem(e.message, "", filename, line, col, e.hint)]) from None
    except RecursionError:
        msg = Msg("manifest.too_deep")
        raise ManifestError(
            [Problem(msg, file=filename, hint=Msg("manifest.too_deep_hint"))]
        ) from None
    except yaml.MarkedYAMLError as e:
        raise ManifestError([_syntax_problem(e, text, filename)]) from e
    except yaml.reader.ReaderError as e:
        line = text.count("\n", 0, e.position) + 1
        col = e.position - (text.rfind("\n", 0, e.position) + 1) + 1
        what = f"U+{e.character:04X}" if isinstance(e.character, int) else repr(e.character)
        raise ManifestError(
            [
                Problem(
                    Msg("manifest.control", what=what),
                    file=filename,
                    line=line,
                    col=col,
                    hint=Msg("manifest.control_hint"),
                )
            ]
        ) from e
    except yaml.YAMLError as e:
        raise ManifestError(
            [Problem(Msg("manifest.yaml_error", what=str(e)), file=filename)]
        ) from e
    finally:
        if loader is not None:
            loader.dispose()
    if problems:
        raise ManifestError(problems)
    return data, marks


_FULLWIDTH_COLON = "\uff1a"
_FULLWIDTH_SPACE = "\u3000"


def _comment_cut(line: str) -> int | None:
    """Column (0-based) of a ` #` that cuts an unquoted value, or None."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"" and (i == 0 or line[i - 1] in " [{,:"):
            quote = ch
        elif ch == "#" and i > 0 and line[i - 1] in " \t":
            before = line[:i].strip()
            # A comment after a complete `key: value` is fine; inside [...] or after text it is not.
            opened = before.count("[") + before.count("{") - before.count("]") - before.count("}")
            if opened > 0:
                return i
            return None
    return None


# PyYAML's own words for the errors people hit, so a Chinese case reads them in Chinese.
_YAML_WORDS = (
    (r"while parsing a block mapping", "yamlp.block_mapping"),
    (r"while parsing a block collection", "yamlp.block_collection"),
    (r"while parsing a flow sequence", "yamlp.flow_sequence"),
    (r"while parsing a flow mapping", "yamlp.flow_mapping"),
    (r"while scanning a quoted scalar", "yamlp.quoted"),
    (r"while scanning a simple key", "yamlp.simple_key"),
    (r"while scanning for the next token", "yamlp.next_token"),
    (r"mapping values are not allowed here", "yamlp.mapping_values"),
    (r"could not find expected ':'", "yamlp.no_colon"),
    (r"found unexpected end of stream", "yamlp.end"),
    (r"did not find expected key", "yamlp.no_key"),
    (r"did not find expected '-' indicator", "yamlp.no_dash"),
    (r"expected <block end>, but found (?P<found>.+)", "yamlp.block_end"),
    (r"expected (?P<expected>.+), but got (?P<found>.+)", "yamlp.expected_got"),
    (r"found character (?P<char>.+) that cannot start any token", "yamlp.bad_char"),
    (r"found undefined alias (?P<name>.+)", "yamlp.alias"),
)


def _yaml_words(text: str) -> str:
    for pattern, msg_id in _YAML_WORDS:
        if m := re.fullmatch(pattern, text, re.DOTALL):
            return Msg(msg_id, **m.groupdict())
    return text


def _syntax_problem(e: yaml.MarkedYAMLError, text: str, fn: str) -> Problem:
    """A YAML syntax error, with a hint for the pitfalls people actually hit."""
    mark = e.problem_mark or e.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    said = [_yaml_words(x) for x in (e.context, e.problem) if x]
    what = Msg("yamlp.in", context=said[0], problem=said[1]) if len(said) == 2 else join(said)
    lines = text.splitlines()
    first = min(line, e.context_mark.line + 1 if e.context_mark else line)
    nearby = range(max(first, line - 3, 1), min(line, len(lines)) + 1)
    hint = Msg("yaml.hint_check")
    for n in nearby:
        cut = _comment_cut(lines[n - 1])
        if cut is not None:
            return Problem(
                Msg("yaml.comment_cut"),
                "",
                fn,
                n,
                cut + 1,
                Msg("yaml.comment_cut_hint"),
            )
    for n in (line, line - 1):
        text_n = lines[n - 1] if 0 < n <= len(lines) else ""
        if "\t" in text_n[: len(text_n) - len(text_n.lstrip())] or (n == line and "'\\t'" in what):
            return Problem(
                Msg("yaml.syntax", what=what),
                "",
                fn,
                n,
                1,
                Msg("yaml.tab_hint"),
            )
        indent = text_n[: len(text_n) - len(text_n.lstrip(" " + _FULLWIDTH_SPACE))]
        if _FULLWIDTH_SPACE in indent or (_FULLWIDTH_SPACE in text_n and n == line):
            return Problem(
                Msg("yaml.syntax", what=what),
                "",
                fn,
                n,
                text_n.index(_FULLWIDTH_SPACE) + 1,
                Msg("yaml.fullwidth_space_hint"),
            )
        key = text_n.split(":", 1)[0]
        if _FULLWIDTH_COLON in key:
            return Problem(
                Msg("yaml.syntax", what=what),
                "",
                fn,
                n,
                text_n.index(_FULLWIDTH_COLON) + 1,
                Msg("yaml.fullwidth_colon_hint"),
            )
    return Problem(Msg("yaml.syntax", what=what), "", fn, line, col, hint)


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
        and isinstance(value.get("kind"), str)  # `kind: []` is unhashable
        and value["kind"] in kinds
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
            msg = Msg("manifest.unknown_key", key=key)
            hint = Msg("hint.did_you_mean", name=close[0]) if close else ""
            if allowed:
                hint = (hint + " " if hint else "") + Msg("hint.keys", names=", ".join(allowed))
            line, col = marks.at(path, key=True)
        elif etype == "missing":
            msg = Msg("manifest.missing_key", key=path[-1])
            line, col = marks.at(path[:-1])
        elif etype in ("union_tag_invalid", "union_tag_not_found"):
            kind = e.get("input", {}).get("kind") if isinstance(e.get("input"), dict) else None
            msg = Msg("manifest.unknown_kind", kind=kind) if kind else Msg("manifest.no_kind")
            close = difflib.get_close_matches(str(kind), EVIDENCE_KINDS, n=1) if kind else []
            hint = (Msg("hint.did_you_mean", name=close[0]) + " " if close else "") + Msg(
                "hint.kinds", names=", ".join(EVIDENCE_KINDS)
            )
            line, col = marks.at((*path, "kind"))
        elif etype == "literal_error" and path == ("evidencekit",):
            msg = Msg("manifest.version", version=e.get("input"))
            hint = Msg("manifest.version_hint")
            line, col = marks.at(path)
        elif etype == "datetime_range":
            msg = Msg("manifest.time_range", value=str(e.get("input")))
            hint = Msg("manifest.time_range_hint", first=FIRST_YEAR, last=LAST_YEAR)
            line, col = marks.at(path)
        elif etype == "text_too_long":
            msg = _pydantic_msg(e)
            hint = Msg("manifest.text_too_long_hint")
            line, col = marks.at(path)
        elif etype.startswith("datetime"):
            msg = Msg("manifest.bad_time", value=e.get("input"))
            hint = Msg("manifest.bad_time_hint")
            line, col = marks.at(path)
        else:
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, ") :]
            msg = _pydantic_msg(e, msg)
            line, col = marks.at(path)
        dedup = (fmt_path(path), msg)
        if dedup in seen:
            continue
        seen.add(dedup)
        problems.append(Problem(msg, fmt_path(path), fn, line, col, hint))
    return problems


def _pydantic_msg(e: Any, msg: str = "") -> str:
    """A validation message from the catalogue: the model's own (a Msg raised in a validator),
    or pydantic's kind of error with its details."""
    error = (e.get("ctx") or {}).get("error")
    if isinstance(error, ValueError) and error.args and isinstance(error.args[0], Msg):
        return error.args[0]
    msg = msg or e["msg"]
    ctx = {k: str(v) for k, v in (e.get("ctx") or {}).items()}
    msg_id = f"pydantic.{e['type']}"
    if msg_id in MESSAGES and set(ctx) == fields(MESSAGES[msg_id][1]):
        translated = Msg(msg_id, **ctx)
        if translated == msg:  # the English stays pydantic's own, word for word
            return translated
    return msg


# ---------------------------------------------------------------- paths


def natural_key(text: str) -> list[Any]:
    """Sort key where '2.png' sorts before '10.png'."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", text)]


_SUFFIX = re.compile(r"\.([A-Za-z0-9]+)$")
_GLOB_FLAGS = wcglob.GLOBSTAR | wcglob.NODIR  # `**` does not follow links: loops end
MAX_NAME_BYTES = 255  # one path component (ext4, APFS, NTFS)
MAX_PATH_BYTES = 1024
MAX_SEEN = 2000  # files looked at to suggest a closer name


def _any_case_suffix(pattern: str) -> str:
    """'product/*.jpg' -> 'product/*.[jJ][pP][gG]': phones write IMG_0412.JPG."""
    m = _SUFFIX.search(pattern)
    if not m:
        return pattern
    ext = "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in m[1])
    return pattern[: m.start(1)] + ext


def _literal_base(pattern: str) -> str:
    """The folder part of a glob before its first wildcard ('' for the case folder)."""
    parts = []
    for part in pattern.split("/")[:-1]:
        if glob.has_magic(part):
            break
        parts.append(part)
    return "/".join(p for p in parts if p not in ("", "."))


@dataclass
class _Resolver:
    root: Path
    fn: str
    marks: Marks
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    out_dir: Path | None = None  # resolved output folder: never read as evidence
    lines: list[str] = field(default_factory=list)  # the manifest's text, for hints

    def problem(self, path: Path_, msg: str, hint: str = "", *, warning: bool = False) -> None:
        line, col = self.marks.at(path)
        p = Problem(
            msg, fmt_path(path), self.fn, line, col, hint, "warning" if warning else "error"
        )
        (self.warnings if warning else self.problems).append(p)

    def _contained(self, path: Path_, raw: str) -> bool:
        if not raw.strip():
            self.problem(path, Msg("path.empty"))
            return False
        if _CONTROL.search(raw):
            self.problem(path, Msg("path.control", path=raw))
            return False
        pure = PurePosixPath(raw.replace("\\", "/"))
        if pure.is_absolute() or re.match(r"^[A-Za-z]:", raw):
            self.problem(
                path,
                Msg("path.absolute", path=raw),
                Msg("path.absolute_hint"),
            )
            return False
        if ".." in pure.parts:
            self.problem(
                path,
                Msg("path.leaves", path=raw),
                Msg("path.leaves_hint"),
            )
            return False
        long = [p for p in pure.parts if len(p.encode("utf-8", "replace")) > MAX_NAME_BYTES]
        if long or len(raw.encode("utf-8", "replace")) > MAX_PATH_BYTES:
            self.problem(
                path,
                Msg("path.too_long", path=raw[:60]),
                Msg("path.too_long_hint", name=MAX_NAME_BYTES, path=MAX_PATH_BYTES),
            )
            return False
        return True

    def _inside(self, path: Path_, raw: str, candidate: Path) -> Path | None:
        real = candidate.resolve()
        if not real.is_relative_to(self.root):
            shown = candidate.relative_to(self.root).as_posix()
            self.problem(
                path,
                Msg("path.link_outside", path=shown),
                Msg("path.link_outside_hint"),
            )
            return None
        return real

    def _in_output(self, real: Path) -> bool:
        return self.out_dir is not None and real.is_relative_to(self.out_dir)

    def _output_problem(self, path: Path_, raw: str) -> None:
        assert self.out_dir is not None
        out = self.out_dir.relative_to(self.root).as_posix()
        self.problem(
            path,
            Msg("path.in_output", path=raw, out=out),
            Msg("path.in_output_hint", out=out),
        )

    def _seen(self, base: str) -> list[str]:
        """Files under `base` (or the case folder), to suggest the closest to a missing name."""
        top = self.root / base if base and (self.root / base).is_dir() else self.root
        found: list[str] = []
        for folder, dirs, names in os.walk(top):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if not self._in_output((here / d).resolve()))
            found.extend((here / n).relative_to(self.root).as_posix() for n in sorted(names))
            if len(found) >= MAX_SEEN:
                break
        return [f for f in found if f != self.fn]

    def _closest(self, wanted: str, base: str) -> str:
        base = base if base and (self.root / base).is_dir() else ""
        seen = self._seen(base)
        if not seen:
            return Msg("hint.no_files_under", folder=base or ".")
        close = difflib.get_close_matches(wanted, seen, n=3, cutoff=0.4)
        lower = wanted.lower()
        close = [s for s in seen if s.lower() == lower][:1] + close
        close = list(dict.fromkeys(close))
        if not close:
            names = ", ".join(sorted(seen, key=natural_key)[:3])
            if base:
                return Msg("hint.files_under", folder=base, names=names)
            return Msg("hint.files_in_case", names=names)
        more = Msg("hint.also_close", names=", ".join(close[1:])) if len(close) > 1 else ""
        return Msg("hint.did_you_mean", name=close[0]) + more

    def _comment_hint(self, path: Path_) -> str:
        """A value that ends where its manifest line has ` #`: YAML took the rest as a comment."""
        line, _ = self.marks.at(path)
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if re.search(r"[^\s#'\"]\s+#", text):
            return Msg("hint.comment_cut")
        return ""

    def files(self, path: Path_, raw: str, suffixes: set[str] | None = None) -> list[SourceFile]:
        """Resolve one entry (a path or a glob) to the files it names, in natural order."""
        if not self._contained(path, raw):
            return []
        pattern = raw.replace("\\", "/")
        try:
            matches = self._match(path, raw, pattern)
        except OSError as e:
            self.problem(path, Msg("path.unreadable", path=raw, why=e.strerror))
            return []
        out = []
        seen: set[Path] = set()
        for m in matches:
            real = self._inside(path, raw, self.root / m)
            if real is None or real in seen:
                continue
            seen.add(real)
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

    def _match(self, path: Path_, raw: str, pattern: str) -> list[str]:
        if glob.has_magic(pattern):
            found = [
                m
                for m in wcglob.glob(
                    _any_case_suffix(pattern), flags=_GLOB_FLAGS, root_dir=self.root
                )
                if (self.root / m).is_file()
            ]
            matches = [m for m in found if not self._in_output((self.root / m).resolve())]
            base = _literal_base(pattern)
            if found and not matches and self._in_output((self.root / base).resolve()):
                self._output_problem(path, raw)
                return []
            if not matches:
                self.problem(
                    path,
                    Msg("path.no_match", pattern=raw),
                    self._comment_hint(path) + self._closest(pattern, base),
                )
                return []
            return sorted(matches, key=natural_key)
        target = self.root / pattern
        if not target.exists():
            # Same name with the suffix in another case (IMG_0412.JPG for IMG_0412.jpg).
            other = [
                m
                for m in wcglob.glob(
                    _any_case_suffix(wcglob.escape(pattern)), flags=_GLOB_FLAGS, root_dir=self.root
                )
                if (self.root / m).is_file()
            ]
            if len(other) == 1:
                target = self.root / other[0]
            else:
                parent = PurePosixPath(pattern).parent.as_posix()
                self.problem(
                    path,
                    Msg("path.not_found", path=raw),
                    self._comment_hint(path) + self._closest(pattern, parent),
                )
                return []
        if target.is_dir():
            self.problem(path, Msg("path.folder", path=raw), Msg("path.folder_hint"))
            return []
        if self._in_output(target.resolve()):
            self._output_problem(path, raw)
            return []
        return [target.relative_to(self.root).as_posix()]

    def normalise(self, path: Path_, raw: str) -> str | None:
        """The case-relative POSIX path a plain entry names, exactly as files: resolves it."""
        if not self._contained(path, raw):
            return None
        if glob.has_magic(raw):
            self.problem(path, Msg("path.one_file", path=raw))
            return None
        candidate = self.root / raw.replace("\\", "/")
        real = candidate.resolve()
        if not real.is_relative_to(self.root):
            return None
        return real.relative_to(self.root).as_posix()

    def _bad_type(self, path: Path_, rel: str, real: Path, suffixes: set[str]) -> None:
        self.problem(
            path,
            Msg("path.bad_type", file=rel, suffix=real.suffix or "(none)"),
            Msg(
                "path.export_in_files"  # a CSV/XLSX where images and PDFs go: say where
                if real.suffix.lower() in TABLE_SUFFIXES and not suffixes & TABLE_SUFFIXES
                else "path.bad_type_hint",
                names=", ".join(sorted(suffixes)),
            ),
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
            self.problem(path, Msg("path.file_unreadable", file=rel, why=e.strerror))
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
                Msg(f"path.not_a_{noun}", file=rel, type=real.suffix[1:].upper()),
                Msg("path.not_a_hint"),
            )
            return False
        return True

    def one(self, path: Path_, raw: str, suffixes: set[str]) -> SourceFile | None:
        if glob.has_magic(raw):
            self.problem(path, Msg("path.one_file", path=raw))
            return None
        found = self.files(path, raw, suffixes)
        return found[0] if found else None


# ---------------------------------------------------------------- entry point


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


def _read_events(
    res: _Resolver, path: Path_, sf: SourceFile, item: ShippingEvidence, tz: ZoneInfo
) -> list[ShippingEvent]:
    from evidencekit.assets.exports import read_events
    from evidencekit.assets.text import guess_note

    spec = item.events if isinstance(item.events, EventsSpec) else None
    try:
        events, export = read_events(
            sf.path,
            tz,
            columns={str(k): v for k, v in spec.columns.items()} if spec else None,
            sheet=spec.sheet if spec else None,
            encoding=spec.encoding if spec else None,
            tracking_number=item.tracking_number,
        )
    except (ValueError, OSError) as e:
        res.problem(path, Msg("frame.at", where=sf.rel, text=reason(e)))
        return []
    for note in export.warnings:
        res.problem(path, Msg("frame.at", where=sf.rel, text=note), warning=True)
    if export.guessed:
        res.problem(path, guess_note(sf.rel, export.encoding), warning=True)
    return events


def _notes(res: _Resolver, path: Path_, check: Any, sf: SourceFile, option: Any) -> None:
    """Read a record file once at validation: its errors and warnings (guessed encoding)."""
    from evidencekit.errors import EvidenceError

    try:
        for note in check(sf, option):
            res.problem(path, note, warning=True)
    except EvidenceError as e:
        why = e.message if e.file == sf.rel else str(e).rsplit(f"{sf.rel}: ", 1)[-1]
        res.problem(path, Msg("frame.at", where=sf.rel, text=why))


def _decode_manifest(raw: bytes, fn: str) -> str:
    """UTF-8 (with or without BOM), or UTF-16/32 with a BOM; anything else is refused."""
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if raw.startswith(bom):
            try:
                return raw.decode(codec)
            except UnicodeDecodeError as e:
                msg = Msg("manifest.bad_bom", codec=codec.upper())
                hint = Msg("manifest.save_utf8")
                raise ManifestError([Problem(msg, file=fn, hint=hint)]) from e
    head = raw[:4096]
    if head.count(b"\x00") * 4 >= len(head) > 0:
        # ASCII text in UTF-16 without a BOM: every other byte is zero.
        raise ManifestError(
            [
                Problem(
                    Msg("manifest.utf16"),
                    file=fn,
                    line=1,
                    col=1,
                    hint=Msg("manifest.utf16_hint"),
                )
            ]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ManifestError(
            [
                Problem(
                    Msg("manifest.not_utf8"),
                    file=fn,
                    line=line,
                    col=1,
                    hint=Msg("manifest.save_utf8"),
                )
            ]
        ) from e
    if "\x00" in text:
        at = text.index("\x00")
        line = text.count("\n", 0, at) + 1
        msg = Msg("manifest.nul")
        raise ManifestError(
            [Problem(msg, file=fn, line=line, col=1, hint=Msg("manifest.save_utf8_text"))]
        )
    return text


def load_case(
    manifest_path: Path,
    *,
    profile: str | None = None,
    language: str | None = None,
    form: str | None = None,
) -> Case:
    """Read, validate and resolve a manifest; raise ManifestError with every problem found.

    profile and language override the manifest's (command-line options); form chooses one of
    the profile's upload forms.
    """
    fn = manifest_path.name
    try:
        with manifest_path.open("rb") as fh:
            raw = fh.read(MAX_MANIFEST_BYTES + 1)
    except OSError as e:
        raise ManifestError(
            [Problem(Msg("manifest.unreadable", why=e.strerror), file=str(manifest_path))]
        ) from e
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ManifestError(
            [
                Problem(
                    Msg("manifest.too_large", mb=MAX_MANIFEST_BYTES // 1_000_000),
                    file=fn,
                    hint=Msg("manifest.too_large_hint"),
                )
            ]
        )
    text = _decode_manifest(raw, fn)
    data, marks = load_yaml(text, fn)
    if not isinstance(data, dict):
        raise ManifestError([Problem(Msg("manifest.not_mapping"), file=fn, line=1, col=1)])
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as e:
        raise ManifestError(_problems_from_validation(e, data, marks, fn)) from e
    update: dict[str, object] = {}
    profile_from = None
    if profile:
        update["profile"] = profile
        profile_from = manifest.case.profile
    if form or profile:  # a manifest's form belongs to the manifest's profile
        update["form"] = form
    if language:
        if language not in ("zh-CN", "en"):
            msg = Msg("manifest.unknown_language", language=language)
            raise ManifestError([Problem(msg, hint=Msg("manifest.unknown_language_hint"))])
        update["language"] = language
    if update:
        manifest = manifest.model_copy(update={"case": manifest.case.model_copy(update=update)})
    from evidencekit.assets.exports import export_cache

    with export_cache():  # the proof, the checks and the tables read each export once
        return resolve(manifest, manifest_path, marks, text, profile_from)


def _check_redactions(
    res: _Resolver, base: Path_, redactions: list[Redaction], files: list[SourceFile]
) -> list[Redaction]:
    """Each redaction names one of the item's images, and its boxes lie inside it.

    Returns the redactions with `file` normalised exactly as files: entries are (./a.png,
    a\\b.png, a//b.png), one per image: later stages look redactions up by that path.
    """
    from evidencekit.errors import EvidenceError

    by_rel = {f.rel: f for f in files}
    merged: dict[str, Redaction] = {}
    for k, red in enumerate(redactions):
        at = (*base, "redact", k)
        rel = res.normalise((*at, "file"), red.file)
        if rel is None:
            if not any(p.path == fmt_path((*at, "file")) for p in res.problems):
                res.problem((*at, "file"), Msg("redact.not_item_file", file=red.file))
            continue
        sf = by_rel.get(rel)
        if sf is None:
            # The suffix matches in any case, as in files: (IMG_0412.jpg names IMG_0412.JPG).
            same = [f for f in files if f.rel.lower() == rel.lower()]
            sf = same[0] if len(same) == 1 else None
        if sf is None:
            images = [f.rel for f in files if f.path.suffix.lower() in IMAGE_SUFFIXES]
            res.problem(
                (*at, "file"),
                Msg("redact.not_item_file", file=red.file),
                Msg("redact.not_item_file_hint")
                + (": " + ", ".join(images[:5]) if images else " (this item has no images)"),
            )
            continue
        prior = merged.get(sf.rel)
        merged[sf.rel] = Redaction(file=sf.rel, boxes=[*(prior.boxes if prior else []), *red.boxes])
        if sf.path.suffix.lower() not in IMAGE_SUFFIXES:
            res.problem((*at, "file"), Msg("redact.images_only", file=rel))
            continue
        from evidencekit.assets.images import image_size  # Pillow: only with a redaction

        try:
            w, h = image_size(sf.path, sf.rel)
        except EvidenceError as e:
            res.problem((*at, "file"), reason(e))
            continue
        for j, (x, y, bw, bh) in enumerate(red.boxes):
            if bw <= 0 or bh <= 0 or x < 0 or y < 0 or x + bw > w or y + bh > h:
                res.problem(
                    (*at, "boxes", j),
                    Msg("redact.box_outside", x=x, y=y, bw=bw, bh=bh, w=w, h=h),
                    Msg("redact.box_hint"),
                )
    return list(merged.values())


def _check_pdfs(
    res: _Resolver, base: Path_, item: object, files: list[SourceFile]
) -> dict[str, tuple[tuple[int, ...], str]]:
    """Open every PDF of an item (password, repair) and select its pages; rel -> (pages, pw)."""
    pdfs = [f for f in files if f.path.suffix.lower() in PDF_SUFFIXES]
    spec = getattr(item, "pages", None)
    env_name = getattr(item, "password_env", None)
    if spec and not pdfs:
        res.problem((*base, "pages"), Msg("pdf.pages_without_pdf"))
    password = ""
    if env_name:
        if not pdfs:
            res.problem((*base, "password_env"), Msg("pdf.password_without_pdf"))
        value = os.environ.get(env_name)
        if value is None:
            res.problem(
                (*base, "password_env"),
                Msg("pdf.env_unset", name=env_name),
                Msg("pdf.env_unset_hint", name=env_name),
            )
            return {}
        password = value
    if not pdfs:
        return {}
    from evidencekit.pdf.sources import PdfSourceError, inspect_pdf, parse_pages  # slow import

    out: dict[str, tuple[tuple[int, ...], str]] = {}
    for sf in pdfs:
        at = _location_path(sf.location)
        try:
            info = inspect_pdf(sf.path, password)
        except PdfSourceError as e:
            where = (*base, "password_env") if e.reason == "password" and env_name else at
            res.problem(where, Msg("frame.at", where=sf.rel, text=reason(e)))
            continue
        if info.repaired:
            res.problem(
                at,
                Msg("pdf.repaired", file=sf.rel),
                Msg("pdf.repaired_hint"),
                warning=True,
            )
        for note in info.notes:
            res.problem(at, Msg("frame.at", where=sf.rel, text=note), warning=True)
        selected = list(range(info.pages))
        if spec:
            try:
                selected = parse_pages(spec, info.pages)
            except ValueError as e:
                why = Msg("frame.at", where=sf.rel, text=reason(e))
                res.problem((*base, "pages"), why, Msg("pdf.pages_hint"))
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
    delivered = [(ex, e) for ex in exhibits for e in ex.events if _DELIVERED.search(e.status)]
    for k, order in enumerate(info.orders):
        placed = order.placed_at
        if placed is None:
            continue
        for ex, e in delivered:
            # An order is compared only with its own evidence (all of it when it is the only one).
            if order.id not in ex.orders:
                continue
            if e.at < placed:
                res.problem(
                    ("case", "orders", k, "placed_at"),
                    Msg("records.delivered_before_placed", label=ex.label, at=e.at, order=order.id),
                    Msg("records.check_dates"),
                    warning=True,
                )
    for ex in exhibits:
        if len(info.orders) > 1 and ex.kind == "shipping" and not ex.orders:
            res.problem(
                ("evidence", ex.index),
                Msg("records.shipping_no_order", label=ex.label, n=len(info.orders)),
                Msg("records.shipping_no_order_hint"),
                warning=True,
            )
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
                # Where the events were named: a proof: trace has no evidence[] entry.
                _location_path(ex.events_file.location)
                if ex.events_file
                else ("evidence", ex.index, "events"),
                Msg("records.after_delivery", at=first_delivery.at, status=ordered[-1].status),
                Msg("records.after_delivery_hint"),
                warning=True,
            )
    tables = [ex for ex in exhibits if ex.table_file is not None and ex.item.table is not None]
    if not tables or not info.orders:
        return
    seen: set[str] = set()
    read: set[tuple[str, str | None, str | None]] = set()
    for ex in tables:
        assert ex.table_file is not None and ex.item.table is not None
        key = (ex.table_file.rel, ex.item.table.sheet, ex.item.table.encoding)
        if key in read:  # per-order exhibits share one export: scan it once
            continue
        read.add(key)
        from evidencekit.assets.tables import read_rows  # the readers: only with a table

        try:
            rows, _ = read_rows(ex.table_file, ex.item.table.sheet, ex.item.table.encoding)
        except Exception as e:  # reported where the table is read
            res.problem(("evidence", ex.index, "table", "file"), str(e).split(": ", 1)[-1])
            continue
        seen.update(map(str.strip, itertools.chain.from_iterable(rows)))
    for k, order in enumerate(info.orders):
        if order.id not in seen:
            res.problem(
                ("case", "orders", k, "id"),
                Msg("records.order_in_no_table", order=order.id),
                Msg("records.order_in_no_table_hint"),
                warning=True,
            )


def _exhibit_orders(res: _Resolver, base: Path_, item: Any, info: CaseInfo) -> tuple[str, ...]:
    """The case.orders ids an item names (order:/orders:); none named: the case's only order."""
    known = [o.id for o in info.orders]
    named: list[tuple[Path_, str]] = []
    if item.order is not None:
        named.append(((*base, "order"), item.order))
    named.extend(((*base, "orders", j), v) for j, v in enumerate(item.orders))
    if item.order is not None and item.orders:
        res.problem((*base, "orders"), Msg("orders.both"))
    if not named:
        return (known[0],) if len(known) == 1 else ()
    out: list[str] = []
    for at, value in named:
        value = value.strip()
        if value in known:
            if value not in out:
                out.append(value)
            continue
        if not known:
            res.problem(at, Msg("orders.none_listed", order=value), Msg("orders.none_listed_hint"))
            continue
        close = difflib.get_close_matches(value, known, n=1, cutoff=0.8)
        res.problem(
            at,
            Msg("orders.unknown", order=value),
            (Msg("hint.did_you_mean", name=close[0]) + " " if close else "")
            + "case.orders: "
            + ", ".join(known[:8])
            + (", …" if len(known) > 8 else ""),
        )
    return tuple(out)


def _check_expected(
    res: _Resolver, profile: Profile, reason: str | None, exhibits: list[Exhibit]
) -> None:
    """Warn when the dispute reason calls for evidence the case does not have."""
    kinds = {ex.kind for ex in exhibits}
    cls = reason_class(profile, reason)
    for kind in missing_expected(profile, reason, kinds):
        res.problem(
            ("case", "dispute", "reason"),
            Msg("records.expected_kind", reason=cls, kind=kind),
            Msg("records.expected_kind_hint", kind=kind, profile=profile.name),
            warning=True,
        )


def _in_case_zone(manifest: Manifest, tz: ZoneInfo) -> Manifest:
    """The manifest validated again with the case time zone: every time in it is aware."""
    return Manifest.model_validate(manifest.model_dump(), context={"timezone": tz})


def _output_dir(res: _Resolver, raw: str) -> Path | None:
    """The resolved output folder; refused when it is the case folder (or holds it)."""
    at: Path_ = ("output", "dir")
    if not res._contained(at, raw):
        return None
    out = (res.root / raw.replace("\\", "/")).resolve()
    if out == res.root or res.root.is_relative_to(out):
        res.problem(
            at,
            Msg("output.dir_is_case", path=raw),
            Msg("output.dir_is_case_hint"),
        )
        return None
    return out


# Names by which a text addresses each profile's recipient (submitted_to, the statement).
PLATFORM_NAMES: dict[str, tuple[str, ...]] = {
    "taobao": ("淘宝", "taobao"),
    "tmall": ("天猫", "tmall"),
    "jd": ("京东", "jd.com", "JD"),
    "pinduoduo": ("拼多多", "pinduoduo"),
    "douyin": ("抖音", "douyin"),
    "12315": ("12315", "消费者协会", "消协", "市场监督管理", "市场监管"),
    "court-cn": ("人民法院", "法院"),
    "amazon": ("amazon", "亚马逊"),
    "ebay": ("ebay",),
    "paypal": ("paypal",),
    "stripe": ("stripe",),
    "shopify": ("shopify",),
    "amex": ("american express", "amex"),
    "mastercard": ("mastercard",),
}
# What `init` leaves to fill in (templates/init/): TODO lines and the statement's instructions.
INIT_TODO = re.compile(r"\bTODO\b|（用三到五段说明|\(In three to five short paragraphs")
# Where a statement turns to its reader: 致淘宝, 尊敬的…, 请求…驳回, To …, Dear …, We ask ….
_ADDRESS = re.compile(
    r"^[ \t#>*]*(?:致|尊敬的|To\b|Dear\b)[ \t]*([^\n]{1,40})"
    r"|(?:请求|提交至|We ask)[ \t]*([^\n]{1,40})",
    re.MULTILINE,
)


def platforms_named(text: str) -> set[str]:
    """Profiles whose platform the text names ('淘宝' -> taobao)."""
    out = set()
    for name, words in PLATFORM_NAMES.items():
        for w in words:
            if w.isascii():
                if re.search(rf"(?<![A-Za-z0-9]){re.escape(w)}(?![A-Za-z0-9])", text, re.I):
                    out.add(name)
            elif w in text:
                out.add(name)
    return out


def _todo_paths(value: object, path: Path_) -> list[Path_]:
    if isinstance(value, str):
        return [path] if INIT_TODO.search(value) else []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _todo_paths(v, (*path, k))]
    if isinstance(value, list | tuple):
        return [p for i, v in enumerate(value) for p in _todo_paths(v, (*path, i))]
    return []


def reviewer_warnings(
    res: _Resolver,
    manifest: Manifest,
    profile: Profile,
    statement_text: str | None,
    statement_rel: str | None,
    profile_from: str | None = None,
) -> None:
    """What a reviewer would stumble on, as warnings: exhibits without source or proves,
    `init`'s TODO text left in, and a recipient that contradicts the profile."""
    info = manifest.case
    for i, item in enumerate(manifest.evidence):
        if item.kind == "note":
            continue  # the applicant's own explanation: no source, its purpose is its text
        missing = [k for k in ("source", "proves") if not getattr(item, k)]
        if missing:
            res.problem(
                ("evidence", i),
                Msg(f"review.no_{'_'.join(missing)}", title=item.title),
                Msg("review.no_source_hint"),
                warning=True,
            )
    for path in _todo_paths(manifest.model_dump(exclude_defaults=True), ()):
        res.problem(
            path,
            Msg("review.todo"),
            Msg("review.todo_hint"),
            warning=True,
        )
    if statement_text and statement_rel:
        lines = [
            str(n)
            for n, line in enumerate(statement_text.splitlines(), start=1)
            if INIT_TODO.search(line)
        ]
        if lines:
            res.problem(
                ("case", "statement"),
                Msg(
                    "review.todo_lines" if len(lines) > 1 else "review.todo_line",
                    file=statement_rel,
                    lines=", ".join(lines),
                ),
                Msg("review.todo_statement_hint"),
                warning=True,
            )
    if profile_from is not None and profile_from != profile.name:
        cover = Msg("review.override_cover", to=info.submitted_to) if info.submitted_to else ""
        res.problem(
            ("case", "profile"),
            Msg("review.override", profile=profile.name, was=profile_from, cover=cover),
            Msg("review.override_hint"),
            warning=True,
        )
    own = profile.name
    if own not in PLATFORM_NAMES:
        return  # generic or a user's profile: any recipient
    if info.submitted_to:
        named = platforms_named(info.submitted_to)
        if named and own not in named:
            res.problem(
                ("case", "submitted_to"),
                Msg(
                    "review.recipient",
                    to=info.submitted_to,
                    named=", ".join(sorted(named)),
                    own=own,
                    title=profile.title,
                ),
                Msg("review.recipient_hint", to=info.submitted_to, own=own),
                warning=True,
            )
    if statement_text:
        addressed: set[str] = set()
        for m in _ADDRESS.finditer(statement_text):
            addressed |= platforms_named(m[1] or m[2])
        if addressed and own not in addressed:
            where = f"{statement_rel}: " if statement_rel else ""
            names = ", ".join(sorted(addressed))
            res.problem(
                ("case", "statement"),
                where + Msg("review.statement_to", names=names, own=own, title=profile.title),
                Msg("review.statement_to_hint"),
                warning=True,
            )


def resolve(
    manifest: Manifest,
    manifest_path: Path,
    marks: Marks,
    text: str = "",
    profile_from: str | None = None,
) -> Case:
    """Second pass: profile, paths, cross-field checks."""
    root = manifest_path.parent.resolve()
    res = _Resolver(root=root, fn=manifest_path.name, marks=marks, lines=text.splitlines())
    info = manifest.case

    try:
        profile = load_profile(info.profile, root, info.form)
    except KeyError:
        close = difflib.get_close_matches(info.profile, profile_names(), n=1)
        res.problem(
            ("case", "profile"),
            Msg("profile.unknown", name=info.profile),
            (Msg("hint.did_you_mean", name=close[0]) + " " if close else "")
            + Msg("hint.profiles", names=", ".join(profile_names())),
        )
        profile = load_profile("generic")
    except ProfileError as e:
        where = "form" if info.form and "form" in str(e) else "profile"
        res.problem(("case", where), Msg("profile.unusable", why=reason(e)))
        profile = load_profile("generic")
    except (OSError, ValueError, TypeError) as e:
        res.problem(("case", "profile"), Msg("profile.unloadable", name=info.profile, why=str(e)))
        profile = load_profile("generic")
    language = info.language or profile.language
    tzname = info.timezone or profile.timezone
    try:
        tz = ZoneInfo(tzname)
    except (ZoneInfoNotFoundError, ValueError):
        res.problem(("case", "profile"), Msg("profile.timezone", zone=tzname))
        tzname, tz = "UTC", ZoneInfo("UTC")
    manifest = _in_case_zone(manifest, tz)
    info = manifest.case
    res.out_dir = _output_dir(res, manifest.output.dir)

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
                    why = Msg("frame.at", where=statement_file.rel, text=reason(e))
                    res.problem(("case", "statement"), why)
                if statement_text is not None and len(statement_text) > MAX_TEXT:
                    res.problem(
                        ("case", "statement"),
                        Msg(
                            "statement.too_long",
                            file=statement_file.rel,
                            n=len(statement_text),
                            max=MAX_TEXT,
                        ),
                        Msg("statement.too_long_hint"),
                    )
                    statement_text = None
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
                Msg("exhibit.duplicate_id", id=ex_id, other=seen_ids[ex_id]),
                Msg("exhibit.duplicate_id_hint"),
            )
        seen_ids.setdefault(ex_id, i)
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$", ex_id):
            res.problem(
                (*base, "id"),
                Msg("exhibit.bad_id", id=ex_id),
                Msg("exhibit.bad_id_hint"),
            )
        files: list[SourceFile] = []
        for j, entry in enumerate(item.files):
            found = res.files((*base, "files", j), entry, IMAGE_SUFFIXES | PDF_SUFFIXES)
            have = {f.rel for f in files}
            again = [f.rel for f in found if f.rel in have]
            if again:
                res.problem(
                    (*base, "files", j),
                    Msg(
                        "exhibit.file_again",
                        files=", ".join(again[:3]) + (" …" if len(again) > 3 else ""),
                    ),
                    warning=True,
                )
            files.extend(f for f in found if f.rel not in have)
        pdf_pages = _check_pdfs(res, base, item, files)
        redact = _check_redactions(res, base, item.redact, files)
        if redact != item.redact:
            item = item.model_copy(update={"redact": redact})
        table_file = None
        if item.table is not None:
            tpath = (*base, "table", "file")
            table_file = res.one(tpath, item.table.file, TABLE_SUFFIXES)
            if (
                item.table.sheet is not None
                and table_file
                and table_file.path.suffix.lower() not in (".xlsx", ".xlsm")
            ):
                res.problem((*base, "table", "sheet"), Msg("table.sheet_not_xlsx"))
            if table_file:
                from evidencekit.assets.tables import table_warnings  # the readers: when used

                _notes(res, tpath, table_warnings, table_file, item.table)
        events_file = None
        events: list[ShippingEvent] = []
        item_events = isinstance(item, ShippingEvidence) and item.events is not None
        if isinstance(item, ShippingEvidence) and item.events is not None:
            if isinstance(item.events, str | EventsSpec):
                epath = (*base, "events") + (() if isinstance(item.events, str) else ("file",))
                raw = item.events if isinstance(item.events, str) else item.events.file
                events_file = res.one(epath, raw, EVENT_SUFFIXES)
                if events_file:
                    events = _read_events(res, (*base, "events"), events_file, item, tz)
            else:
                events = [ShippingEvent(e.at, e.location, e.status) for e in item.events]
        transcript_file = None
        if isinstance(item, ChatEvidence) and item.transcript_path is not None:
            tpath = (*base, "transcript") + (() if isinstance(item.transcript, str) else ("file",))
            transcript_file = res.one(tpath, item.transcript_path, TRANSCRIPT_SUFFIXES)
            if transcript_file:
                from evidencekit.assets.transcripts import transcript_warnings

                _notes(res, tpath, transcript_warnings, transcript_file, item.transcript_encoding)
        if (
            not item.files
            and item.table is None
            and not item_events
            and transcript_file is None
            and item.kind != "note"
        ):
            res.problem(
                base,
                Msg("exhibit.empty", title=item.title),
                Msg("exhibit.empty_hint"),
                warning=True,
            )
        if item.kind == "note" and not (item.description or files or table_file):
            res.problem(base, Msg("exhibit.empty_note"))
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
                captured_at=item.captured_at,
                orders=_exhibit_orders(res, base, item, info),
            )
        )

    proof: list[OrderProof] = []
    if manifest.proof is not None or info.orders_from is not None:
        from evidencekit.manifest_proof import MAX_ORDERS, resolve_proof

        n = len(manifest.evidence)
        expanded = resolve_proof(
            res,
            manifest,
            tz,
            language,
            _exhibit_ids(n + MAX_ORDERS + 1, profile.label_style)[n:],
            len(exhibits),
            set(seen_ids),
        )
        exhibits.extend(expanded.exhibits)
        proof = expanded.proof
        if expanded.orders:
            info = info.model_copy(update={"orders": [*info.orders, *expanded.orders]})
            manifest = manifest.model_copy(update={"case": info})
        seen_ids.update({ex.id: ex.index for ex in expanded.exhibits})

    first_order: dict[str, int] = {}
    for k, order in enumerate(info.orders):
        if first_order.setdefault(order.id, k) != k:
            res.problem(
                ("case", "orders", k, "id"),
                Msg("orders.duplicate", order=order.id, other=first_order[order.id]),
                Msg("orders.duplicate_hint"),
            )
    known = set(seen_ids)
    for k, ev in enumerate(info.timeline):
        if ev.exhibit is not None and ev.exhibit not in known:
            res.problem(
                ("case", "timeline", k, "exhibit"),
                f"no exhibit with id {ev.exhibit!r}",
                "known ids: " + ", ".join(sorted(known, key=natural_key)),
            )
    _check_records(res, info, exhibits, tz)

    _check_expected(res, profile, info.dispute.reason if info.dispute else None, exhibits)
    if not res.problems:  # errors first: a reviewer's view only of a manifest that builds
        reviewer_warnings(
            res,
            manifest,
            profile,
            statement_text,
            statement_file.rel if statement_file else None,
            profile_from,
        )
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
        warnings=tuple(w.text() for w in res.warnings),
        proof=tuple(proof),
    )


def manifest_language(manifest_path: Path, profile: str | None = None) -> str | None:
    """The case's language as far as the manifest's text tells it (case.language, else its
    profile's), even when the manifest is otherwise invalid; None when it cannot tell."""
    try:
        with manifest_path.open("rb") as fh:
            raw = fh.read(MAX_MANIFEST_BYTES + 1)
        data, _ = load_yaml(_decode_manifest(raw, manifest_path.name), manifest_path.name)
    except (OSError, ManifestError):
        return None
    case = data.get("case") if isinstance(data, dict) else None
    case = case if isinstance(case, dict) else {}
    if case.get("language") in ("zh-CN", "en"):
        return str(case["language"])
    name = profile or case.get("profile")
    if not isinstance(name, str):
        return None
    try:
        return load_profile(name, manifest_path.parent.resolve()).language
    except (KeyError, ValueError, TypeError, OSError):
        return None
