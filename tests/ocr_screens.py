"""Generated phone chat screenshots with known text (Chinese, English, phone numbers, order
ids, waybills, amounts) for the OCR tests and benchmark: what is drawn is what must be read."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
_SC = 2  # the Simplified Chinese face in the collection

_CHAT = (
    "亲，您好，请问有什么可以帮您？",
    "我买的衣服颜色和图片不一样",
    "详情页写了可能存在轻微色差哦",
    "Hello, the parcel arrived yesterday.",
    "好的，我们马上为您核实物流信息",
    "Please check the tracking number.",
    "收到货了，但是尺码偏小",
    "可以申请七天无理由退换货",
)


@dataclass
class Screen:
    """One generated screenshot and the strings drawn on it."""

    path: Path
    phones: list[str] = field(default_factory=list)
    orders: list[str] = field(default_factory=list)
    waybills: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    # where each secret (phone, term) is drawn: x0, y0, x1, y1 in the image's pixels
    boxes: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    tops: list[int] = field(default_factory=list)  # y where each line's text is drawn


def phone(rnd: random.Random) -> str:
    """A mainland mobile number (11 digits, 1[3-9]…)."""
    return f"1{rnd.choice('3456789')}{rnd.randrange(10**9):09d}"


def chat_screenshot(
    path: Path,
    seed: int,
    *,
    orders: tuple[str, ...] = (),
    waybills: tuple[str, ...] = (),
    phones: int = 2,
    terms: tuple[str, ...] = (),
    filler: int = 99,
    spacing: float = 1.0,
    size: tuple[int, int] = (1080, 2400),
    font_px: int = 40,
) -> Screen:
    """A WeChat/Wangwang-like chat: status bar, title, alternating bubbles; the given order
    ids and waybills and `phones` random phone numbers appear in the bubbles, then at most
    `filler` lines of chat; `spacing` stretches the gaps between bubbles."""
    rnd = random.Random(seed)
    w, h = size
    font = ImageFont.truetype(FONT, font_px, index=_SC)
    small = ImageFont.truetype(FONT, round(font_px * 0.7), index=_SC)
    img = Image.new("RGB", size, "#ededed")
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, w, round(font_px * 2.6)), fill="#f7f7f7")
    d.text((40, 20), f"{rnd.randrange(8, 23)}:{rnd.randrange(60):02d}", font=small, fill="black")
    d.text((w // 2 - 80, round(font_px * 1.2)), "tb_buyer_8861", font=small, fill="black")
    screen = Screen(path)
    texts: list[str] = []
    for o in orders:
        texts.append(f"订单号：{o}")
        screen.orders.append(o)
    for wb in waybills:
        texts.append(f"运单号 {wb}")
        screen.waybills.append(wb)
    for _ in range(phones):
        p = phone(rnd)
        texts.append(rnd.choice((f"我的电话 {p}", f"联系电话：{p}", f"Call me at {p}")))
        screen.phones.append(p)
    for term in terms:
        texts.append(f"收件人 {term}")
    texts.append(f"实付金额 ¥{rnd.randrange(50, 999)}.00")
    pool = list(_CHAT)
    rnd.shuffle(pool)
    y = round(font_px * 3.5)
    line_h = round(font_px * 1.6)
    k = 0
    while y + line_h * 2 < h and k < len(texts) + filler:
        text = texts[k] if k < len(texts) else pool[k % len(pool)]
        tw = d.textlength(text, font=font)
        left = k % 2 == 0
        x = 150 if left else max(40, w - 150 - int(tw) - 40)
        d.rounded_rectangle(
            (x - 24, y - 14, x + tw + 24, y + font_px + 22),
            radius=10,
            fill="white" if left else "#95ec69",
        )
        d.text((x, y), text, font=font, fill="#111111")
        for secret in (*screen.phones, *terms):
            if secret in text:
                before = d.textlength(text[: text.index(secret)], font=font)
                x0, y0, x1, y1 = d.textbbox((x + before, y), secret, font=font)
                screen.boxes[secret] = (round(x0), round(y0), round(x1), round(y1))
        screen.lines.append(text)
        screen.tops.append(y)
        y += round((line_h + round(font_px * 0.9)) * spacing)
        k += 1
    missing = len(texts) - min(k, len(texts))
    if missing:
        msg = f"screenshot {size} too small for {len(texts)} planted lines"
        raise ValueError(msg)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)
    return screen


def chat_with_times(
    path: Path,
    items: list[tuple[str, str]],
    *,
    size: tuple[int, int] = (720, 1280),
    font_px: int = 28,
) -> None:
    """A chat screen laid out like a phone's: status bar and title (the other side's name),
    then `items` top down: ("time", stamp) centred in grey, ("left", text) the other side's
    bubble, ("right", text) the shop's; a text with a newline is a two-line bubble."""
    w, h = size
    font = ImageFont.truetype(FONT, font_px, index=_SC)
    small = ImageFont.truetype(FONT, round(font_px * 0.7), index=_SC)
    img = Image.new("RGB", size, "#ededed")
    d = ImageDraw.Draw(img)
    header = round(h * 0.08)
    d.rectangle((0, 0, w, header), fill="#f7f7f7")
    d.text((30, 12), "9:41", font=small, fill="black")
    d.text((w // 2 - 90, header // 2 + 4), "tb_buyer_8861", font=small, fill="black")
    y = header + font_px
    for side, text in items:
        if side == "time":
            tw = d.textlength(text, font=small)
            d.text(((w - tw) / 2, y), text, font=small, fill="#888888")
            y += round(font_px * 1.8)
            continue
        rows = text.split("\n")
        tw = max(d.textlength(r, font=font) for r in rows)
        x = round(w * 0.14) if side == "left" else round(w * 0.86 - tw)
        bottom = y + len(rows) * round(font_px * 1.35) + 8
        d.rounded_rectangle(
            (x - 20, y - 12, x + tw + 20, bottom),
            radius=8,
            fill="white" if side == "left" else "#95ec69",
        )
        for k, row in enumerate(rows):
            d.text((x, y + k * round(font_px * 1.35)), row, font=font, fill="#111111")
        y = bottom + round(font_px * 1.3)
    if y > h:
        msg = f"screenshot {size} too small for {len(items)} items"
        raise ValueError(msg)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)
