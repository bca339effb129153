"""What leaves the build for each source: the original, or its masked/redacted rendition.

Embedded originals and archived sources must not undo the privacy the dossier applies: a
redacted image goes out with its boxes burned in, a masked table or chat export as a masked
CSV, unless the user asks by name for the raw originals (--include-unmasked-originals).
"""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from evidencekit.assets.images import prepare_image
from evidencekit.assets.privacy import Masker
from evidencekit.assets.sources import SourceInfo
from evidencekit.assets.tables import read_rows
from evidencekit.assets.transcripts import read_transcript
from evidencekit.errors import EvidenceError
from evidencekit.messages import Msg
from evidencekit.model import Case, ChatEvidence, SourceFile
from evidencekit.outputs import sha256_bytes
from evidencekit.pdf.attach import Attachment

# Redacted renditions keep the source's pixels: a box far larger than any image, so nothing
# is scaled or sliced, and a generous resolution cap.
_WHOLE_MM = (10_000.0, 10_000_000.0)


@dataclass(frozen=True)
class Outgoing:
    """A source as it leaves the build: `files` are (name, bytes) beside the source's path."""

    holds: str  # original | rendition
    how: str  # "" | masked | redacted
    files: tuple[tuple[str, bytes], ...] = ()

    def record(self, source_sha: str) -> dict[str, object]:
        """The evidence JSON's account of it, with both hashes."""
        out: dict[str, object] = {"holds": self.holds, "original_sha256": source_sha}
        if self.holds == "rendition":
            out["how"] = self.how
            out["files"] = [
                {"path": name, "sha256": sha256_bytes(data), "size": len(data)}
                for name, data in self.files
            ]
        elif self.how:
            out["note"] = f"the raw original, by request (--include-unmasked-originals); {self.how}"
        return out


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8-sig")  # the BOM lets spreadsheet apps read Chinese


def _masked_table(sf: SourceFile, sheet: str | None, masker: Masker) -> bytes:
    rows, _ = read_rows(sf, sheet)
    header = rows[0] if rows else []
    out = [list(header)]
    for row in rows[1:]:
        out.append(
            [
                masker.column(header[i].strip() if i < len(header) else "", c)
                for i, c in enumerate(row)
            ]
        )
    return _csv(out)


def _masked_transcript(sf: SourceFile, case: Case, ex_item: ChatEvidence, masker: Masker) -> bytes:
    messages = read_transcript(sf, ZoneInfo(case.timezone), dict(ex_item.participants), masker)
    rows = [["time", "sender", "role", "message"]]
    rows += [[m.at.isoformat(), m.sender, m.role, m.text] for m in messages]
    return _csv(rows)


def _redacted(
    sf: SourceFile, boxes: tuple[tuple[int, int, int, int], ...]
) -> list[tuple[str, bytes]]:
    with tempfile.TemporaryDirectory(prefix="evidencekit-redacted-") as tmp:
        img = prepare_image(
            sf.path,
            sf.rel,
            Path(tmp),
            "r",
            box_mm=_WHOLE_MM,
            dpi=300,
            quality=92,
            redact=boxes,
        )
        parts = list(img.parts)
        single = len(parts) == 1
        return [
            (
                f"{sf.rel}.redacted.{p.name.rsplit('.', 1)[1]}"
                if single
                else f"{sf.rel}.redacted-{k}.{p.name.rsplit('.', 1)[1]}",
                (Path(tmp) / p.name).read_bytes(),
            )
            for k, p in enumerate(parts, start=1)
        ]


def outgoing_sources(
    case: Case,
    include_unmasked: bool,
    masked_images: dict[str, tuple[tuple[int, int, int, int], ...]] | None = None,
) -> dict[str, Outgoing]:
    """For every source whose dossier rendering hides something: how it leaves the build.
    `masked_images`: boxes OCR found privacy masks in (rel -> boxes), burned out like
    redactions."""
    out: dict[str, Outgoing] = {}
    privacy = case.info.privacy
    masking = bool(privacy and (privacy.mask or privacy.mask_columns))
    ocr_boxes = masked_images or {}
    for ex in case.exhibits:
        redact = {r.file: tuple((b[0], b[1], b[2], b[3]) for b in r.boxes) for r in ex.item.redact}
        for sf in ex.files:
            boxes = redact.get(sf.rel, ()) + ocr_boxes.get(sf.rel, ())
            if boxes and sf.rel not in out:
                how = "redacted" if sf.rel in redact else "masked"
                out[sf.rel] = (
                    Outgoing("original", f"{how} in the dossier")
                    if include_unmasked
                    else Outgoing("rendition", how, tuple(_redacted(sf, boxes)))
                )
        if not masking:
            continue
        if ex.table_file is not None and ex.item.table is not None:
            sf = ex.table_file
            if include_unmasked:
                out[sf.rel] = Outgoing("original", "masked in the dossier")
            else:
                data = _masked_table(sf, ex.item.table.sheet, Masker(privacy))
                out[sf.rel] = Outgoing("rendition", "masked", ((f"{sf.rel}.masked.csv", data),))
        if ex.transcript_file is not None and isinstance(ex.item, ChatEvidence):
            sf = ex.transcript_file
            if include_unmasked:
                out[sf.rel] = Outgoing("original", "masked in the dossier")
            else:
                data = _masked_transcript(sf, case, ex.item, Masker(privacy))
                out[sf.rel] = Outgoing("rendition", "masked", ((f"{sf.rel}.masked.csv", data),))
    return out


def source_attachments(
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
            msg = Msg("build.changed")
            raise EvidenceError(msg, file=sf.rel, location=sf.location)
        out.append(Attachment(sf.rel.replace("/", "__"), data, f"original of {sf.rel}", "Source"))
    return out


def record_outgoing(
    record: dict[str, object], infos: dict[str, SourceInfo], outgoing: dict[str, Outgoing]
) -> None:
    """Say, per source, whether attachments and archive hold the original or a rendition."""
    sources = record["sources"]
    assert isinstance(sources, list)
    for entry in sources:
        rel = entry["path"]
        went = outgoing.get(rel, Outgoing("original", ""))
        entry["outgoing"] = went.record(infos[rel].sha256)
