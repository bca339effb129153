"""Records: a 3 000-row GBK order export and a 2 000-message transcript, build time per part;
reference in the same run: the same 3 000 rows as one plain HTML table in WeasyPrint."""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import evidencekit_cmd, size_mb, timed

ROWS = 3000
MESSAGES = 2000


def make_inputs(folder: Path) -> None:
    rnd = random.Random(7)
    lines = ["订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,收货地址"]
    for i in range(ROWS):
        lines.append(
            f'="{3456789012345000000 + i * 7919}",tb_user_{rnd.randrange(10**6)},'
            f"{rnd.choice((199, 259, 299))}.00,交易成功,"
            f"2025-09-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00,上海市浦东新区 张江路 {i} 号"
        )
    (folder / "orders.csv").write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    chat = ["time,sender,message"]
    for i in range(MESSAGES):
        who = "tb_buyer" if i % 2 else "客服小美"
        chat.append(
            f"2025-10-{1 + i // 200:02d} {8 + (i // 20) % 12:02d}:{i % 60:02d}:00,{who},"
            f"第{i}条消息：关于颜色与描述是否一致的问题，我们再说明一次 {i}"
        )
    (folder / "chat.csv").write_text("\n".join(chat) + "\n", encoding="utf-8")
    for name, item in (
        ("table", "  - {kind: transaction, title: 订单导出, table: {file: orders.csv}}\n"),
        (
            "chat",
            "  - kind: chat\n    title: 聊天导出\n    transcript: chat.csv\n"
            "    participants: {tb_buyer: buyer, 客服小美: seller}\n",
        ),
        ("empty", "  - {kind: note, title: 说明, description: 空}\n"),
    ):
        (folder / f"{name}.yaml").write_text(
            f"evidencekit: 1\ncase: {{id: R-{name}, title: 基准, profile: generic, "
            "language: zh-CN}\n"
            f"evidence:\n{item}",
            encoding="utf-8",
        )


def naive_table(folder: Path) -> float:
    import weasyprint

    rows = (folder / "orders.csv").read_bytes().decode("gbk").splitlines()
    cells = "".join(
        "<tr>" + "".join(f"<td>{c}</td>" for c in r.split(",")) + "</tr>" for r in rows[1:]
    )
    html = (
        "<style>@page{size:A4;margin:16mm} body{font-family:'Noto Sans CJK SC';font-size:7.5pt}"
        "td{border:0.5pt solid #999}</style><table>" + cells + "</table>"
    )
    start = time.perf_counter()
    weasyprint.HTML(string=html).write_pdf()
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_inputs(folder)
        base, _ = timed(
            evidencekit_cmd("build", "-q", str(folder / "empty.yaml"), "-o", str(folder / "o0"))
        )
        print(f"baseline build (one note): {base:.1f} s")
        for name, label in (
            ("table", f"{ROWS}-row GBK order table"),
            ("chat", f"{MESSAGES}-message transcript"),
        ):
            out = folder / f"o-{name}"
            seconds, rss = timed(
                evidencekit_cmd("build", "-q", str(folder / f"{name}.yaml"), "-o", str(out))
            )
            ev = json.loads(next(out.glob("*.evidence.json")).read_text(encoding="utf-8"))
            pdf = next(out.glob("*.pdf"))
            print(
                f"{label}: build {seconds:.1f} s (≈{seconds - base:.1f} s over the baseline), "
                f"peak RSS {rss:.0f} MB, {ev['outputs'][0]['pages']} pages, "
                f"{size_mb(pdf):.1f} MB"
            )
        print(
            f"reference: the {ROWS} rows as one HTML table in WeasyPrint: "
            f"{naive_table(folder):.1f} s"
        )


if __name__ == "__main__":
    main()
