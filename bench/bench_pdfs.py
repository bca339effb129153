"""PDF evidence: a case with three external PDFs (one of 100 pages), post-processing time.

Post-processing is everything pikepdf does after WeasyPrint: drawing the included pages into
their reserved slots with page labels (`assemble_pdf`, one pikepdf session) and attachments / PDF/A
(`attach_files`). These functions are wrapped with timers in this process only.
Reference (from the issue, measured while planning): merging a 100-page PDF and overlaying
stamps on 350 pages took 0.4 s with pikepdf and 1.6 s with pypdf.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import weasyprint

from evidencekit.pdf import attach, postprocess
from evidencekit.pipeline import BuildOptions, build

TIMES: dict[str, float] = defaultdict(float)


def timer(name: str, fn: Any) -> Any:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            TIMES[name] += time.perf_counter() - start

    return wrapped


INCLUDED: list[int] = []


def html_pdf(body: str, size: str) -> bytes:
    css = f"<style>@page{{size:{size};margin:15mm}} body{{font-family:'Noto Sans CJK SC'}}</style>"
    doc = weasyprint.HTML(string=css + body).render()
    INCLUDED.append(len(doc.pages))
    return doc.write_pdf()


def make_inputs(folder: Path) -> None:
    docs = folder / "docs"
    docs.mkdir()
    long = "".join(
        f"<h2 style='break-before:page'>Carrier statement page {i}</h2>"
        + "<p>Line item, weight, scan time and depot 运单 签收记录.</p>" * 20
        for i in range(1, 101)
    )
    (docs / "statement-100.pdf").write_bytes(html_pdf(long, "A4"))
    (docs / "invoice.pdf").write_bytes(html_pdf("<h1>Invoice 7781</h1>" * 3, "Letter"))
    (docs / "receipt.pdf").write_bytes(html_pdf("<p>RECEIPT total 299.00</p>", "80mm 200mm"))
    (folder / "case.yaml").write_text(
        "evidencekit: 1\ncase: {id: PDF-BENCH, title: PDF bench, profile: generic}\n"
        "evidence:\n"
        "  - {kind: document, title: Carrier statement, files: [docs/statement-100.pdf]}\n"
        "  - {kind: transaction, title: Invoice, files: [docs/invoice.pdf]}\n"
        "  - {kind: transaction, title: Receipt, files: [docs/receipt.pdf]}\n",
        encoding="utf-8",
    )


def main() -> None:
    # The build imports these where it runs them: wrapped in their own modules.
    postprocess.assemble_pdf = timer(  # type: ignore[assignment]
        "images, included pages, page labels", postprocess.assemble_pdf
    )
    attach.attach_files = timer("attachments", attach.attach_files)  # type: ignore[assignment]
    attach.check_pdfa = timer("validate", attach.check_pdfa)  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_inputs(folder)
        for label, opts in (
            ("plain", BuildOptions(out_dir=folder / "o1")),
            (
                "--pdfa --embed-originals",
                BuildOptions(out_dir=folder / "o2", pdfa=True, embed_originals=True),
            ),
        ):
            TIMES.clear()
            start = time.perf_counter()
            result = build(folder / "case.yaml", opts)
            total = time.perf_counter() - start
            check = TIMES.pop("validate", 0.0)
            post = sum(TIMES.values())
            included = "+".join(map(str, INCLUDED))
            parts = ", ".join(f"{k} {v:.2f} s" for k, v in TIMES.items())
            parts += f", of which PDF/A-3b validation {check:.2f} s" if check else ""
            print(
                f"{label}: {result.pages} pages ({included} included), build {total:.1f} s, "
                f"post-processing {post:.2f} s ({parts}), {result.pdf_size / 1e6:.1f} MB"
            )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB")
    print(
        "reference (issue, planning): 100-page merge + stamps on 350 pages: "
        "pikepdf 0.4 s, pypdf 1.6 s"
    )


if __name__ == "__main__":
    sys.exit(main())
