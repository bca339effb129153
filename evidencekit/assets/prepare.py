"""The prepare stage: images (as jobs), included PDF pages (as slots), tables and transcripts."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from evidencekit.assets.jobs import ImageJob, Progress, image_cache_dir, image_job, prepare_images
from evidencekit.assets.privacy import Masker
from evidencekit.assets.tables import prepare_table
from evidencekit.assets.transcripts import read_transcript
from evidencekit.errors import EvidenceError
from evidencekit.fit import ImageSettings
from evidencekit.messages import Msg, reason
from evidencekit.model import Case, ChatEvidence, SourceFile
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
) -> tuple[list[PreparedExhibit], dict[str, Path]]:
    """Decode and re-encode images (in parallel, cached), read tables and transcripts;
    return per-exhibit assets and the file map the renderer may serve."""
    box_w, box_h = content_box_mm(paper)
    box = (box_w, box_h - 72)  # room for the caption and, on an exhibit's first page, its band
    cfg = settings or ImageSettings()
    cache = image_cache_dir(work)
    assets: dict[str, Path] = {}
    prepared: list[PreparedExhibit] = []
    total = sum(len(ex.files) for ex in case.exhibits)
    jobs: list[ImageJob] = []
    owners: list[tuple[PreparedExhibit, str]] = []
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
            jobs.append(image_job(sf, box, cfg, cache, boxes.get(sf.rel, ())))
            owners.append((pe, sf.rel))
        prepared.append(pe)
    for job, img, (pe, rel) in zip(
        jobs, prepare_images(jobs, progress, total), owners, strict=True
    ):
        for part in img.parts:
            assets[part.name] = job.folder / part.name
        pe.images.append((rel, img))
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
    return prepared, assets
