"""build(manifest, options) -> BuildResult: the only module that knows the stage order.

load → collect (hash, capture times) → prepare assets → render → post-process → write outputs
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import platformdirs

from evidencekit import __version__
from evidencekit.assets.captured import export_time
from evidencekit.assets.images import (
    PreparedImage,
    cache_key,
    capture_time,
    count_pixels,
    encode_page,
    encoded_size,
    load_prepared,
    plan_image,
    prepare_image,
    save_prepared,
    slot_placeholder,
    tile_stream,
)
from evidencekit.assets.privacy import Masker
from evidencekit.assets.sources import SourceInfo, file_mtime, sha256_file
from evidencekit.assets.tables import prepare_table
from evidencekit.assets.transcripts import read_transcript
from evidencekit.errors import EvidenceError, LimitError, RenderError
from evidencekit.i18n import t, zh_number
from evidencekit.manifest import IMAGE_SUFFIXES, load_case
from evidencekit.model import Case, ChatEvidence, Profile, SourceFile, aware_in
from evidencekit.outputs import dump_json, sha256_bytes, sha256sums
from evidencekit.outputs.integrity import archive_bytes, history_bytes, input_fingerprint
from evidencekit.outputs.platform import (
    UploadFile,
    categories_for,
    check_limits,
    check_output_name,
    suggestions,
    summaries,
    trim,
)
from evidencekit.outputs.renditions import Outgoing, outgoing_sources
from evidencekit.outputs.timestamp import request_token
from evidencekit.outputs.transaction import (
    OutputSet,
    check_output_dir,
    fault,
    parse_sums,
    plain_name,
    recover,
)
from evidencekit.pdf.attach import Attachment, PdfAError, attach_files
from evidencekit.pdf.images import PreparedJpeg, place_images
from evidencekit.pdf.overlay import Placement, place_pages
from evidencekit.pdf.postprocess import finish_pdf, font_names
from evidencekit.pdf.raster import iter_page_images
from evidencekit.pdf.sources import PdfSourceError, normalise_pdf
from evidencekit.pdf.split import assemble_volume, extract_pages, page_count, plan_volumes
from evidencekit.render import (
    MARGIN_MM,
    PAPER_MM,
    content_box_mm,
    packaged_templates,
    render_html,
)
from evidencekit.render.context import (
    PageLayout,
    PreparedExhibit,
    Slot,
    build_context,
    exhibit_capture,
    measure_layout,
)
from evidencekit.render.proof import order_folder, order_folders, order_records, order_text
from evidencekit.render.weasy import (
    Rendered,
    harfbuzz_subset_available,
    render_pdf,
    write_rendered,
)

Progress = Callable[[str, int, int], None]

_CJK = re.compile(r"[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]")


@dataclass
class BuildOptions:
    """Command-line overrides of the manifest."""

    out_dir: Path | None = None
    profile: str | None = None
    language: str | None = None
    pdfa: bool | None = None
    embed_originals: bool | None = None
    page_images: PageImageOptions | None = None
    tsa: str | None = None
    archive: bool = False
    force: bool = False
    include_unmasked_originals: bool = False
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
    archive_path: Path | None = None
    token_path: Path | None = None


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
    pdfa: bool = False,
    unmasked: bool = False,
) -> _Made:
    """Prepare assets, render and post-process once."""
    paper = case.profile.paper
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="evidencekit-")))
        hashes = {rel: info.sha256 for rel, info in infos.items()}
        prepared, assets, pending = prepare(case, work, paper, progress, settings, pdfa, hashes)
        stack.enter_context(pending)  # laid out while the images are prepared
        layout = PageLayout()
        for _ in range(3):  # measured layout passes; the second normally agrees
            context = build_context(case, prepared, infos, built, paper, layout)
            context["unmasked_note"] = t("unmasked_originals", case.language) if unmasked else ""
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
            laid = render_pdf(html, assets, identifier=identifier, pdfa=pdfa, write=False)
            measured = measure_layout(prepared, laid.anchors, laid.boxes, paper, layout)
            if measured == layout:
                break
            layout = measured
        rendered = write_rendered(laid, identifier=identifier, pdfa=pdfa)
        made = pending.finish(prepared)
        exhibit_bytes = {
            pe.exhibit.label: sum(
                made[part.name].path.stat().st_size for _, img in pe.images for part in img.parts
            )
            for pe in prepared
        }
        # Included pages are drawn in while their normalised copies still exist.
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
        pdf = finish_pdf(place_pages(place_images(rendered.pdf, made), placements))
    for url in rendered.refused_urls:
        note = f"the renderer was refused {url!r} (only the build's own files load)"
        if note not in warnings:
            warnings.append(note)
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
                        {
                            "label": label,
                            "title": title,
                            "pages": f"{inside[0]}–{inside[-1]}"
                            if len(inside) > 1
                            else t("page_short", lang, n=inside[0]),
                        }
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


@dataclass(frozen=True)
class PageImageOptions:
    """`--page-images`: every page as an image."""

    wanted: bool = False
    format: str = "jpeg"  # jpeg | png
    dpi: int = 150


MIN_READABLE_DPI = 96  # below this, 8-9 pt text on a page image is no longer legible
MAX_SHEET_PIXELS = 40_000_000  # one sheet in memory: 120 MB of RGB at most


def _sheet_plan(case: Case, pages: int, per_sheet: int, dpi: int) -> tuple[int, int, int]:
    """Columns, rows and the rendering dpi of a sheet of per_sheet pages: at most `dpi`, and
    small enough that the sheet stays under MAX_SHEET_PIXELS; LimitError when that means the
    text would fall below MIN_READABLE_DPI."""
    cols = math.ceil(math.sqrt(per_sheet))
    rows = math.ceil(per_sheet / cols)
    w_mm, h_mm = PAPER_MM.get(case.profile.paper, PAPER_MM["A4"])
    page_sq_in = (w_mm / 25.4) * (h_mm / 25.4)
    fit = math.floor(math.sqrt(MAX_SHEET_PIXELS / (cols * rows * page_sq_in)))
    sheet_dpi = min(dpi, fit)
    if sheet_dpi < MIN_READABLE_DPI:
        lim = case.profile.limits
        most = max(1, int(MAX_SHEET_PIXELS // (page_sq_in * MIN_READABLE_DPI**2)))
        msg = (
            f"{case.profile.name}: {pages} pages on at most {lim.files} images means "
            f"{per_sheet} pages per image, at {sheet_dpi} dpi each ({MIN_READABLE_DPI} dpi "
            f"needed to read the text, {MIN_READABLE_DPI / max(sheet_dpi, 1):.1f}x too small); "
            f"at most {most * (lim.files or 1)} pages fit ({pages - most * (lim.files or 1)} "
            "too many)"
            f"\n    hint: {suggestions(case.profile)}"
        )
        raise LimitError(msg)
    return cols, rows, sheet_dpi


def page_images(
    case: Case,
    pdf: bytes,
    pages: int,
    opts: PageImageOptions,
    folders: dict[int, str] | None = None,
) -> dict[str, bytes]:
    """Page images: on request, or always for image-only platforms, then sized to their
    per-image and total byte caps and combined into sheets when the file count is capped.
    `folders` (page -> folder) puts each order's pages under pages/<order-id>/, the rest
    under pages/common/.

    Pages are rendered and placed one at a time: memory holds one sheet and one page.
    Sheets whose pages would end below MIN_READABLE_DPI are refused (LimitError)."""
    profile = case.profile
    cid = case.info.id
    only_images = profile.output == "images"
    if not (opts.wanted or only_images):
        return {}
    lim = profile.limits
    fmt = opts.format
    if only_images and fmt not in profile.formats:
        fmt = "jpeg" if "jpeg" in profile.formats else "png"
    ext = "jpg" if fmt == "jpeg" else "png"
    dpi = min(opts.dpi, lim.dpi or opts.dpi)
    per_sheet = 1
    if only_images and lim.files and pages > lim.files:
        per_sheet = math.ceil(pages / lim.files)
    count = math.ceil(pages / per_sheet)
    caps = [c for c in (lim.image_bytes, lim.file_bytes) if c] if only_images else []
    if only_images and lim.total_bytes:
        caps.append(lim.total_bytes // count)
    cap = min(caps) if caps else None
    out: dict[str, bytes] = {}

    def keep(name: str, sheet: Any, batch: int, sheet_dpi: int) -> None:
        data, _ = encode_page(sheet, fmt, cap, sheet_dpi)
        readable = sheet_dpi * encoded_size(data)[0] / sheet.width
        sheet.close()
        if only_images and readable < min(dpi, MIN_READABLE_DPI) - 0.5:
            msg = (
                f"{profile.name}: {name} holds {batch} page(s); to fit "
                f"{(cap or 0) / 1e6:.2f} MB they drop to {readable:.0f} dpi "
                f"({MIN_READABLE_DPI} dpi needed to read the text, "
                f"{MIN_READABLE_DPI / readable:.1f}x too small)"
                f"\n    hint: {suggestions(profile)}"
            )
            raise LimitError(msg)
        out[name] = data

    if per_sheet == 1:
        for n, img in enumerate(iter_page_images(pdf, dpi), start=1):
            folder = f"{folders.get(n, 'common')}/" if folders else ""
            keep(f"pages/{folder}{cid}-p{n:03d}.{ext}", img, 1, dpi)
        return out
    cols, _rows, sheet_dpi = _sheet_plan(case, pages, per_sheet, dpi)
    rendered = iter_page_images(pdf, sheet_dpi)
    try:
        for first in range(1, pages + 1, per_sheet):
            last = min(first + per_sheet - 1, pages)
            batch = last - first + 1
            sheet_cols = min(cols, batch)
            sheet = tile_stream(
                itertools.islice(rendered, batch), sheet_cols, math.ceil(batch / sheet_cols)
            )
            if sheet is None:
                break
            keep(f"pages/{cid}-p{first:03d}-{last:03d}.{ext}", sheet, batch, sheet_dpi)
    finally:
        close = getattr(rendered, "close", None)  # a generator: release the PDF now
        if close:
            close()
    return out


def platform_files(
    case: Case, pdf: bytes, record: dict[str, object], images: PageImageOptions | None = None
) -> dict[str, bytes]:
    """Files beside the dossier that the profile's form takes: per-field PDFs, volumes when the
    page cap bites, page images, text fields."""
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
    pages_total = int(record["outputs"][0]["pages"])  # type: ignore[index]
    folders = order_folders(record)
    files.update(page_images(case, pdf, pages_total, images or PageImageOptions(), folders))
    texts = summaries(case, profile)
    for field_name, text in texts.items():
        files[f"{cid}.{field_name}.txt"] = (text + "\n").encode()
    if folders:  # a per-order appeal text for each of the form's text fields
        for op in case.proof:
            for field_name, limit in profile.limits.text_chars.items():
                name = f"{order_folder(op.id)}.{field_name}.txt"
                text = trim(order_text(case, op), limit, case.language)
                files[name] = (text + "\n").encode()
    if mapping or texts:
        mapping["text"] = texts
        mapping["profile"] = profile.name
        files[f"{cid}.{profile.name}.json"] = dump_json(mapping)
    for name in files:
        check_output_name(name)  # profile data names these files: never a path
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
        return [
            UploadFile(name, len(data), None, "jpeg" if name.endswith(".jpg") else "png")
            for name, data in extra.items()
            if name.startswith("pages/")
        ]
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
    exports = {
        x.rel
        for ex in case.exhibits
        for x in (ex.table_file, ex.events_file, ex.transcript_file)
        if x is not None
    }
    for ex in case.exhibits:  # an export's capture time is its exhibit's stated one
        for x in (ex.table_file, ex.events_file, ex.transcript_file):
            if x is not None and ex.captured_at:
                manifest_time.setdefault(x.rel, ex.captured_at)
    sources = case.sources()
    pixels = 0  # every image's stored pixels: a budget per case
    for n, sf in enumerate(sources, start=1):
        try:
            size = sf.path.stat().st_size
            digest = sha256_file(sf.path)
        except OSError as e:
            raise EvidenceError(
                f"cannot read: {e.strerror}", file=sf.rel, location=sf.location
            ) from e
        when, how = manifest_time.get(sf.rel), "manifest"
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=tz)  # no offset: read in the case time zone
        if sf.path.suffix.lower() in IMAGE_SUFFIXES:
            try:
                pixels = count_pixels(sf.path, sf.rel, pixels)
                if when is None:
                    when, how = capture_time(sf.path, sf.rel, tz)
            except EvidenceError as e:
                raise EvidenceError(
                    str(e).split(": ", 1)[-1], file=sf.rel, location=sf.location
                ) from e
        if when is None and sf.rel in exports and (found := export_time(sf.path, tz)):
            when, how = found
        if when is None:
            when, how = file_mtime(sf, tz), "file-mtime"
        infos[sf.rel] = SourceInfo(sf, size, digest, aware_in(when, tz), how)
        if progress:
            progress("hash", n, len(sources))
    return infos


@dataclass(frozen=True)
class ImageSettings:
    """How images are re-encoded; the fit ladder steps these down."""

    dpi: int = 200
    quality: int = 80

    def describe(self) -> str:
        return f"images at {self.dpi} dpi, JPEG quality {self.quality}"


def fit_ladder(profile_dpi: int | None) -> list[ImageSettings]:
    """Steps tried in order when a size limit is exceeded: DPI first, then JPEG quality,
    then the per-page image budget (a lower DPI again)."""
    top = min(200, profile_dpi or 200)
    steps = [(top, 80), (150, 80), (120, 80), (120, 70), (120, 60), (110, 50), (96, 45)]
    out: list[ImageSettings] = []
    for dpi, quality in steps:
        step = ImageSettings(min(dpi, top), quality)
        if step not in out:
            out.append(step)
    return out


def build_key(case: Case, infos: dict[str, SourceInfo], options: dict[str, object]) -> str:
    """Everything an output depends on: sources, manifest, profile, templates, options, tool
    version and SOURCE_DATE_EPOCH. Equal keys mean an identical rebuild."""
    h = hashlib.sha256()
    h.update(case.manifest_path.read_bytes())
    for rel, info in sorted(infos.items()):
        h.update(f"{info.sha256}  {rel}\n".encode())
    h.update(case.profile.model_dump_json().encode())
    for folder in (packaged_templates(), case.root / "templates"):
        if folder.is_dir():
            for f in sorted(folder.rglob("*")):
                if f.is_file():
                    h.update(f.relative_to(folder).as_posix().encode() + f.read_bytes())
    h.update(json.dumps(options, sort_keys=True, default=str).encode())
    h.update(f"{__version__} {os.environ.get('SOURCE_DATE_EPOCH', '')}".encode())
    return h.hexdigest()


def _up_to_date(out_dir: Path, json_name: str, key: str) -> tuple[int, int, list[str]] | None:
    """(pages, PDF size, other outputs) when the previous build had the same key and every
    output still hashes as recorded; else None."""
    try:
        recover(out_dir)  # finish or remove what a killed build left, before looking
        record = json.loads((out_dir / json_name).read_text(encoding="utf-8"))
        if not isinstance(record, dict) or record.get("build_key") != key:
            return None
        sums = parse_sums((out_dir / "SHA256SUMS").read_text(encoding="utf-8"))
        if not sums or json_name not in dict(sums):
            return None
        for name, expected in sums:
            if not plain_name(name) or sha256_file(out_dir / name) != expected:
                return None
        outputs = record["outputs"]
        return int(outputs[0]["pages"]), int(outputs[0]["size"]), [o["path"] for o in outputs[1:]]
    except (OSError, ValueError, LookupError, TypeError, AttributeError):
        return None  # anything unexpected: not up to date, build again


def _protected(case: Case) -> set[Path]:
    """Files an output must never replace: the manifest and every source."""
    return {case.manifest_path.resolve(), *(sf.path.resolve() for sf in case.sources())}


def _originals(
    case: Case, infos: dict[str, SourceInfo], outgoing: dict[str, Outgoing]
) -> list[Attachment]:
    """Every source as a PDF/A-3 associated file: the original (AFRelationship Source), or for
    a masked or redacted source its rendition (Supplement), as `outgoing` decided."""
    out = []
    for sf in case.sources():
        went = outgoing.get(sf.rel)
        if went is not None and went.holds == "rendition":
            for name, data in went.files:
                note = f"{went.how} rendition of {sf.rel}"
                out.append(Attachment(name.replace("/", "__"), data, note, "Supplement"))
            continue
        data = sf.path.read_bytes()
        if sha256_bytes(data) != infos[sf.rel].sha256:
            msg = "the file changed while the dossier was being built; build again"
            raise EvidenceError(msg, file=sf.rel, location=sf.location)
        out.append(Attachment(sf.rel.replace("/", "__"), data, f"original of {sf.rel}", "Source"))
    return out


def _record_outgoing(
    record: dict[str, object], infos: dict[str, SourceInfo], outgoing: dict[str, Outgoing]
) -> None:
    """Say, per source, whether attachments and archive hold the original or a rendition."""
    sources = record["sources"]
    assert isinstance(sources, list)
    for entry in sources:
        rel = entry["path"]
        went = outgoing.get(rel, Outgoing("original", ""))
        entry["outgoing"] = went.record(infos[rel].sha256)


def _pdf_slots(
    sf: SourceFile,
    selection: tuple[tuple[int, ...], str],
    work: Path,
    stem: str,
    paper: str,
    pdfa: bool = False,
) -> list[Slot]:
    """One reserved page per included PDF page (drawn in after rendering, never rasterised)."""
    pages, password = selection
    try:  # held in memory: a decrypted copy must not outlive a killed build on disk
        norm = normalise_pdf(sf.path, password, list(pages), pdfa=pdfa)
    except PdfSourceError as e:
        raise EvidenceError(str(e), file=sf.rel, location=sf.location) from e
    if pdfa and (missing := norm.unembedded):
        msg = (
            f"the PDF uses fonts it does not embed ({', '.join(missing)}), which PDF/A forbids "
            "and which have no standard substitute; re-export it with fonts embedded "
            "(or print it to PDF), or build without --pdfa"
        )
        raise EvidenceError(msg, file=sf.rel, location=sf.location)
    copy, index = norm.data, norm.index
    height = content_box_mm(paper)[1] - 9  # room for the caption line under the page
    return [
        Slot(
            id=f"{stem}-s{k + 1}",
            height_mm=height,
            source=copy,
            source_page=index[k],
            caption=f"{sf.rel} — p. {n + 1}",
            rel=sf.rel,
            page_number=n + 1,
        )
        for k, n in enumerate(pages)
    ]


@dataclass(frozen=True)
class _ImageJob:
    """One image to prepare (picklable, for the process pool)."""

    path: Path
    rel: str
    location: str
    folder: Path
    stem: str
    box: tuple[float, float]
    dpi: int
    quality: int
    redact: tuple[tuple[int, int, int, int], ...]


def _run_image_job(job: _ImageJob) -> PreparedImage:
    """Prepare one image into its cache folder (written whole, then renamed: atomic)."""
    cached = load_prepared(job.folder)
    if cached is not None:
        return cached
    job.folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=job.folder.parent))
    try:
        img = prepare_image(
            job.path,
            job.rel,
            tmp,
            job.stem,
            box_mm=job.box,
            dpi=job.dpi,
            quality=job.quality,
            redact=job.redact,
        )
        save_prepared(img, tmp)
        try:
            tmp.rename(job.folder)
        except OSError:  # another build made the same entry meanwhile: use theirs
            shutil.rmtree(tmp, ignore_errors=True)
        return img
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def image_cache_dir(work: Path) -> Path:
    """Where prepared images are kept between builds (EVIDENCEKIT_CACHE_DIR; 'off': none)."""
    configured = os.environ.get("EVIDENCEKIT_CACHE_DIR")
    if configured == "off":
        return work / "images"
    if configured:
        return Path(configured) / "images"
    return Path(platformdirs.user_cache_dir("evidencekit")) / "images"


class ImageJobs:
    """Images being prepared over the cores (each worker holds one decoded image at a time)
    while the main process lays the dossier out with their planned sizes.

    A context manager: leaving it early (an error in the layout) cancels what has not begun."""

    def __init__(
        self,
        jobs: list[_ImageJob],
        ready: list[PreparedImage | None],
        progress: Progress | None,
        total: int,
    ) -> None:
        self.jobs, self.results, self.progress, self.total = jobs, ready, progress, total
        todo = [i for i, r in enumerate(ready) if r is None]
        self.done = len(jobs) - len(todo)
        self.pool: ProcessPoolExecutor | None = None
        self.futures: dict[Future[PreparedImage], int] = {}
        self.serial = todo
        workers = min(os.cpu_count() or 1, len(todo))
        if workers > 1 and len(todo) >= 3:
            self.serial = []
            self.pool = ProcessPoolExecutor(max_workers=workers)
            # Largest first: the long screenshot does not start last and finish alone.
            for i in sorted(todo, key=lambda i: -jobs[i].path.stat().st_size):
                self.futures[self.pool.submit(_run_image_job, jobs[i])] = i
        else:  # a few images: not worth starting processes; prepared before the layout
            for i in todo:
                self.results[i] = _wrap_image_error(jobs[i], _run_image_job)
                self._tick()

    def __enter__(self) -> ImageJobs:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def _tick(self) -> None:
        self.done += 1
        if self.progress:
            self.progress("images", self.done, self.total)

    def finish(self, prepared: list[PreparedExhibit]) -> dict[str, PreparedJpeg]:
        """Wait for every image; put the prepared images where the planned ones were (same
        parts, same printed sizes: checked) and return the JPEG of every part by name."""
        if self.progress:
            self.progress("images", self.done, self.total)
        for future in as_completed(self.futures):
            i = self.futures[future]
            self.results[i] = _wrap_image_error(self.jobs[i], _result_of(future))
            self._tick()
        self.__exit__()
        made: dict[str, PreparedJpeg] = {}
        results = iter(zip(self.jobs, self.results, strict=True))
        for pe in prepared:
            for k, (rel, planned) in enumerate(pe.images):
                job, img = next(results)
                assert img is not None and job.rel == rel
                geometry = [(p.name, p.width_mm, p.height_mm) for p in img.parts]
                if geometry != [(p.name, p.width_mm, p.height_mm) for p in planned.parts]:
                    msg = f"{rel}: the prepared image does not match its planned layout"
                    raise RenderError(msg)
                pe.images[k] = (rel, img)
                for part in img.parts:
                    made[part.name] = PreparedJpeg(
                        job.folder / part.name, part.width_px, part.height_px, part.sha256
                    )
        return made


def _result_of(future: Future[PreparedImage]) -> Callable[[_ImageJob], PreparedImage]:
    def get(_job: _ImageJob) -> PreparedImage:
        return future.result()

    return get


def _wrap_image_error(job: _ImageJob, run: Callable[[_ImageJob], PreparedImage]) -> PreparedImage:
    try:
        return run(job)
    except EvidenceError as e:
        raise EvidenceError(str(e).split(": ", 1)[-1], file=job.rel, location=job.location) from e


def prepare(
    case: Case,
    work: Path,
    paper: str,
    progress: Progress | None,
    settings: ImageSettings | None = None,
    pdfa: bool = False,
    hashes: dict[str, str] | None = None,
) -> tuple[list[PreparedExhibit], dict[str, Path | bytes], ImageJobs]:
    """Plan every image from its header and start preparing it (in parallel, cached); read
    tables and transcripts. Returns the exhibits with their planned images, what the renderer
    may serve (each image part a placeholder of its box) and the running image jobs.
    `hashes` (rel -> SHA-256, from collect) spares hashing each image again."""
    box_w, box_h = content_box_mm(paper)
    box = (box_w, box_h - 72)  # room for the caption and, on an exhibit's first page, its band
    cfg = settings or ImageSettings()
    cache = image_cache_dir(work)
    assets: dict[str, Path | bytes] = {}
    prepared: list[PreparedExhibit] = []
    total = sum(len(ex.files) for ex in case.exhibits)
    jobs: list[_ImageJob] = []
    ready: list[PreparedImage | None] = []
    for ex in case.exhibits:
        pe = PreparedExhibit(ex)
        boxes: dict[str, tuple[tuple[int, int, int, int], ...]] = {
            r.file: tuple((b[0], b[1], b[2], b[3]) for b in r.boxes) for r in ex.item.redact
        }
        for k, sf in enumerate(ex.files):
            if sf.rel in ex.pdf_pages:
                stem = f"{ex.anchor}-{k + 1}"
                pe.slots.extend(_pdf_slots(sf, ex.pdf_pages[sf.rel], work, stem, paper, pdfa))
                continue
            redact = boxes.get(sf.rel, ())
            params = {"box": box, "dpi": cfg.dpi, "quality": cfg.quality, "redact": redact}
            digest = (hashes or {}).get(sf.rel) or sha256_file(sf.path)
            key = cache_key(digest, params)
            job = _ImageJob(
                sf.path,
                sf.rel,
                sf.location,
                cache / key[:2] / key,
                key[:20],
                box,
                cfg.dpi,
                cfg.quality,
                redact,
            )
            cached = load_prepared(job.folder)
            # Layout needs only each part's printed size: from the cache, else the header.
            planned = cached or _wrap_image_error(
                job, lambda j: plan_image(j.path, j.rel, j.stem, box_mm=j.box).image
            )
            for part in planned.parts:
                assets[part.name] = slot_placeholder(part.name)
            jobs.append(job)
            ready.append(cached)
            pe.images.append((sf.rel, planned))
        prepared.append(pe)
    pending = ImageJobs(jobs, ready, progress, total)
    try:
        for pe in prepared:
            ex = pe.exhibit
            masker = Masker(case.info.privacy)
            if ex.table_file is not None and ex.item.table is not None:
                pe.table = prepare_table(ex.table_file, ex.item.table, masker)
            if ex.transcript_file is not None and isinstance(ex.item, ChatEvidence):
                pe.messages = read_transcript(
                    ex.transcript_file,
                    ZoneInfo(case.timezone),
                    dict(ex.item.participants),
                    masker,
                    encoding=ex.item.transcript_encoding,
                )
            pe.masked = dict(masker.counts)
    except BaseException:
        pending.__exit__()
        raise
    return prepared, assets, pending


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
    renditions: dict[str, dict[str, object]] = {}
    for pe in prepared:
        for rel, img in pe.images:
            shown[rel] = img.note
            renditions[rel] = {
                **img.details,
                **({"redacted_boxes": [list(b) for b in img.redacted]} if img.redacted else {}),
                **({"animated": True} if img.animated else {}),
            }
        for rel, (included, _) in pe.exhibit.pdf_pages.items():
            shown[rel] = "included page for page (vector, not rasterised): pages " + ",".join(
                str(p + 1) for p in included
            )
    exhibits = []
    for pe in prepared:
        ex = pe.exhibit
        when, how = exhibit_capture(pe, infos, case.language)
        files = [
            f.rel
            for f in (
                *ex.files,
                *(x for x in (ex.table_file, ex.events_file, ex.transcript_file) if x),
            )
        ]
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
                **({"orders": list(ex.orders)} if ex.orders else {}),
                **({"masked": pe.masked} if pe.masked else {}),
                **(
                    {
                        "table": {
                            "rows_in_file": pe.table.total_rows,
                            "rows_shown": pe.table.shown_rows,
                            "rows_matching": pe.table.matched_rows,
                            "encoding": pe.table.encoding,
                        }
                    }
                    if pe.table
                    else {}
                ),
                **({"messages": len(pe.messages)} if pe.messages else {}),
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
        if sf.rel in renditions:
            entry["rendition"] = renditions[sf.rel]
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
        **({"orders": order_records(case, anchors)} if case.proof else {}),
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
    check_output_dir(out_dir, _protected(case))
    pdf_name = f"{case.info.id}.pdf"
    json_name = f"{case.info.id}.evidence.json"
    profile = case.profile
    pdfa = bool(opts.pdfa or case.manifest.output.pdfa or profile.pdfa)
    embed = bool(opts.embed_originals or case.manifest.output.embed_originals)
    tsa_url = opts.tsa or (
        case.manifest.output.timestamp.tsa if case.manifest.output.timestamp else None
    )
    key = build_key(
        case,
        infos,
        {
            "pdfa": pdfa,
            "embed": embed,
            "tsa": tsa_url,
            "archive": opts.archive,
            "images": asdict(opts.page_images or PageImageOptions()),
            **({"unmasked": True} if opts.include_unmasked_originals else {}),
        },
    )
    archive_missing = opts.archive and not (out_dir / f"{case.info.id}.archive.zip").exists()
    if (
        not (opts.force or archive_missing)
        and (done := _up_to_date(out_dir, json_name, key)) is not None
    ):
        lap("up to date")
        pages_done, size_done, extra_done = done
        return BuildResult(
            case=case,
            pdf_path=out_dir / pdf_name,
            json_path=out_dir / json_name,
            sums_path=out_dir / "SHA256SUMS",
            pages=pages_done,
            pdf_size=size_done,
            exhibits=len(case.exhibits),
            sources=len(infos),
            seconds=round(time.perf_counter() - started, 2),
            stages=stages,
            warnings=[
                *warnings,
                "nothing changed since the last build: outputs kept as they "
                "are (verified); use --force to rebuild",
            ],
            extra_files=[out_dir / n for n in extra_done],
            archive_path=out_dir / f"{case.info.id}.archive.zip" if opts.archive else None,
        )
    unmasked = bool(opts.include_unmasked_originals)
    outgoing = outgoing_sources(case, unmasked) if (embed or opts.archive) else {}
    originals = _originals(case, infos, outgoing) if embed else []
    if unmasked and outgoing:
        warnings.append(
            f"--include-unmasked-originals: {len(outgoing)} masked or redacted source(s) leave "
            "as raw originals, with the personal data the dossier hides"
        )
    steps = fit_ladder(profile.limits.dpi)
    fit_log: list[str] = []
    fingerprint = input_fingerprint(
        case.manifest_path.read_bytes(), [(r, i.sha256) for r, i in infos.items()]
    )
    for attempt, settings in enumerate(steps):
        made = _render(
            case, infos, built, settings, opts.progress, warnings, pdfa, unmasked and bool(outgoing)
        )
        lap("render" if attempt == 0 else f"render (fit step {attempt + 1})")
        rendered, prepared = made.rendered, made.prepared
        record = evidence_record(
            case, infos, prepared, rendered.anchors, built, pdf_name, "", 0, rendered.pages
        )
        record.pop("outputs")
        notes = list(warnings)
        if fit_log:
            notes.append(
                f"fitted to the {profile.name} limits: {settings.describe()} "
                f"(steps: {' → '.join(s.describe() for s in steps[: attempt + 1])})"
            )
        record["fit"] = {"steps": fit_log, "final": settings.describe()}
        record["warnings"] = notes
        record["options"] = {"pdfa": pdfa, "embed_originals": embed}
        if embed or opts.archive:
            _record_outgoing(record, infos, outgoing)
            record["options"]["include_unmasked_originals"] = unmasked  # type: ignore[index]
        record["input_fingerprint"] = fingerprint
        record["build_key"] = key
        record["fonts"] = font_names(made.pdf)
        # The PDF carries its evidence record: the sidecar without `outputs` (a file cannot
        # hold its own hash), so `verify` can compare the two.
        embedded = dump_json(record)
        attachments = [
            Attachment(
                json_name,
                embedded,
                "evidence record (sidecar without outputs)",
                "Data",
                "application/json",
            ),
            *originals,
        ]
        try:
            pdf = attach_files(made.pdf, attachments, built, pdfa)
        except PdfAError as e:
            msg = (
                f"the dossier does not pass the PDF/A-3b validator: {e}; an included PDF "
                "may use fonts that are not embedded or transparency PDF/A forbids"
            )
            raise RenderError(msg) from e
        record["outputs"] = [
            {
                "path": pdf_name,
                "sha256": sha256_bytes(pdf),
                "size": len(pdf),
                "pages": rendered.pages,
            }
        ]
        extra = platform_files(case, pdf, record, opts.page_images)
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
    warnings = notes
    outputs = record["outputs"]
    assert isinstance(outputs, list)
    for name, data in extra.items():
        entry: dict[str, object] = {"path": name, "sha256": sha256_bytes(data), "size": len(data)}
        if name.endswith(".pdf"):
            entry["pages"] = page_count(data)
        outputs.append(entry)
    json_bytes = dump_json(record)
    # The TSA is asked before anything is staged: a refusal leaves the previous set as it was.
    token = request_token(json_bytes, tsa_url) if tsa_url else None
    fault("tsa")
    token_path = out_dir / f"{json_name}.tsr" if token is not None else None
    history_name = f"{case.info.id}.history.jsonl"
    archive_path = out_dir / f"{case.info.id}.archive.zip" if opts.archive else None
    with OutputSet(out_dir, case.info.id, json_name, _protected(case)) as txn:
        txn.write(pdf_name, pdf)
        for name, data in extra.items():
            txn.write(name, data)
        txn.write(json_name, json_bytes)
        entries = [(pdf_name, sha256_bytes(pdf))]
        entries += [(name, sha256_bytes(data)) for name, data in extra.items()]
        entries.append((json_name, sha256_bytes(json_bytes)))
        if token is not None:
            txn.write(f"{json_name}.tsr", token)
            entries.append((f"{json_name}.tsr", sha256_bytes(token)))
        history = history_bytes(
            txn.old_text(history_name),
            {
                "time": built.isoformat(),
                "tool": f"evidencekit {__version__}",
                "input_fingerprint": fingerprint,
                "pdf_sha256": sha256_bytes(pdf),
                "evidence_json_sha256": sha256_bytes(json_bytes),
                "prepared_by": case.info.prepared_by,
                "timestamped": token is not None,
            },
        )
        txn.write(history_name, history)
        entries.append((history_name, sha256_bytes(history)))
        ours = {name for name, _ in entries}
        txn.write("SHA256SUMS", sha256sums(entries + txn.foreign_sums(ours)))
        if archive_path is not None:
            data = archive_bytes(
                txn.staging,
                json_name,
                case.manifest_path,
                built,
                {
                    "profile": profile.name,
                    "pdfa": pdfa,
                    "embed_originals": embed,
                    "tsa": token is not None,
                    "include_unmasked_originals": unmasked,
                },
                {rel: went.files for rel, went in outgoing.items() if went.holds == "rendition"},
            )
            txn.write(archive_path.name, data)
        fault("staged")
        txn.commit()
    fault("done")
    lap("write")
    return BuildResult(
        case=case,
        pdf_path=out_dir / pdf_name,
        json_path=out_dir / json_name,
        sums_path=out_dir / "SHA256SUMS",
        pages=rendered.pages,
        pdf_size=len(pdf),
        extra_files=[out_dir / name for name in extra],
        archive_path=archive_path,
        token_path=token_path,
        exhibits=len(case.exhibits),
        sources=len(infos),
        seconds=round(time.perf_counter() - started, 2),
        stages=stages,
        warnings=warnings,
    )
