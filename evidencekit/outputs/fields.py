"""The files beside the dossier that the profile's form takes, and the set the limits apply to."""

from __future__ import annotations

import re

from evidencekit.errors import LimitError
from evidencekit.messages import Msg
from evidencekit.model import Case, Profile
from evidencekit.outputs.page_images import PageImageOptions, page_images
from evidencekit.outputs.platform import (
    UploadFile,
    categories_for,
    check_output_name,
    form_json,
    summaries,
    trim,
    upload_name,
)
from evidencekit.outputs.volumes import make_volumes
from evidencekit.pdf.split import extract_pages, page_count
from evidencekit.render.proof import order_folder, order_folders, order_text


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
            msg = Msg(
                "limit.volume_cap", profile=profile.name, pages=pages, cap=cap, file=f"{cid}.pdf"
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
    if sidecar := form_json(case, profile, mapping, texts):
        files[sidecar[0]] = sidecar[1]
    files = {upload_name(profile, n): data for n, data in files.items()}
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
