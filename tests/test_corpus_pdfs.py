"""pypdf's ~70 real PDFs through the real pipeline, in-process: each is rendered (every page
included, stamped, counted right) or refused naming the file and its manifest line.

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

import pikepdf
import pypdfium2
import pytest

from evidencekit.errors import EvidencekitError
from evidencekit.pipeline import BuildOptions, build

from .conftest import write_case
from .corpora import corpus_files

LIMIT_S = 60.0
CASE = """\
evidencekit: 1
case: {id: CORPUS-1, title: Corpus PDF, profile: generic}
evidence:
  - kind: document
    title: A PDF from the wild
    files: [doc.pdf]
"""
# Corpus files that use non-embedded standard-14 fonts (or aliases): always in the PDF/A pass.
STANDARD_FONT_FILES = {"Sample_Td-matrix.pdf", "SF424_page2.pdf", "bytes.pdf", "crazyones.pdf"}


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


def _check_rendered(out_pdf: Path, evidence_json: Path, expected: int | None) -> None:
    record = json.loads(evidence_json.read_text(encoding="utf-8"))
    (exhibit,) = record["exhibits"]
    start, end = exhibit["pages"]
    total = record["outputs"][0]["pages"]
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


def _one(src: Path, folder: Path, pdfa: bool) -> tuple[str, float, str]:
    """Build one case; return (outcome: rendered | refused, seconds, problem or '')."""
    manifest = write_case(folder, CASE)
    shutil.copyfile(src, folder / "doc.pdf")
    started = time.perf_counter()
    outcome, problem = "rendered", ""
    try:
        result = build(manifest, BuildOptions(out_dir=folder / "out", pdfa=pdfa))
    except EvidencekitError as e:
        outcome, message = "refused", str(e)
        named = re.search(r"case\.yaml:\d+:\d+: evidence\[0\]\.files\[0\]", message)
        if not named or "doc.pdf" not in message:
            problem = f"refused without naming the file: {message}"
    except Exception as e:  # the point of the suite: nothing else may escape
        outcome, problem = "crashed", f"{type(e).__name__}: {e}"
    else:
        try:
            _check_rendered(result.pdf_path, result.json_path, _source_pages(src))
            if pdfa:
                from pikepdf import pdfa as validator

                report = validator.validate_written(result.pdf_path, "3b")
                assert report.verdict == "pass", [str(f) for f in report.findings[:3]]
        except AssertionError as e:
            problem = f"rendered wrongly: {e}"
    seconds = time.perf_counter() - started
    shutil.rmtree(folder, ignore_errors=True)
    if seconds > LIMIT_S:
        problem = problem or f"took {seconds:.0f} s"
    return outcome, seconds, problem


def _run(files: list[Path], root: Path, pdfa: bool) -> dict[str, object]:
    # Two worker processes (the CI machine has two cores); each build is in-process there.
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        futures = {
            src.name: pool.submit(_one, src, root / f"c{i}", pdfa) for i, src in enumerate(files)
        }
        results = {name: f.result() for name, f in futures.items()}
    times = {name: r[1] for name, r in results.items()}
    slowest = max(times, key=times.__getitem__)
    return {
        "tried": len(files),
        "rendered": sum(r[0] == "rendered" for r in results.values()),
        "refused": sum(r[0] == "refused" for r in results.values()),
        "slowest": f"{slowest} {times[slowest]:.1f} s",
        "total_s": round(sum(times.values()), 1),
        "problems": [f"{name}: {r[2]}" for name, r in results.items() if r[2]],
    }


def _report(label: str, figures: dict[str, object], capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(
            f"\npypdf corpus, {label}: {figures['tried']} tried, {figures['rendered']} rendered, "
            f"{figures['refused']} refused, slowest {figures['slowest']}, "
            f"{figures['total_s']} s of builds in all"
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
