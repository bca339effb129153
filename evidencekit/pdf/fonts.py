"""Standard-14 fonts for PDF/A: embed a metric-compatible URW base35 substitute.

Carrier, bank and form PDFs often name Helvetica, Times, Courier, Symbol or ZapfDingbats (or
Arial, Times New Roman, Courier New) without embedding them, which PDF/A forbids. Ghostscript
embeds the URW base35 fonts in their place; we do the same: the substitute's CFF program as a
Type 1 (Type1C) font, the font's own widths for every code, the encoding kept as it was.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from fontTools import subset
from fontTools.encodings.StandardEncoding import StandardEncoding
from fontTools.t1Lib import T1Font
from fontTools.ttLib import TTFont

from evidencekit.messages import Msg

# Folders where distributions install the URW base35 fonts (fontconfig is asked first).
_URW_FOLDERS = (
    "/usr/share/fonts/opentype/urw-base35",
    "/usr/share/fonts/urw-base35",
    "/usr/share/fonts/type1/urw-base35",
    "/usr/local/share/fonts/urw-base35",
    "/opt/homebrew/share/fonts/urw-base35",
)
_FAMILIES = {"sans": "NimbusSans", "serif": "NimbusRoman", "mono": "NimbusMonoPS"}
_STYLES = {
    (False, False): "Regular",
    (True, False): "Bold",
    (False, True): "Italic",
    (True, True): "BoldItalic",
}
_SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")


class FontSubstitutionError(Exception):
    """A substitute font exists in principle but cannot be loaded on this machine."""


def decode_name(obj: object) -> str:
    """A PDF name or string as text, whatever bytes it holds (names need not be UTF-8)."""
    if isinstance(obj, pikepdf.Name):
        try:
            text = str(obj)
        except UnicodeDecodeError:
            text = bytes(obj.unparse()).decode("latin-1")
        return text[1:] if text.startswith("/") else text
    if isinstance(obj, pikepdf.String):
        return decode_text(bytes(obj))
    return ""


def decode_text(data: bytes) -> str:
    """PDF text bytes (UTF-16 with a BOM, UTF-8, else Latin-1) as str, never raising."""
    if data.startswith((b"\xfe\xff", b"\xff\xfe")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def substitute_for(base_font: str) -> str | None:
    """The URW PostScript name standing in for a standard-14 font (or a common alias):
    'ABCDEF+Arial,BoldItalic' -> 'NimbusSans-BoldItalic'; None when there is none."""
    name = _SUBSET_PREFIX.sub("", base_font).lower()
    flat = re.sub(r"[\s,\-_#]", "", name)
    if flat.startswith("symbol"):
        return "StandardSymbolsPS" if flat == "symbol" or flat.endswith("mt") else None
    if flat.startswith(("zapfdingbats", "itcdingbats", "dingbats")):
        return "D050000L"
    family = ""
    for prefix, fam in (
        ("helvetica", "sans"),
        ("arial", "sans"),
        ("timesnewroman", "serif"),
        ("times", "serif"),
        ("couriernew", "mono"),
        ("courier", "mono"),
    ):
        if flat.startswith(prefix):
            family, rest = fam, flat[len(prefix) :]
            break
    else:
        return None
    rest = re.sub(r"(psmt|mt|ps|roman|regular|normal|medium|book)", "", rest)
    bold = "bold" in rest
    italic = "italic" in rest or "oblique" in rest
    rest = re.sub(r"(bold|italic|oblique)", "", rest)
    if rest:  # Arial Narrow, Helvetica Condensed, Courier Std Light...: other metrics
        return None
    return f"{_FAMILIES[family]}-{_STYLES[(bold, italic)]}"


def fc_faces(ps_name: str) -> list[tuple[Path, int]]:
    """The installed files (and face index in each) of a PostScript font name: fontconfig."""
    if shutil.which("fc-list") is None:
        return []
    try:
        out = subprocess.run(
            ["fc-list", "-f", "%{file}\t%{index}\n", f":postscriptname={ps_name}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    faces = [line.rsplit("\t", 1) for line in out.splitlines() if "\t" in line]
    return [(Path(file), int(index)) for file, index in faces if file and index.isdigit()]


def _fc_files(ps_name: str) -> list[Path]:
    return [path for path, _ in fc_faces(ps_name)]


def _font_file(ps_name: str, suffix: str) -> Path:
    for path in _fc_files(ps_name):
        if path.suffix == suffix and path.is_file():
            return path
    for folder in _URW_FOLDERS:
        path = Path(folder) / f"{ps_name}{suffix}"
        if path.is_file():
            return path
    msg = Msg("font.missing", font=f"{ps_name}{suffix}")
    raise FontSubstitutionError(msg)


@dataclass(frozen=True)
class _Substitute:
    name: str
    path: Path
    widths: dict[str, int]
    builtin: tuple[str, ...]  # the built-in encoding, 256 glyph names
    bbox: tuple[int, int, int, int]
    italic_angle: float
    ascent: int
    descent: int
    cap_height: int
    stem_v: int
    symbolic: bool
    fixed: bool
    serif: bool


@functools.cache
def _load(ps_name: str) -> _Substitute:
    """The substitute's metrics and built-in encoding (read once per process)."""
    path = _font_file(ps_name, ".otf")
    try:
        font = TTFont(path)
        top = font["CFF "].cff.topDictIndex[0]
        symbolic = ps_name in ("StandardSymbolsPS", "D050000L")
        builtin = tuple(StandardEncoding)
        if symbolic:
            # The OpenType build of Standard Symbols PS carries no usable CFF encoding; the
            # Type 1 build beside it has the real built-in one, which PDFs without /Encoding use.
            t1 = T1Font(str(_font_file(ps_name, ".t1")))
            t1.parse()
            builtin = tuple(str(n) for n in t1.font["Encoding"])
        hmtx = font["hmtx"].metrics
        scale = 1000 / font["head"].unitsPerEm
        widths = {name: round(adv * scale) for name, (adv, _) in hmtx.items()}
        head = font["head"]
        os2 = font["OS/2"]
        private = top.Private
        stem_v = int(getattr(private, "StdVW", 0) or 80)
        return _Substitute(
            name=ps_name,
            path=path,
            widths=widths,
            builtin=builtin,
            bbox=(
                round(head.xMin * scale),
                round(head.yMin * scale),
                round(head.xMax * scale),
                round(head.yMax * scale),
            ),
            italic_angle=float(font["post"].italicAngle),
            ascent=round(os2.sTypoAscender * scale),
            descent=round(os2.sTypoDescender * scale),
            cap_height=round(getattr(os2, "sCapHeight", 0) * scale) or 700,
            stem_v=stem_v,
            symbolic=symbolic,
            fixed=ps_name.startswith("NimbusMonoPS"),
            serif=ps_name.startswith("NimbusRoman"),
        )
    except (OSError, KeyError, AttributeError, ValueError, TypeError) as e:
        msg = Msg("font.unreadable", name=path.name, why=str(e))
        raise FontSubstitutionError(msg) from e


