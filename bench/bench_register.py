"""Case register: N small cases in one batch (cases per minute, the register's share of the time),
and `cases search` over 10 000 registered cases (SQLite FTS5 trigram; PostgreSQL pg_trgm when a
server can be started here). Reference in the same run: one case built alone.

    python bench/bench_register.py [CASES]      (default 200; 0: search only)
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import evidencekit_cmd, timed

SEARCH_CASES = 10_000
CASE = """\
evidencekit: 1
case:
  id: BENCH-{n:04d}
  title: 订单 {order} 商品与描述不符 退款纠纷 {n}
  profile: generic
  timezone: Asia/Shanghai
  orders:
    - {{id: "{order}", amount: 199.00, currency: CNY}}
  dispute:
    reason: 商品与描述不符
    respond_by: 2026-12-{day:02d}T18:00:00
evidence:
  - kind: product
    title: 商品详情页截图
    files: [shot.png]
  - kind: shipping
    title: 物流轨迹
    carrier: 顺丰速运
    tracking_number: SF{waybill}
"""


def make_cases(root: Path, count: int) -> None:
    from PIL import Image, ImageDraw

    for n in range(count):
        folder = root / f"case-{n:04d}"
        folder.mkdir(parents=True)
        img = Image.new("RGB", (600, 900), "#eef")
        ImageDraw.Draw(img).text((20, 20), f"listing {n}", fill="black")
        img.save(folder / "shot.png")
        text = CASE.format(
            n=n, order=3456789012345000000 + n, waybill=1456789000000 + n, day=1 + n % 28
        )
        (folder / "case.yaml").write_text(text, encoding="utf-8")


def batch(count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="evk-bench-reg-") as tmp:
        root = Path(tmp)
        make_cases(root / "cases", count)
        env = {
            "EVIDENCEKIT_REGISTER": str(root / "register.sqlite"),
            "EVIDENCEKIT_CACHE_DIR": str(root / "cache"),
        }
        one, _ = timed(
            evidencekit_cmd(
                "build", "-q", str(root / "cases" / "case-0000" / "case.yaml"), "--force"
            ),
            env,
        )
        out = root / "batch.json"
        start = time.perf_counter()
        import subprocess

        proc = subprocess.run(
            evidencekit_cmd("build", "-q", "--json", "--force", "-j", "2", str(root / "cases")),
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
        out.write_text(proc.stdout)
        rows = json.loads(proc.stdout)
        failed = [r for r in rows if r["code"] != 0]
        register = sum(r["stages"].get("register", 0.0) for r in rows if r["code"] == 0)
        busy = sum(r["seconds"] + r["stages"].get("register", 0.0) for r in rows if r["code"] == 0)
        print(f"one case alone (reference):   {one:7.1f} s")
        print(f"{count} cases, -j 2:            {seconds:7.1f} s  ({len(failed)} failed)")
        print(f"cases per minute:             {count / seconds * 60:7.1f}")
        print(f"batch / (N x one case alone): {seconds / (count * one):7.2f}")
        each = register / max(count, 1) * 1000
        print(f"register share of build time: {register / busy:7.1%}  ({each:.0f} ms a case)")


def fill(register: object, count: int) -> None:
    """10 000 cases straight into the tables (recording each through a build would take hours)."""
    from sqlalchemy import insert, text

    from evidencekit.register.db import CaseRow, OrderRow, WaybillRow, session

    rnd = random.Random(16)
    words = [
        "商品与描述不符",
        "未收到货",
        "虚假交易",
        "颜色色差",
        "尺码不符",
        "not received",
        "damaged",
    ]
    shops = ["杭州某某服饰旗舰店", "深圳数码专营店", "Acme Outdoor", "上海家居生活馆"]
    now = datetime.now(UTC)
    cases, orders, waybills, fts = [], [], [], []
    for n in range(count):
        cid = f"SR-{n:05d}"
        order = str(3456789012345000000 + n * 7919)
        waybill = f"SF{1456789000000 + n * 13}"
        reason = rnd.choice(words)
        title = f"订单 {order} {reason} 纠纷 {n}"
        body = "\n".join(
            [
                cid,
                title,
                reason,
                rnd.choice(shops),
                f"buyer_{rnd.randrange(10**6)}",
                order,
                waybill,
                "详情页已注明可能存在轻微色差，发货前拍照存证。" * 3,
            ]
        ).lower()  # as the register stores it
        cases.append(
            {
                **{"id": cid, "title": title, "profile": "taobao", "platform": "淘宝"},
                **{"reason": reason, "claim": None, "case_number": None},
                "respond_by": now + timedelta(days=rnd.randrange(-5, 30)),
                **{"amount": Decimal("199.00"), "currency": "CNY"},
                **{"manifest": "/x/case.yaml", "out_dir": "/x/out", "status": "built"},
                **{"status_at": now, "created_at": now, "updated_at": now, "search_text": body},
            }
        )
        orders.append(
            {"case_id": cid, "order_id": order, "amount": Decimal("199.00"), "currency": "CNY"}
        )
        waybills.append({"case_id": cid, "waybill": waybill, "carrier": "顺丰速运"})
        fts.append({"id": cid, "body": body})
    with session(register.url) as s, s.begin():  # type: ignore[attr-defined]
        s.execute(insert(CaseRow), cases)
        s.execute(insert(OrderRow), orders)
        s.execute(insert(WaybillRow), waybills)
        if s.get_bind().dialect.name == "sqlite":
            s.execute(text("INSERT INTO evk_case_fts (case_id, body) VALUES (:id, :body)"), fts)
        else:
            s.execute(text("ANALYZE evk_cases"))


def search(target: str, label: str) -> None:
    from evidencekit.register.cases import open_register

    register = open_register(target)
    start = time.perf_counter()
    fill(register, SEARCH_CASES)
    print(f"{label}: {SEARCH_CASES} cases registered in {time.perf_counter() - start:.1f} s")
    queries = {
        "order id": str(3456789012345000000 + 4321 * 7919),
        "order id part": str(3456789012345000000 + 4321 * 7919)[-9:],
        "waybill": f"SF{1456789000000 + 777 * 13}",
        "Chinese 3+ chars": "虚假交易",
        "Chinese 2 chars": "尺码",
        "two terms": "深圳数码 未收到货",
    }
    for name, q in queries.items():
        found = register.search(q, limit=50)
        times = []
        for _ in range(7):
            t = time.perf_counter()
            register.search(q, limit=50)
            times.append(time.perf_counter() - t)
        ms = statistics.median(times) * 1000
        verdict = "ok" if ms < 100 else "SLOW"
        print(f"  search {name:17s} {ms:7.1f} ms  ({len(found)} found)  {verdict}")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    print("(absolute figures depend on the machine's load: compare the ratios)")
    with tempfile.TemporaryDirectory(prefix="evk-bench-search-") as tmp:
        search(str(Path(tmp) / "search.sqlite"), "SQLite")
        seconds, _ = timed(
            evidencekit_cmd(
                "cases", "search", "虚假交易", "--register", str(Path(tmp) / "search.sqlite")
            )
        )
        print(
            f"  `evidencekit cases search` as a command, start-up included: {seconds * 1000:.0f} ms"
        )
    try:
        from tests.pgserver import PgUnavailable, start_server

        server = start_server()
    except (ImportError, PgUnavailable) as e:
        print(f"PostgreSQL: not measured ({e})")
    else:
        try:
            search(server.database("evk_bench"), "PostgreSQL (pg_trgm)")
        finally:
            server.stop()
    if count:
        batch(count)


if __name__ == "__main__":
    main()
