"""Generate the example cases' images and exports, deterministically.

    python3 examples/make_assets.py        # from anywhere; writes beside this file

Needs Pillow and the fonts of Debian's fonts-noto-cjk and fonts-dejavu-core, nothing else (the
XLSX export is written with zipfile). Every input is fixed: random seeds, EXIF values, PNG text
chunks, ZIP entry times. A rerun with the same Pillow (zlib, libjpeg) and fonts gives
byte-identical files. The assets are committed; this script documents how they were made.
"""

from __future__ import annotations

import csv
import io
import random
import string
import subprocess
import time
import zipfile
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, PngImagePlugin

HERE = Path(__file__).resolve().parent

# --------------------------------------------------------------------------------------- fonts

FONTS = {  # (family, bold) -> (known Debian path, fontconfig pattern)
    ("cjk", False): ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                     "Noto Sans CJK SC"),
    ("cjk", True): ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
                    "Noto Sans CJK SC:bold"),
    ("latin", False): ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVu Sans"),
    ("latin", True): ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "DejaVu Sans:bold"),
}


@lru_cache(maxsize=None)
def _font_file(family: str, bold: bool) -> tuple[str, int]:
    """The font file and face index; the SC face of the Noto CJK collection (index 2)."""
    known, pattern = FONTS[family, bold]
    want = "Noto Sans CJK SC" if family == "cjk" else "DejaVu Sans"
    candidates = [(known, i) for i in range(5 if known.endswith(".ttc") else 1)]
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}:%{index}", pattern],
                               capture_output=True, text=True, check=True).stdout
        path, _, index = found.rpartition(":")
        candidates.append((path, int(index or 0)))
    except (OSError, subprocess.CalledProcessError, ValueError):
        pass
    for path, index in candidates:
        try:
            if ImageFont.truetype(path, 12, index=index).getname()[0] == want:
                return path, index
        except OSError:
            continue
    raise SystemExit(f"font {want!r} not found: apt-get install fonts-noto-cjk fonts-dejavu-core")


@lru_cache(maxsize=None)
def F(size: int, bold: bool = False, latin: bool = False) -> ImageFont.FreeTypeFont:
    path, index = _font_file("latin" if latin else "cjk", bold)
    return ImageFont.truetype(path, size, index=index)


# ---------------------------------------------------------------------------------- text wrap

NO_LINE_START = set("，。、；：！？）》」』】〉”’…%,.;:!?)]}")
NO_LINE_END = set("（《「『【〈“‘([{")
WORD_CHARS = set(string.ascii_letters + string.digits + "._-/:%#+@")


def _tokens(text: str) -> list[str]:
    """Latin words and numbers stay whole; every CJK character is its own token."""
    out: list[str] = []
    for ch in text:
        if ch in WORD_CHARS and out and all(c in WORD_CHARS for c in out[-1]):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def wrap(text: str, fnt: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy wrapping: English between words, Chinese between characters, and no line starts
    with closing punctuation (it hangs at the end of the line) or ends with opening punctuation."""
    lines: list[str] = []
    for para in text.split("\n"):
        if para.isascii():
            line = ""
            for word in para.split(" "):
                trial = f"{line} {word}" if line else word
                if line and fnt.getlength(trial) > width:
                    lines.append(line)
                    line = word
                else:
                    line = trial
            lines.append(line)
            continue
        line = ""
        for tok in _tokens(para):
            if line and fnt.getlength(line + tok) > width and tok not in NO_LINE_START:
                carry = ""
                while line and line[-1] in NO_LINE_END:
                    carry, line = line[-1] + carry, line[:-1]
                lines.append(line.rstrip())
                line = carry + tok.lstrip()
            else:
                line += tok
        lines.append(line)
    return lines


# ------------------------------------------------------------------------------------- output

def save_png(img: Image.Image, path: Path, text: dict[str, str] | None = None,
             colors: int = 128) -> None:
    """A palette PNG (small, no tIME chunk); text chunks only when given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    info = PngImagePlugin.PngInfo()
    for k, v in (text or {}).items():
        info.add_text(k, v)
    img.convert("RGB").quantize(colors=colors, method=Image.Quantize.MEDIANCUT,
                                dither=Image.Dither.NONE).save(path, optimize=True, pnginfo=info)


def save_jpeg(img: Image.Image, path: Path, when: str, offset: str, make: str = "Apple",
              model: str = "iPhone 15", quality: int = 80) -> None:
    """A camera-like JPEG: Make/Model, DateTime, DateTimeOriginal and OffsetTimeOriginal."""
    path.parent.mkdir(parents=True, exist_ok=True)
    exif = Image.Exif()
    exif[0x010F] = make
    exif[0x0110] = model
    exif[0x0131] = "18.6.2" if make == "Apple" else "1.0"
    exif[0x0132] = when
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = when
    sub[0x9004] = when
    sub[0x9010] = offset
    sub[0x9011] = offset
    img.convert("RGB").save(path, "JPEG", quality=quality, exif=exif.tobytes(), optimize=True,
                            subsampling=2)


def write_csv(path: Path, rows: list[tuple[str, ...]], encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


# ---------------------------------------------------------------------------- photo helpers

def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (8 unknowns: a perspective transform)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c], strict=True)]
    return [m[i][n] / m[i][i] for i in range(n)]


def warp_onto(canvas: Image.Image, flat: Image.Image,
              quad: list[tuple[float, float]]) -> None:
    """Paste `flat` onto `canvas` so its corners (tl, tr, br, bl) land on `quad`."""
    w, h = flat.size
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    a, b = [], []
    for (x, y), (u, v) in zip(quad, src, strict=True):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        b.append(u)
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b.append(v)
    coeffs = _solve(a, b)
    layer = flat.convert("RGBA").transform(canvas.size, Image.Transform.PERSPECTIVE, coeffs,
                                           Image.Resampling.BICUBIC)
    canvas.alpha_composite(layer)


