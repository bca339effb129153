"""build(manifest, options) -> BuildResult: the only module that knows the stage order.

load → collect (hash, capture times) → settle names and options → up to date? → outgoing
sources → fit ladder of [prepare assets → render → record → attach → per-field files] → write

Each stage lives in its own module (assets.collect, assets.prepare, fit, pdf.postprocess,
outputs.*, outputs.write); this module reads top to bottom in stage order. The stages after
the up-to-date check are imported where they run, so a build with nothing changed never loads
WeasyPrint, pikepdf or fontTools.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import os
import re
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from evidencekit.assets.collect import collect
from evidencekit.errors import RenderError
from evidencekit.manifest import load_case
from evidencekit.messages import Msg
from evidencekit.model import Case
from evidencekit.ocr import OcrPage, ocr_case
from evidencekit.outputs import PageImageOptions, dump_json, sha256_bytes
from evidencekit.outputs.platform import upload_name
from evidencekit.outputs.transaction import check_output_dir
from evidencekit.outputs.uptodate import build_key, up_to_date
from evidencekit.render.weasy import (  # WeasyPrint itself is imported when called
    PartJob,
    Rendered,
    harfbuzz_subset_available,
    load_renderer,
    start_part,
)
from evidencekit.waiting import forget_waiting, while_waiting

# The stages after the up-to-date check are imported where they run: a build with nothing
# changed never loads WeasyPrint, pikepdf, fontTools or the fit ladder.
if TYPE_CHECKING:
    from evidencekit.assets.jobs import Progress
    from evidencekit.assets.sources import SourceInfo
    from evidencekit.fit import FitStep, ImageBytes, ImageSettings, Tried
    from evidencekit.outputs.renditions import Outgoing
    from evidencekit.pdf.attach import Attachment
    from evidencekit.render.context import Lengths, PreparedExhibit

_CJK = re.compile(r"[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]")


@dataclass
class BuildOptions:
    """Command-line overrides of the manifest."""

    out_dir: Path | None = None
    profile: str | None = None
    form: str | None = None
    language: str | None = None
    pdfa: bool | None = None
    embed_originals: bool | None = None
    page_images: PageImageOptions | None = None
    tsa: str | None = None
    archive: bool = False
    force: bool = False
    include_unmasked_originals: bool = False
    ocr: bool | None = None
    progress: Progress | None = None
    register: str | None = None  # case register path or URL; None: EVIDENCEKIT_REGISTER/default
    keep_archive: bool = True  # copy the archive into the register's storage


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
class _Plan:
    """What a build settles before rendering: the case, its sources, names and options."""

    case: Case
    infos: dict[str, SourceInfo]
    built: datetime
    opts: BuildOptions
    warnings: list[str]
    out_dir: Path
    pdf_name: str
    json_name: str
    pdfa: bool
    embed: bool
    tsa_url: str | None
    key: str
    unmasked: bool = False
    outgoing: dict[str, Outgoing] = field(default_factory=dict)
    originals: list[Attachment] = field(default_factory=list)
    fingerprint: str = ""
    ocr: dict[str, OcrPage] = field(default_factory=dict)  # rel -> what OCR read (--ocr)


@dataclass
class _Dossier:
    """The fitted dossier with its record and the files beside it."""

    pdf: bytes
    pages: int
    record: dict[str, object]
    extra: dict[str, bytes]
    warnings: list[str]


@dataclass
class _Made:
    """One render of the dossier at given image settings."""

    pdf: bytes
    rendered: Rendered
    prepared: list[PreparedExhibit]
    exhibit_bytes: dict[str, int]
    lengths: Lengths | None = None  # of the front matter and the appendix

    @functools.cached_property
    def images(self) -> list[ImageBytes]:
        """Its image streams (measured once, and only for a fit that needs a next step)."""
        from evidencekit.fit import measure_images

        return measure_images(self.pdf)


class _Clock:
    """Seconds per stage, for the summary."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.mark = self.started
        self.stages: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.stages[name] = round(now - self.mark, 3)
        self.mark = now

    def seconds(self) -> float:
        return round(time.perf_counter() - self.started, 2)


def build(manifest_path: Path, options: BuildOptions | None = None) -> BuildResult:
    """Validate the manifest, write the dossier and its sidecars, record it in the register."""
    from evidencekit.assets.exports import export_cache

    opts = options or BuildOptions()
    # While it would wait for large exports parsed or parts laid out elsewhere, this process
    # loads the renderer and the register's modules (SQLAlchemy), which the stages after need.
    while_waiting(load_renderer)
    while_waiting(functools.partial(importlib.import_module, "evidencekit.register.cases"))
    try:
        with export_cache():  # each export read and parsed once per build, by every stage
            result = _build(manifest_path, opts)
    finally:
        forget_waiting()
    return _record(result, opts)


