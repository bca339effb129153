"""build(manifest, options) -> BuildResult: the only module that knows the stage order.

load → collect (hash, capture times) → prepare assets → render → post-process → write outputs
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from evidencekit import __version__
from evidencekit.assets.images import capture_time, prepare_image
from evidencekit.assets.sources import SourceInfo, file_mtime, sha256_file
from evidencekit.assets.tables import prepare_table
from evidencekit.errors import EvidenceError, LimitError, RenderError
from evidencekit.i18n import t, zh_number
from evidencekit.manifest import IMAGE_SUFFIXES, load_case
from evidencekit.model import Case, Profile
from evidencekit.outputs import dump_json, sha256_bytes, sha256sums, write_atomic
from evidencekit.outputs.platform import (
    UploadFile,
    categories_for,
    check_limits,
    suggestions,
    summaries,
)
from evidencekit.pdf.overlay import Placement, place_pages
from evidencekit.pdf.postprocess import finish_pdf
from evidencekit.pdf.split import assemble_volume, extract_pages, page_count, plan_volumes
from evidencekit.render import MARGIN_MM, content_box_mm, render_html
from evidencekit.render.context import PreparedExhibit, build_context, exhibit_capture
from evidencekit.render.weasy import Rendered, harfbuzz_subset_available, render_pdf

Progress = Callable[[str, int, int], None]

_CJK = re.compile(r"[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]")


@dataclass
class BuildOptions:
    """Command-line overrides of the manifest."""

    out_dir: Path | None = None
    profile: str | None = None
    language: str | None = None
    progress: Progress | None = None


@dataclass
class BuildResult:
    """What a build wrote, with figures for the summary."""

    case: Case
    pdf_path: Path
    json_path: Path
    sums_path: Path
    pages: int
    pdf_size: int
    exhibits: int
    sources: int
    seconds: float
    stages: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    extra_files: list[Path] = field(default_factory=list)


@dataclass
class _Made:
    """One render of the dossier at given image settings."""

    pdf: bytes
    rendered: Rendered
    prepared: list[PreparedExhibit]
    exhibit_bytes: dict[str, int]


def _render(
    case: Case,
    infos: dict[str, SourceInfo],
    built: datetime,
    settings: ImageSettings,
    progress: Progress | None,
    warnings: list[str],
) -> _Made:
    """Prepare assets, render and post-process once."""
    paper = case.profile.paper
    with tempfile.TemporaryDirectory(prefix="evidencekit-") as tmp:
        work = Path(tmp)
        prepared, assets = prepare(case, work, paper, progress, settings)
        exhibit_bytes = {
            pe.exhibit.label: sum(
                (work / part.name).stat().st_size for _, img in pe.images for part in img.parts
            )
            for pe in prepared
        }
        context = build_context(case, prepared, infos, built, paper)
        html = render_html(context, case.root / "templates")
        if _CJK.search(html) and not cjk_font_available():
            msg = (
                "the dossier contains Chinese text but no CJK font is installed; "
                "install fonts-noto-cjk (Debian/Ubuntu) so nothing shows as empty boxes"
            )
            raise RenderError(msg)
        if progress:
            progress("render", 0, 1)
        identifier = sha256_bytes(html.encode())[:32].encode()
        rendered = render_pdf(html, assets, identifier=identifier)
    for url in rendered.refused_urls:
        note = f"the renderer was refused {url!r} (only the build's own files load)"
        if note not in warnings:
            warnings.append(note)
    placements = [
        Placement(
            page=rendered.boxes[sl.id][0],
            rect=rendered.boxes[sl.id][1:],
            source=sl.source,
            source_page=sl.source_page,
            password=sl.password,
        )
        for pe in prepared
        for sl in pe.slots
    ]
    pdf = finish_pdf(place_pages(rendered.pdf, placements))
    return _Made(pdf, rendered, prepared, exhibit_bytes)


def make_volumes(case: Case, pdf: bytes, record: dict[str, object], cap: int) -> dict[str, bytes]:
    """Split the dossier into volumes of at most `cap` pages, each opening with its own index;
    page and Bates numbers stay those of the whole dossier."""
    lang = case.language
    total = int(record["outputs"][0]["pages"])  # type: ignore[index]
    exhibits: list[dict[str, Any]] = record["exhibits"]  # type: ignore[assignment]
    first = exhibits[0]["pages"][0] if exhibits else total + 1
    last = exhibits[-1]["pages"][1] if exhibits else total
    blocks: list[tuple[str, str, list[int]]] = []
    if first > 1:
        blocks.append(("", t("front_matter", lang), list(range(1, first))))
    for ex in exhibits:
        start, end = ex["pages"]
        blocks.append((ex["label"], ex["title"], list(range(start, end + 1))))
    if last < total:
        blocks.append(("", t("appendix_short", lang), list(range(last + 1, total + 1))))
    ctx_base = {
        "lang": lang,
        "case": case.info,
        "paper": case.profile.paper,
        "margin": MARGIN_MM,
        "note": t("volume_note", lang),
    }
    front_pages = 1
    while True:
        plan = plan_volumes([b[2] for b in blocks], cap - front_pages)
        fronts = []
        for n, pages in enumerate(plan, start=1):
            rows = []
            for label, title, block in blocks:
                inside = [p for p in block if p in set(pages)]
                if inside:
                    rows.append(
                        {"label": label, "title": title, "pages": f"{inside[0]}–{inside[-1]}"}
                    )
            label = t(
                "volume", lang, n=n, m=len(plan), zh_n=zh_number(n), zh_m=zh_number(len(plan))
            )
            ctx = {
                **ctx_base,
                "volume_label": label,
                "rows": rows,
                "pages_label": t("volume_pages", lang, a=pages[0], b=pages[-1]),
            }
            html = render_html(ctx, case.root / "templates", "volume.html.j2")
            fronts.append(
                render_pdf(html, {}, identifier=sha256_bytes(html.encode())[:32].encode())
            )
        most = max(f.pages for f in fronts)
        if most <= front_pages:
            break
        front_pages = most
    volume_label = t("volume_front", lang)
    return {
        f"{case.info.id}.vol{n}.pdf": assemble_volume(front.pdf, pdf, pages, volume_label)
        for n, (front, pages) in enumerate(zip(fronts, plan, strict=True), start=1)
    }


def platform_files(case: Case, pdf: bytes, record: dict[str, object]) -> dict[str, bytes]:
    """Files beside the dossier that the profile's form takes: per-field PDFs, volumes when the
    page cap bites, text fields."""
    profile = case.profile
    files: dict[str, bytes] = {}
    cid = case.info.id
    mapping: dict[str, object] = {}
    cap = profile.limits.pages_per_file
    pages = int(record["outputs"][0]["pages"])  # type: ignore[index]
    if profile.output == "pdf" and cap and pages > cap:
        if cap < 3:
            msg = (
                f"{profile.name}: pages {pages}, limit {cap} ({cid}.pdf); a cap of {cap} pages "
                "is too small to split into volumes (each needs its own index page)"
            )
            raise LimitError(msg)
        volumes = make_volumes(case, pdf, record, cap)
        files.update(volumes)
        mapping["volumes"] = list(volumes)
    if profile.output == "categories":
        fields: dict[str, str] = {}
        for field_name, field_pages in categories_for(profile, record).items():
            name = f"{cid}.{field_name}.pdf"
            files[name] = extract_pages(pdf, field_pages)
            fields[name] = field_name
        mapping["files"] = fields
    texts = summaries(case, profile)
    for field_name, text in texts.items():
        files[f"{cid}.{field_name}.txt"] = (text + "\n").encode()
    if mapping or texts:
        mapping["text"] = texts
        mapping["profile"] = profile.name
        files[f"{cid}.{profile.name}.json"] = dump_json(mapping)
    return files


def upload_set(
    profile: Profile, pdf_name: str, pdf: bytes, pages: int, extra: dict[str, bytes]
) -> list[UploadFile]:
    """The files the merchant uploads for this profile (what the limits apply to)."""
    if profile.output == "categories":
        return [
            UploadFile(name, len(data), page_count(data), "pdf")
            for name, data in extra.items()
            if name.endswith(".pdf")
        ]
    if profile.output == "images":
        return []  # page images are not produced yet (see the build warning)
    volumes = [name for name in extra if re.search(r"\.vol\d+\.pdf$", name)]
    if volumes:
        return [UploadFile(n, len(extra[n]), page_count(extra[n]), "pdf") for n in volumes]
    return [UploadFile(pdf_name, len(pdf), pages, "pdf")]


def build_time() -> datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else now; always UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except ValueError as e:
            msg = f"SOURCE_DATE_EPOCH must be whole seconds since 1970, not {epoch!r}"
            raise RenderError(msg) from e
    return datetime.now(UTC).replace(microsecond=0)


def cjk_font_available() -> bool:
    """Whether fontconfig knows a font covering Chinese."""
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "family"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return True  # cannot tell; do not block the build
    return bool(out.strip())


def collect(case: Case, tz: ZoneInfo, progress: Progress | None) -> dict[str, SourceInfo]:
    """Hash every source file and establish its capture time."""
    infos: dict[str, SourceInfo] = {}
    manifest_time = {
        f.rel: ex.captured_at for ex in case.exhibits if ex.captured_at for f in ex.files
    }
    sources = case.sources()
    for n, sf in enumerate(sources, start=1):
        try:
            size = sf.path.stat().st_size
            digest = sha256_file(sf.path)
        except OSError as e:
            raise EvidenceError(
                f"cannot read: {e.strerror}", file=sf.rel, location=sf.location
            ) from e
        when, how = manifest_time.get(sf.rel), "manifest"
        if when is None and sf.path.suffix.lower() in IMAGE_SUFFIXES:
            try:
                when, how = capture_time(sf.path, sf.rel)
            except EvidenceError as e:
                raise EvidenceError(
                    str(e).split(": ", 1)[-1], file=sf.rel, location=sf.location
                ) from e
        if when is None:
            when, how = file_mtime(sf, tz), "file-mtime"
        infos[sf.rel] = SourceInfo(sf, size, digest, when, how)
        if progress:
            progress("hash", n, len(sources))
    return infos


@dataclass(frozen=True)
class ImageSettings:
    """How images are re-encoded; the fit ladder steps these down."""

    dpi: int = 200
    quality: int = 85

    def describe(self) -> str:
        return f"images at {self.dpi} dpi, JPEG quality {self.quality}"


def fit_ladder(profile_dpi: int | None) -> list[ImageSettings]:
    """Steps tried in order when a size limit is exceeded: DPI first, then JPEG quality,
    then the per-page image budget (a lower DPI again)."""
    top = min(200, profile_dpi or 200)
    steps = [(top, 85), (150, 85), (120, 85), (120, 75), (120, 65), (110, 55), (96, 45)]
    out: list[ImageSettings] = []
    for dpi, quality in steps:
        step = ImageSettings(min(dpi, top), quality)
        if step not in out:
            out.append(step)
    return out


def prepare(
    case: Case,
    work: Path,
    paper: str,
    progress: Progress | None,
    settings: ImageSettings | None = None,
) -> tuple[list[PreparedExhibit], dict[str, Path]]:
    """Decode and re-encode images, read tables; return per-exhibit assets and the file map."""
    box_w, box_h = content_box_mm(paper)
    box = (box_w, box_h - 72)  # room for the caption and, on an exhibit's first page, its band
    cfg = settings or ImageSettings()
    assets: dict[str, Path] = {}
    prepared: list[PreparedExhibit] = []
    total = sum(len(ex.files) for ex in case.exhibits)
    done = 0
    for ex in case.exhibits:
        pe = PreparedExhibit(ex)
        for k, sf in enumerate(ex.files):
            stem = f"{ex.anchor}-{k + 1}"
            try:
                img = prepare_image(
                    sf.path, sf.rel, work, stem, box_mm=box, dpi=cfg.dpi, quality=cfg.quality
                )
            except EvidenceError as e:
                raise EvidenceError(
                    str(e).split(": ", 1)[-1], file=sf.rel, location=sf.location
                ) from e
            for part in img.parts:
                assets[part.name] = work / part.name
            pe.images.append((sf.rel, img))
            done += 1
            if progress:
                progress("images", done, total)
        if ex.table_file is not None and ex.item.table is not None:
            pe.table = prepare_table(ex.table_file, ex.item.table)
        prepared.append(pe)
    return prepared, assets


def evidence_record(
    case: Case,
    infos: dict[str, SourceInfo],
    prepared: list[PreparedExhibit],
    anchors: dict[str, int],
    built: datetime,
    pdf_name: str,
    pdf_sha: str,
    pdf_size: int,
    pages: int,
) -> dict[str, object]:
    """The evidence JSON: every source and output with hashes, times and page ranges."""
    exhibits_of: dict[str, list[str]] = {}
    shown: dict[str, str] = {}
    for pe in prepared:
        for rel, img in pe.images:
            shown[rel] = img.note
    exhibits = []
    for pe in prepared:
        ex = pe.exhibit
        when, how = exhibit_capture(pe, infos, case.language)
        files = [f.rel for f in (*ex.files, *(x for x in (ex.table_file, ex.events_file) if x))]
        for rel in files:
            exhibits_of.setdefault(rel, []).append(ex.id)
        exhibits.append(
            {
                "id": ex.id,
                "label": ex.label,
                "kind": ex.kind,
                "title": ex.item.title,
                "pages": [anchors[ex.anchor], anchors[f"{ex.anchor}-end"]],
                "captured_at": when.isoformat() if when else None,
                "captured_how": how,
                "files": files,
            }
        )
    sources = []
    for sf in case.sources():
        si = infos[sf.rel]
        entry: dict[str, object] = {
            "path": sf.rel,
            "size": si.size,
            "sha256": si.sha256,
            "captured_at": si.captured_at.isoformat() if si.captured_at else None,
            "captured_how": si.captured_how,
            "exhibits": exhibits_of.get(sf.rel, []),
            "role": "statement" if sf == case.statement_file else "evidence",
        }
        if sf.rel in shown:
            entry["shown_as"] = shown[sf.rel]
        sources.append(entry)
    return {
        "format": "evidencekit-evidence/1",
        "tool": {"name": "evidencekit", "version": __version__},
        "build_time": built.isoformat(),
        "case": {
            "id": case.info.id,
            "title": case.info.title,
            "profile": case.profile.name,
            "language": case.language,
            "timezone": case.timezone,
        },
        "manifest": case.manifest_path.name,
        "sources": sources,
        "exhibits": exhibits,
        "outputs": [{"path": pdf_name, "sha256": pdf_sha, "size": pdf_size, "pages": pages}],
    }


def build(manifest_path: Path, options: BuildOptions | None = None) -> BuildResult:
    """Validate the manifest and write the dossier and its sidecars."""
    opts = options or BuildOptions()
    started = time.perf_counter()
    stages: dict[str, float] = {}
    mark = started

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        stages[name] = round(now - mark, 3)
        mark = now

    case = load_case(manifest_path, profile=opts.profile, language=opts.language)
    lap("load")
    warnings = list(case.warnings)
    if not harfbuzz_subset_available():
        warnings.append(
            "libharfbuzz-subset is missing: font subsetting falls back to fontTools and CJK "
            "pages render 5-10x slower with 2x the memory; install libharfbuzz-subset0"
        )
    tz = ZoneInfo(case.timezone)
    built = build_time()

    infos = collect(case, tz, opts.progress)
    lap("collect")
    out_dir = (opts.out_dir or case.output_dir).resolve()
    pdf_name = f"{case.info.id}.pdf"
    json_name = f"{case.info.id}.evidence.json"
    profile = case.profile
    steps = fit_ladder(profile.limits.dpi)
    fit_log: list[str] = []
    for attempt, settings in enumerate(steps):
        made = _render(case, infos, built, settings, opts.progress, warnings)
        lap("render" if attempt == 0 else f"render (fit step {attempt + 1})")
        pdf, rendered, prepared = made.pdf, made.rendered, made.prepared
        record = evidence_record(
            case,
            infos,
            prepared,
            rendered.anchors,
            built,
            pdf_name,
            sha256_bytes(pdf),
            len(pdf),
            rendered.pages,
        )
        extra = platform_files(case, pdf, record)
        uploads = upload_set(profile, pdf_name, pdf, rendered.pages, extra)
        violations = check_limits(profile, uploads)
        sizes_only = all(v.limit.endswith("bytes") for v in violations)
        if not violations:
            break
        if not sizes_only or attempt == len(steps) - 1:
            largest = sorted(made.exhibit_bytes.items(), key=lambda kv: -kv[1])[:3]
            figures = "; ".join(v.describe(profile) for v in violations)
            after = " after the last step" if sizes_only and attempt else ""
            biggest = ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in largest if v)
            msg = (
                f"{figures}{after}"
                + (f"; the largest exhibits: {biggest}" if biggest else "")
                + f"\n    hint: {suggestions(profile)}"
            )
            raise LimitError(msg)
        nxt = steps[attempt + 1]
        fit_log.append(
            f"{violations[0].describe(profile)} with {settings.describe()}; "
            f"retrying with {nxt.describe()}"
        )
    lap("postprocess")
    if fit_log:
        warnings.append(
            f"fitted to the {profile.name} limits: {settings.describe()} "
            f"(steps: {' → '.join(s.describe() for s in steps[: attempt + 1])})"
        )
    if profile.output == "images":
        warnings.append(
            f"{profile.name} takes images only: page images are not produced yet; "
            "upload the PDF's pages as screenshots, or use a PDF-accepting channel"
        )
    record["fit"] = {"steps": fit_log, "final": settings.describe()}
    record["warnings"] = warnings
    outputs = record["outputs"]
    assert isinstance(outputs, list)
    for name, data in extra.items():
        entry: dict[str, object] = {"path": name, "sha256": sha256_bytes(data), "size": len(data)}
        if name.endswith(".pdf"):
            entry["pages"] = page_count(data)
        outputs.append(entry)
    json_bytes = dump_json(record)
    write_atomic(out_dir / pdf_name, pdf)
    for name, data in extra.items():
        write_atomic(out_dir / name, data)
    write_atomic(out_dir / json_name, json_bytes)
    entries = [(pdf_name, sha256_bytes(pdf))]
    entries += [(name, sha256_bytes(data)) for name, data in extra.items()]
    entries.append((json_name, sha256_bytes(json_bytes)))
    write_atomic(out_dir / "SHA256SUMS", sha256sums(entries))
    lap("write")
    return BuildResult(
        case=case,
        pdf_path=out_dir / pdf_name,
        json_path=out_dir / json_name,
        sums_path=out_dir / "SHA256SUMS",
        pages=rendered.pages,
        pdf_size=len(pdf),
        extra_files=[out_dir / name for name in extra],
        exhibits=len(case.exhibits),
        sources=len(infos),
        seconds=round(time.perf_counter() - started, 2),
        stages=stages,
        warnings=warnings,
    )
