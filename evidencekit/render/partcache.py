"""Parts kept between builds. A part of the dossier after its front matter (an exhibits piece,
the integrity appendix, the page numbers) is laid out and written to the same PDF whenever its
HTML is the same: its images are placeholders, swapped for the prepared JPEGs after the parts
are joined, and it fetches nothing else. So a rebuild takes such a part from here instead of
laying it out again: after one screenshot changed, the page numbers of the same 124 pages;
after the cover letter was edited, every exhibit and the appendix.

The key leaves out the HTML's <title> and <meta> tags (the case's title, the build time) and
the PDF identifier: they reach only the part's own document information, and the joined dossier
keeps the front matter's (pdf/postprocess.py: assemble_pdf, whose first part is never taken
from here). It holds what else could change the PDF: evidencekit's and WeasyPrint's versions,
the module that lays out and writes (weasy.py), whether fonts are cut by HarfBuzz, and the
installed font folders. Entries are JSON and PDF files (never pickles: the cache folder is read
back), written whole and renamed into place; a damaged one is laid out again."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from evidencekit import __version__
from evidencekit.caches import cache_dir, put_entry
from evidencekit.render import weasy

VERSION = 1  # bump when what an entry holds changes
# The document's own information (PDF /Info, XMP): kept only from the front matter
_META = re.compile(r"<meta [^>]*>|<title>[^<]*</title>")
# Where fontconfig finds fonts on Linux, macOS and in a user's home: a font installed or
# removed changes a folder's modification time.
_FONT_ROOTS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "/etc/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/System/Library/Fonts",
    "/Library/Fonts",
    "~/Library/Fonts",
)


@functools.cache
def _environment() -> str:
    """What besides its HTML makes a part's PDF, as one string (once per process)."""
    folders = []
    for root in _FONT_ROOTS:
        for folder, _, _ in os.walk(os.path.expanduser(root)):
            with contextlib.suppress(OSError):  # gone meanwhile: as if never there
                folders.append(f"{folder} {os.stat(folder).st_mtime_ns}")
    source = hashlib.sha256(Path(weasy.__file__).read_bytes()).hexdigest()
    return json.dumps(
        [
            VERSION,
            __version__,
            weasy.renderer_versions(),
            source,
            sorted(folders),
        ]
    )


def part_key(html: str, pdfa: bool, tail: int) -> str | None:
    """The key of a part (`tail`: its pages after the dossier's, Keep.tail); None when nothing
    is kept (EVIDENCEKIT_CACHE_DIR=off)."""
    if cache_dir("parts") is None:
        return None
    blob = f"{_environment()}\n{pdfa} {tail}\n{_META.sub('', html)}"
    return hashlib.sha256(blob.encode()).hexdigest()


def _folder(key: str) -> Path | None:
    root = cache_dir("parts")
    return None if root is None else root / key[:2] / key


def load_part(key: str) -> tuple[weasy.Rendered, list[bytes]] | None:
    """The part's layout and PDFs as save_part kept them; None when not kept or damaged."""
    folder = _folder(key)
    if folder is None or not folder.is_dir():
        return None
    try:
        entry = json.loads((folder / "laid.json").read_text(encoding="utf-8"))
        laid = weasy.Rendered(
            pdf=b"",
            pages=int(entry["pages"]),
            anchors={str(name): int(page) for name, page in entry["anchors"].items()},
            boxes={
                str(name): (int(p), float(x0), float(y0), float(x1), float(y1))
                for name, (p, x0, y0, x1, y1) in entry["boxes"].items()
            },
            refused_urls=[str(url) for url in entry["refused_urls"]],
        )
        pdfs = [(folder / f"{k}.pdf").read_bytes() for k in range(len(entry["pdfs"]))]
        if [hashlib.sha256(pdf).hexdigest() for pdf in pdfs] != entry["pdfs"]:
            return None  # a file cut short or changed
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None
    return laid, pdfs


def save_part(key: str, laid: weasy.Rendered, pdfs: list[bytes]) -> None:
    """Keep a part: written whole beside its place, then moved there (caches.put_entry)."""
    folder = _folder(key)
    if folder is None:
        return
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
    except OSError:  # a cache that cannot be written only costs the next build time
        return
    try:
        for k, pdf in enumerate(pdfs):
            (tmp / f"{k}.pdf").write_bytes(pdf)
        entry = {
            "pages": laid.pages,
            "anchors": laid.anchors,
            "boxes": laid.boxes,
            "refused_urls": laid.refused_urls,
            "pdfs": [hashlib.sha256(pdf).hexdigest() for pdf in pdfs],
        }
        (tmp / "laid.json").write_text(json.dumps(entry), encoding="utf-8")
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        return
    put_entry(tmp, folder, lambda _: load_part(key) is not None)