def _record(result: BuildResult, opts: BuildOptions) -> BuildResult:
    """The case register's entry; a register failure becomes a warning, never a failed build."""
    from evidencekit.register.recorded import record_result  # SQLAlchemy only to write

    started = time.perf_counter()
    result.warnings.extend(record_result(result, opts.register, opts.keep_archive))
    result.stages["register"] = round(time.perf_counter() - started, 3)
    return result


def _build(manifest_path: Path, opts: BuildOptions) -> BuildResult:
    clock = _Clock()
    case = load_case(manifest_path, profile=opts.profile, language=opts.language, form=opts.form)
    clock.lap("load")
    warnings = _environment_warnings(case)
    built = build_time()
    infos = collect(case, ZoneInfo(case.timezone), opts.progress)
    clock.lap("collect")
    ocr_pages, ocr_notes = ocr_case(case, _ocr_on(case, opts), opts.progress)
    warnings += ocr_notes
    if ocr_pages:
        clock.lap("ocr")
    plan = _settle(case, infos, built, opts, warnings)
    plan.ocr = ocr_pages
    kept = _kept(plan, clock)
    if kept is not None:
        return kept
    from evidencekit.fit import Overlimit, fit_ladder, fit_to_limits
    from evidencekit.outputs.draft import drop_draft, keep_draft

    _choose_outgoing(plan)
    steps = fit_ladder(case.profile.limits.dpi)
    first = len(plan.warnings)
    made = _render(
        case, plan.infos, built, steps[0], opts.progress, plan.warnings, plan.pdfa,
        plan.unmasked and bool(plan.outgoing), plan.ocr, _lengths(plan),
    )  # fmt: skip
    # Asked of WeasyPrint once it is loaded, after the image jobs have begun (loading it takes
    # about 0.3 s); said before what the layout found.
    plan.warnings[first:first] = _render_warnings()
    clock.lap("render")
    try:
        dossier = fit_to_limits(case.profile, steps, lambda s: _attempt(plan, s, made, clock))
    except Overlimit as e:  # exit 3 keeps what was made: a draft and its figures
        raise keep_draft(plan.out_dir, case, e, _protected(case)) from None
    clock.lap("postprocess")
    result = _write(plan, dossier, clock)
    drop_draft(plan.out_dir, case.info.id, _protected(case))
    return result


def _ocr_on(case: Case, opts: BuildOptions) -> bool:
    return bool(opts.ocr or case.manifest.output.ocr)


def _environment_warnings(case: Case) -> list[str]:
    """The manifest's warnings."""
    return list(case.warnings)


def _render_warnings() -> list[str]:
    """What the machine lacks for rendering (asked only when there is something to render)."""
    return [] if harfbuzz_subset_available() else [Msg("build.no_harfbuzz")]


def build_time() -> datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else now; always UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except ValueError as e:
            msg = Msg("build.bad_epoch", epoch=epoch)
            raise RenderError(msg) from e
    return datetime.now(UTC).replace(microsecond=0)


def _settle(
    case: Case,
    infos: dict[str, SourceInfo],
    built: datetime,
    opts: BuildOptions,
    warnings: list[str],
) -> _Plan:
    """Output folder and names, options from manifest and command line, the build key."""
    out_dir = (opts.out_dir or case.output_dir).resolve()
    check_output_dir(out_dir, _protected(case))
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
            **({"ocr": True} if _ocr_on(case, opts) else {}),
        },
    )
    return _Plan(
        case=case,
        infos=infos,
        built=built,
        opts=opts,
        warnings=warnings,
        out_dir=out_dir,
        pdf_name=upload_name(case.profile, f"{case.info.id}.pdf"),
        json_name=f"{case.info.id}.evidence.json",
        pdfa=pdfa,
        embed=embed,
        tsa_url=tsa_url,
        key=key,
    )


def _protected(case: Case) -> set[Path]:
    """Files an output must never replace: the manifest and every source."""
    return {case.manifest_path.resolve(), *(sf.path.resolve() for sf in case.sources())}


def _kept(plan: _Plan, clock: _Clock) -> BuildResult | None:
    """The previous build's result when nothing changed since (and no archive is missing)."""
    case, opts, out_dir = plan.case, plan.opts, plan.out_dir
    archive_missing = opts.archive and not (out_dir / f"{case.info.id}.archive.zip").exists()
    if opts.force or archive_missing:
        return None
    done = up_to_date(out_dir, plan.json_name, plan.key)
    if done is None:
        return None
    clock.lap("up to date")
    pages_done, size_done, extra_done = done
    return BuildResult(
        case=case,
        pdf_path=out_dir / plan.pdf_name,
        json_path=out_dir / plan.json_name,
        sums_path=out_dir / "SHA256SUMS",
        pages=pages_done,
        pdf_size=size_done,
        exhibits=len(case.exhibits),
        sources=len(plan.infos),
        seconds=clock.seconds(),
        stages=clock.stages,
        warnings=[
            *plan.warnings,
            Msg("build.up_to_date"),
        ],
        extra_files=[out_dir / n for n in extra_done],
        archive_path=out_dir / f"{case.info.id}.archive.zip" if opts.archive else None,
    )


