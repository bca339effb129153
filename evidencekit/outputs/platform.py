"""What a platform's upload form takes: per-field files, text summaries, and the limit check."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from evidencekit.errors import RenderError
from evidencekit.messages import Msg
from evidencekit.model import Case, Profile
from evidencekit.render.markdown import markdown_to_text

_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


def check_output_name(name: str) -> str:
    """An output file name built from case and profile data: relative, plain parts only."""
    parts = PurePosixPath(name).parts
    if (
        not parts
        or len(parts) > 3
        or name != "/".join(parts)
        or not all(_PART.fullmatch(p) for p in parts)
    ):
        msg = Msg("output.refuse_name", name=name[:120])
        raise RenderError(msg)
    return name


def output_path(out_dir: Path, name: str) -> Path:
    """Where an output named `name` is written; refuses anything that would land outside
    `out_dir` (a `..` name, or a sub-folder that is a link out of it)."""
    path = out_dir / check_output_name(name)
    if not path.parent.resolve().is_relative_to(out_dir.resolve()):
        msg = Msg("output.refuse_outside", name=name, folder=str(path.parent))
        raise RenderError(msg)
    return path


@dataclass(frozen=True)
class UploadFile:
    """One file the merchant uploads."""

    name: str
    size: int
    pages: int | None  # PDFs only
    format: str  # pdf | jpeg | png
    field: str = ""  # the form field it goes into, when the platform has fields


@dataclass(frozen=True)
class Violation:
    """One limit the upload set breaks."""

    limit: str
    actual: int
    allowed: int
    file: str = ""

    def describe(self, profile: Profile) -> str:
        known = (
            "file_bytes",
            "total_bytes",
            "image_bytes",
            "pages_per_file",
            "pages_total",
            "files",
        )
        what = Msg(f"limit.{self.limit}") if self.limit in known else self.limit
        if self.limit.endswith("bytes"):
            amount = Msg("limit.mb", actual=self.actual / 1e6, allowed=self.allowed / 1e6)
        else:
            amount = Msg("limit.count", actual=self.actual, allowed=self.allowed)
        where = f" ({self.file})" if self.file else ""
        return Msg("limit.violation", profile=profile.name, what=what, amount=amount, where=where)


def check_limits(profile: Profile, files: list[UploadFile]) -> list[Violation]:
    """Every limit of the profile that the upload set breaks."""
    lim = profile.limits
    found: list[Violation] = []
    for f in files:
        if lim.file_bytes and f.size > lim.file_bytes:
            found.append(Violation("file_bytes", f.size, lim.file_bytes, f.name))
        if lim.image_bytes and f.format != "pdf" and f.size > lim.image_bytes:
            found.append(Violation("image_bytes", f.size, lim.image_bytes, f.name))
        if lim.pages_per_file and f.pages and f.pages > lim.pages_per_file:
            found.append(Violation("pages_per_file", f.pages, lim.pages_per_file, f.name))
        if f.format not in profile.formats:
            found.append(Violation("format:" + f.format, 1, 0, f.name))
    total = sum(f.size for f in files)
    if lim.total_bytes and total > lim.total_bytes:
        found.append(Violation("total_bytes", total, lim.total_bytes))
    pages = sum(f.pages or 0 for f in files)
    if lim.pages_total and pages > lim.pages_total:
        found.append(Violation("pages_total", pages, lim.pages_total))
    if lim.files and len(files) > lim.files:
        found.append(Violation("files", len(files), lim.files))
    return found


def trim(text: str, limit: int, language: str) -> str:
    """Cut text to at most `limit` characters at a sentence or line end, marking the cut."""
    if len(text) <= limit:
        return text
    mark = "…（完整内容见附件）" if language == "zh-CN" else "… (full text in the attached PDF)"
    room = max(0, limit - len(mark))
    cut = text[:room]
    for stop in ("\n", "。", ". ", "；", "! ", "？", "? "):
        pos = cut.rfind(stop)
        if pos >= room * 0.6:
            cut = cut[: pos + len(stop)].rstrip()
            break
    return cut + mark


def summary_text(case: Case) -> str:
    """The merchant's account as plain text: claim, requested outcome, statement, exhibits."""
    info = case.info
    zh = case.language == "zh-CN"
    parts: list[str] = []
    if info.dispute and info.dispute.requested_outcome:
        parts.append(("请求：" if zh else "Request: ") + info.dispute.requested_outcome)
    if case.statement_text:
        parts.append(markdown_to_text(case.statement_text))
    lines = [
        f"{ex.label} {ex.item.title}"
        + (
            f"：{ex.item.proves}"
            if zh and ex.item.proves
            else f": {ex.item.proves}"
            if ex.item.proves
            else ""
        )
        for ex in case.exhibits
    ]
    if lines:
        parts.append(("证据：\n" if zh else "Exhibits:\n") + "\n".join(lines))
    return "\n\n".join(parts)


def summaries(case: Case, profile: Profile) -> dict[str, str]:
    """Each of the form's text fields, trimmed to its limit (minimums padded with the title)."""
    text = summary_text(case)
    out: dict[str, str] = {}
    for field_name, limit in profile.limits.text_chars.items():
        value = trim(text, limit, case.language)
        minimum = profile.limits.text_min_chars.get(field_name, 0)
        if len(value) < minimum:
            value = trim(case.info.title, limit, case.language)
        out[field_name] = value
    return out


def categories_for(profile: Profile, record: dict[str, object]) -> dict[str, list[int]]:
    """Pages of the dossier for each of the platform's file fields.

    Exhibits go to the field that takes their kind; the cover letter, index, timeline and
    integrity appendix (and exhibits of kinds no field takes) go to the last field listed,
    the platform's catch-all.
    """
    fields = list(profile.categories)
    if not fields:
        return {}
    catch_all = fields[-1]
    pages_total = int(record["outputs"][0]["pages"])  # type: ignore[index]
    taken: dict[str, list[int]] = {f: [] for f in fields}
    used: set[int] = set()
    for ex in record["exhibits"]:  # type: ignore[attr-defined]
        field_name = next((f for f in fields if ex["kind"] in profile.categories[f]), catch_all)
        start, end = ex["pages"]
        pages = list(range(start, end + 1))
        taken[field_name].extend(pages)
        used.update(pages)
    front = [p for p in range(1, pages_total + 1) if p not in used]
    taken[catch_all] = sorted(set(taken[catch_all]) | set(front))
    return {f: sorted(set(p)) for f, p in taken.items() if p}


def suggestions(profile: Profile) -> str:
    """What a merchant can do when the case cannot fit."""
    return Msg("limit.suggestions", profile=profile.name)
