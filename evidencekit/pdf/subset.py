"""Cut the dossier's embedded fonts down to the glyphs a part's own pages show.

A per-field file or volume cut from the dossier otherwise carries the font subsets of the
whole dossier. Only the fonts WeasyPrint writes are touched (Type0, Identity-H, TrueType
outlines, CID = glyph id), and glyph ids are kept, so the content streams stay as they are.
"""

from __future__ import annotations

import io
import zlib

import pikepdf
from fontTools import subset
from fontTools.ttLib import TTFont, TTLibError

_TEXT_OPS = "Tf Tj TJ ' \" Do"
_MAX_DEPTH = 8


def _cids(data: bytes) -> set[int]:
    return {int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data) - 1, 2)}


def _walk(
    stream: pikepdf.Object,
    resources: pikepdf.Object,
    used: dict[tuple[int, int], set[int]],
    unsure: set[tuple[int, int]],
    depth: int,
) -> None:
    """Glyph ids shown per font object in one content stream (forms followed)."""
    if not isinstance(resources, pikepdf.Dictionary):
        return
    fonts = resources.get("/Font")
    fonts = fonts if isinstance(fonts, pikepdf.Dictionary) else pikepdf.Dictionary()
    xobjects = resources.get("/XObject")
    xobjects = xobjects if isinstance(xobjects, pikepdf.Dictionary) else pikepdf.Dictionary()
    if depth > _MAX_DEPTH:
        unsure.update(f.objgen for _, f in fonts.items())
        return
    try:
        ops = pikepdf.parse_content_stream(stream, _TEXT_OPS)
    except (pikepdf.PdfError, TypeError, ValueError):
        unsure.update(f.objgen for _, f in fonts.items())  # cannot tell: keep them whole
        return
    current: tuple[int, int] | None = None
    for instr in ops:
        operands, op = instr.operands, str(instr.operator)
        if op == "Tf" and operands:
            font = fonts.get(str(operands[0]))
            current = font.objgen if isinstance(font, pikepdf.Dictionary) else None
            if current is not None:
                used.setdefault(current, set())
        elif op == "Do" and operands:
            xobj = xobjects.get(str(operands[0]))
            if isinstance(xobj, pikepdf.Stream) and xobj.get("/Subtype") == pikepdf.Name.Form:
                _walk(xobj, xobj.get("/Resources", resources), used, unsure, depth + 1)
        elif current is not None and operands:
            shown = operands[0] if op == "TJ" else operands[-1]
            parts = shown if isinstance(shown, pikepdf.Array) else [shown]
            for part in parts:
                if isinstance(part, pikepdf.String):
                    used[current] |= _cids(bytes(part))


def _subset_program(program: bytes, gids: set[int]) -> bytes | None:
    """The TrueType program with only `gids` (ids kept); None when it cannot be read."""
    try:
        font = TTFont(io.BytesIO(program))
        opts = subset.Options()
        opts.retain_gids = True
        opts.notdef_outline = True
        opts.layout_features = []
        opts.hinting = False  # PDF viewers scale outlines themselves
        opts.drop_tables += ["GSUB", "GPOS", "GDEF", "MATH", "gasp"]  # shaping is done
        sub = subset.Subsetter(opts)
        sub.populate(gids={0, *gids})
        sub.subset(font)
        out = io.BytesIO()
        font.save(out)
        return out.getvalue()
    except (TTLibError, AssertionError, KeyError, ValueError, IndexError, TypeError, OSError):
        return None


