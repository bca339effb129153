"""Per-field files link only to pages they hold: the catch-all's cover and index keep their links
to its own exhibits, and lose those to exhibits filed in other fields (no dead links)."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest

from evidencekit.pipeline import build

from .conftest import make_png, write_case

STRIPE = """\
evidencekit: 1
case:
  id: ST-1
  title: Order 1001, product not received
  profile: stripe
  dispute: {reason: product_not_received}
evidence:
  - kind: transaction
    title: Receipt
    files: [listing.png]
    source: shop admin
    proves: what was paid
  - kind: note
    title: Summary for the reviewer
    description: Delivered on time.
"""


@pytest.fixture(scope="module")
def fields(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fields")
    make_png(folder / "listing.png", (600, 900))
    build(write_case(folder, STRIPE))
    return folder / "out"


def _links(pdf: Path) -> list[tuple[int, str, int | None]]:
    """(page, destination name, the page it lands on or None) for every internal link."""
    with pikepdf.open(pdf) as doc:
        index = {p.obj.objgen: i + 1 for i, p in enumerate(doc.pages)}
        names = doc.Root.get("/Names")
        tree = pikepdf.NameTree(names.Dests) if names is not None and "/Dests" in names else {}
        out = []
        for n, page in enumerate(doc.pages, start=1):
            for annot in page.get("/Annots", []):
                dest = annot.get("/Dest")
                if dest is None:
                    continue
                target = tree.get(str(dest)) if isinstance(dest, pikepdf.String) else dest
                landing = index.get(target[0].objgen) if target is not None else None
                out.append((n, str(dest), landing))
        return out


def test_every_link_of_every_field_file_lands_on_a_page_it_holds(fields: Path) -> None:
    files = sorted(fields.glob("ST-1.*.pdf"))
    assert len(files) >= 2
    for pdf in files:
        dead = [link for link in _links(pdf) if link[2] is None]
        assert not dead, (pdf.name, dead[:5])


def test_catch_all_index_links_its_own_exhibit_only(fields: Path) -> None:
    links = _links(fields / "ST-1.uncategorized_file.pdf")
    names = {name for _, name, _ in links}
    assert "ex-B" in names  # the note filed here: cover map and index still link to it
    assert "ex-A" not in names  # the receipt went to the receipt field
    # The dossier itself keeps every link.
    assert {"ex-A", "ex-B"} <= {name for _, name, _ in _links(fields / "ST-1.pdf")}