@functools.lru_cache(maxsize=64)
def _program(ps_name: str, glyphs: frozenset[str]) -> bytes:
    """The substitute's CFF program cut down to `glyphs` (those the font's encoding can
    reach: a quarter of the font), with its built-in encoding."""
    sub = _load(ps_name)
    try:
        font = TTFont(sub.path)
        options = subset.Options()
        options.glyph_names = True
        options.notdef_outline = True
        options.name_IDs = []
        options.layout_features = []
        subsetter = subset.Subsetter(options)
        subsetter.populate(glyphs=sorted(glyphs))
        subsetter.subset(font)
        cff = font["CFF "].cff
        if sub.symbolic:
            kept = set(font.getGlyphOrder())
            cff.topDictIndex[0].Encoding = [n if n in kept else ".notdef" for n in sub.builtin]
        buf = io.BytesIO()
        cff.compile(buf, font)
        return buf.getvalue()
    except (OSError, KeyError, AttributeError, ValueError, TypeError, AssertionError) as e:
        msg = Msg("font.subset", name=sub.path.name, why=str(e))
        raise FontSubstitutionError(msg) from e


def _subset_tag(glyphs: frozenset[str]) -> str:
    """Six capitals from the glyph set (deterministic: builds must be byte-identical)."""
    digest = hashlib.sha256("\n".join(sorted(glyphs)).encode()).digest()
    return "".join(chr(65 + b % 26) for b in digest[:6])


