"""pypdf's ~70 real PDFs through the real pipeline, in-process: each is rendered (every page
included, stamped, counted right) or refused naming the file and its manifest line.

The files are built eight to a dossier (a build's own pages cost more than a corpus file's), and
a dossier that fails is built again file by file, so every problem is pinned on one file.

The plain pass takes every file; the PDF/A pass takes a sample (the files with standard fonts
and every eighth other file) unless EVIDENCEKIT_CORPUS_FULL=1. Figures are printed.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2
import pytest

from evidencekit.errors import EvidencekitError
from evidencekit.pipeline import BuildOptions, build

from .conftest import write_case
from .corpora import corpus_files

LIMIT_S = 60.0
BATCH = 8  # PDFs per dossier: the front matter of a build costs more than a PDF's pages
ALONE_BYTES = 1 << 20  # bigger files are built alone (issue-604.pdf: 8 MB, 137 pages)
HEAD = "evidencekit: 1\ncase: {id: CORPUS-1, title: Corpus PDF, profile: generic}\nevidence:\n"
ITEM = "  - kind: document\n    title: PDF {n}\n    files: [doc{n}.pdf]\n"
# Corpus files that use non-embedded standard-14 fonts (or aliases): always in the PDF/A pass.
STANDARD_FONT_FILES = {"Sample_Td-matrix.pdf", "SF424_page2.pdf", "bytes.pdf", "crazyones.pdf"}
# A refusal's own lines (the warnings printed after them start "warning: ").
NAMED = re.compile(
    r"^case\.yaml:\d+:\d+: evidence\[(\d+)\]\.files\[0\]: doc(\d+)\.pdf\b", re.MULTILINE
)


def _corpus() -> list[Path]:
    try:
        return corpus_files("pypdf", {".pdf"})
    except (OSError, subprocess.CalledProcessError) as e:  # offline and not cached
        pytest.skip(f"the pypdf corpus is not available ({e})")


def _source_pages(path: Path) -> int | None:
    try:
        with pikepdf.open(path) as pdf:
            return len(pdf.pages)
    except pikepdf.PdfError:
        return None  # PDFium opened it, or it is refused: the build says which


def _check_rendered(
    out_pdf: Path, exhibit: dict[str, Any], total: int, expected: int | None
) -> None:
    start, end = exhibit["pages"]
    doc = pypdfium2.PdfDocument(str(out_pdf))
    try:
        assert len(doc) == total
        with pikepdf.open(out_pdf) as pdf:
            # The first included page sits under the header band when it fits there, else
            # on the next page: count the pages that hold an included page.
            placed = [
                n
                for n in range(start, end + 1)
                if any(
                    str(k).startswith("/EvkPage")
                    for k in pdf.pages[n - 1].get("/Resources", {}).get("/XObject", {})
                )
            ]
        if expected is not None:
            assert len(placed) == expected, (len(placed), expected)
        assert placed, "no included page placed"
        for n in sorted({placed[0], placed[-1]}):  # first and last included page
            page = doc[n - 1]
            text = page.get_textpage().get_text_range()
            page.close()
            assert f"page {n} of {total}" in text.replace("\r\n", " ").replace("\n", " ")
    finally:
        doc.close()


Outcome = tuple[str, str]  # (rendered | refused | crashed, problem or "")


def _batch(srcs: list[Path], folder: Path, pdfa: bool) -> dict[str, Outcome]:
    """Build the PDFs as the exhibits of one case; file name -> outcome. A refusal names its
    files with their manifest locations: those are taken out and the rest built again. A crash,
    an unnamed refusal, a PDF/A failure or an over-long build is retried file by file, so that
    it is pinned on one file (a batch of one reports it)."""
    left = dict(enumerate(srcs))
    out: dict[str, Outcome] = {}
    while left:
        order = list(left)  # evidence[i] is the i-th file still left
        shutil.rmtree(folder, ignore_errors=True)
        manifest = write_case(folder, HEAD + "".join(ITEM.format(n=n) for n in order))
        for n, src in left.items():
            shutil.copyfile(src, folder / f"doc{n}.pdf")
        started = time.perf_counter()
        problem = ""
        try:
            result = build(manifest, BuildOptions(out_dir=folder / "out", pdfa=pdfa))
        except EvidencekitError as e:
            named = {
                int(m[2])
                for m in NAMED.finditer(str(e))
                if int(m[1]) < len(order) and order[int(m[1])] == int(m[2])
            }
            for n in named:
                out[left.pop(n).name] = ("refused", "")
            if named:
                continue
            problem = f"refused without naming the file: {e}"
        except Exception as e:  # the point of the suite: nothing else may escape
            problem = f"crashed: {type(e).__name__}: {e}"
        else:
            seconds = time.perf_counter() - started
            if seconds > LIMIT_S:
                problem = f"took {seconds:.0f} s"
            try:
                record = json.loads(result.json_path.read_text(encoding="utf-8"))
                exhibits = {ex["title"]: ex for ex in record["exhibits"]}
                total = record["outputs"][0]["pages"]
                for n, src in left.items():
                    expected = _source_pages(src)
                    _check_rendered(result.pdf_path, exhibits[f"PDF {n}"], total, expected)
                if pdfa:
                    from pikepdf import pdfa as validator

                    report = validator.validate_written(result.pdf_path, "3b")
                    assert report.verdict == "pass", [str(f) for f in report.findings[:3]]
            except (AssertionError, KeyError) as e:
                problem = problem or f"rendered wrongly: {e!r}"
        if problem and len(left) > 1:
            for n, src in left.items():
                out.update(_batch([src], folder.with_name(f"{folder.name}-{n}"), pdfa))
        else:
            kind = problem.split(":")[0]
            status = kind if kind in ("crashed", "refused") else "rendered"
            out.update({src.name: (status, problem) for src in left.values()})
        break
    shutil.rmtree(folder, ignore_errors=True)
    return out


def _run(files: list[Path], root: Path, pdfa: bool) -> dict[str, object]:
    # Two worker processes (the CI machine has two cores); each build is in-process there.
    started = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    # A big file gets a dossier of its own: over the time limit in company, a whole dossier
    # would be built again file by file.
    alone = [f for f in files if f.stat().st_size >= ALONE_BYTES]
    rest = [f for f in files if f not in alone]
    batches = [[f] for f in alone] + [rest[i : i + BATCH] for i in range(0, len(rest), BATCH)]
    # the heaviest first, so that the other worker takes the rest meanwhile
    batches.sort(key=lambda b: -sum(f.stat().st_size for f in b))
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        futures = [pool.submit(_batch, b, root / f"c{i}", pdfa) for i, b in enumerate(batches)]
        results = {name: r for f in futures for name, r in f.result().items()}
    return {
        "tried": len(files),
        "rendered": sum(r[0] == "rendered" for r in results.values()),
        "refused": sum(r[0] == "refused" for r in results.values()),
        "dossiers": len(batches),
        "wall_s": round(time.perf_counter() - started, 1),
        "problems": [f"{name}: {r[1]}" for name, r in results.items() if r[1]]
        + [f"{f.name}: lost on the way" for f in files if f.name not in results],
    }


def _report(label: str, figures: dict[str, object], capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(
            f"\npypdf corpus, {label}: {figures['tried']} tried, {figures['rendered']} rendered, "
            f"{figures['refused']} refused, in {figures['dossiers']} dossiers (more where one "
            f"failed), {figures['wall_s']} s wall"
        )


def test_corpus_pdfs_render_or_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = _corpus()
    figures = _run(files, tmp_path, pdfa=False)
    _report("plain", figures, capsys)
    assert figures["problems"] == []
    assert int(figures["rendered"]) >= len(files) // 2  # guards against refusing everything


def test_corpus_pdfs_pdfa(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = _corpus()
    if os.environ.get("EVIDENCEKIT_CORPUS_FULL") != "1":
        files = [f for i, f in enumerate(files) if f.name in STANDARD_FONT_FILES or i % 8 == 0]
    figures = _run(files, tmp_path, pdfa=True)
    _report("--pdfa", figures, capsys)
    assert figures["problems"] == []
    assert int(figures["rendered"]) >= 4  # the standard-font files at least