def _choose_outgoing(plan: _Plan) -> None:
    """What leaves with the dossier (attachments, archive): originals or renditions."""
    from evidencekit.outputs.integrity import input_fingerprint
    from evidencekit.outputs.renditions import outgoing_sources, source_attachments

    case, opts = plan.case, plan.opts
    plan.unmasked = unmasked = bool(opts.include_unmasked_originals)
    masked = {rel: page.mask_boxes for rel, page in plan.ocr.items() if page.mask_boxes}
    outgoing = outgoing_sources(case, unmasked, masked) if (plan.embed or opts.archive) else {}
    plan.outgoing = outgoing
    plan.originals = source_attachments(case, plan.infos, outgoing) if plan.embed else []
    if unmasked and outgoing:
        plan.warnings.append(Msg("build.unmasked", n=len(outgoing)))
    plan.fingerprint = input_fingerprint(
        case.manifest_path.read_bytes(), [(r, i.sha256) for r, i in plan.infos.items()]
    )


def _attempt(plan: _Plan, step: FitStep, made: _Made, clock: _Clock) -> Tried[_Dossier]:
    """One step of the fit ladder: the rendered dossier (its images re-encoded after the first
    step; the layout stays), record, attach, and the files beside the PDF."""
    from evidencekit.fit import Tried
    from evidencekit.outputs.fields import platform_files, upload_set
    from evidencekit.outputs.platform import sheet_notes
    from evidencekit.outputs.record import evidence_record
    from evidencekit.outputs.renditions import record_outgoing
    from evidencekit.pdf.postprocess import font_names
    from evidencekit.pdf.reencode import reencode_images

    case, infos, profile = plan.case, plan.infos, plan.case.profile
    s = step.settings
    made_pdf = made.pdf if step.number == 0 else reencode_images(made.pdf, s.dpi, s.quality)
    if step.number:
        clock.lap(f"re-encode (fit step {step.number + 1})")
    rendered = made.rendered
    record = evidence_record(
        case,
        infos,
        made.prepared,
        rendered.anchors,
        plan.built,
        plan.pdf_name,
        "",
        0,
        rendered.pages,
    )
    record.pop("outputs")
    notes = [*plan.warnings, *sheet_notes(case.profile, rendered.pages)]
    if step.note:
        notes.append(step.note)
    record["fit"] = {"steps": step.log, "final": step.settings.describe()}
    if made.lengths is not None:  # the next build of the case starts from them
        record["layout"] = made.lengths.record()
    record["warnings"] = notes
    record["options"] = {"pdfa": plan.pdfa, "embed_originals": plan.embed}
    if plan.embed or plan.opts.archive:
        record_outgoing(record, infos, plan.outgoing)
        record["options"]["include_unmasked_originals"] = plan.unmasked  # type: ignore[index]
    record["input_fingerprint"] = plan.fingerprint
    record["build_key"] = plan.key
    record["fonts"] = font_names(made_pdf)
    pdf = _attach(plan, made_pdf, record)
    record["outputs"] = [
        {
            "path": plan.pdf_name,
            "sha256": sha256_bytes(pdf),
            "size": len(pdf),
            "pages": rendered.pages,
        }
    ]
    extra = platform_files(case, pdf, record, plan.opts.page_images)
    uploads = upload_set(profile, plan.pdf_name, pdf, rendered.pages, extra)
    dossier = _Dossier(pdf, rendered.pages, record, extra, notes)
    return Tried(
        dossier, uploads, made.exhibit_bytes, pdf_size=len(made.pdf), measure=lambda: made.images
    )