_BASE_ENCODINGS = ("/StandardEncoding", "/WinAnsiEncoding", "/MacRomanEncoding")


@functools.cache
def _encoding_table(name: str) -> tuple[str, ...]:
    """256 glyph names of a PDF base encoding (pikepdf's PDF/A tables, which its validator
    uses too, so widths and glyphs agree with what it checks)."""
    from pikepdf.pdfa._encodings import encoding_table  # the tables the validator reads
    from pikepdf.pdfa._fonts import SIMPLE_BASE_ENCODINGS

    table = encoding_table(SIMPLE_BASE_ENCODINGS[name])
    return tuple(table.get(code, ".notdef") for code in range(256))


def _effective_encoding(font: pikepdf.Dictionary, sub: _Substitute) -> list[str] | None:
    """Code -> glyph name as a reader maps it (None: an encoding we cannot read)."""
    encoding = font.get("/Encoding")
    truetype = font.get("/Subtype") == pikepdf.Name.TrueType
    base: tuple[str, ...]
    if sub.symbolic:
        base = sub.builtin
    elif truetype:
        base = _encoding_table("/WinAnsiEncoding")  # what readers assume for TrueType text
    else:
        base = sub.builtin
    differences: object = None
    if isinstance(encoding, pikepdf.Dictionary):
        differences = encoding.get("/Differences")
        encoding = encoding.get("/BaseEncoding")
    if isinstance(encoding, pikepdf.Name):
        key = str(encoding)
        if key not in _BASE_ENCODINGS:
            return None
        if not sub.symbolic:
            base = _encoding_table(key)
    elif encoding is not None:
        return None
    table = list(base)
    if differences is not None:
        if not isinstance(differences, pikepdf.Array):
            return None
        code = -1
        for item in differences:
            if isinstance(item, int):
                code = int(item)
            elif isinstance(item, pikepdf.Name) and 0 <= code < 256:
                table[code] = decode_name(item)
                code += 1
            else:
                return None
    return table


def _embedded(font: pikepdf.Dictionary) -> bool:
    desc = font.get("/FontDescriptor")
    return isinstance(desc, pikepdf.Dictionary) and any(
        k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")
    )


