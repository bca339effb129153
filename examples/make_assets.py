"""Generate the example cases' images and exports (deterministic; run from the repo root).

    .venv/bin/python examples/make_assets.py

The assets are committed; this script documents how they were made and remakes them.
"""

from __future__ import annotations

import csv
import io
import random
import subprocess
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent


def font_path(pattern: str) -> str:
    return subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True,
                          check=True).stdout


CJK = font_path("Noto Sans CJK SC")
CJK_BOLD = font_path("Noto Sans CJK SC:bold")
LATIN = font_path("DejaVu Sans")


def font(size: int, bold: bool = False, cjk: bool = True) -> ImageFont.FreeTypeFont:
    path = (CJK_BOLD if bold else CJK) if cjk else LATIN
    index = 2 if path.endswith(".ttc") else 0  # SC face of the collection
    return ImageFont.truetype(path, size, index=index)


def wrap(draw: ImageDraw.ImageDraw, text: str, fnt: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines, line = [], ""
    if text.isascii():  # English wraps between words
        for word in text.split(" "):
            trial = f"{line} {word}".strip()
            if line and draw.textlength(trial, font=fnt) > width:
                lines.append(line)
                line = word
            else:
                line = trial
        return [*lines, line] if line else lines
    for ch in text:
        if ch == "\n" or draw.textlength(line + ch, font=fnt) > width:
            lines.append(line)
            line = "" if ch == "\n" else ch
        else:
            line += ch
    if line:
        lines.append(line)
    return lines


def save_png(img: Image.Image, path: Path, text: dict[str, str] | None = None) -> None:
    from PIL import PngImagePlugin

    path.parent.mkdir(parents=True, exist_ok=True)
    info = PngImagePlugin.PngInfo()
    for k, v in (text or {}).items():
        info.add_text(k, v)
    img.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(
        path, optimize=True, pnginfo=info)


def save_jpeg(img: Image.Image, path: Path, when: str, offset: str, model: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    exif = Image.Exif()
    exif[0x010F] = "Apple"
    exif[0x0110] = model
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = when
    sub[0x9011] = offset
    img.save(path, "JPEG", quality=78, exif=exif.tobytes(), optimize=True)


def status_bar(d: ImageDraw.ImageDraw, w: int, time: str) -> None:
    d.rectangle((0, 0, w, 44), fill="#f7f7f7")
    d.text((24, 8), time, font=font(24, cjk=False), fill="#111")
    d.text((w - 130, 8), "5G  87%", font=font(22, cjk=False), fill="#111")


def chat_screen(path: Path, title: str, messages: list[tuple[str, str, str]], clock: str,
                seller: str, meta: dict[str, str] | None = None, zh: bool = True) -> None:
    w, h = 720, 1560
    img = Image.new("RGB", (w, h), "#ededed")
    d = ImageDraw.Draw(img)
    status_bar(d, w, clock)
    d.rectangle((0, 44, w, 120), fill="#ff6a00" if zh else "#ffffff")
    d.text((w // 2, 82), title, font=font(30, bold=True, cjk=zh), anchor="mm",
           fill="white" if zh else "#111")
    d.text((24, 82), "<", font=font(34, cjk=False), anchor="lm", fill="white" if zh else "#111")
    y = 150
    body = font(26, cjk=zh)
    for when, who, text in messages:
        if when:
            d.text((w // 2, y), when, font=font(20, cjk=zh), anchor="mm", fill="#888")
            y += 40
        mine = who == seller
        lines = wrap(d, text, body, 430)
        bh = 22 + 38 * len(lines)
        bw = max(d.textlength(line, font=body) for line in lines) + 40
        x0 = w - 110 - bw if mine else 110
        d.ellipse((w - 88 if mine else 20, y, w - 20 if mine else 88, y + 68),
                  fill="#3d8af7" if mine else "#f4a340")
        d.text((w - 54 if mine else 54, y + 34), who[:1], font=font(28, bold=True, cjk=zh),
               anchor="mm", fill="white")
        d.text((x0 if not mine else x0 + bw, y - 2), who, font=font(18, cjk=zh),
               anchor="ls" if not mine else "rs", fill="#777")
        d.rounded_rectangle((x0, y + 4, x0 + bw, y + 4 + bh), 14,
                            fill="#9eea6a" if mine else "white")
        for k, line in enumerate(lines):
            d.text((x0 + 20, y + 16 + 38 * k), line, font=body, fill="#111")
        y += bh + 40
    d.rectangle((0, h - 100, w, h), fill="#f7f7f7")
    d.rounded_rectangle((24, h - 80, w - 120, h - 24), 10, fill="white", outline="#ddd")
    save_png(img, path, meta)


def listing(path: Path, variant: int) -> None:
    w, h = 750, 1334
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    status_bar(d, w, "09:00")
    if variant == 1:
        d.rectangle((0, 44, w, 700), fill="#dfe6ee")
        d.polygon([(250, 160), (500, 160), (560, 260), (520, 300), (500, 640), (250, 640),
                   (230, 300), (190, 260)], fill="#1f3566")  # a navy shirt
        d.rectangle((352, 160, 398, 230), fill="#dfe6ee")
        d.text((24, 730), "¥299.00", font=font(44, bold=True, cjk=False), fill="#ff4400")
        d.text((24, 800), "某某服饰 2025秋季新款 纯棉休闲衬衫 男士长袖", font=font(30, bold=True),
               fill="#111")
        d.text((24, 860), "月销 1200+   包邮   7天无理由退换", font=font(24), fill="#666")
        d.rectangle((24, 930, w - 24, 1010), fill="#fff4e8")
        d.text((44, 970), "颜色：深蓝色（可能存在轻微色差）", font=font(28, bold=True),
               anchor="lm", fill="#c0392b")
        d.text((24, 1050), "尺码：S M L XL XXL", font=font(26), fill="#333")
    else:
        d.text((24, 80), "商品详情", font=font(34, bold=True), fill="#111")
        rows = [("品牌", "某某服饰"), ("面料", "100% 棉"), ("颜色", "深蓝色"),
                ("色差说明", "因拍摄光线及显示器差异，实物与图片可能存在轻微色差，以实物为准"),
                ("洗涤", "30℃ 以下水洗，不可漂白"), ("发货", "付款后 48 小时内发货，顺丰速运")]
        y = 160
        for k, v in rows:
            lines = wrap(d, v, font(26), 480)
            d.rectangle((24, y, w - 24, y + 30 + 40 * len(lines)),
                        outline="#ddd", fill="#fff8f0" if k == "色差说明" else "white")
            d.text((44, y + 15), k, font=font(26, bold=True), fill="#333")
            for i, line in enumerate(lines):
                d.text((220, y + 15 + 40 * i), line, font=font(26),
                       fill="#c0392b" if k == "色差说明" else "#333")
            y += 30 + 40 * len(lines) + 16
        d.rectangle((24, y + 20, w - 24, y + 420), fill="#1f3566")
        d.text((w // 2, y + 220), "实物平铺图（自然光）", font=font(28), anchor="mm", fill="white")
    save_png(img, path)


def photo(path: Path, seed: int, label: str, when: str, dims: tuple[int, int] = (1200, 900)
          ) -> None:
    rnd = random.Random(seed)
    w, h = dims
    img = Image.new("RGB", (w, h), "#8c7b6b")
    d = ImageDraw.Draw(img)
    for _ in range(400):  # a wooden table texture
        y = rnd.randrange(h)
        d.line((0, y, w, y + rnd.randrange(-20, 20)), fill=(130 + rnd.randrange(30),
               112 + rnd.randrange(25), 95 + rnd.randrange(20)), width=rnd.randrange(1, 4))
    d.rounded_rectangle((w * 0.2, h * 0.15, w * 0.8, h * 0.85), 30, fill="#c8a165",
                        outline="#8a6a3a", width=6)  # a parcel
    d.rectangle((w * 0.45, h * 0.15, w * 0.55, h * 0.85), fill="#b08850")
    d.rectangle((w * 0.25, h * 0.55, w * 0.6, h * 0.8), fill="white", outline="#333", width=3)
    d.text((w * 0.27, h * 0.58), label, font=font(30, bold=True), fill="#111")
    d.text((w * 0.27, h * 0.66), "SF1234567890123", font=font(30, cjk=False), fill="#111")
    bars = Image.new("L", (int(w * 0.3), 40), 255)
    bd = ImageDraw.Draw(bars)
    for x in range(0, bars.width, 6):
        bd.rectangle((x, 0, x + rnd.choice((1, 2, 3)), 40), fill=0)
    img.paste(bars.convert("RGB"), (int(w * 0.27), int(h * 0.73)))
    save_jpeg(img, path, when, "+08:00" if "顺丰" in label else "-05:00", "iPhone 15")


def taobao() -> None:
    root = HERE / "taobao-not-as-described"
    listing(root / "product/detail-1.png", 1)
    listing(root / "product/detail-2.png", 2)
    shirt = Image.new("RGB", (1200, 900), "#d9d4cc")
    d = ImageDraw.Draw(shirt)
    d.polygon([(420, 120), (780, 120), (860, 260), (800, 310), (780, 820), (420, 820),
               (400, 310), (340, 260)], fill="#22386b")
    d.rectangle((575, 120, 625, 200), fill="#d9d4cc")
    d.text((60, 840), "发货前实拍 2025-10-01 09:12", font=font(32), fill="#333")
    save_jpeg(shirt, root / "product/photo-1.jpg", "2025:10:01 09:12:00", "+08:00", "iPhone 15")
    photo(root / "shipping/pod.jpg", 7, "顺丰速运 已签收", "2025:10:03 14:05:00")
    seller, buyer = "客服小美", "tb_buyer_8861"
    chat_screen(root / "chat/01.png", buyer, [
        ("10月4日 09:36", buyer, "你好，我收到的衬衫颜色和图片不一样，图片是深蓝色，实物偏黑"),
        ("", seller, "亲，您好！非常抱歉给您带来困扰，麻烦您在自然光下拍一张实物照片给我们看看可以吗？"),
        ("", buyer, "[图片]"),
        ("10月4日 09:41", seller, "亲，照片收到了，实物就是深蓝色哦，室内灯光下会显得深一些"),
        ("", seller, "详情页也有标注：深蓝色，可能存在轻微色差，以实物为准"),
    ], "09:42", seller)
    chat_screen(root / "chat/02.png", buyer, [
        ("10月4日 09:50", buyer, "我不管，和图片不一样就是描述不符，我要全额退款"),
        ("", seller, "亲，商品支持7天无理由退换，您可以申请退货退款，我们收到退货后马上给您退款"),
        ("", buyer, "退货还要我出运费？不退，直接退款"),
        ("", seller, "亲，商品本身没有质量问题，颜色也与描述一致，直接退款我们这边无法同意哦"),
    ], "09:52", seller, {"Creation Time": "2025-10-04T09:52:30+08:00"})
    chat_screen(root / "chat/03.png", buyer, [
        ("10月4日 10:00", buyer, "那我去平台投诉"),
        ("", seller, "好的亲，我们会如实向平台提供商品详情页、发货前实拍和物流签收记录"),
    ], "10:01", seller)
    rows = [
        ("订单编号", "买家会员名", "买家实际支付金额", "订单状态", "订单创建时间", "订单付款时间",
         "收货地址", "联系手机"),
    ]
    rnd = random.Random(3)
    for i in range(12):
        oid = str(3456789012345678901 + (i - 5) * 7919 * 1000)
        if i == 5:
            oid = "3456789012345678901"
        rows.append((f'="{oid}"', "tb_buyer_8861" if i == 5 else f"tb_user_{rnd.randrange(1000, 9999)}",
                     "299.00" if i == 5 else f"{rnd.choice((199, 259, 299, 329))}.00",
                     "卖家已发货" if i == 5 else rnd.choice(("交易成功", "交易成功", "卖家已发货")),
                     f"2025-09-{18 + i:02d} {10 + i % 10:02d}:{(i * 7) % 60:02d}:00"
                     if i != 5 else "2025-09-30 21:14:00",
                     f"2025-09-{18 + i:02d} {10 + i % 10:02d}:{(i * 7) % 60 + 1:02d}:00"
                     if i != 5 else "2025-09-30 21:15:02",
                     "上海市浦东新区 张江路 100 号" if i == 5 else "浙江省杭州市 西湖区",
                     f"138{rnd.randrange(10000000, 99999999)}"))
    # Taobao's seller back-office exports GBK-encoded CSV.
    write_csv(root / "orders/taobao_orders.csv", rows, encoding="gbk")
    after_sales(root / "orders/after_sales.xlsx")
    transcript(root / "chat/export.txt")
    write_csv(root / "shipping/tracking.csv", [
        ("at", "location", "status"),
        ("2025-10-01T18:20:00", "浙江省杭州市", "顺丰速运 已收取快件"),
        ("2025-10-01T22:05:00", "杭州转运中心", "快件已到达 杭州转运中心"),
        ("2025-10-02T03:40:00", "杭州转运中心", "快件已从 杭州转运中心 发出"),
        ("2025-10-02T11:30:00", "上海转运中心", "快件已到达 上海转运中心"),
        ("2025-10-03T07:55:00", "上海市浦东新区 张江营业点", "快件交给 李师傅，正在派送途中"),
        ("2025-10-03T14:05:00", "上海市浦东新区", "快件已签收，签收人：本人"),
    ])


def after_sales(path: Path) -> None:
    """The after-sales (退款) sheet of the order, as the back-office exports it to Excel."""
    from datetime import datetime

    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "售后记录"
    ws.append(["退款编号", "订单编号", "申请时间", "退款类型", "退款原因", "申请金额", "状态"])
    ws.append(["R20251004100012", "3456789012345678901", datetime(2025, 10, 4, 10, 0),
               "仅退款", "商品与描述不符", 299.00, "待卖家处理"])
    ws.append(["R20250922083301", "3456789012345672211", datetime(2025, 9, 22, 8, 33),
               "退货退款", "尺码不合适", 259.00, "退款成功"])
    for row in ws.iter_rows(min_row=2):
        row[1].number_format = "@"  # the order number stays text
        row[2].number_format = "yyyy-mm-dd hh:mm"
        row[5].number_format = "0.00"
    book.properties.created = datetime(2025, 10, 5, 9, 0)
    book.properties.modified = datetime(2025, 10, 5, 9, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


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


def write_csv(path: Path, rows: list[tuple[str, ...]], encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


def receipt(path: Path) -> None:
    w, h = 800, 1100
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    f = font(24, cjk=False)
    d.text((40, 40), "Northwind Outdoor Co.", font=font(36, bold=True, cjk=False), fill="#1f3a5f")
    d.text((40, 100), "Order #1047 confirmed — thank you, Jordan!", font=f, fill="#111")
    items = [("Trailhead 45L backpack, slate", "1", "$159.00"), ("Rain cover", "1", "$14.50"),
             ("Shipping (UPS Ground)", "", "$11.00")]
    y = 180
    d.line((40, y, w - 40, y), fill="#ccc", width=2)
    for name, qty, price in items:
        y += 20
        d.text((40, y), name, font=f, fill="#111")
        d.text((560, y), qty, font=f, fill="#111")
        d.text((w - 40, y), price, font=f, fill="#111", anchor="ra")
        y += 40
    d.line((40, y + 10, w - 40, y + 10), fill="#ccc", width=2)
    d.text((40, y + 30), "Total charged (Visa •••• 4242)", font=font(26, bold=True, cjk=False),
           fill="#111")
    d.text((w - 40, y + 30), "$184.50", font=font(26, bold=True, cjk=False), fill="#111",
           anchor="ra")
    lines = ["Placed: September 12, 2025, 8:41 PM EDT", "Ship to: Jordan Miller",
             "1847 Maple Ave, Apt 3", "Springfield, IL 62704, USA",
             "Carrier: UPS Ground, tracking 1Z999AA10123456784"]
    for k, line in enumerate(lines):
        d.text((40, y + 110 + 40 * k), line, font=f, fill="#333")
    save_png(img, path)


def stripe() -> None:
    root = HERE / "stripe-not-received"
    receipt(root / "receipt/receipt.png")
    w, h = 900, 1200
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, w, 90), fill="#1f3a5f")
    d.text((30, 45), "Northwind Outdoor Co.", font=font(34, bold=True, cjk=False), anchor="lm",
           fill="white")
    d.rectangle((60, 140, 460, 640), fill="#5b6770")
    d.rounded_rectangle((140, 200, 380, 600), 40, fill="#46525a")
    d.text((500, 150), "Trailhead 45L Backpack", font=font(34, bold=True, cjk=False), fill="#111")
    d.text((500, 210), "$159.00", font=font(30, cjk=False), fill="#111")
    for k, line in enumerate(["Colour: Slate", "Ships in 1-2 business days", "Delivery with UPS",
                              "signature not required", "30-day returns"]):
        d.text((500, 280 + 44 * k), line, font=font(24, cjk=False), fill="#333")
    save_png(img, root / "product/listing.png")
    photo(root / "shipping/pod.jpg", 11, "UPS  DELIVERED", "2025:09:16 14:22:00")
    chat_screen(root / "chat/email-1.png", "Jordan Miller", [
        ("Sep 17, 9:03 AM", "Jordan Miller", "Hi, the tracking says delivered but I never got the backpack. Can you help?"),
        ("", "Northwind Support", "Sorry to hear that! UPS shows delivery at the front door on Sep 16 at 2:22 PM with a photo. Could you check with neighbours or building staff?"),
        ("Sep 18, 4:40 PM", "Jordan Miller", "Found nothing. I will ask my bank for a refund."),
        ("", "Northwind Support", "We have filed a claim with UPS and attached their delivery photo. Please reply if it turns up."),
    ], "4:41", "Northwind Support", zh=False)
    write_csv(root / "orders/orders.csv", [
        ("Name", "Email", "Financial Status", "Paid at", "Total", "Currency", "Shipping Address"),
        ("#1043", "a.chen@example.com", "paid", "2025-09-10 10:02:11 -0400", "89.00", "USD", "Austin, TX"),
        ("#1045", "p.okafor@example.com", "refunded", "2025-09-11 16:40:09 -0400", "14.50", "USD", "Denver, CO"),
        ("#1047", "jordan.miller@example.com", "paid", "2025-09-12 20:41:37 -0400", "184.50", "USD", "Springfield, IL"),
        ("#1048", "s.ito@example.com", "paid", "2025-09-13 08:15:52 -0400", "159.00", "USD", "Portland, OR"),
        ("#1050", "m.rossi@example.com", "paid", "2025-09-14 12:30:00 -0400", "173.50", "USD", "Boston, MA"),
    ])


if __name__ == "__main__":
    taobao()
    stripe()
