"""Volumes: the dossier split at the profile's page cap, each opening with its own index."""

from __future__ import annotations

from typing import Any

from evidencekit.i18n import t, zh_number
from evidencekit.model import Case
from evidencekit.outputs import sha256_bytes
from evidencekit.pdf.split import assemble_volume, plan_volumes
from evidencekit.render import MARGIN_MM, render_html
from evidencekit.render.weasy import render_pdf


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