def font_dicts(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Every font dictionary the pages reach: page, form XObject, pattern, Type 3 and
    annotation-appearance resources, each once."""
    seen: set[tuple[int, int]] = set()
    seen_fonts: set[tuple[int, int]] = set()
    stack: list[object] = []
    for page in pdf.pages:
        stack.append(page.obj.get("/Resources"))
        annots = page.obj.get("/Annots")
        if isinstance(annots, pikepdf.Array):
            for annot in annots:
                if isinstance(annot, pikepdf.Dictionary):
                    stack.append(annot.get("/AP"))
    while stack:
        obj = stack.pop()
        if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            continue
        if obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        if isinstance(obj, pikepdf.Stream) or "/Font" not in obj:
            # an XObject/pattern/appearance stream, or an /AP dictionary: go to resources
            if isinstance(obj, pikepdf.Stream):
                stack.append(obj.get("/Resources"))
                continue
            if "/N" in obj or "/D" in obj or "/R" in obj:  # appearance dictionary
                for key in ("/N", "/D", "/R"):
                    value = obj.get(key)
                    if isinstance(value, pikepdf.Dictionary) and not isinstance(
                        value, pikepdf.Stream
                    ):
                        stack.extend(v for _, v in value.items())
                    else:
                        stack.append(value)
        fonts = obj.get("/Font")
        if isinstance(fonts, pikepdf.Dictionary):
            for _, font in fonts.items():
                if not isinstance(font, pikepdf.Dictionary):
                    continue
                if font.is_indirect:
                    if font.objgen in seen_fonts:
                        continue
                    seen_fonts.add(font.objgen)
                yield font
                if font.get("/Subtype") == pikepdf.Name.Type3:
                    stack.append(font.get("/Resources"))
        for key in ("/XObject", "/Pattern"):
            group = obj.get(key)
            if isinstance(group, pikepdf.Dictionary):
                stack.extend(v for _, v in group.items())


def font_label(font: pikepdf.Dictionary) -> str:
    """The font's name for messages (decoded defensively)."""
    return decode_name(font.get("/BaseFont")) or "unnamed"


def is_unembedded(font: pikepdf.Dictionary) -> bool:
    """A font whose glyphs the PDF does not carry (Type 3 fonts carry them as content)."""
    if font.get("/Subtype") == pikepdf.Name.Type3:
        return False
    target: object = font
    if font.get("/Subtype") == pikepdf.Name.Type0:
        desc = font.get("/DescendantFonts")
        if not isinstance(desc, pikepdf.Array) or len(desc) == 0:
            return True
        target = desc[0]
    return not (isinstance(target, pikepdf.Dictionary) and _embedded(target))


def embed_substitutes(pdf: pikepdf.Pdf) -> list[str]:
    """Embed a URW substitute in every non-embedded standard-14 font (and alias) the pages
    use; return the names substituted. Fonts without a substitute are left as they are."""
    programs: dict[tuple[str, frozenset[str]], pikepdf.Stream] = {}
    done: list[str] = []
    for font in font_dicts(pdf):
        subtype = font.get("/Subtype")
        if subtype not in (pikepdf.Name.Type1, pikepdf.Name.TrueType) or _embedded(font):
            continue
        label = font_label(font)
        ps_name = substitute_for(label)
        if ps_name is None:
            continue
        sub = _load(ps_name)
        table = _effective_encoding(font, sub)
        if table is None:
            continue
        glyphs = frozenset({".notdef", *(n for n in table if n in sub.widths)})
        key = (ps_name, glyphs)
        if key not in programs:
            data = _program(ps_name, glyphs)
            programs[key] = pdf.make_stream(data, Subtype=pikepdf.Name.Type1C)
        subset_name = f"{_subset_tag(glyphs)}+{ps_name}"
        notdef = sub.widths.get(".notdef", 0)
        widths = [sub.widths.get(name, notdef) for name in table]
        flags = (4 if sub.symbolic else 32) | (1 if sub.fixed else 0) | (2 if sub.serif else 0)
        if sub.italic_angle:
            flags |= 64
        descriptor = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.FontDescriptor,
                FontName=pikepdf.Name("/" + subset_name),
                Flags=flags,
                FontBBox=pikepdf.Array(list(sub.bbox)),
                ItalicAngle=sub.italic_angle,
                Ascent=sub.ascent,
                Descent=sub.descent,
                CapHeight=sub.cap_height,
                StemV=sub.stem_v,
                FontFile3=programs[key],
            )
        )
        if subtype == pikepdf.Name.TrueType:
            # A Type 1 program needs a Type 1 font dictionary; the encoding becomes explicit.
            font.Subtype = pikepdf.Name.Type1
        if sub.symbolic or subtype == pikepdf.Name.TrueType:
            font.Encoding = pikepdf.Dictionary(Differences=_differences(table, sub.builtin))
        font.BaseFont = pikepdf.Name("/" + subset_name)
        font.FirstChar = 0
        font.LastChar = 255
        font.Widths = pikepdf.Array(widths)
        font.FontDescriptor = descriptor
        done.append(label)
    return sorted(set(done))


def _differences(table: list[str], builtin: tuple[str, ...]) -> pikepdf.Array:
    """/Differences that turn `builtin` into `table`."""
    out: list[object] = []
    previous = -2
    for code, name in enumerate(table):
        if name == builtin[code]:
            continue
        if code != previous + 1:
            out.append(code)
        out.append(pikepdf.Name("/" + name))
        previous = code
    return pikepdf.Array(out)
