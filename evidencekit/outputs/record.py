"""The evidence record: every source and output with hashes, times and page ranges."""

from __future__ import annotations

from datetime import datetime

from evidencekit import __version__
from evidencekit.assets.sources import SourceInfo
from evidencekit.model import Case
from evidencekit.render.context import PreparedExhibit, exhibit_capture
from evidencekit.render.proof import order_records


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