def _render(
    case: Case,
    infos: dict[str, SourceInfo],
    built: datetime,
    settings: ImageSettings,
    progress: Progress | None,
    warnings: list[str],
    pdfa: bool = False,
    unmasked: bool = False,
    ocr: dict[str, OcrPage] | None = None,
    previous: Lengths | None = None,
) -> _Made:
    """Prepare assets, render and post-process once."""
    from evidencekit.assets.prepare import prepare
    from evidencekit.i18n import t
    from evidencekit.pdf.overlay import Placement
    from evidencekit.pdf.postprocess import assemble_pdf
    from evidencekit.render import make_env, render_html
    from evidencekit.render.context import (
        PageLayout,
        Part,
        Render,
        appendix_key,
        build_context,
        lay_out_dossier,
    )
    from evidencekit.render.tables import TableLayout

    paper = case.profile.paper
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="evidencekit-")))
        hashes = {rel: info.sha256 for rel, info in infos.items()}
        prepared, assets, pending = prepare(
            case, work, paper, progress, settings, pdfa, hashes=hashes, ocr=ocr
        )
        stack.enter_context(pending)  # laid out while the images are prepared

        tables: dict[int, TableLayout] = {}  # set out once for all parts and passes
        env = make_env(case.root / "templates")  # its templates compiled once

        def html_of(layout: PageLayout, part: Part) -> str:
            context = build_context(case, prepared, infos, built, paper, layout, part, tables)
            context["unmasked_note"] = t("unmasked_originals", case.language) if unmasked else ""
            html = render_html(context, case.root / "templates", env=env)
            if _CJK.search(html) and not cjk_font_available():
                msg = Msg("build.no_cjk_font")
                raise RenderError(msg)
            if progress:
                progress("render", 0, 1)
            return html

        def start(html: str, part: Part) -> PartJob:
            identifier = sha256_bytes(html.encode())[:32].encode()
            keep, kept = part.keep(), part.after_front
            return start_part(html, assets, identifier=identifier, pdfa=pdfa, keep=keep, kept=kept)

        templates = case.root / "templates"

        @functools.cache
        def key() -> str:
            return appendix_key(html_of(PageLayout(), Part("appendix")))

        while_waiting(key)  # made while the parts are laid out
        render = Render(html_of, start)
        try:
            laid = lay_out_dossier(render, prepared, paper, templates, previous, key)
            parts = laid.pdfs()
        finally:
            for job in render.started:  # those laid out and not needed after all
                job.cancel()
        rendered, lengths = laid.rendered, laid.lengths
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
        pdf = assemble_pdf(parts, made, placements, laid.numbers)
    for url in rendered.refused_urls:
        note = Msg("build.refused_url", url=url)
        if note not in warnings:
            warnings.append(note)
    return _Made(pdf, rendered, prepared, exhibit_bytes, lengths)


def _lengths(plan: _Plan) -> Lengths | None:
    """The front matter's and the appendix's lengths in the previous build in the output folder,
    if any: the layout checks them."""
    from evidencekit.render.context import Lengths

    try:
        record = json.loads((plan.out_dir / plan.json_name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Lengths.from_record(record)


@functools.cache  # asked once a process, not once a layout pass
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


def _attach(plan: _Plan, pdf: bytes, record: dict[str, object]) -> bytes:
    """The PDF carries its evidence record: the sidecar without `outputs` (a file cannot
    hold its own hash), so `verify` can compare the two; and the originals when embedded."""
    from evidencekit.pdf.attach import Attachment, PdfAError, attach_files

    embedded = dump_json(record)
    attachments = [
        Attachment(
            plan.json_name,
            embedded,
            "evidence record (sidecar without outputs)",
            "Data",
            "application/json",
        ),
        *plan.originals,
    ]
    try:
        return attach_files(pdf, attachments, plan.built, plan.pdfa)
    except PdfAError as e:
        msg = Msg("build.not_pdfa", findings=str(e))
        raise RenderError(msg) from e


def _write(plan: _Plan, dossier: _Dossier, clock: _Clock) -> BuildResult:
    """Write every output in one transaction (outputs.write) and say what was made."""
    from evidencekit.outputs.write import Archive, OutputNames, write_outputs

    case, out_dir = plan.case, plan.out_dir
    archive = None
    if plan.opts.archive:
        options = {
            "profile": case.profile.name,
            "pdfa": plan.pdfa,
            "embed_originals": plan.embed,
            "tsa": False,  # set by the write: whether the TSA answered
            "include_unmasked_originals": plan.unmasked,
        }
        renditions = {
            rel: went.files for rel, went in plan.outgoing.items() if went.holds == "rendition"
        }
        archive = Archive(options, renditions)
    names = OutputNames(out_dir, plan.pdf_name, plan.json_name, _protected(case))
    written = write_outputs(
        case,
        names,
        plan.built,
        dossier.pdf,
        dossier.record,
        dossier.extra,
        fingerprint=plan.fingerprint,
        tsa_url=plan.tsa_url,
        archive=archive,
    )
    clock.lap("write")
    return BuildResult(
        case=case,
        pdf_path=out_dir / plan.pdf_name,
        json_path=out_dir / plan.json_name,
        sums_path=out_dir / "SHA256SUMS",
        pages=dossier.pages,
        pdf_size=len(dossier.pdf),
        extra_files=[out_dir / name for name in dossier.extra],
        archive_path=written.archive_path,
        token_path=written.token_path,
        exhibits=len(case.exhibits),
        sources=len(plan.infos),
        seconds=clock.seconds(),
        stages=clock.stages,
        warnings=dossier.warnings,
    )
