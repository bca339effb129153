"""Per-order proof: 50 flagged orders out of a 20 000-row GBK order export and a 20 000-row
Alipay-style statement, with a waybill list, one SF trace, one chat export and one photo per
flagged order.

Builds with the generic profile (one PDF) and with the taobao profile (page images per order);
prints time, peak RSS, pages and size of each, against the issue's target (≤ 20 s).
"""

from __future__ import annotations

import json
import random
import resource
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import evidencekit_cmd, size_mb, timed

ROWS = 20_000
FLAGGED = 50
TARGET_S = 20.0
START = datetime(2025, 9, 1, 8, 0)


def _csv(cells: list[str]) -> str:
    return ",".join(cells)


def make_inputs(folder: Path) -> None:
    rnd = random.Random(11)
    ids = [str(2_700_000_000_000_000_000 + i * 7_919_113) for i in range(ROWS)]
    flagged = sorted(rnd.sample(range(ROWS), FLAGGED))
    placed = [START + timedelta(minutes=3 * i + rnd.randrange(3)) for i in range(ROWS)]
    paid = [p + timedelta(seconds=rnd.randrange(20, 900)) for p in placed]
    cities = [
        "上海市徐汇区 漕溪北路 88 号",
        "浙江省杭州市西湖区 文三路 90 号",
        "江苏省南京市鼓楼区 中山路 18 号",
        "广东省深圳市南山区 科技南十二路 8 号",
    ]
    hubs = ["上海市徐汇区", "杭州市西湖区", "南京市鼓楼区", "深圳市南山区"]
    buyers = [f"tb_{rnd.randrange(10**7, 10**8)}" for _ in range(ROWS)]
    amount = [rnd.choice(("189.00", "219.00", "378.00")) for _ in range(ROWS)]
    waybill = [f"SF14{7_000_000_000 + i * 37:011d}" for i in range(ROWS)]

    # The 千牛 order export: GBK, ="…" guards, newest first.
    lines = [
        _csv(
            [
                "订单编号",
                "买家会员名",
                "买家实际支付金额",
                "订单状态",
                "收货人姓名",
                "收货地址 ",
                "联系手机 ",
                "订单创建时间",
                "订单付款时间 ",
                "物流单号 ",
                "物流公司",
            ]
        )
    ]
    for i in reversed(range(ROWS)):
        lines.append(
            _csv(
                [
                    f'="{ids[i]}"',
                    buyers[i],
                    amount[i],
                    "交易成功",
                    "张三",
                    cities[i % 4],
                    f"'138{i:08d}",
                    f"{placed[i]:%Y-%m-%d %H:%M:%S}",
                    f"{paid[i]:%Y-%m-%d %H:%M:%S}",
                    f"No:{waybill[i]}",
                    "顺丰速运",
                ]
            )
        )
    (folder / "orders").mkdir()
    (folder / "orders/ExportOrderList.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))

    # The Alipay statement: `#` lines around the table, cells padded with spaces and a tab.
    head = [
        "交易号",
        "商家订单号",
        "交易创建时间",
        "付款时间",
        "类型",
        "交易对方",
        "金额（元）",
        "收/支",
        "交易状态",
    ]
    rows = [
        "#支付宝交易记录明细查询",
        "#账号:[2088000000000000]",
        "#起始日期:[2025-09-01 00:00:00]    终止日期:[2025-11-30 00:00:00]",
        "#---------------------------交易记录明细列表---------------------------",
    ]
    rows.append(",".join(f"{c:<16}\t" for c in head) + ",")
    for i in reversed(range(ROWS)):
        cells = [
            f"2025{i:08d}22001{i:012d}",
            ids[i],
            f"{placed[i]:%Y-%m-%d %H:%M:%S}",
            f"{paid[i]:%Y-%m-%d %H:%M:%S}",
            "即时到账交易",
            buyers[i][:3] + "*",
            amount[i],
            "收入",
            "交易成功",
        ]
        rows.append(",".join(f"{c:<16}\t" for c in cells) + ",")
    rows += [
        "#----------------------------------------------------------------------",
        f"#共{ROWS}笔记录",
        "#导出时间:[2025-12-01 10:00:00]",
    ]
    (folder / "payments").mkdir()
    (folder / "payments/alipay_record.csv").write_bytes(("\r\n".join(rows) + "\r\n").encode("gbk"))

    # The flagged list, the waybills, one trace, one chat, one photo per flagged order.
    (folder / "flagged.csv").write_text(
        "订单编号,违规类型\n" + "".join(f"{ids[i]},虚假交易\n" for i in flagged), encoding="utf-8"
    )
    ship = ["订单编号,运单号,快递公司,发货时间"]
    for d in ("shipping/traces", "chat", "photos"):
        (folder / d).mkdir(parents=True)
    for k, i in enumerate(flagged):
        shipped = paid[i] + timedelta(hours=4)
        ship.append(f"{ids[i]},{waybill[i]},顺丰速运,{shipped:%Y-%m-%d %H:%M:%S}")
        trace = ["运单号,时间,地点,物流信息"]
        for step, (hours, place, text) in enumerate(
            (
                (0, "浙江省宁波市鄞州区", "顺丰速运 已收取快件（已揽收）"),
                (3, "宁波鄞州集散中心", "快件到达 【宁波鄞州集散中心】"),
                (12, f"{hubs[i % 4]}集散中心", f"快件到达 【{hubs[i % 4]}集散中心】"),
                (18, hubs[i % 4], "快件交给 王师傅，正在派送途中"),
                (22, hubs[i % 4], "快件已签收，签收人：本人"),
            )
        ):
            at = shipped + timedelta(hours=hours, minutes=step)
            trace.append(f"{waybill[i]},{at:%Y-%m-%d %H:%M:%S},{place},{text}")
        (folder / f"shipping/traces/{waybill[i]}.csv").write_text(
            "\n".join(trace) + "\n", encoding="utf-8"
        )
        chat = [
            (placed[i] - timedelta(minutes=20), buyers[i], "这款包能放下15.6寸电脑吗？"),
            (placed[i] - timedelta(minutes=18), "客服小丁", "可以的亲，电脑仓 40×28cm"),
            (paid[i] + timedelta(minutes=2), buyers[i], "付好了，今天能发吗"),
            (paid[i] + timedelta(minutes=3), "客服小丁", "今天顺丰发出"),
        ]
        (folder / f"chat/{buyers[i]}.txt").write_text(
            "".join(f"{t:%Y-%m-%d %H:%M:%S} {who}\n{text}\n" for t, who, text in chat),
            encoding="utf-8",
        )
        photo = Image.new("RGB", (1200, 900), (180 + k % 40, 170, 150))
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9003] = f"{shipped - timedelta(hours=1):%Y:%m:%d %H:%M:%S}"
        exif.get_ifd(0x8769)[0x9011] = "+08:00"
        (folder / f"photos/{ids[i]}").mkdir()
        photo.save(folder / f"photos/{ids[i]}/1.jpg", "JPEG", quality=85, exif=exif.tobytes())
    (folder / "shipping/waybills.csv").write_text("\n".join(ship) + "\n", encoding="utf-8")

    for profile in ("generic", "taobao"):
        (folder / f"{profile}.yaml").write_text(
            f"evidencekit: 1\n"
            f"case:\n  id: PROOF-{profile}\n  title: 50 笔订单虚假交易申诉\n  profile: {profile}\n"
            "  language: zh-CN\n  timezone: Asia/Shanghai\n"
            "  orders_from: {file: flagged.csv, column: 订单编号}\n"
            "  dispute: {reason: 虚假交易, claim: 平台判定 50 笔订单为虚假交易}\n"
            "proof:\n"
            "  orders: {file: orders/ExportOrderList.csv, id: 订单编号}\n"
            "  payments: {file: payments/alipay_record.csv, id: 商家订单号}\n"
            "  shipments: {file: shipping/waybills.csv, id: 订单编号, waybill: 运单号}\n"
            '  traces: {files: ["shipping/traces/{waybill}.csv"]}\n'
            '  chats: {files: ["chat/{buyer}.txt"]}\n'
            '  photos: {files: ["photos/{order}/*.jpg"]}\n',
            encoding="utf-8",
        )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_inputs(folder)
        print(
            f"inputs: {FLAGGED} flagged orders, {ROWS}-row GBK order export "
            f"({size_mb(folder / 'orders/ExportOrderList.csv'):.1f} MB), {ROWS}-row statement "
            f"({size_mb(folder / 'payments/alipay_record.csv'):.1f} MB)"
        )
        status = 0
        for profile in ("generic", "taobao"):
            out = folder / f"o-{profile}"
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            seconds, rss = timed(
                evidencekit_cmd("build", "-q", str(folder / f"{profile}.yaml"), "-o", str(out))
            )
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            # CPU time too: on a shared, loaded machine the wall time says more about the load.
            cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            ev = json.loads(next(out.glob("*.evidence.json")).read_text(encoding="utf-8"))
            pdf = next(out.glob("*.pdf"))
            orders = ev.get("orders", [])
            complete = sum(1 for o in orders if o.get("complete"))
            images = sorted((out / "pages").rglob("*.jpg")) if (out / "pages").is_dir() else []
            extra = f", {len(images)} page images" if images else ""
            verdict = "meets" if seconds <= TARGET_S else "MISSES"
            if seconds > TARGET_S:
                status = 1
            print(
                f"{profile}: build {seconds:.1f} s ({verdict} the ≤ {TARGET_S:.0f} s target), "
                f"CPU {cpu:.1f} s, "
                f"peak RSS {rss:.0f} MB, {ev['outputs'][0]['pages']} pages, "
                f"{size_mb(pdf):.1f} MB{extra}; {len(orders)} orders, {complete} complete"
            )
        raise SystemExit(status)


if __name__ == "__main__":
    main()
