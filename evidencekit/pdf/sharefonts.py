"""One font program for each font the dossier's parts share.

The parts of a dossier are laid out and written apart (render/weasy.py), so each embeds its
own subset of the same fonts: a Chinese dossier of four parts carried four subsets of Noto Sans
CJK, about 0.3 MB each. WeasyPrint subsets with HarfBuzz, keeping glyph ids (Identity
CIDToGIDMap: CID = glyph id), so the joined dossier needs one subset of each font with the
glyphs of all parts: made here from the installed font with HarfBuzz and WeasyPrint's own
options, then shared by every part's font descriptor. Widths (/W) and text maps (/ToUnicode)
stay each part's own: they are right for the glyphs that part shows.

HarfBuzz is called through cffi rather than fontTools: fontTools took 8.5 s to subset one
CJK font of a TrueType collection, HarfBuzz takes a fraction of a second. Nothing is changed
for a font whose installed file cannot be found, or whose subset from it does not give back
the program a part embedded (the same glyphs from the same file), or when HarfBuzz's subsetter
is missing.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf

from evidencekit.pdf.fonts import fc_faces
from evidencekit.pdf.subset import glyph_id_font, widths_of

_CDEF = """
typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
typedef uint32_t hb_codepoint_t;
typedef uint32_t hb_tag_t;
hb_blob_t *hb_blob_create_from_file_or_fail(const char *file_name);
void hb_blob_destroy(hb_blob_t *blob);
const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
void hb_face_destroy(hb_face_t *face);
hb_blob_t *hb_face_reference_blob(hb_face_t *face);
hb_tag_t hb_tag_from_string(const char *str, int len);
void hb_set_add_sorted_array(hb_set_t *set, const hb_codepoint_t *sorted_codepoints,
                             unsigned int num_codepoints);
