"""The prepare stage: images (planned from their headers, prepared as jobs), included PDF
pages (as slots), tables and transcripts."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from evidencekit.assets.images import PreparedImage, load_prepared, plan_image, slot_placeholder
from evidencekit.assets.jobs import (
    ImageJob,
    ImageJobs,
    Progress,
    image_cache_dir,
    image_job,
    wrap_image_error,
)
from evidencekit.assets.privacy import Masker
from evidencekit.assets.tables import prepare_table
from evidencekit.assets.transcripts import read_transcript
from evidencekit.errors import EvidenceError, ManifestError, Problem
from evidencekit.fit import ImageSettings
from evidencekit.messages import Msg, reason
from evidencekit.model import Case, ChatEvidence, SourceFile
from evidencekit.ocr import OcrPage
from evidencekit.pdf.sources import PdfSourceError, normalise_pdf
from evidencekit.render import content_box_mm
from evidencekit.render.context import PreparedExhibit, Slot


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
        raise EvidenceError(reason(e), file=sf.rel, location=sf.location) from e
    if pdfa and (missing := norm.unembedded):
        msg = Msg("pdf.fonts_not_embedded", fonts=", ".join(missing))
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


def prepare(
    case: Case,
    work: Path,
    paper: str,
    progress: Progress | None,
    settings: ImageSettings | None = None,
    pdfa: bool = False,
    hashes: dict[str, str] | None = None,
    ocr: dict[str, OcrPage] | None = None,
) -> tuple[list[PreparedExhibit], dict[str, Path | bytes], ImageJobs]:
    """Plan every image from its header and start preparing it (in parallel, cached); read
    tables and transcripts. Returns the exhibits with their planned images, what the renderer
    may serve (each image part a placeholder of its box) and the running image jobs.
    `hashes` (rel -> SHA-256, from collect) spares hashing each image again. `ocr` (rel ->
    what OCR read): its privacy masks burn out like redactions."""
    box_w, box_h = content_box_mm(paper)
    box = (box_w, box_h - 72)  # room for the caption and, on an exhibit's first page, its band
    cfg = settings or ImageSettings()
    cache = image_cache_dir(work)
    assets: dict[str, Path | bytes] = {}
    prepared: list[PreparedExhibit] = []
    total = sum(len(ex.files) for ex in case.exhibits)
    jobs: list[ImageJob] = []
    ready: list[PreparedImage | None] = []
    refused: list[EvidenceError] = []  # every included PDF refused, not just the first
    for ex in case.exhibits:
        pe = PreparedExhibit(ex)
        boxes: dict[str, tuple[tuple[int, int, int, int], ...]] = {
            r.file: tuple((b[0], b[1], b[2], b[3]) for b in r.boxes) for r in ex.item.redact
        }
        for k, sf in enumerate(ex.files):
            if sf.rel in ex.pdf_pages:
                stem = f"{ex.anchor}-{k + 1}"
                try:
                    pe.slots.extend(_pdf_slots(sf, ex.pdf_pages[sf.rel], work, stem, paper, pdfa))
                except EvidenceError as e:
                    refused.append(e)
                continue
            redact = boxes.get(sf.rel, ())
            if ocr and sf.rel in ocr:  # privacy masks found by OCR burn out like redactions
                redact += ocr[sf.rel].mask_boxes
                pe.ocr[sf.rel] = ocr[sf.rel]
            digest = (hashes or {}).get(sf.rel)
            job = image_job(sf, box, cfg, cache, redact, digest)
            cached = load_prepared(job.folder)
            # Layout needs only each part's printed size: from the cache, else the header.
            planned = cached or wrap_image_error(job, _plan)
            for part in planned.parts:
                assets[part.name] = slot_placeholder(part.name)
            jobs.append(job)
            ready.append(cached)
            pe.images.append((sf.rel, planned))
        prepared.append(pe)
    if len(refused) == 1:
        raise refused[0]
    if refused:  # before any image job starts
        raise ManifestError([Problem(f"{e.file}: " + e.message, e.location) for e in refused])
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
                    peer=ex.peer,  # a shop-wide export: this buyer's conversation only
                )
            pe.masked = dict(masker.counts)
    except BaseException:
        pending.__exit__()
        raise
    return prepared, assets, pending


def _plan(job: ImageJob) -> PreparedImage:
    return plan_image(job.path, job.rel, job.stem, box_mm=job.box).image