def camera_finish(img: Image.Image, seed: int, grain: int = 5, light: tuple[float, float] = (0.45, 0.3),
                  vignette: float = 0.35) -> Image.Image:
    """Make a flat drawing look photographed: soft light falloff, a slight blur, sensor grain."""
    w, h = img.size
    rnd = random.Random(seed)
    small = Image.new("L", (64, 48))
    cx, cy = light[0] * 64, light[1] * 48
    small.putdata([int(255 * (1 - vignette * min(1.0, ((x - cx) ** 2 + (y - cy) ** 2) / 2200)))
                   for y in range(48) for x in range(64)])
    shade = small.resize((w, h), Image.Resampling.BICUBIC).convert("RGB")
    out = ImageChops.multiply(img.convert("RGB"), shade).filter(ImageFilter.GaussianBlur(0.7))
    noise = Image.frombytes("L", (w // 2, h // 2), rnd.randbytes((w // 2) * (h // 2)))
    noise = noise.point(lambda v: 128 + (v * (2 * grain + 1)) // 256 - grain)
    noise = noise.resize((w, h), Image.Resampling.BILINEAR).convert("RGB")
    return ImageChops.add(out, noise, 1.0, -128)


def barcode(width: int, height: int, seed: int) -> Image.Image:
    rnd = random.Random(seed)
    img = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(img)
    x = 4
    while x < width - 8:
        bar = rnd.choice((2, 2, 3, 4, 6))
        d.rectangle((x, 0, x + bar - 1, height), fill="black")
        x += bar + rnd.choice((2, 3, 4))
    return img


# ---------------------------------------------------------------------------------- drawings

def shirt(width: int, color: tuple[int, int, int] = (34, 56, 107)) -> Image.Image:
    """A long-sleeved button-down shirt laid flat (RGBA, transparent around it)."""
    s = width / 600
    img = Image.new("RGBA", (width, int(700 * s)), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)

    def P(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(x * s, y * s) for x, y in pts]

    dark = tuple(int(c * 0.72) for c in color)
    light = tuple(min(255, int(c * 1.18) + 8) for c in color)
    for side in (1, -1):  # the sleeves, hanging down beside the body
        def m(pts: list[tuple[float, float]], side: int = side) -> list[tuple[float, float]]:
            return [(300 + side * (x - 300), y) for x, y in pts]
        d.polygon(P(m([(190, 62), (128, 98), (40, 548), (118, 574), (176, 236)])), fill=color,
                  outline=dark)
        d.polygon(P(m([(50, 500), (127, 526), (118, 574), (40, 548)])), fill=dark)  # cuff
        d.line(P(m([(52, 497), (128, 523)])), fill=light, width=max(1, int(2 * s)))
        d.line(P(m([(150, 150), (100, 470)])), fill=dark, width=max(1, int(3 * s)))  # fold
    body = [(190, 62), (255, 40), (345, 40), (410, 62), (426, 236), (420, 664), (360, 682),
            (300, 674), (240, 682), (180, 664), (174, 236)]
    d.polygon(P(body), fill=color, outline=dark)
    d.line(P([(215, 300), (205, 640)]), fill=dark, width=max(1, int(2 * s)))
    d.line(P([(388, 320), (395, 630)]), fill=dark, width=max(1, int(2 * s)))
    d.rectangle(P([(294, 84), (306, 676)]), fill=dark)  # the placket
    for y in (132, 212, 292, 372, 452, 532, 612):
        r = 6 * s
        d.ellipse((300 * s - r, y * s - r, 300 * s + r, y * s + r), fill=(200, 204, 212))
    pocket = [(326, 196), (394, 196), (394, 268), (360, 282), (326, 268)]
    d.polygon(P(pocket), outline=dark, width=max(1, int(3 * s)))
    for side in (1, -1):  # the collar points over the neck band
        d.polygon(P([(300 + side * x, y) for x, y in ((45, 36), (0, 84), (30, 134), (72, 62))]),
                  fill=light, outline=dark)
    d.polygon(P([(255, 40), (345, 40), (300, 84)]), fill=dark)
    return img


def backpack(width: int) -> Image.Image:
    """A slate hiking backpack, front view (RGBA)."""
    s = width / 400
    img = Image.new("RGBA", (width, int(560 * s)), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)

    def B(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (x0 * s, y0 * s, x1 * s, y1 * s)

    slate, dark, strap = (92, 104, 114), (62, 72, 80), (40, 46, 52)
    d.arc(B(150, 0, 250, 90), 180, 360, fill=strap, width=int(12 * s))  # the haul loop
    d.rounded_rectangle(B(60, 40, 340, 540), int(70 * s), fill=slate, outline=dark,
                        width=int(4 * s))
    d.rounded_rectangle(B(80, 50, 320, 150), int(40 * s), fill=dark)  # the lid
    d.line([(100 * s, 120 * s), (300 * s, 120 * s)], fill=(150, 160, 168), width=int(3 * s))
    d.rounded_rectangle(B(110, 300, 290, 500), int(36 * s), fill=dark)  # the front pocket
    d.line([(130 * s, 330 * s), (270 * s, 330 * s)], fill=(150, 160, 168), width=int(3 * s))
    d.rectangle(B(185, 390, 215, 410), fill=(230, 120, 40))  # the logo patch
    for x in (40, 345):  # side compression straps
        d.rounded_rectangle(B(x, 200, x + 15, 470), int(6 * s), fill=strap)
    for y in (230, 420):
        d.rectangle(B(60, y, 340, y + 14), fill=strap)
        d.rectangle(B(190, y - 4, 210, y + 18), fill=(20, 20, 20))  # buckles
    return img


def parcel_scene(kind: str, seed: int) -> Image.Image:
    """A delivery photo: a parcel at a front door, a waybill label on its top face."""
    w, h = 1200, 900
    rnd = random.Random(seed)
    img = Image.new("RGBA", (w, h), (0, 0, 0, 255))
    d = ImageDraw.Draw(img)
    if kind == "sf":  # a Shanghai apartment corridor: tiled floor, a steel security door
        d.rectangle((0, 0, w, 318), fill=(214, 212, 204))
        d.rectangle((0, 300, w, 318), fill=(120, 114, 106))  # skirting board
        d.rectangle((330, 0, 870, 300), fill=(96, 58, 46))
        d.rectangle((350, 0, 850, 280), outline=(70, 40, 30), width=6)
        for x in (480, 600, 720):
            d.line((x, 0, x, 280), fill=(80, 48, 38), width=3)
        d.rounded_rectangle((760, 120, 800, 230), 8, fill=(190, 190, 186))
        d.rectangle((300, 290, 900, 318), fill=(150, 146, 140))  # the stone sill
        d.rectangle((0, 318, w, h), fill=(196, 188, 172))
        vx, vy = 600, -900  # tile joints converging upwards
        for k in range(-12, 13):
            x = 600 + k * 150
            d.line((x, h, vx + (x - vx) * (318 - vy) / (h - vy), 318), fill=(170, 162, 148),
                   width=3)
        for y in (400, 520, 700):
            d.line((0, y, w, y), fill=(170, 162, 148), width=3)
        d.polygon([(390, 330), (810, 330), (850, 420), (350, 420)], fill=(120, 36, 40))  # mat
        box = (390, 450, 810, 600, 720)  # left, top, right, top-back, bottom
        colors = ((205, 165, 108), (176, 136, 84), (150, 114, 70))
    else:  # a US front porch: siding, a white panel door, a doormat
        for y in range(0, 330, 22):
            d.rectangle((0, y, w, y + 21), fill=(176, 190, 198))
            d.line((0, y + 21, w, y + 21), fill=(150, 164, 172), width=2)
        d.rectangle((380, 0, 820, 330), fill=(150, 40, 40))
        d.rectangle((360, 0, 380, 330), fill=(236, 236, 230))
        d.rectangle((820, 0, 840, 330), fill=(236, 236, 230))
        for x0 in (410, 620):
            d.rectangle((x0, 30, x0 + 170, 140), outline=(120, 30, 30), width=5)
            d.rectangle((x0, 170, x0 + 170, 310), outline=(120, 30, 30), width=5)
        d.ellipse((778, 180, 800, 202), fill=(200, 170, 80))
        d.rectangle((0, 330, w, 356), fill=(200, 200, 196))  # the threshold step
        for y in range(356, h, 46):  # grey porch boards
            tone = 128 + rnd.randrange(-6, 7)
            d.rectangle((0, y, w, y + 45), fill=(tone, tone, tone - 4))
            d.line((0, y + 45, w, y + 45), fill=(100, 100, 96), width=2)
        d.polygon([(330, 380), (870, 380), (930, 560), (270, 560)], fill=(92, 66, 42))  # mat
        d.text((600, 400), "WELCOME", font=F(40, bold=True, latin=True), anchor="mt",
               fill=(60, 42, 26))
        box = (390, 440, 810, 590, 770)
        colors = ((196, 150, 96), (170, 126, 78), (140, 102, 60))
    left, top, right, back, bottom = box
    inset = 46
    shadow = Image.new("L", (w, h), 0)
    ImageDraw.Draw(shadow).ellipse((left - 40, bottom - 50, right + 60, bottom + 40), fill=120)
    shadow = shadow.filter(ImageFilter.GaussianBlur(24))
    img.paste((0, 0, 0, 255), (0, 0), shadow)
    top_face = [(left + inset, top), (right - inset, top), (right, back), (left, back)]
    d.polygon([(left, back), (right, back), (right, bottom), (left, bottom)], fill=colors[1])
    d.polygon(top_face, fill=colors[0])
    d.line([(left, back), (right, back)], fill=colors[2], width=3)
    tape = [((top_face[0][0] + top_face[1][0]) / 2 - 28, top_face[0][1]),
            ((top_face[0][0] + top_face[1][0]) / 2 + 28, top_face[0][1]),
            ((left + right) / 2 + 36, back), ((left + right) / 2 - 36, back)]
    d.polygon(tape, fill=(220, 190, 140) if kind == "sf" else (150, 110, 66))
    d.rectangle(((left + right) / 2 - 36, back, (left + right) / 2 + 36, bottom),
                fill=(200, 168, 118) if kind == "sf" else (128, 94, 56))
    label = sf_waybill() if kind == "sf" else ups_label()
    lw = 0.62 * (right - left)
    lx = left + 0.1 * (right - left)
    t = 0.12
    y0 = top_face[0][1] + t * (back - top_face[0][1])
    y1 = back - 0.08 * (back - top_face[0][1])

    def x_at(y: float, x_base: float) -> float:  # x on the top face tapering towards the back
        f = (y - top_face[0][1]) / (back - top_face[0][1])
        cx = (left + right) / 2
        scale = ((right - left) - 2 * inset * (1 - f)) / (right - left)
        return cx + (x_base - cx) * scale

    warp_onto(img, label, [(x_at(y0, lx), y0), (x_at(y0, lx + lw), y0),
                           (x_at(y1, lx + lw), y1), (x_at(y1, lx), y1)])
    return img.convert("RGB")


def sf_waybill() -> Image.Image:
    """An SF Express waybill (电子面单), recipient partly masked as SF prints it."""
    w, h = 600, 400
    img = Image.new("RGB", (w, h), (250, 250, 246))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, w, 64), fill=(20, 20, 20))
    d.text((18, 32), "顺丰速运", font=F(34, bold=True), anchor="lm", fill="white")
    d.text((200, 32), "SF EXPRESS", font=F(24, bold=True, latin=True), anchor="lm", fill="white")
    d.text((w - 18, 32), "顺丰标快", font=F(28, bold=True), anchor="rm", fill="white")
    img.paste(barcode(380, 70, 5), (18, 78))
    d.text((420, 90), "021", font=F(48, bold=True, latin=True), fill="black")
    d.text((18, 156), "运单号 SF 1234 5678 90123", font=F(26, bold=True), fill="black")
    d.line((0, 198, w, 198), fill="black", width=2)
    d.text((18, 208), "收", font=F(30, bold=True), fill="black")
    d.text((70, 206), "张**  138****5678", font=F(26, bold=True), fill="black")
    d.text((70, 242), "上海市浦东新区 张江路 100 号", font=F(24), fill="black")
    d.line((0, 284, w, 284), fill="black", width=2)
    d.text((18, 294), "寄", font=F(30, bold=True), fill="black")
    d.text((70, 292), "杭州某某服饰旗舰店  0571-88880000", font=F(22), fill="black")
    d.text((70, 326), "浙江省杭州市余杭区 仓储中心", font=F(22), fill="black")
    d.text((18, 366), "托寄物：服装  数量：1  2025-10-01", font=F(20), fill=(60, 60, 60))
    return img


def ups_label() -> Image.Image:
    """A UPS Ground shipping label."""
    w, h = 560, 420
    img = Image.new("RGB", (w, h), (250, 250, 248))
    d = ImageDraw.Draw(img)
    f, fb = F(20, latin=True), F(22, bold=True, latin=True)
    d.text((16, 12), "NORTHWIND OUTDOOR CO.", font=f, fill="black")
    d.text((16, 36), "COLUMBUS OH 43215", font=f, fill="black")
    d.text((w - 16, 12), "4 LBS  1 OF 1", font=fb, anchor="ra", fill="black")
    d.text((16, 74), "SHIP TO:", font=f, fill="black")
    for k, line in enumerate(("JORDAN MILLER", "1847 MAPLE AVE APT 3", "SPRINGFIELD IL 62704")):
        d.text((110, 72 + 28 * k), line, font=fb, fill="black")
    d.line((0, 166, w, 166), fill="black", width=3)
    d.rectangle((16, 178, 126, 288), outline="black", width=3)  # the MaxiCode square
    for k in range(9):
        for j in range(9):
            if (k * 7 + j * 3) % 5 < 2:
                d.rectangle((24 + 11 * j, 186 + 11 * k, 30 + 11 * j, 192 + 11 * k), fill="black")
    d.text((150, 184), "IL 627 9-04", font=F(40, bold=True, latin=True), fill="black")
    d.line((0, 296, w, 296), fill="black", width=3)
    d.text((16, 304), "UPS GROUND", font=F(34, bold=True, latin=True), fill="black")
    d.rectangle((w - 70, 300, w - 16, 350), fill="black")
    d.text((16, 348), "TRACKING #: 1Z 999 AA1 01 2345 6784", font=fb, fill="black")
    img.paste(barcode(w - 32, 36, 9), (16, 378))
    return img


# ----------------------------------------------------------------------------- phone chrome

def status_bar(d: ImageDraw.ImageDraw, w: int, clock: str, bg: str, fg: str) -> None:
    d.rectangle((0, 0, w, 48), fill=bg)
    d.text((30, 25), clock, font=F(24, bold=True, latin=True), anchor="lm", fill=fg)
    x = w - 196
    for i in range(4):  # signal bars
        d.rectangle((x + i * 9, 32 - 5 - 4 * i, x + i * 9 + 5, 33), fill=fg)
    d.text((x + 44, 25), "5G", font=F(20, bold=True, latin=True), anchor="lm", fill=fg)
    bx = w - 104
    d.rounded_rectangle((bx, 15, bx + 46, 35), 5, outline=fg, width=2)
    d.rectangle((bx + 48, 21, bx + 51, 29), fill=fg)
    d.rectangle((bx + 4, 19, bx + 4 + 33, 31), fill=fg)
    d.text((bx + 58, 25), "87", font=F(18, latin=True), anchor="lm", fill=fg)


TAOBAO_ORANGE = "#ff5000"


def rounded_paste(canvas: Image.Image, pic: Image.Image, xy: tuple[int, int], radius: int) -> None:
    mask = Image.new("L", pic.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, pic.width - 1, pic.height - 1), radius, fill=255)
    canvas.paste(pic.convert("RGB"), xy, mask)


def product_thumb(size: tuple[int, int], warm: bool = False) -> Image.Image:
    """The shirt as a small photo: daylight on a light backdrop, or a warm indoor lamp."""
    bg = (236, 230, 220) if not warm else (120, 96, 62)
    pic = Image.new("RGBA", size, bg + (255,))
    sh = shirt(int(min(size[0] * 0.86, size[1] * 0.86 * 600 / 700)))
    pic.alpha_composite(sh, ((size[0] - sh.width) // 2, (size[1] - sh.height) // 2))
    if warm:  # a yellow lamp turns navy into near-black
        pic = ImageChops.multiply(pic.convert("RGB"), Image.new("RGB", size, (150, 118, 76)))
    return pic.convert("RGB")


def chat_screen(path: Path, peer: str, subtitle: str, me: str, clock: str,
                items: list[tuple], meta: dict[str, str] | None = None) -> None:
    """A Qianniu (seller app) chat on a phone: the buyer on the left, the shop on the right.

    items: ("time", text) · ("text", who, text) · ("image", who, picture) ·
           ("order", who, None) · ("notice", text)
    """
    w, h = 720, 1560
    img = Image.new("RGB", (w, h), "#f2f3f5")
    d = ImageDraw.Draw(img)
    status_bar(d, w, clock, TAOBAO_ORANGE, "white")
    d.rectangle((0, 48, w, 140), fill=TAOBAO_ORANGE)
    d.text((30, 94), "‹", font=F(56, latin=True), anchor="lm", fill="white")
    d.text((w // 2, 82), peer, font=F(30, bold=True), anchor="mm", fill="white")
    d.text((w // 2, 118), subtitle, font=F(18), anchor="mm", fill="#ffe3d3")
    for k in range(3):
        d.ellipse((w - 62 + 12 * k, 90, w - 56 + 12 * k, 96), fill="white")
    body = F(27)
    y = 168
    for item in items:
        if item[0] == "time":
            d.text((w // 2, y + 12), item[1], font=F(20), anchor="mm", fill="#999")
            y += 42
            continue
        if item[0] == "notice":
            lines = wrap(item[1], F(21), 520)
            bw = max(F(21).getlength(s) for s in lines) + 40
            bh = 20 + 32 * len(lines)
            d.rounded_rectangle((w / 2 - bw / 2, y, w / 2 + bw / 2, y + bh), 12, fill="#e3e5e8")
            for k, line in enumerate(lines):
                d.text((w / 2, y + 10 + 32 * k + 16), line, font=F(21), anchor="mm", fill="#666")
            y += bh + 28
            continue
        kind, who, content = item
        mine = who == me
        avatar_x = w - 92 if mine else 20
        d.ellipse((avatar_x, y, avatar_x + 72, y + 72), fill="#ff7a2f" if mine else "#8fa8c8")
        d.text((avatar_x + 36, y + 36), who[:1].upper() if who.isascii() else who[:1],
               font=F(30, bold=True), anchor="mm", fill="white")
        d.text((w - 112 if mine else 112, y + 14), who, font=F(18),
               anchor="rs" if mine else "ls", fill="#888")
        top = y + 22
        if kind == "text":
            lines = wrap(content, body, 420)
            bw = int(max(body.getlength(s) for s in lines)) + 44
            bh = 24 + 40 * len(lines)
            x0 = w - 112 - bw if mine else 112
            fill = "#cfe6ff" if mine else "white"
            d.rounded_rectangle((x0, top, x0 + bw, top + bh), 16, fill=fill)
            tip = x0 + bw if mine else x0
            dx = 10 if mine else -10
            d.polygon([(tip, top + 22), (tip + dx, top + 30), (tip, top + 38)], fill=fill)
            for k, line in enumerate(lines):
                d.text((x0 + 22, top + 12 + 40 * k + 20), line, font=body, anchor="lm",
                       fill="#1a1a1a")
            y = top + bh + 24
        elif kind == "image":
            x0 = w - 112 - content.width if mine else 112
            rounded_paste(img, content, (x0, top), 14)
            d.rounded_rectangle((x0, top, x0 + content.width, top + content.height), 14,
                                outline="#d8d8d8", width=2)
            y = top + content.height + 30
        elif kind == "order":  # the order card a buyer sends before asking about it
            bw, bh = 470, 250
            x0 = w - 112 - bw if mine else 112
            d.rounded_rectangle((x0, top, x0 + bw, top + bh), 16, fill="white")
            d.text((x0 + 20, top + 28), "我要咨询的订单", font=F(22, bold=True), anchor="lm",
                   fill="#333")
            rounded_paste(img, product_thumb((120, 120)), (x0 + 20, top + 54), 10)
            tl = wrap("某某服饰 2025秋季新款 纯棉休闲衬衫 男士长袖", F(22), 290)
            for k, line in enumerate(tl[:2]):
                d.text((x0 + 156, top + 56 + 32 * k), line, font=F(22), fill="#222")
            d.text((x0 + 156, top + 124), "深蓝色；L", font=F(20), fill="#999")
            d.text((x0 + 156, top + 150), "¥299.00", font=F(24, bold=True), fill=TAOBAO_ORANGE)
            d.text((x0 + bw - 20, top + 150), "卖家已发货", font=F(20), anchor="ra",
                   fill=TAOBAO_ORANGE)
            d.line((x0 + 20, top + 196, x0 + bw - 20, top + 196), fill="#eee", width=2)
            d.text((x0 + 20, top + 222), "订单号：3456789012345678901", font=F(20), anchor="lm",
                   fill="#888")
            y = top + bh + 30
    if y > h - 190:
        raise SystemExit(f"{path.name}: the messages overflow the screen ({y} > {h - 190})")
    # the quick-action chips and the input bar at the bottom of Qianniu's chat
    d.rectangle((0, h - 190, w, h), fill="#f7f7f7")
    d.line((0, h - 190, w, h - 190), fill="#e2e2e2", width=2)
    x = 20
    for chip in ("查订单", "发商品", "退款处理", "优惠券", "快捷短语"):
        cw = F(20).getlength(chip) + 32
        d.rounded_rectangle((x, h - 172, x + cw, h - 128), 22, fill="white", outline="#e0e0e0")
        d.text((x + cw / 2, h - 150), chip, font=F(20), anchor="mm", fill="#555")
        x += cw + 14
    d.rounded_rectangle((20, h - 110, w - 170, h - 44), 12, fill="white", outline="#dddddd")
    d.text((40, h - 77), "发消息…", font=F(22), anchor="lm", fill="#bbb")
    for k, mark in enumerate(("☺", "+")):
        cx = w - 130 + 66 * k
        d.ellipse((cx - 24, h - 101, cx + 24, h - 53), outline="#444", width=3)
        d.text((cx, h - 78), mark, font=F(30, latin=True), anchor="mm", fill="#444")
    d.rounded_rectangle((w // 2 - 110, h - 18, w // 2 + 110, h - 10), 4, fill="#222")
    save_png(img, path, meta)


# ------------------------------------------------------------------------------------ taobao

def taobao_listing(path: Path) -> None:
    """The first screen of the item page: gallery, price, title, the chosen colour."""
    w, h = 750, 1334
    img = Image.new("RGBA", (w, h), (245, 245, 245, 255))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, w, 750), fill=(232, 236, 242))
    sh = shirt(560)
    img.alpha_composite(sh, ((w - sh.width) // 2, 60))
    d = ImageDraw.Draw(img)
    status_bar(d, w, "09:00", "#e8ecf2", "#111")
    for k, (cx, mark) in enumerate(((50, "‹"), (w - 150, "⇪"), (w - 50, "⋯"))):
        d.ellipse((cx - 28, 70, cx + 28, 126), fill=(150, 153, 158))  # translucent grey
        d.text((cx, 97), mark, font=F(34 if k == 0 else 26, latin=True), anchor="mm", fill="white")
    d.rounded_rectangle((w - 110, 690, w - 24, 730), 20, fill=(128, 131, 136))
    d.text((w - 67, 710), "1/5", font=F(22, latin=True), anchor="mm", fill="white")
    d.rectangle((0, 750, w, 990), fill="white")
    d.text((24, 806), "¥", font=F(34, bold=True), anchor="ls", fill=TAOBAO_ORANGE)
    d.text((50, 806), "299", font=F(56, bold=True, latin=True), anchor="ls", fill=TAOBAO_ORANGE)
    d.text((170, 806), ".00", font=F(34, bold=True, latin=True), anchor="ls", fill=TAOBAO_ORANGE)
    d.text((w - 24, 804), "月销 1200+", font=F(22), anchor="rs", fill="#999")
    title = "某某服饰 2025秋季新款 纯棉休闲衬衫 男士长袖 商务免烫纯色衬衣"
    for k, line in enumerate(wrap(title, F(30, bold=True), w - 48)):
        d.text((24, 830 + 42 * k), line, font=F(30, bold=True), fill="#111")
    x = 24
    for tag in ("包邮", "7天无理由退换", "运费险", "48小时发货"):
        tw = F(20).getlength(tag) + 20
        d.rounded_rectangle((x, 930, x + tw, 962), 6, outline="#ffb38a", width=2)
        d.text((x + tw / 2, 946), tag, font=F(20), anchor="mm", fill=TAOBAO_ORANGE)
        x += tw + 12
    rows = [("选择", "深蓝色（可能存在轻微色差）；L", True), ("发货", "浙江杭州 · 顺丰速运 · 免运费", False),
            ("保障", "7天无理由退货 · 运费险 · 极速退款", False)]
    y = 1006
    d.rectangle((0, y, w, y + len(rows) * 62 + 20), fill="white")
    for k, v, em in rows:
        if em:
            d.rectangle((16, y + 8, w - 16, y + 62), fill="#fff3ea")
        d.text((30, y + 36), k, font=F(23), anchor="lm", fill="#999")
        d.text((110, y + 36), v, font=F(24, bold=em), anchor="lm",
               fill="#c0392b" if em else "#333")
        d.text((w - 30, y + 36), "›", font=F(30, latin=True), anchor="rm", fill="#bbb")
        y += 62
    d.rectangle((0, h - 100, w, h), fill="white")
    d.line((0, h - 100, w, h - 100), fill="#e6e6e6", width=2)
    for k, label in enumerate(("店铺", "客服", "收藏")):
        cx = 48 + 76 * k
        d.ellipse((cx - 16, h - 84, cx + 16, h - 52), outline="#555", width=3)
        d.text((cx, h - 30), label, font=F(18), anchor="mm", fill="#555")
    d.rounded_rectangle((270, h - 86, w - 20, h - 16), 35, fill="#ffa200")
    d.rounded_rectangle((495, h - 86, w - 20, h - 16), 35, fill=TAOBAO_ORANGE)
    d.rectangle((495, h - 86, 540, h - 16), fill=TAOBAO_ORANGE)
    d.text((382, h - 51), "加入购物车", font=F(26, bold=True), anchor="mm", fill="white")
    d.text((620, h - 51), "立即购买", font=F(26, bold=True), anchor="mm", fill="white")
    save_png(img, path)


def taobao_details(path: Path) -> None:
    """Further down the item page: the parameter table, the colour note, a flat-lay photo."""
    w, h = 750, 1334
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    status_bar(d, w, "09:00", "white", "#111")
    d.rectangle((0, 48, w, 120), fill="white")
    for k, tab in enumerate(("宝贝", "评价", "详情", "推荐")):
        cx = 135 + 160 * k
        d.text((cx, 84), tab, font=F(28, bold=tab == "详情"), anchor="mm",
               fill="#111" if tab == "详情" else "#777")
        if tab == "详情":
            d.rounded_rectangle((cx - 26, 108, cx + 26, 114), 3, fill=TAOBAO_ORANGE)
    d.line((0, 120, w, 120), fill="#eee", width=2)
    d.text((24, 150), "商品参数", font=F(30, bold=True), fill="#111")
    rows = [("品牌", "某某服饰"), ("货号", "2025AW-0457"), ("面料", "100% 棉（精梳棉 40 支）"),
            ("颜色", "深蓝色"), ("尺码", "S M L XL XXL"), ("洗涤", "30℃ 以下水洗，不可漂白"),
            ("发货", "付款后 48 小时内发货，顺丰速运")]
    y = 206
    for n, (k, v) in enumerate(rows):
        d.rectangle((24, y, w - 24, y + 56), outline="#e6e6e6", fill="#fafafa" if n % 2 else "white")
        d.text((44, y + 28), k, font=F(24), anchor="lm", fill="#888")
        d.text((200, y + 28), v, font=F(24), anchor="lm", fill="#222")
        y += 56
    y += 26
    note = "因拍摄光线及显示器差异，实物与图片可能存在轻微色差，以实物为准。室内暖光下深蓝色会显得偏深。"
    lines = ["温馨提示：深蓝色，可能存在轻微色差", *wrap(note, F(25), w - 108)]
    d.rectangle((24, y, w - 24, y + 30 + 38 * len(lines)), fill="#fff3ea", outline="#ffc7a6")
    d.rectangle((24, y, 32, y + 30 + 38 * len(lines)), fill=TAOBAO_ORANGE)
    for k, line in enumerate(lines):
        d.text((54, y + 15 + 38 * k), line, font=F(25, bold=k == 0), fill="#c0392b")
    y += 30 + 38 * len(lines) + 30
    photo_h = h - y - 80
    flat = product_thumb((w - 48, photo_h))
    img.paste(flat, (24, y))
    d.rectangle((24, y + photo_h - 48, w - 24, y + photo_h), fill=(0, 0, 0))
    d.text((w // 2, y + photo_h - 24), "实物平铺图（自然光拍摄，未调色）", font=F(22), anchor="mm",
           fill="white")
    d.text((w // 2, h - 40), "— 宝贝详情 2/6 —", font=F(20), anchor="mm", fill="#aaa")
    save_png(img, path)


def taobao_photo(path: Path) -> None:
    """The warehouse photo of the shirt before shipping, in daylight, with its SKU tag."""
    w, h = 1200, 900
    img = Image.new("RGBA", (w, h), (206, 202, 194, 255))
    d = ImageDraw.Draw(img)
    rnd = random.Random(21)
    for _ in range(60):  # a linen backdrop
        y = rnd.randrange(h)
        tone = 196 + rnd.randrange(-8, 9)
        d.line((0, y, w, y + rnd.randrange(-6, 7)), fill=(tone, tone - 4, tone - 12), width=2)
    sh = shirt(640)
    sh = sh.rotate(-4, resample=Image.Resampling.BICUBIC, expand=True)
    img.alpha_composite(sh, (250, 60))
    d = ImageDraw.Draw(img)
    tag = Image.new("RGBA", (230, 120), (250, 250, 246, 255))
    td = ImageDraw.Draw(tag)
    td.text((14, 12), "某某服饰", font=F(24, bold=True), fill="#222")
    td.text((14, 48), "2025AW-0457", font=F(20, latin=True), fill="#333")
    td.text((14, 80), "深蓝  L", font=F(22), fill="#333")
    tag = tag.rotate(8, resample=Image.Resampling.BICUBIC, expand=True)
    img.alpha_composite(tag, (900, 620))
    card = Image.new("RGBA", (300, 70), (255, 255, 255, 255))  # a grey card for colour reference
    cd = ImageDraw.Draw(card)
    for k, tone in enumerate((250, 200, 150, 100, 50, 15)):
        cd.rectangle((k * 50, 0, k * 50 + 49, 70), fill=(tone, tone, tone))
    img.alpha_composite(card, (60, 780))
    out = camera_finish(img.convert("RGB"), 22, grain=4, light=(0.5, 0.25), vignette=0.28)
    d = ImageDraw.Draw(out)
    d.text((w - 30, h - 28), "发货前实拍 2025-10-01 09:12", font=F(28, bold=True), anchor="rs",
           fill="white", stroke_width=2, stroke_fill=(60, 60, 60))
    save_jpeg(out, path, "2025:10:01 09:12:00", "+08:00")


def taobao() -> None:
    root = HERE / "taobao-not-as-described"
    taobao_listing(root / "product/detail-1.png")
    taobao_details(root / "product/detail-2.png")
    taobao_photo(root / "product/photo-1.jpg")
    pod = camera_finish(parcel_scene("sf", 7), 8, grain=5, light=(0.5, 0.55), vignette=0.4)
    save_jpeg(pod, root / "shipping/pod.jpg", "2025:10:03 14:05:00", "+08:00", make="HUAWEI",
              model="ELS-AN00")
    seller, buyer = "客服小美", "tb_buyer_8861"
    sub = "来自手机淘宝 · 已购 1 件"
    chat_screen(root / "chat/01.png", buyer, sub, seller, "09:40", [
        ("time", "10月4日 09:36"),
        ("order", buyer, None),
        ("text", buyer, "你好，我收到的衬衫颜色和图片不一样，图片是深蓝色，实物偏黑"),
        ("text", seller, "亲，您好！非常抱歉给您带来困扰，麻烦您在自然光下拍一张实物照片给我们看看可以吗？"),
        ("time", "09:39"),
        ("image", buyer, product_thumb((220, 260), warm=True)),
    ], {"Creation Time": "2025-10-04T09:40:05+08:00"})
    chat_screen(root / "chat/02.png", buyer, sub, seller, "09:52", [
        ("time", "10月4日 09:41"),
        ("text", seller, "亲，照片收到了，实物就是深蓝色哦，室内灯光下会显得深一些"),
        ("text", seller, "详情页也有标注：深蓝色，可能存在轻微色差，以实物为准"),
        ("time", "09:50"),
        ("text", buyer, "我不管，和图片不一样就是描述不符，我要全额退款"),
        ("text", seller, "亲，商品支持7天无理由退换，您可以申请退货退款，我们收到退货后马上给您退款"),
        ("time", "09:52"),
        ("text", buyer, "退货还要我出运费？不退，直接退款"),
        ("text", seller, "亲，商品本身没有质量问题，颜色也与描述一致，直接退款我们这边无法同意哦\n如需退货，运费险可以报销运费"),
    ], {"Creation Time": "2025-10-04T09:52:40+08:00"})
    chat_screen(root / "chat/03.png", buyer, sub, seller, "10:01", [
        ("time", "10月4日 10:00"),
        ("notice", "买家已申请退款（仅退款）¥299.00，原因：商品与描述不符。请在 48 小时内处理"),
        ("text", buyer, "那我去平台投诉"),
        ("text", seller, "好的亲，我们会如实向平台提供商品详情页、发货前实拍和物流签收记录"),
    ], {"Creation Time": "2025-10-04T10:01:20+08:00"})
    taobao_orders(root / "orders/taobao_orders.csv")
    after_sales(root / "orders/after_sales.xlsx")
    transcript(root / "chat/export.txt")
    write_csv(root / "shipping/tracking.csv", [
        ("at", "location", "status"),
        ("2025-10-01T18:20:00", "浙江省杭州市", "顺丰速运 已收取快件"),
        ("2025-10-01T22:05:00", "杭州转运中心", "快件已到达 杭州转运中心"),
        ("2025-10-02T03:40:00", "杭州转运中心", "快件已从 杭州转运中心 发出"),
        ("2025-10-02T11:30:00", "上海转运中心", "快件已到达 上海转运中心"),
        ("2025-10-02T20:15:00", "上海转运中心", "快件已从 上海转运中心 发出"),
        ("2025-10-03T06:30:00", "上海市浦东新区 张江营业点", "快件已到达 张江营业点"),
        ("2025-10-03T07:55:00", "上海市浦东新区 张江营业点", "快件交给 李师傅，正在派送途中"),
        ("2025-10-03T14:05:00", "上海市浦东新区", "快件已签收，签收人：本人"),
    ])


def taobao_orders(path: Path) -> None:
    """The back-office order export: newest first, GBK, order numbers as ="…" text formulas."""
    rnd = random.Random(3)
    nicks = ["tb_73812949", "小林爱逛街", "阿杰0521", "tb_20931477", "summer_晴天", "tb_55106823",
             "江南一叶", "tb_91844502", "大鹏同学", "tb_38870211", "木子李li"]
    addresses = ["浙江省杭州市西湖区 文三路 90 号", "江苏省南京市鼓楼区 中山路 18 号",
                 "广东省深圳市南山区 科技南十二路 8 号", "北京市朝阳区 望京街 10 号",
                 "四川省成都市武侯区 天府大道北段 1700 号", "湖北省武汉市洪山区 珞喻路 129 号",
                 "上海市徐汇区 漕溪北路 88 号", "福建省厦门市思明区 莲前西路 2 号",
                 "山东省青岛市市南区 香港中路 76 号", "浙江省宁波市鄞州区 天童南路 588 号",
                 "陕西省西安市雁塔区 科技路 48 号"]
    times = ["2025-09-24 10:21:37", "2025-09-24 22:05:12", "2025-09-25 13:48:02",
             "2025-09-26 09:15:44", "2025-09-26 20:31:19", "2025-09-27 16:02:58",
             "2025-09-28 11:40:26", "2025-09-29 08:57:03", "2025-09-29 19:23:41",
             "2025-09-30 12:06:30", "2025-10-01 10:44:15"]
    statuses = ["交易成功", "交易成功", "交易关闭", "交易成功", "交易成功", "卖家已发货",
                "卖家已发货", "卖家已发货", "卖家已发货", "卖家已发货", "卖家已发货"]
    amounts = ["299.00", "598.00", "299.00", "279.00", "299.00", "299.00", "598.00", "299.00",
               "279.00", "299.00", "299.00"]
    rows = []
    for k, created in enumerate(times):
        paid = created[:-2] + f"{min(59, int(created[-2:]) + 20 + rnd.randrange(30)):02d}"
        rows.append((f'="{rnd.randrange(10**18, 5 * 10**18)}"', nicks[k], amounts[k], statuses[k],
                     created, paid, addresses[k],
                     f"1{rnd.choice('35789')}{rnd.randrange(10**8, 10**9)}"))
    rows.append(('="3456789012345678901"', "tb_buyer_8861", "299.00", "卖家已发货",
                 "2025-09-30 21:14:00", "2025-09-30 21:15:02", "上海市浦东新区 张江路 100 号",
                 "13812345678"))
    rows.sort(key=lambda r: r[4], reverse=True)
    header = ("订单编号", "买家会员名", "买家实际支付金额", "订单状态", "订单创建时间", "订单付款时间",
              "收货地址", "联系手机")
    write_csv(path, [header, *rows], encoding="gbk")  # Taobao's back-office exports GBK


def _xlsx_serial(when: datetime) -> str:
    delta = when - datetime(1899, 12, 30)
    return repr(delta.days + delta.seconds / 86400)


def write_xlsx(path: Path, sheet: str, header: list[str], rows: list[list[object]],
               formats: dict[int, int], widths: list[int], when: datetime) -> None:
    """A small, valid XLSX written directly: inline strings, fixed ZIP entry times.

    formats: column -> cell style (1 text "@", 2 date "yyyy-mm-dd hh:mm", 3 "0.00")."""
    ns = "http://schemas.openxmlformats.org"
    cols = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def cell(ref: str, value: object, style: int) -> str:
        s = f' s="{style}"' if style else ""
        if isinstance(value, datetime):
            return f'<c r="{ref}"{s}><v>{_xlsx_serial(value)}</v></c>'
        if isinstance(value, (int, float)):
            return f'<c r="{ref}"{s}><v>{value}</v></c>'
        return f'<c r="{ref}"{s} t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'

    data = ['<row r="1">' + "".join(cell(f"{cols[i]}1", v, 4) for i, v in enumerate(header))
            + "</row>"]
    for r, row in enumerate(rows, start=2):
        data.append(f'<row r="{r}">' + "".join(cell(f"{cols[i]}{r}", v, formats.get(i, 0))
                                               for i, v in enumerate(row)) + "</row>")
    last = f"{cols[len(header) - 1]}{len(rows) + 1}"
    col_xml = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{wd}" customWidth="1"/>'
                      for i, wd in enumerate(widths))
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    parts = {
        "[Content_Types].xml":
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            "</Types>",
        "_rels/.rels":
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            f'<Relationship Id="rId2" Type="{ns}/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{ns}/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'
            "</Relationships>",
        "docProps/app.xml":
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Properties xmlns="{ns}/officeDocument/2006/extended-properties">'
            "<Application>Microsoft Excel</Application></Properties>",
        "docProps/core.xml":
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<cp:coreProperties xmlns:cp="{ns}/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<dc:creator>千牛卖家中心</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
            "</cp:coreProperties>",
        "xl/_rels/workbook.xml.rels":
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{ns}/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            "</Relationships>",
        "xl/workbook.xml":
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{ns}/spreadsheetml/2006/main" '
            f'xmlns:r="{ns}/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/styles.xml":
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<styleSheet xmlns="{ns}/spreadsheetml/2006/main">'
            '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
            '<fonts count="2"><font><sz val="11"/><name val="等线"/></font>'
            '<font><b/><sz val="11"/><name val="等线"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
            '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
            '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>",
        "xl/worksheets/sheet1.xml":
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{ns}/spreadsheetml/2006/main">'
            f'<dimension ref="A1:{last}"/><cols>{col_xml}</cols>'
            f'<sheetData>{"".join(data)}</sheetData></worksheet>',
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            z.writestr(info, text.encode("utf-8"))
    path.write_bytes(buf.getvalue())


def after_sales(path: Path) -> None:
    """The after-sales (退款) sheet of the order, as the back-office exports it to Excel."""
    write_xlsx(path, "售后记录",
               ["退款编号", "订单编号", "申请时间", "退款类型", "退款原因", "申请金额", "状态"],
               [["R20251004100012", "3456789012345678901", datetime(2025, 10, 4, 10, 0),
                 "仅退款", "商品与描述不符", 299.00, "待卖家处理"],
                ["R20250922083301", "3456789012345672211", datetime(2025, 9, 22, 8, 33),
                 "退货退款", "尺码不合适", 259.00, "退款成功"]],
               {1: 1, 2: 2, 5: 3}, [18, 22, 18, 10, 16, 10, 12], datetime(2025, 10, 5, 9, 2))


def transcript(path: Path) -> None:
    """The Qianniu chat export (plain text: a header line, then the message)."""
    lines = [
        ("2025-10-04 09:36:10", "tb_buyer_8861", "你好，我收到的衬衫颜色和图片不一样，图片是深蓝色，实物偏黑"),
        ("2025-10-04 09:37:02", "客服小美", "亲，您好！非常抱歉给您带来困扰，麻烦您在自然光下拍一张实物照片给我们看看可以吗？"),
        ("2025-10-04 09:39:45", "tb_buyer_8861", "[图片]"),
        ("2025-10-04 09:41:20", "客服小美", "亲，照片收到了，实物就是深蓝色哦，室内灯光下会显得深一些"),
        ("2025-10-04 09:41:58", "客服小美", "详情页也有标注：深蓝色，可能存在轻微色差，以实物为准"),
        ("2025-10-04 09:50:31", "tb_buyer_8861", "我不管，和图片不一样就是描述不符，我要全额退款。电话 13812345678 联系我"),
        ("2025-10-04 09:51:40", "客服小美", "亲，商品支持7天无理由退换，您可以申请退货退款，我们收到退货后马上给您退款"),
        ("2025-10-04 09:52:05", "tb_buyer_8861", "退货还要我出运费？不退，直接退款"),
        ("2025-10-04 09:52:30", "客服小美", "亲，商品本身没有质量问题，颜色也与描述一致，直接退款我们这边无法同意哦\n如需退货，运费险可以报销运费"),
        ("2025-10-04 10:00:12", "tb_buyer_8861", "那我去平台投诉"),
        ("2025-10-04 10:01:03", "客服小美", "好的亲，我们会如实向平台提供商品详情页、发货前实拍和物流签收记录"),
    ]
    text = "".join(f"{t} {who}\n{msg}\n" for t, who, msg in lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# ------------------------------------------------------------------------------------ stripe

NAVY = "#1f3a5f"


def fit_height(img: Image.Image, bottom: int, margin: int = 40) -> Image.Image:
    return img.crop((0, 0, img.width, min(img.height, bottom + margin)))


def mail_header(d: ImageDraw.ImageDraw, w: int, subject: str, rows: list[tuple[str, str]]) -> int:
    """The header pane of a web mail client; returns the y below it."""
    d.rectangle((0, 0, w, 56), fill="#f1f3f4")
    d.text((24, 28), "Mail", font=F(22, bold=True, latin=True), anchor="lm", fill="#444")
    d.rounded_rectangle((120, 12, w - 24, 44), 16, fill="white", outline="#dadce0")
    d.text((140, 28), "Search mail", font=F(18, latin=True), anchor="lm", fill="#999")
    d.text((24, 88), subject, font=F(26, bold=True, latin=True), anchor="lm", fill="#202124")
    y = 124
    for k, v in rows:
        d.text((24, y), k, font=F(18, latin=True), fill="#777")
        d.text((100, y), v, font=F(18, latin=True), fill="#202124")
        y += 28
    d.line((0, y + 8, w, y + 8), fill="#e0e0e0", width=2)
    return y + 24


def receipt(path: Path) -> None:
    """Shopify's order confirmation e-mail, as the customer received it."""
    w = 820
    img = Image.new("RGB", (w, 1600), "white")
    d = ImageDraw.Draw(img)
    y = mail_header(d, w, "Order #1047 confirmed", [
        ("From", "Northwind Outdoor Co. <orders@northwind.example>"),
        ("To", "jordan.miller@example.com"),
        ("Date", f"{date(2025, 9, 12):%a}, Sep 12, 2025, 8:41 PM EDT")])
    x0, x1 = 60, w - 60
    y += 20
    d.text((x0, y), "NORTHWIND", font=F(30, bold=True, latin=True), fill=NAVY)
    d.text((x0, y + 38), "OUTDOOR CO.", font=F(16, latin=True), fill=NAVY)
    d.text((x1, y + 10), "ORDER #1047", font=F(20, latin=True), anchor="ra", fill="#777")
    y += 96
    d.text((x0, y), "Thank you for your purchase!", font=F(30, bold=True, latin=True), fill="#222")
    y += 50
    for line in wrap("Hi Jordan, we're getting your order ready to be shipped. We will notify "
                     "you when it has been sent.", F(20, latin=True), x1 - x0):
        d.text((x0, y), line, font=F(20, latin=True), fill="#555")
        y += 30
    y += 20
    d.rounded_rectangle((x0, y, x0 + 220, y + 52), 6, fill=NAVY)
    d.text((x0 + 110, y + 26), "View your order", font=F(20, bold=True, latin=True), anchor="mm",
           fill="white")
    y += 90
    d.line((x0, y, x1, y), fill="#e5e5e5", width=2)
    d.text((x0, y + 20), "Order summary", font=F(24, bold=True, latin=True), fill="#222")
    y += 70
    pack = backpack(60)
    cover = Image.new("RGBA", (60, 84), (0, 0, 0, 0))
    ImageDraw.Draw(cover).rounded_rectangle((4, 4, 56, 80), 18, fill=(70, 80, 90))
    for thumb, name, qty, price in ((pack, "Trailhead 45L Backpack", "Slate × 1", "$159.00"),
                                    (cover, "Pack Rain Cover 40–50L", "Black × 1", "$14.50")):
        d.rounded_rectangle((x0, y, x0 + 80, y + 100), 8, outline="#e5e5e5", width=2)
        img.paste(thumb, (x0 + 10, y + 8), thumb)
        d.text((x0 + 100, y + 24), name, font=F(21, bold=True, latin=True), fill="#222")
        d.text((x0 + 100, y + 56), qty, font=F(19, latin=True), fill="#777")
        d.text((x1, y + 24), price, font=F(21, latin=True), anchor="ra", fill="#222")
        y += 120
    d.line((x0, y, x1, y), fill="#e5e5e5", width=2)
    y += 20
    for k, v in (("Subtotal", "$173.50"), ("Shipping (UPS Ground)", "$11.00"),
                 ("Taxes", "$0.00")):
        d.text((x0 + 300, y), k, font=F(20, latin=True), fill="#555")
        d.text((x1, y), v, font=F(20, latin=True), anchor="ra", fill="#222")
        y += 34
    d.line((x0 + 300, y + 4, x1, y + 4), fill="#e5e5e5", width=2)
    d.text((x0 + 300, y + 20), "Total", font=F(24, bold=True, latin=True), fill="#222")
    d.text((x1, y + 18), "$184.50 USD", font=F(26, bold=True, latin=True), anchor="ra",
           fill="#222")
    y += 80
    d.line((x0, y, x1, y), fill="#e5e5e5", width=2)
    d.text((x0, y + 20), "Customer information", font=F(24, bold=True, latin=True), fill="#222")
    y += 70
    address = ["Jordan Miller", "1847 Maple Ave, Apt 3", "Springfield IL 62704", "United States"]
    for col, title, lines in ((x0, "Shipping address", address), (x0 + 360, "Billing address",
                                                                   address)):
        d.text((col, y), title, font=F(20, bold=True, latin=True), fill="#333")
        for k, line in enumerate(lines):
            d.text((col, y + 34 + 28 * k), line, font=F(19, latin=True), fill="#555")
    y += 170
    for col, title, line in ((x0, "Shipping method", "UPS Ground (3–5 business days)"),
                             (x0 + 360, "Payment", "Visa ending in 4242 — $184.50")):
        d.text((col, y), title, font=F(20, bold=True, latin=True), fill="#333")
        d.text((col, y + 34), line, font=F(19, latin=True), fill="#555")
    y += 100
    d.line((x0, y, x1, y), fill="#e5e5e5", width=2)
    d.text((x0, y + 20), "Questions? Reply to this e-mail or write to support@northwind.example",
           font=F(17, latin=True), fill="#888")
    save_png(fit_height(img, y + 40), path)


def stripe_listing(path: Path) -> None:
    """The product page on the shop's site as sold (desktop browser)."""
    w, h = 1000, 1140
    img = Image.new("RGBA", (w, h), (255, 255, 255, 255))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, w, 44), fill="#dee1e6")  # the browser bar
    for k, c in enumerate(("#ff5f57", "#febc2e", "#28c840")):
        d.ellipse((16 + 24 * k, 15, 30 + 24 * k, 29), fill=c)
    d.rounded_rectangle((110, 8, w - 20, 36), 14, fill="white")
    d.text((130, 22), "northwind.example/products/trailhead-45l-backpack",
           font=F(17, latin=True), anchor="lm", fill="#333")
    d.rectangle((0, 44, w, 120), fill=NAVY)
    d.text((40, 82), "NORTHWIND OUTDOOR CO.", font=F(26, bold=True, latin=True), anchor="lm",
           fill="white")
    nx = 520
    for item in ("Packs", "Apparel", "Camp", "Sale"):
        d.text((nx, 82), item, font=F(19, latin=True), anchor="lm", fill="#dfe7f1")
        nx += F(19, latin=True).getlength(item) + 32
    d.text((w - 40, 82), "Cart (0)", font=F(19, latin=True), anchor="rm", fill="white")
    d.text((40, 146), "Home  /  Packs  /  Trailhead 45L Backpack", font=F(17, latin=True),
           fill="#888")
    d.rectangle((40, 190, 500, 690), fill=(238, 240, 242))
    bp = backpack(300)
    img.alpha_composite(bp, (120, 220))
    d = ImageDraw.Draw(img)
    for k in range(4):
        d.rectangle((40 + 118 * k, 706, 146 + 118 * k, 812), fill=(238, 240, 242),
                    outline=NAVY if k == 0 else "#ddd", width=3 if k == 0 else 1)
        small = backpack(60)
        img.alpha_composite(small, (40 + 118 * k + 23, 716))
    d = ImageDraw.Draw(img)
    x = 540
    title = wrap("Trailhead 45L Backpack", F(36, bold=True, latin=True), w - 40 - x)
    for k, line in enumerate(title):
        d.text((x, 190 + 46 * k), line, font=F(36, bold=True, latin=True), fill="#111")
    y = 190 + 46 * len(title) + 14
    d.text((x, y), "★★★★☆", font=F(22, latin=True), fill="#e6a100")
    d.text((x + 120, y + 2), "4.6 · 128 reviews", font=F(18, latin=True), fill="#666")
    d.text((x, y + 44), "$159.00", font=F(32, bold=True, latin=True), fill="#111")
    y += 106
    d.text((x, y), "Colour: Slate", font=F(20, latin=True), fill="#333")
    for k, c in enumerate(((92, 104, 114), (60, 90, 60), (150, 60, 40))):
        cx = x + 22 + 54 * k
        d.ellipse((cx - 20, y + 36, cx + 20, y + 76), fill=c, outline=NAVY if k == 0 else "#ccc",
                  width=3)
    y += 100
    d.text((x, y), "Quantity", font=F(18, latin=True), fill="#666")
    d.rounded_rectangle((x, y + 28, x + 130, y + 74), 6, outline="#bbb", width=2)
    d.text((x + 65, y + 51), "–   1   +", font=F(20, latin=True), anchor="mm", fill="#333")
    y += 96
    d.rounded_rectangle((x, y, w - 40, y + 58), 8, fill=NAVY)
    d.text(((x + w - 40) / 2, y + 29), "Add to cart", font=F(22, bold=True, latin=True),
           anchor="mm", fill="white")
    y += 80
    d.rounded_rectangle((x, y, w - 40, y + 160), 8, fill="#f4f7fa", outline="#d5dde6")
    d.text((x + 20, y + 16), "Shipping & returns", font=F(19, bold=True, latin=True), fill="#222")
    for k, line in enumerate(("• Ships in 1–2 business days",
                              "• UPS Ground to the shipping address;",
                              "   signature not required (left at the door)",
                              "• Free returns within 30 days")):
        d.text((x + 20, y + 50 + 26 * k), line, font=F(17, latin=True), fill="#444")
    d.line((40, 850, w - 40, 850), fill="#e5e5e5", width=2)
    d.text((40, 876), "Description", font=F(24, bold=True, latin=True), fill="#222")
    desc = ("A 45-litre trekking pack for weekend trips: padded hip belt, adjustable back "
            "system, front stretch pocket and side compression straps. Recycled 420D nylon "
            "with a water-repellent finish; rain cover sold separately. Weight 1.4 kg.")
    for k, line in enumerate(wrap(desc, F(19, latin=True), w - 80)):
        d.text((40, 920 + 30 * k), line, font=F(19, latin=True), fill="#444")
    d.rectangle((0, h - 100, w, h), fill="#f2f4f7")
    d.text((40, h - 50), "© 2025 Northwind Outdoor Co. · Columbus, Ohio · support@northwind.example",
           font=F(16, latin=True), fill="#888")
    save_png(img, path)


def email_thread(path: Path) -> None:
    """The support ticket: the customer's e-mails and our replies, newest last."""
    w = 1000
    img = Image.new("RGB", (w, 2400), "#f6f7f9")
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, w, 60), fill=NAVY)
    d.text((24, 30), "Northwind Support · Help desk", font=F(22, bold=True, latin=True),
           anchor="lm", fill="white")
    d.text((w - 24, 30), "Sam Patel", font=F(18, latin=True), anchor="rm", fill="#dfe7f1")
    d.text((32, 92), "Order #1047: tracking says delivered, but nothing arrived",
           font=F(26, bold=True, latin=True), fill="#111")
    d.text((32, 132), "Ticket #5521 · Requester Jordan Miller <jordan.miller@example.com> · "
           "Status: Pending (UPS claim)", font=F(17, latin=True), fill="#666")
    y = 176
    wed, thu = f"{date(2025, 9, 17):%a}", f"{date(2025, 9, 18):%a}"
    messages = [
        ("Jordan Miller", "jordan.miller@example.com", f"{wed}, Sep 17, 2025, 9:03 AM",
         "Hi, the tracking for order #1047 says it was delivered yesterday, but I never got the "
         "backpack. There is nothing at the door and the neighbours have not seen it. Can you "
         "help?", None),
        ("Sam Patel (Northwind Support)", "support@northwind.example",
         f"{wed}, Sep 17, 2025, 11:26 AM",
         "Hi Jordan, sorry to hear that! UPS shows the parcel delivered to the front door at "
         "1847 Maple Ave on Sep 16 at 2:22 PM, with a delivery photo (attached). Could you check "
         "with neighbours or building staff? If it has not turned up by tomorrow, we will open a "
         "claim with UPS.", "UPS_delivery_1Z999AA10123456784.jpg"),
        ("Jordan Miller", "jordan.miller@example.com", f"{thu}, Sep 18, 2025, 4:10 PM",
         "Found nothing. I will ask my bank for a refund.", None),
        ("Sam Patel (Northwind Support)", "support@northwind.example",
         f"{thu}, Sep 18, 2025, 4:38 PM",
         "Thanks for letting us know. We have filed a claim with UPS (claim 7791-2044) and "
         "attached their delivery photo. Please reply if the parcel turns up.", None),
    ]
    body = F(20, latin=True)
    for name, addr, when, text, attachment in messages:
        ours = addr.startswith("support")
        lines = wrap(text, body, w - 180)
        ch = 96 + 31 * len(lines) + (64 if attachment else 0)
        d.rounded_rectangle((24, y, w - 24, y + ch), 10, fill="#eef5ff" if ours else "white",
                            outline="#c9dcf5" if ours else "#e1e4e8", width=2)
        d.ellipse((44, y + 20, 96, y + 72), fill="#2f6db5" if ours else "#d9822b")
        initials = "SP" if ours else "JM"
        d.text((70, y + 46), initials, font=F(20, bold=True, latin=True), anchor="mm", fill="white")
        d.text((116, y + 22), name, font=F(20, bold=True, latin=True), fill="#222")
        d.text((w - 48, y + 24), when, font=F(17, latin=True), anchor="ra", fill="#777")
        d.text((116, y + 52), f"<{addr}>  to " + ("Jordan Miller <jordan.miller@example.com>"
               if ours else "Northwind Support <support@northwind.example>"),
               font=F(16, latin=True), fill="#888")
        for k, line in enumerate(lines):
            d.text((116, y + 86 + 31 * k), line, font=body, fill="#222")
        if attachment:
            ay = y + 86 + 31 * len(lines) + 10
            d.rounded_rectangle((116, ay, 116 + 440, ay + 44), 6, fill="white", outline="#c9d1da")
            d.rectangle((126, ay + 8, 154, ay + 36), fill="#b98a55")
            d.text((166, ay + 22), attachment + "  · 212 KB", font=F(16, latin=True), anchor="lm",
                   fill="#333")
        y += ch + 20
    d.rounded_rectangle((24, y, w - 24, y + 90), 10, fill="white", outline="#e1e4e8", width=2)
    d.text((44, y + 45), "Reply to Jordan Miller…", font=F(19, latin=True), anchor="lm",
           fill="#aaa")
    save_png(fit_height(img, y + 90, 24), path)


def stripe() -> None:
    root = HERE / "stripe-not-received"
    receipt(root / "receipt/receipt.png")
    stripe_listing(root / "product/listing.png")
    pod = camera_finish(parcel_scene("ups", 11), 12, grain=5, light=(0.5, 0.6), vignette=0.35)
    # UPS drivers' photos carry the local time: Springfield, IL is on Central time (CDT).
    save_jpeg(pod, root / "shipping/pod.jpg", "2025:09:16 14:22:00", "-05:00",
              make="Zebra Technologies", model="TC57")
    email_thread(root / "chat/email-1.png")
    write_csv(root / "orders/orders.csv", [
        ("Name", "Email", "Financial Status", "Paid at", "Total", "Currency", "Shipping Address"),
        ("#1043", "a.chen@example.com", "paid", "2025-09-10 10:02:11 -0400", "89.00", "USD", "Austin, TX"),
        ("#1045", "p.okafor@example.com", "refunded", "2025-09-11 16:40:09 -0400", "14.50", "USD", "Denver, CO"),
        ("#1047", "jordan.miller@example.com", "paid", "2025-09-12 20:41:37 -0400", "184.50", "USD", "Springfield, IL"),
        ("#1048", "s.ito@example.com", "paid", "2025-09-13 08:15:52 -0400", "159.00", "USD", "Portland, OR"),
        ("#1050", "m.rossi@example.com", "paid", "2025-09-14 12:30:00 -0400", "173.50", "USD", "Boston, MA"),
    ])



# ------------------------------------------------------------------ taobao: fake-order appeal

SHOP = "宁波某某箱包旗舰店"
# The five orders the platform flagged as 虚假交易: (order id, buyer, consignee, address, phone,
# placed, paid, amount, waybill, shipped). The last one is the order with real gaps.
FLAGGED = [
    ("2719384650172839461", "小林爱逛街", "林晓", "浙江省杭州市西湖区 文三路 90 号", "13957112233",
     "2025-10-02 10:21:37", "2025-10-02 10:22:05", "189.00", "SF1472583690124", "2025-10-02 17:40:00"),
    ("2719512837460192837", "tb_20931477", "周明", "江苏省南京市鼓楼区 中山路 18 号", "13851904477",
     "2025-10-03 21:05:12", "2025-10-03 21:05:40", "378.00", "SF1472583690231", "2025-10-04 16:55:00"),
    ("2719640018273645512", "summer_晴天", "陈思雨", "广东省深圳市南山区 科技南十二路 8 号",
     "13723456789", "2025-10-05 13:48:02", "2025-10-05 13:49:30", "189.00", "SF1472583690348",
     "2025-10-05 18:10:00"),
    ("2719777364501928374", "江南一叶", "叶青", "四川省成都市武侯区 天府大道北段 1700 号",
     "18980012345", "2025-10-06 09:15:44", "2025-10-06 09:16:20", "219.00", "SF1472583690455",
     "2025-10-06 17:25:00"),
    ("2719893027164583920", "tb_55106823", "王磊", "上海市徐汇区 漕溪北路 88 号", "13601987654",
     "2025-10-07 20:31:19", "2025-10-07 20:33:02", "189.00", "SF1472583690562", "2025-10-08 17:05:00"),
]
FLAGGED_CITY = {  # the route each parcel took: origin scan, hub, destination hub, last branch
    "杭州": ("杭州西湖集散中心", "杭州市西湖区 文三路营业点"),
    "南京": ("南京江宁集散中心", "南京市鼓楼区 中山路营业点"),
    "深圳": ("深圳华南集散中心", "深圳市南山区 科技园营业点"),
    "成都": ("成都双流集散中心", "成都市武侯区 天府大道营业点"),
}
ITEMS = {"189.00": "城市通勤双肩包 15.6 寸电脑包 石板灰", "219.00": "户外登山双肩包 30L 石板灰",
         "378.00": "城市通勤双肩包 15.6 寸电脑包 石板灰 ×2"}


def _t(text: str, minutes: int) -> str:
    """A 'YYYY-MM-DD HH:MM:SS' time moved by whole minutes."""
    from datetime import timedelta
    when = datetime.strptime(text, "%Y-%m-%d %H:%M:%S") + timedelta(minutes=minutes)
    return when.strftime("%Y-%m-%d %H:%M:%S")


def fake_orders_flagged(path: Path) -> None:
    """The platform's list of orders judged 虚假交易 (卖家中心 → 违规处理 → 下载), UTF-8 with BOM."""
    rows = [("订单编号", "违规类型", "判定时间", "处理措施", "申诉截止时间")]
    for k, o in enumerate(FLAGGED):
        rows.append((o[0], "虚假交易（疑似刷单）", f"2025-10-18 0{8 + k % 2}:30:00",
                     "删除销量、扣 12 分" if k == 0 else "删除销量", "2025-10-25 23:59:59"))
    write_csv(path, rows, encoding="utf-8-sig")


def fake_orders_export(path: Path, others: int = 60, seed: int = 41) -> list[tuple[str, ...]]:
    """The 千牛 order export (ExportOrderList<stamp>.csv): GBK, ="…" guards on long numbers,
    newest first, the flagged orders among many others. Returns the rows written."""
    rnd = random.Random(seed)
    nicks = ["tb_73812949", "阿杰0521", "大鹏同学", "tb_38870211", "木子李li", "tb_91844502",
             "春眠不觉晓", "tb_66120935", "一只小熊猫", "tb_44029871", "Lucy_0908", "tb_80013256"]
    cities = ["浙江省宁波市鄞州区 天童南路 588 号", "湖北省武汉市洪山区 珞喻路 129 号",
              "福建省厦门市思明区 莲前西路 2 号", "山东省青岛市市南区 香港中路 76 号",
              "陕西省西安市雁塔区 科技路 48 号", "北京市朝阳区 望京街 10 号",
              "天津市南开区 卫津路 94 号", "重庆市渝北区 金开大道 68 号"]
    names = ["张伟", "李娜", "刘洋", "赵敏", "孙杰", "吴霞", "郑浩", "冯婷"]
    header = ("订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "总金额",
              "买家实际支付金额", "订单状态", "买家留言", "收货人姓名", "收货地址 ", "运送方式",
              "联系手机 ", "订单创建时间", "订单付款时间 ", "宝贝标题 ", "宝贝总数量", "物流单号 ",
              "物流公司", "订单备注", "店铺名称")
    rows: list[tuple[str, ...]] = []
    start = datetime(2025, 9, 20, 8, 0)
    for i in range(others):
        from datetime import timedelta
        placed = start + timedelta(minutes=rnd.randrange(0, 28 * 24 * 60))
        paid = placed + timedelta(seconds=rnd.randrange(15, 600))
        price = rnd.choice(("189.00", "189.00", "219.00", "378.00"))
        status = rnd.choice(("交易成功", "交易成功", "卖家已发货", "交易关闭"))
        closed = status == "交易关闭"
        k = rnd.randrange(len(cities))
        waybill = "" if closed else f"No:SF14725{rnd.randrange(10**7, 10**8)}"
        rows.append((
            f'="{rnd.randrange(2_700_000_000_000_000_000, 2_720_000_000_000_000_000)}"',
            rnd.choice(nicks), f"{rnd.randrange(130, 190)}******{rnd.randrange(10, 99)}",
            price, "0.00", price, "0.00" if closed else price, status, "", names[k], cities[k],
            "快递", f"'1{rnd.choice('35789')}{rnd.randrange(10**8, 10**9)}",
            placed.strftime("%Y-%m-%d %H:%M:%S"), "" if closed else paid.strftime("%Y-%m-%d %H:%M:%S"),
            ITEMS[price], "2" if price == "378.00" else "1", waybill, "" if closed else "顺丰速运",
            "", SHOP))
    for oid, nick, consignee, address, phone, placed, paid, amount, waybill, _ in FLAGGED:
        rows.append((f'="{oid}"', nick, f"{phone[:3]}******{phone[-2:]}", amount, "0.00", amount,
                     amount, "交易成功", "", consignee, address, "快递", f"'{phone}", placed, paid,
                     ITEMS[amount], "2" if amount == "378.00" else "1", f"No:{waybill}", "顺丰速运",
                     "", SHOP))
    rows.sort(key=lambda r: r[13], reverse=True)
    write_csv(path, [header, *rows], encoding="gbk")
    return rows


def fake_orders_alipay(path: Path, order_rows: list[tuple[str, ...]], seed: int = 43) -> None:
    """The shop's Alipay statement (交易记录明细查询) as downloaded: GBK, `#` account lines above
    the header, every cell padded with spaces and a tab, summary `#` lines and the export time
    below. One row per paid order, plus withdrawals and fees."""
    rnd = random.Random(seed)
    header = ["交易号", "商家订单号", "交易创建时间", "付款时间", "最近修改时间", "交易来源地",
              "类型", "交易对方", "商品名称", "金额（元）", "收/支", "交易状态", "服务费（元）",
              "成功退款（元）", "备注", "资金状态"]
    rows = []
    for r in order_rows:
        if not r[14]:
            continue  # closed before payment: nothing in the statement
        oid = r[0][2:-1]
        day = r[14][:10].replace("-", "")
        rows.append([f"{day}22001{rnd.randrange(10**17, 10**18)}", oid, r[13], r[14],
                     _t(r[14], rnd.randrange(3 * 24 * 60, 9 * 24 * 60)), "淘宝", "即时到账交易",
                     r[9][0] + "*" * (len(r[9]) - 1), r[15], r[6], "收入",
                     "交易成功" if r[7] == "交易成功" else "等待确认收货", "0.00", "0.00", "", "已入账"])
    for k in range(3):
        when = f"2025-10-{6 + 5 * k:02d} 10:0{k}:00"
        rows.append([f"2025100{k}3001{rnd.randrange(10**17, 10**18)}", "", when, when, when, "其他",
                     "提现", SHOP, "余额提现", f"{rnd.randrange(2000, 6000)}.00", "支出", "提现成功",
                     "0.00", "0.00", "", "已支出"])
    rows.sort(key=lambda r: r[2], reverse=True)
    income = [r for r in rows if r[10] == "收入"]
    spent = [r for r in rows if r[10] == "支出"]

    def line(cells: list[str]) -> str:
        return ",".join(f"{c:<20}\t" if c else "\t" for c in cells) + ","

    out = ["#支付宝交易记录明细查询", "#账号:[2088912345670573]",
           "#起始日期:[2025-09-20 00:00:00]    终止日期:[2025-10-20 00:00:00]",
           "#-----------------------------------------交易记录明细列表------------------------------------",
           line(header), *(line(r) for r in rows),
           "#-------------------------------------------------------------------------------------------",
           f"#共{len(rows)}笔记录",
           f"#已收入:{len(income)}笔,{sum(float(r[9]) for r in income):.2f}元",
           "#待收入:0笔,0.00元",
           f"#已支出:{len(spent)}笔,{sum(float(r[9]) for r in spent):.2f}元",
           "#待支出:0笔,0.00元",
           "#导出时间:[2025-10-20 10:35:12]"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(out) + "\r\n").encode("gbk"))


def fake_orders_traces(root: Path) -> None:
    """The waybill list (ERP 发货记录) and one SF trace export per waybill (运单号,时间,地点,物流信息).
    The last order's trace starts at a hub (no pickup scan) and ends signed for in 苏州."""
    rows = [("订单编号", "运单号", "快递公司", "发货时间", "收件人", "收件城市")]
    for oid, _, consignee, address, _, _, _, _, waybill, shipped in FLAGGED:
        rows.append((oid, waybill, "顺丰速运", shipped, consignee, address.split(" ")[0]))
    write_csv(root / "shipping/waybills.csv", rows)
    head = ("运单号", "时间", "地点", "物流信息")
    for k, (_, _, consignee, address, _, _, _, _, waybill, shipped) in enumerate(FLAGGED):
        city = address.split(" ")[0]
        short = next((c for c in FLAGGED_CITY if c in city), "")
        scans = []
        if short:
            hub, branch = FLAGGED_CITY[short]
            scans = [
                (0, "浙江省宁波市鄞州区", "顺丰速运 已收取快件（已揽收），揽收网点：宁波鄞州仓储营业点"),
                (140, "宁波鄞州集散中心", "快件到达 【宁波鄞州集散中心】"),
                (230, "宁波鄞州集散中心", f"快件已发车，下一站 【{hub}】"),
                (760 if short != "杭州" else 420, hub, f"快件到达 【{hub}】"),
                (900 if short != "杭州" else 540, hub, f"快件已发车，下一站 【{branch.split(' ')[1]}】"),
                (1020 if short != "杭州" else 660, branch, f"快件交给 {'赵李周吴'[k]}师傅，正在派送途中（联系电话：95338）"),
                (1180 if short != "杭州" else 800, branch,
                 f"快件已签收，签收人：{'本人' if k % 2 == 0 else consignee[0] + '*'}，如有疑问请电联快递员"),
            ]
        else:  # the gap order: handed over in a bulk batch, first scanned at a hub, signed in 苏州
            scans = [
                (300, "宁波鄞州集散中心", "快件到达 【宁波鄞州集散中心】"),
                (390, "宁波鄞州集散中心", "快件已发车，下一站 【苏州工业园集散中心】"),
                (760, "苏州工业园集散中心", "快件到达 【苏州工业园集散中心】"),
                (880, "江苏省苏州市工业园区 星湖街营业点", "快件交给 钱师傅，正在派送途中（联系电话：95338）"),
                (1010, "江苏省苏州市工业园区", "快件已签收，签收人：丰巢智能柜，如有疑问请电联快递员"),
            ]
        base = shipped + ":00" if len(shipped) == 16 else shipped
        write_csv(root / f"shipping/traces/{waybill}.csv",
                  [head, *((waybill, _t(base, m), where, text) for m, where, text in scans)])


def fake_orders_chats(root: Path) -> None:
    """千牛 chat exports, one text file per buyer (header line, then the message); the gap order's
    buyer never wrote to the shop, so there is no file for tb_55106823."""
    seller = "宁波箱包客服小丁"
    talks = {
        "小林爱逛街": [(-30, "buyer", "这款通勤包能放下15.6寸的笔记本吗？"),
                      (-29, "seller", "亲，可以的哦，电脑仓尺寸 40×28cm，15.6 寸笔记本放得下"),
                      (-26, "buyer", "好的，那我拍了，今天能发货吗"),
                      (2, "seller", "亲，看到您已付款，今天下午五点前顺丰发出哦")],
        "tb_20931477": [(-55, "buyer", "两个一起买有优惠吗？给公司同事带一个"),
                        (-52, "seller", "亲，两件直接包邮，另外送两个防尘袋"),
                        (1, "buyer", "已付款，麻烦明天发顺丰"),
                        (1200, "seller", "亲，两个包已经打包好，发货前拍了照片，顺丰单号 SF1472583690231")],
        "summer_晴天": [(-12, "buyer", "石板灰是偏蓝还是偏绿？"),
                       (-11, "seller", "亲，偏冷灰色，自然光下略带一点蓝"),
                       (-8, "buyer", "好的，周末要出差，能今天发吗"),
                       (3, "seller", "可以的亲，今天顺丰发出，深圳一般次日到")],
        "江南一叶": [(-90, "buyer", "30L 的登山包防水吗？下周去四姑娘山"),
                    (-88, "seller", "亲，面料是防泼水的，另外附赠防雨罩，大雨建议套上"),
                    (2, "buyer", "付好了"),
                    (5, "seller", "收到亲，今天发出，祝您登山顺利"),
                    (2700, "buyer", "收到了，质量不错，防雨罩也在")],
    }
    for oid, nick, _, _, _, placed, _, _, _, _ in FLAGGED:
        if nick not in talks:
            continue
        lines = []
        for minutes, who, text in talks[nick]:
            lines.append(f"{_t(placed, minutes)} {nick if who == 'buyer' else seller}\n{text}\n")
        (root / "chat").mkdir(parents=True, exist_ok=True)
        (root / "chat" / f"{nick}.txt").write_text("".join(lines), encoding="utf-8")


def packing_slip(oid: str, when: str, amount: str) -> Image.Image:
    """The handwritten-style card merchants put beside the goods for the pre-shipment photo."""
    card = Image.new("RGBA", (420, 170), (252, 250, 240, 255))
    d = ImageDraw.Draw(card)
    d.text((18, 14), "发货前核对", font=F(26, bold=True), fill=(30, 30, 90))
    d.text((18, 56), f"订单 {oid}", font=F(22), fill=(30, 30, 90))
    d.text((18, 90), f"{when}  ¥{amount}", font=F(22, latin=True), fill=(30, 30, 90))
    d.text((18, 124), "已验货：拉链、肩带、配件齐全", font=F(20), fill=(30, 30, 90))
    return card.rotate(-3, resample=Image.Resampling.BICUBIC, expand=True)


def waybill_label(waybill: str, consignee: str, address: str) -> Image.Image:
    """A small SF waybill with this order's number, the consignee masked as SF prints it."""
    w, h = 520, 300
    img = Image.new("RGBA", (w, h), (250, 250, 246, 255))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, w, 54), fill=(20, 20, 20))
    d.text((16, 27), "顺丰速运", font=F(30, bold=True), anchor="lm", fill="white")
    d.text((w - 16, 27), "顺丰标快", font=F(24, bold=True), anchor="rm", fill="white")
    img.paste(barcode(330, 60, int(waybill[-4:])), (16, 66))
    d.text((16, 136), f"运单号 {waybill}", font=F(22, bold=True), fill="black")
    d.line((0, 172, w, 172), fill="black", width=2)
    d.text((16, 182), f"收 {consignee[0]}**", font=F(24, bold=True), fill="black")
    d.text((16, 220), address, font=F(18), fill="black")
    d.text((16, 262), f"寄 {SHOP}", font=F(18), fill=(60, 60, 60))
    return img


def fake_orders_photos(root: Path) -> None:
    """Two pre-shipment photos per order: the goods with the check card, then the sealed parcel
    with its waybill; EXIF times shortly before the SF pickup."""
    for k, (oid, _, consignee, address, _, _, _, amount, waybill, shipped) in enumerate(FLAGGED):
        base = shipped + ":00" if len(shipped) == 16 else shipped
        for n, minutes in ((1, -95), (2, -70)):
            when = _t(base, minutes)
            w, h = 1200, 900
            img = Image.new("RGBA", (w, h), (200, 192, 178, 255))
            d = ImageDraw.Draw(img)
            rnd = random.Random(100 + 10 * k + n)
            for _ in range(40):  # the wooden packing table
                y = rnd.randrange(h)
                tone = 186 + rnd.randrange(-10, 11)
                d.line((0, y, w, y + rnd.randrange(-4, 5)), fill=(tone, tone - 10, tone - 26), width=3)
            if n == 1:
                for j in range(2 if amount == "378.00" else 1):
                    img.alpha_composite(backpack(360 if amount != "219.00" else 400),
                                        (150 + j * 330, 90))
                img.alpha_composite(packing_slip(oid, when[:16], amount), (700, 620))
            else:
                d.rectangle((200, 150, 1000, 760), fill=(196, 156, 100))
                d.rectangle((560, 150, 640, 760), fill=(216, 186, 136))  # tape
                img.alpha_composite(waybill_label(waybill, consignee, address), (340, 300))
            out = camera_finish(img.convert("RGB"), 200 + 10 * k + n, grain=4, light=(0.5, 0.3),
                                vignette=0.3)
            save_jpeg(out, root / f"photos/{oid}/{n}.jpg", when.replace("-", ":"), "+08:00",
                      model="iPhone 14")


def invoice_pdf(path: Path) -> None:
    """The supplier's invoice for the backpacks (进货发票), as a one-page image PDF (Pillow's PDF
    writer; fixed dates so the file is reproducible)."""
    w, h = 1654, 1100  # A5 landscape-ish at 200 dpi
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    brown = (150, 80, 40)
    d.text((w // 2, 60), "浙江增值税电子普通发票", font=F(52, bold=True), anchor="mm", fill=brown)
    d.line((w // 2 - 300, 100, w // 2 + 300, 100), fill=brown, width=3)
    d.text((1150, 140), "发票代码：033002300111", font=F(24), fill="black")
    d.text((1150, 176), "发票号码：28471035", font=F(24), fill="black")
    d.text((1150, 212), "开票日期：2025年09月12日", font=F(24), fill="black")
    d.rectangle((60, 260, w - 60, h - 140), outline=brown, width=3)
    d.text((80, 280), f"购买方  名称：{SHOP}（宁波某某贸易有限公司）", font=F(26), fill="black")
    d.text((80, 320), "纳税人识别号：91330212MA2XXXXX7Q", font=F(26), fill="black")
    d.line((60, 370, w - 60, 370), fill=brown, width=2)
    cols = [(80, "货物或应税劳务名称"), (620, "规格型号"), (860, "单位"), (960, "数量"),
            (1110, "单价"), (1290, "金额"), (1470, "税额")]
    for x, text in cols:
        d.text((x, 390), text, font=F(24), fill=brown)
    items = [("*箱包*城市通勤双肩包", "TB-1560 石板灰", "个", "300", "62.00", "18600.00", "186.00"),
             ("*箱包*户外登山双肩包", "HK-30L 石板灰", "个", "120", "78.00", "9360.00", "93.60"),
             ("*箱包*防雨罩", "RC-30", "个", "200", "6.50", "1300.00", "13.00")]
    for r, item in enumerate(items):
        for (x, _), text in zip(cols, item):
            d.text((x, 440 + 44 * r), text, font=F(24), fill="black")
    d.line((60, 800, w - 60, 800), fill=brown, width=2)
    d.text((80, 820), "价税合计（大写）：贰万玖仟伍佰伍拾贰元陆角整    （小写）¥29552.60",
           font=F(26), fill="black")
    d.line((60, 870, w - 60, 870), fill=brown, width=2)
    d.text((80, 890), "销售方  名称：泉州某某箱包制造有限公司", font=F(26), fill="black")
    d.text((80, 930), "纳税人识别号：91350582MA3YYYYY2K", font=F(26), fill="black")
    d.ellipse((1280, 860, 1500, 1000), outline=(210, 40, 40), width=6)  # the invoice seal
    d.text((1390, 930), "发票专用章", font=F(26, bold=True), anchor="mm", fill=(210, 40, 40))
    d.text((80, h - 100), "收款人：陈某  复核：李某  开票人：王某", font=F(24), fill="black")
    path.parent.mkdir(parents=True, exist_ok=True)
    fixed = time.strptime("2025-09-12 15:30:00", "%Y-%m-%d %H:%M:%S")  # Pillow wants struct_time
    img.save(path, "PDF", resolution=200.0, title="增值税电子普通发票 28471035",
             author="泉州某某箱包制造有限公司", creationDate=fixed, modDate=fixed)


def taobao_fake_orders() -> None:
    root = HERE / "taobao-fake-orders"
    fake_orders_flagged(root / "flagged.csv")
    rows = fake_orders_export(root / "orders/ExportOrderList202510201030.csv")
    fake_orders_alipay(root / "payments/alipay_record_20251020_1035.csv", rows)
    fake_orders_traces(root)
    fake_orders_chats(root)
    fake_orders_photos(root)
    invoice_pdf(root / "docs/进货发票.pdf")


if __name__ == "__main__":
    taobao()
    stripe()
    taobao_fake_orders()
