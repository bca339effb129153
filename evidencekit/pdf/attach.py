"""Attachments (the evidence JSON, originals as PDF/A-3 associated files) and PDF/A output."""

from __future__ import annotations

import io
import mimetypes
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pikepdf


@dataclass(frozen=True)
class Attachment:
    """A file embedded in the dossier."""

    name: str
    data: bytes
    description: str
    relationship: str  # Source | Data | Supplement | Unspecified
    mime: str = ""


class PdfAError(Exception):
    """The dossier does not pass the PDF/A validator; carries the findings."""


def _pdf_date(when: datetime) -> str:
    return when.strftime("D:%Y%m%d%H%M%S+00'00'")


def mime_of(name: str) -> str:
    """MIME type by file name (application/octet-stream when unknown)."""
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def attach_files(
    pdf_bytes: bytes, attachments: list[Attachment], when: datetime, pdfa: bool
) -> bytes:
    """Embed the attachments (catalog /AF and the EmbeddedFiles name tree), save
    deterministically and, for PDF/A-3b, validate the bytes written."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        af = pikepdf.Array()
        stamp = _pdf_date(when)
        for att in attachments:
            spec = pikepdf.AttachedFileSpec(
                pdf,
                att.data,
                description=att.description,
                filename=att.name,
                mime_type=att.mime or mime_of(att.name),
                creation_date=stamp,
                mod_date=stamp,
                relationship=pikepdf.Name("/" + att.relationship),
            )
            pdf.attachments[att.name] = spec
            af.append(spec.obj)
        if len(af):
            pdf.Root.AF = af
        if pdfa:
            _drop_empty_resources(pdf)
        out = io.BytesIO()
        pdf.save(
            out,
            deterministic_id=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
        )
    data = out.getvalue()
    if pdfa:
        check_pdfa(data)
    return data


def _drop_empty_resources(pdf: pikepdf.Pdf) -> None:
    # For PDF/A. Images: /Interpolate true is forbidden (it is only a viewer hint).
    # WeasyPrint writes empty /Pattern and /Shading dictionaries; the allow-list validator
    # cannot vouch for them even when empty, and they mean nothing.
    for obj in pdf.objects:
        is_image = isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == pikepdf.Name.Image
        if is_image and "/Interpolate" in obj:
            del obj["/Interpolate"]
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            res = obj.get("/Resources")
            if isinstance(res, pikepdf.Dictionary):
                for key in ("/Pattern", "/Shading"):
                    value = res.get(key)
                    if isinstance(value, pikepdf.Dictionary) and len(value.keys()) == 0:
                        del res[key]


def check_pdfa(data: bytes) -> None:
    """Validate PDF/A-3b with pikepdf's allow-list validator; raise PdfAError with findings."""
    from pikepdf import pdfa

    report = pdfa.validate_written(io.BytesIO(data), "3b")
    if report.verdict != "pass":
        findings = "; ".join(str(f) for f in report.findings[:8])
        raise PdfAError(findings)


def read_attachment(pdf: Path | bytes, name: str) -> bytes | None:
    """The bytes of an embedded file, or None when the PDF has none by that name."""
    source = io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf
    with pikepdf.open(source) as doc:
        spec = doc.attachments.get(name)
        return None if spec is None else bytes(spec.get_file().read_bytes())


def list_attachments(pdf_path: Path | str) -> dict[str, tuple[bytes, str]]:
    """name -> (bytes, AFRelationship) for every embedded file."""
    out: dict[str, tuple[bytes, str]] = {}
    with pikepdf.open(pdf_path) as pdf:
        for name, spec in pdf.attachments.items():
            rel = str(spec.obj.get("/AFRelationship", "/Unspecified"))[1:]
            out[name] = (bytes(spec.get_file().read_bytes()), rel)
    return out