void hb_set_add(hb_set_t *set, hb_codepoint_t codepoint);
hb_subset_input_t *hb_subset_input_create_or_fail(void);
void hb_subset_input_destroy(hb_subset_input_t *input);
hb_set_t *hb_subset_input_glyph_set(hb_subset_input_t *input);
hb_set_t *hb_subset_input_set(hb_subset_input_t *input, int set_type);
void hb_subset_input_set_flags(hb_subset_input_t *input, unsigned value);
hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
"""
# hb-subset.h
_NO_HINTING, _RETAIN_GIDS, _DESUBROUTINIZE = 0x1, 0x2, 0x4
_PASSTHROUGH, _NOTDEF_OUTLINE = 0x20, 0x40
_DROP_TABLE_TAG = 3
# The tables WeasyPrint drops (weasyprint/pdf/fonts.py: Font._harfbuzz_subset).
_DROPPED = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH",
            b"PCLT", b"SVG ")  # fmt: skip


@functools.cache
def _harfbuzz() -> tuple[Any, Any, Any] | None:
    """(ffi, libharfbuzz, libharfbuzz-subset), or None when they cannot be loaded."""
    try:
        import cffi
    except ImportError:
        return None
    try:
        ffi = cffi.FFI()
        ffi.cdef(_CDEF)
        return ffi, ffi.dlopen("libharfbuzz.so.0"), ffi.dlopen("libharfbuzz-subset.so.0")
    except (OSError, AttributeError, cffi.FFIError):
        return None


def _subset(path: Path, index: int, gids: set[int], notdef: bool) -> bytes | None:
    """The font at `path` (face `index`) cut to `gids` as WeasyPrint cuts it: glyph ids kept,
    desubroutinized, its layout tables dropped, no hinting, then the empty glyphs after the last
    one used dropped."""
    hb = _harfbuzz()
    if hb is None or not gids:
        return None
    ffi, lib, sub = hb
    blob = lib.hb_blob_create_from_file_or_fail(str(path).encode())
    if blob == ffi.NULL:
        return None
    face = lib.hb_face_create(blob, index)
    faces = []
    try:
        flags = _RETAIN_GIDS | _PASSTHROUGH | _DESUBROUTINIZE | (_NOTDEF_OUTLINE if notdef else 0)
        steps = (
            (sorted(gids), flags, _DROPPED),
            (range(max(gids) + 1), (flags & ~_RETAIN_GIDS) | _NO_HINTING, ()),
        )
        source = face
        for keep, step_flags, drop in steps:
            spec = sub.hb_subset_input_create_or_fail()
            if spec == ffi.NULL:
                return None
            try:
                ids = ffi.new("hb_codepoint_t[]", list(keep))  # one call: few GIL switches
                lib.hb_set_add_sorted_array(sub.hb_subset_input_glyph_set(spec), ids, len(ids))
                dropped = sub.hb_subset_input_set(spec, _DROP_TABLE_TAG)
                for tag in drop:
                    lib.hb_set_add(dropped, lib.hb_tag_from_string(tag, len(tag)))
                sub.hb_subset_input_set_flags(spec, step_flags)
                source = sub.hb_subset_or_fail(source, spec)
            finally:
                sub.hb_subset_input_destroy(spec)
            if source == ffi.NULL:
                return None
            faces.append(source)
        out = lib.hb_face_reference_blob(source)
        try:
            length = ffi.new("unsigned int *")
            data = lib.hb_blob_get_data(out, length)
            return bytes(ffi.buffer(data, length[0])) if length[0] else None
        finally:
            lib.hb_blob_destroy(out)
    finally:
        for made in faces:
            lib.hb_face_destroy(made)
        lib.hb_face_destroy(face)
        lib.hb_blob_destroy(blob)


@functools.cache
def _installed(ps_name: str) -> tuple[Path, int] | None:
    """The installed file and face index of a PostScript font name (the first in path order,
    so the same on every build)."""
    if not re.fullmatch(r"[\w.+-]{1,127}", ps_name):  # a name read from a font: no pattern
        return None
    return min(fc_faces(ps_name), default=None)


def _ps_name(program: bytes) -> str | None:
    from fontTools.ttLib import TTFont, TTLibError

    try:
        name = TTFont(io.BytesIO(program), lazy=True)["name"].getDebugName(6)
    except (TTLibError, KeyError, AssertionError, ValueError, OSError, IndexError):
        return None
    return str(name) if name else None


def _gids(widths: object) -> set[int]:
    """The glyph ids a /W array gives widths for (CID = glyph id)."""
    return set(widths_of(widths))


def _type0_fonts(pdf: pikepdf.Pdf) -> list[tuple[pikepdf.Dictionary, pikepdf.Dictionary, str]]:
    """(font, its font descriptor, the descriptor's key of its program) of each font whose CIDs
    are glyph ids (pdf.subset: glyph_id_font)."""
    out = []
    for obj in pdf.objects:
        found = glyph_id_font(obj)
        if found is not None and isinstance(obj, pikepdf.Dictionary):
            out.append((obj, found[1], found[2]))
    return out


def share_fonts(pdf: pikepdf.Pdf) -> None:
    """Give the fonts of the same name (parts' subsets of one font) one program with the glyphs
    of all: identical programs are shared as they are; different subsets are replaced by one
    made from the installed font (see the module's docstring), the fonts cut in threads
    (HarfBuzz runs without the GIL; pikepdf is used here only)."""
    groups: dict[str, list[tuple[pikepdf.Dictionary, pikepdf.Dictionary, str]]] = {}
    for font, descriptor, key in _type0_fonts(pdf):
        groups.setdefault(str(font.get("/BaseFont")), []).append((font, descriptor, key))
    shared_by = []
    for members in groups.values():
        programs = {d[k].objgen: d[k] for _, d, k in members}
        # A /CIDSet (PDF/A-1; WeasyPrint writes one for PDF 1.4 only) would list the glyphs of
        # one part: such fonts keep their own programs.
        alike = len({k for _, _, k in members}) == 1
        if len(programs) >= 2 and alike and not any("/CIDSet" in d for _, d, _ in members):
            plan = _plan(members, list(programs.values()))
            if plan is not None:
                shared_by.append((members, plan))
    if not shared_by:
        return
    _harfbuzz()  # loaded here once, not by two threads at a time
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        made = list(pool.map(_make, [plan for _, plan in shared_by]))
    for (members, _), merged in zip(shared_by, made, strict=True):
        if merged is None:
            continue
        key = members[0][2]
        shared = pdf.make_stream(merged)
        if key == "/FontFile3":
            shared.Subtype = pikepdf.Name.OpenType
        else:
            shared.Length1 = len(merged)
        for _, descriptor, _ in members:
            descriptor[key] = shared


@dataclass(frozen=True)
class _Plan:
    """How to make a group's one program: `same` when every part embedded these bytes; else
    the installed font cut to `gids`, once `check` (one part's glyphs) gives back `expect`."""

    same: bytes | None = None
    font: tuple[Path, int] | None = None
    check: frozenset[int] = frozenset()
    expect: bytes = b""
    gids: frozenset[int] = frozenset()
    notdef: bool = False


def _plan(
    members: list[tuple[pikepdf.Dictionary, pikepdf.Dictionary, str]],
    programs: list[pikepdf.Object],
) -> _Plan | None:
    datas = [p.read_bytes() for p in programs]
    if len({hashlib.sha256(d).digest() for d in datas}) == 1:
        return _Plan(same=datas[0])
    ps_name = _ps_name(datas[0])
    found = _installed(ps_name) if ps_name else None
    if found is None:
        return None
    notdef = any(
        isinstance(font.get("/Encoding"), pikepdf.Stream) for font, _, _ in members
    )  # WeasyPrint's own CMap: the font had missing glyphs, drawn as .notdef boxes
    by_program: dict[tuple[int, int], set[int]] = {}
    for font, descriptor, key in members:
        by_program.setdefault(descriptor[key].objgen, set()).update(
            _gids(font.DescendantFonts[0].get("/W"))
        )
    check = frozenset(by_program.get(programs[0].objgen, set()))
    gids = frozenset(set().union(*by_program.values()))
    return _Plan(None, found, check, datas[0], gids, notdef)


def _make(plan: _Plan) -> bytes | None:
    """The group's one program; None when the installed font does not give back what a part
    embedded (another file of the same name, another HarfBuzz)."""
    if plan.same is not None:
        return plan.same
    if plan.font is None or _subset(*plan.font, set(plan.check), plan.notdef) != plan.expect:
        return None
    return _subset(*plan.font, set(plan.gids), plan.notdef)
