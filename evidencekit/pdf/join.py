"""Join the PDFs of the dossier's parts (laid out and written apart, render/weasy.py) into one:
pages, named destinations, outline, and the links between parts.

Written here rather than with a merge tool: the parts' links to each other were written as
`evk-goto:<anchor>` URIs (WeasyPrint drops a link to an anchor its document lacks) and become
links to the joined named destinations again; pypdf's and pikepdf's mergers keep each file's
outline and names apart.
"""

from __future__ import annotations

import pikepdf

from evidencekit.render.weasy import GOTO


def join_parts(pdf: pikepdf.Pdf, others: list[pikepdf.Pdf]) -> None:
    """Append the pages of `others` to `pdf`, in order, with their named destinations and
    outline entries (a part whose first top-level item has the title of the last one before
    goes on with it, see _merge); then turn every `evk-goto:` link into a link to its named
    destination (removed when no part has it). `others` stay open until `pdf` is saved."""
    dests = _dests(pdf)
    outlines = _top_outline(pdf)
    count = int(pdf.Root.Outlines.get("/Count", 0)) if "/Outlines" in pdf.Root else 0
    for other in others:
        pdf.pages.extend(other.pages)
        for name, dest in _dests(other).items():
            if name not in dests:  # a direct array in WeasyPrint's names: copied as indirect
                dests[name] = pdf.copy_foreign(other.make_indirect(dest))
        if "/Outlines" in other.Root:
            copied = pdf.copy_foreign(other.Root.Outlines)
            items = _items(copied)
            count += int(copied.get("/Count", 0))
            if outlines and items and outlines[-1].get("/Title") == items[0].get("/Title"):
                count += _merge(outlines[-1], items.pop(0))
            outlines += items
    if dests:
        tree = pikepdf.NameTree.new(pdf)
        for name in sorted(dests):
            tree[name] = dests[name]
        if "/Names" not in pdf.Root:
            pdf.Root.Names = pikepdf.Dictionary()
        pdf.Root.Names.Dests = tree.obj
    if outlines:
        _link_outline(pdf, outlines, count)
    _relink(pdf, set(dests))


def _dests(pdf: pikepdf.Pdf) -> dict[str, pikepdf.Object]:
    names = pdf.Root.get("/Names")
    if not isinstance(names, pikepdf.Dictionary) or "/Dests" not in names:
        return {}
    return dict(pikepdf.NameTree(names.Dests).items())


def _items(root: pikepdf.Object) -> list[pikepdf.Dictionary]:
    """The top-level items of an outline root, in order."""
    items: list[pikepdf.Dictionary] = []
    item = root.get("/First")
    while isinstance(item, pikepdf.Dictionary) and len(items) < 100_000:
        items.append(item)
        item = item.get("/Next")
    return items


def _merge(item: pikepdf.Dictionary, more: pikepdf.Dictionary) -> int:
    """The children of `more` appended to those of `item`: a part that goes on with the
    previous one's last top-level item (the exhibits of a back laid out in two pieces) opens
    it again under the same title. Returns the change in the outline's visible count."""
    kids = _items(more)
    shown = int(more.get("/Count", 0))  # > 0: open, its visible descendants; < 0: closed
    was = int(item.get("/Count", 0))
    if kids:
        for kid in kids:
            kid.Parent = item
        if isinstance(item.get("/Last"), pikepdf.Dictionary):
            item.Last.Next, kids[0].Prev = kids[0], item.Last
        else:
            item.First = kids[0]
        item.Last = kids[-1]
    both = abs(was) + abs(shown)
    if both:
        item.Count = -both if was < 0 else both
    return -1 - max(shown, 0) + (abs(shown) if was >= 0 else 0)


def _top_outline(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    return _items(pdf.Root.Outlines) if "/Outlines" in pdf.Root else []


def _link_outline(pdf: pikepdf.Pdf, items: list[pikepdf.Dictionary], count: int) -> None:
    root = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines))
    root.First, root.Last, root.Count = items[0], items[-1], count
    for i, item in enumerate(items):
        item.Parent = root
        for key in ("/Prev", "/Next"):
            if key in item:
                del item[key]
        if i:
            item.Prev = items[i - 1]
            items[i - 1].Next = item
    pdf.Root.Outlines = root


def _relink(pdf: pikepdf.Pdf, names: set[str]) -> None:
    for page in pdf.pages:
        annots = page.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            continue
        kept = pikepdf.Array()
        for annot in annots:
            action = annot.get("/A")
            uri = action.get("/URI") if isinstance(action, pikepdf.Dictionary) else None
            if not isinstance(uri, pikepdf.String) or not str(uri).startswith(GOTO):
                kept.append(annot)
                continue
            name = str(uri)[len(GOTO) :]
            if name in names:
                del annot["/A"]
                annot.Dest = pikepdf.String(name)
                kept.append(annot)
        page.Annots = kept