def subset_fonts(pdf: pikepdf.Pdf) -> None:
    """Shrink each of the document's WeasyPrint fonts to the glyphs its pages show. A program
    shared by several fonts (pdf/sharefonts.py) keeps the glyphs of all of them, and is left
    whole when one of them shows glyphs that cannot be told."""
    used: dict[tuple[int, int], set[int]] = {}
    unsure: set[tuple[int, int]] = set()
    for page in pdf.pages:
        _walk(page.obj, page.obj.get("/Resources", pikepdf.Dictionary()), used, unsure, 0)
        for annot in page.obj.get("/Annots", pikepdf.Array()):
            if isinstance(annot, pikepdf.Dictionary) and "/AP" in annot:
                return  # appearance streams may show text too: leave every font whole
    programs: dict[tuple[int, int], tuple[pikepdf.Stream, set[int]]] = {}
    fonts: list[tuple[pikepdf.Dictionary, set[int], tuple[int, int]]] = []
    whole: set[tuple[int, int]] = set()  # programs of fonts whose glyphs cannot be told
    for objgen in used.keys() | unsure:
        found = _cid_font(pdf.get_object(objgen))
        if found is None:
            continue
        cid, program = found
        if objgen in unsure:
            whole.add(program.objgen)
            continue
        programs.setdefault(program.objgen, (program, set()))[1].update(used[objgen])
        fonts.append((cid, used[objgen], program.objgen))
    shrunk: set[tuple[int, int]] = set()
    for key, (program, gids) in sorted(programs.items()):
        if key in whole:
            continue
        try:
            data = program.read_bytes()
        except pikepdf.PdfError:
            continue
        smaller = _subset_program(data, gids)
        if smaller is None or len(smaller) >= len(data):
            continue
        program.write(zlib.compress(smaller, 9), filter=pikepdf.Name.FlateDecode)
        program.Length1 = len(smaller)
        shrunk.add(key)
    for cid, gids, key in fonts:
        widths = cid.get("/W")
        if key in shrunk and isinstance(widths, pikepdf.Array):
            cid.W = _widths(widths, gids)


def _cid_font(font: pikepdf.Object) -> tuple[pikepdf.Dictionary, pikepdf.Stream] | None:
    """(descendant font, TrueType program) of an Identity-H font as WeasyPrint writes it."""
    found = glyph_id_font(font)
    if found is None or font.get("/Encoding") != "/Identity-H":
        return None
    cid, descriptor, key = found
    if cid.get("/Subtype") != pikepdf.Name.CIDFontType2 or key != "/FontFile2":
        return None
    program = descriptor[key]
    return (cid, program) if isinstance(program, pikepdf.Stream) else None


def glyph_id_font(
    font: pikepdf.Object,
) -> tuple[pikepdf.Dictionary, pikepdf.Dictionary, str] | None:
    """(descendant font, its font descriptor, the descriptor's key of its embedded program) of a
    Type0 font whose CIDs are glyph ids, as WeasyPrint writes them: one descendant, an identity
    CIDToGIDMap (the default for a TrueType one), one TrueType or OpenType program. None for
    others."""
    if not isinstance(font, pikepdf.Dictionary) or font.get("/Subtype") != pikepdf.Name.Type0:
        return None
    descendants = font.get("/DescendantFonts")
    if not isinstance(descendants, pikepdf.Array) or len(descendants) != 1:
        return None
    cid = descendants[0]
    if not isinstance(cid, pikepdf.Dictionary):
        return None
    default = pikepdf.Name.Identity if cid.get("/Subtype") == pikepdf.Name.CIDFontType2 else None
    if cid.get("/CIDToGIDMap", default) != pikepdf.Name.Identity:
        return None
    descriptor = cid.get("/FontDescriptor")
    if not isinstance(descriptor, pikepdf.Dictionary):
        return None
    keys = [
        k for k in ("/FontFile2", "/FontFile3") if isinstance(descriptor.get(k), pikepdf.Stream)
    ]
    return (cid, descriptor, keys[0]) if len(keys) == 1 else None


def widths_of(w: object) -> dict[int, object]:
    """CID -> width of a /W array (both forms: `c [w1 w2 …]` and `c_first c_last w`)."""
    found: dict[int, object] = {}
    items = list(w) if isinstance(w, pikepdf.Array) else []
    i = 0
    while i + 1 < len(items):
        first, nxt = int(items[i]), items[i + 1]
        if isinstance(nxt, pikepdf.Array):
            for k, width in enumerate(nxt):
                found[first + k] = width
            i += 2
        elif i + 2 < len(items):
            for c in range(first, int(nxt) + 1):
                found[c] = items[i + 2]
            i += 3
        else:
            break
    return found


def _widths(w: pikepdf.Array, keep: set[int]) -> pikepdf.Array:
    """The /W array with only the kept CIDs (each as `c [w]`, runs merged)."""
    found = widths_of(w)
    out = pikepdf.Array()
    run: list[object] = []
    start = -2
    for c in sorted(k for k in found if k in keep):
        if c != start + len(run):
            if run:
                out.append(start)
                out.append(pikepdf.Array(run))
            start, run = c, []
        run.append(found[c])
    if run:
        out.append(start)
        out.append(pikepdf.Array(run))
    return out
