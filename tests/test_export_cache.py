"""Exports read and parsed once per build (issue 11: 310 reads, 160 parses of the same big
exports in a 50-order proof build), and nothing kept from one build to the next."""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from pathlib import Path

import pypdf
import pytest

from evidencekit import waiting
from evidencekit.assets import exports
from evidencekit.pipeline import BuildOptions, build

from .conftest import write_case

A, B = "4012345678901234561", "4012345678901234572"

CASE = """\
evidencekit: 1
case:
  id: {cid}
  title: 两笔订单
  profile: generic
  language: zh-CN
  timezone: Asia/Shanghai
  orders_from: {{file: flagged.csv, column: 订单编号}}
proof:
  orders:    {{file: orders.csv, id: 订单编号}}
  shipments: {{file: orders.csv, id: 订单编号, waybill: 物流单号}}
"""

# One order export for two proof sources: it holds the waybill and the carrier too.
ORDERS = (
    "订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,物流单号,物流公司\n"
    f'="{A}",tb_lin_88,129.00,交易成功,2025-10-01 09:10:00,SF1400000000001,顺丰速运\n'
    f'="{B}",tb_zhao_521,89.50,交易成功,2025-10-02 20:00:00,SF1400000000002,顺丰速运\n'
    '="4099999999999999999",tb_other,5.00,交易关闭,2025-10-04 08:00:00,,\n'
)


def _write(folder: Path, cid: str, orders: str = ORDERS) -> Path:
    files = {"flagged.csv": f"订单编号\n{A}\n{B}\n", "orders.csv": orders}
    return write_case(folder, CASE.format(cid=cid), files)


def _texts(out: Path) -> list[str]:
    pdf = next(out.glob("*.pdf"))
    return [re.sub(r"\s+", "", p.extract_text() or "") for p in pypdf.PdfReader(pdf).pages]


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each file is parsed (the real parser runs)."""
    seen: Counter[str] = Counter()
    parse = exports._parse

    def counting(path: Path, *args: object) -> object:
        seen[path.name] += 1
        return parse(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(exports, "_parse", counting)
    return seen


def test_one_export_for_two_sources_is_read_once_and_both_get_their_rows(
    tmp_path: Path, parses: Counter[str]
) -> None:
    manifest = _write(tmp_path / "case", "CACHE-1")
    result = build(manifest, BuildOptions(out_dir=tmp_path / "out"))
    # Validation, the proof join, the order checks, collect and both tables of both orders.
    assert parses["orders.csv"] == 1
    assert exports._CACHE.get() is None  # closed with the build
    sections = [p for p in result.case.proof]
    assert [p.id for p in sections] == [A, B]
    assert all(set(p.sources) >= {"orders", "shipments"} for p in sections)
    texts = "".join(_texts(tmp_path / "out"))
    for oid, waybill in ((A, "SF1400000000001"), (B, "SF1400000000002")):
        # The order's row under both exhibits: its id twice at least, its waybill shown.
        assert texts.count(oid) >= 2 and waybill in texts
    assert "4099999999999999999" not in texts


def test_nothing_is_kept_from_one_build_to_the_next(tmp_path: Path, parses: Counter[str]) -> None:
    # Same path, same size, same mtime, other content: only a cache that outlives the build
    # could show the first build's rows in the second.
    manifest = _write(tmp_path / "case", "CACHE-2")
    build(manifest, BuildOptions(out_dir=tmp_path / "out1"))
    path = tmp_path / "case/orders.csv"
    stat = path.stat()
    changed = ORDERS.replace("tb_lin_88", "tb_wen_99")
    assert len(changed.encode()) == stat.st_size
    path.write_text(changed, encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    build(manifest, BuildOptions(out_dir=tmp_path / "out2"))
    assert parses["orders.csv"] == 2
    assert "tb_lin_88" in "".join(_texts(tmp_path / "out1"))
    second = "".join(_texts(tmp_path / "out2"))
    assert "tb_wen_99" in second and "tb_lin_88" not in second


def test_validation_parses_each_export_once_however_many_traces(
    tmp_path: Path, parses: Counter[str]
) -> None:
    # Twelve orders' carrier traces read between the join and the order checks had pushed
    # the order export out of a cache of eight: parsed twice (three times in a build).
    from evidencekit.manifest import load_case

    ids = [str(4012345678901234000 + k) for k in range(12)]
    head = "订单编号,买家会员名,买家实际支付金额,订单创建时间,物流单号,物流公司\n"
    rows = "".join(
        f"{o},tb_{k},10.00,2025-10-01 09:{k:02d}:00,SF14000000000{k:02d},顺丰速运\n"
        for k, o in enumerate(ids)
    )
    traces = {
        f"traces/SF14000000000{k:02d}.csv": "时间,地点,物流信息\n"
        f"2025-10-02 08:{k:02d}:00,杭州市,顺丰速运 已收取快件\n"
        for k in range(12)
    }
    text = CASE.format(cid="CACHE-3") + '  traces:    {files: ["traces/{waybill}.csv"]}\n'
    files = {"flagged.csv": "订单编号\n" + "\n".join(ids) + "\n", "orders.csv": head + rows}
    case = load_case(write_case(tmp_path, text, {**files, **traces}))
    assert len(case.proof) == 12 and all("traces" in p.sources for p in case.proof)
    assert parses["orders.csv"] == 1 and parses["SF1400000000011.csv"] == 1


SHOP_CHAT = (
    "时间,发送人,内容\n"
    "2025-10-01 09:05,tb_lin_88,这件有现货吗 我电话13800138000\n"
    "2025-10-01 09:06,小店客服,有的今天发货\n"
    "2025-10-01 09:30,tb_zhao_521,发票寄到 13900139000 或 13700137000\n"
    "2025-10-01 09:31,小店客服,好的 已记下 13900139000\n"
)


def test_shop_wide_chat_parsed_once_and_masked_per_exhibit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The shop-wide export was read, parsed and masked whole for every order; each order's
    # exhibit counted the phone numbers of every other buyer's messages as its own.
    from zoneinfo import ZoneInfo

    from evidencekit.assets import transcripts
    from evidencekit.assets.privacy import Masker
    from evidencekit.model import Privacy, SourceFile

    path = tmp_path / "shop.csv"
    path.write_text(SHOP_CHAT, encoding="utf-8")
    sf = SourceFile("shop.csv", path, "case.yaml:9:3: proof.chats.files[0]")
    reads: list[str] = []
    rows = transcripts._rows
    monkeypatch.setattr(transcripts, "_rows", lambda *a: reads.append("x") or rows(*a))
    tz = ZoneInfo("Asia/Shanghai")
    roles = {"tb_lin_88": "buyer", "tb_zhao_521": "buyer", "小店客服": "seller"}
    counts, texts = {}, {}
    with exports.export_cache():
        for buyer in ("tb_lin_88", "tb_zhao_521"):
            masker = Masker(Privacy(mask=["phone"]))
            messages = transcripts.read_transcript(sf, tz, roles, masker, peer=buyer)
            counts[buyer], texts[buyer] = dict(masker.counts), [m.text for m in messages]
    assert reads == ["x"]
    assert counts == {"tb_lin_88": {"phone": 1}, "tb_zhao_521": {"phone": 3}}
    assert texts["tb_lin_88"][1] == "有的今天发货" and len(texts["tb_lin_88"]) == 2
    assert "13900139000" not in "".join(texts["tb_zhao_521"])
    # Without a peer: the whole export, every number counted.
    masker = Masker(Privacy(mask=["phone"]))
    assert len(transcripts.read_transcript(sf, tz, roles, masker)) == 4
    assert masker.counts == {"phone": 4}


STATEMENT = (
    "#支付宝交易记录明细查询\n账号:[20880000000000000156]\n起始日期:[2025-09-01 00:00:00]\n"
    "交易号,商家订单号,交易创建时间,付款时间,金额（元）,交易状态\n"
    + "".join(
        f'2025{k:020d}\t,="{4012345678900000000 + k}",2025-09-01 10:{k % 60:02d}:00,'
        f"2025-09-01 10:{k % 60:02d}:30,  {k % 500}.00 ,交易成功\n"
        for k in range(400)
    )
    + "#-----------------------------------------交易记录明细列表结束\n#共400笔记录\n"
)


def _not_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on this process parses nothing: what is read came from the forked one."""

    def refuse(*args: object) -> object:
        raise AssertionError("parsed here, not ahead")

    monkeypatch.setattr(exports, "_parse", refuse)


def test_an_export_parsed_ahead_is_the_export_read_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A large export is parsed in a forked process while the build goes on (the renderer
    # loads meanwhile, once): what comes back is what the build would have read itself.
    monkeypatch.setattr(exports, "AHEAD_BYTES", 0)  # this one is small
    path = tmp_path / "alipay.csv"
    path.write_bytes(STATEMENT.encode("gb18030"))
    expect = ["商家订单号"]
    direct = exports.read_export(path, expect=expect)
    idle: list[int] = []
    waiting.while_waiting(lambda: idle.append(1))
    real = exports._parse

    def slow(*args: object) -> object:  # still parsing when the build comes to wait for it
        time.sleep(0.5)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(exports, "_parse", slow)  # what the forked process runs
    with exports.export_cache():
        exports.parse_ahead([(path, None, None)])
        _not_here(monkeypatch)
        cache = exports._CACHE.get()
        assert cache is not None and len(cache.ahead) == 1
        ahead = exports.read_export(path, expect=expect)
        assert not cache.ahead and exports.read_export(path, expect=expect) is ahead
    assert ahead == direct and len(ahead.rows) == 400 and ahead.guessed
    assert idle == [1]


def test_a_workbook_parsed_ahead_is_the_workbook_read_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import openpyxl

    monkeypatch.setattr(exports, "AHEAD_BYTES", 0)
    path = tmp_path / "订单导出.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "订单"
    sheet.append(["订单导出（2025-10）"])  # a preamble line before the header
    sheet.append(["订单编号", "买家会员名", "买家实际支付金额"])
    for k in range(50):
        sheet.append([f"{4012345678900000000 + k}", f"tb_{k}", f"{k}.50"])
    book.save(path)
    direct = exports.read_export(path, "订单", expect=["订单编号"])
    with exports.export_cache():
        exports.parse_ahead([(path, "订单", None)])
        _not_here(monkeypatch)
        ahead = exports.read_export(path, "订单", expect=["订单编号"])
    assert ahead == direct and len(ahead.rows) == 50 and ahead.sheet == "订单"


def test_an_export_that_fails_ahead_fails_here_with_its_own_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "AHEAD_BYTES", 0)
    path = tmp_path / "bad.csv"
    path.write_bytes(bytes(range(128, 256)) * 64)  # no encoding reads it
    with pytest.raises(ValueError) as direct:
        exports.read_export(path)
    with exports.export_cache():
        exports.parse_ahead([(path, None, None)])
        with pytest.raises(ValueError) as ahead:
            exports.read_export(path)
    assert str(ahead.value) == str(direct.value)


def test_small_exports_are_read_here_and_unread_ones_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "alipay.csv"
    path.write_bytes(STATEMENT.encode("gb18030"))
    with exports.export_cache():
        exports.parse_ahead([(path, None, None), (tmp_path / "missing.csv", None, None)])
        cache = exports._CACHE.get()
        assert cache is not None and not cache.ahead  # below AHEAD_BYTES; missing: read later
    monkeypatch.setattr(exports, "AHEAD_BYTES", 0)
    with exports.export_cache():
        exports.parse_ahead([(path, None, None)])
        cache = exports._CACHE.get()
        assert cache is not None
        (ahead,) = cache.ahead.values()
    assert not ahead._process.is_alive()  # never read: stopped with the cache


def test_a_proof_build_with_its_exports_parsed_ahead_reads_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")
    manifest = _write(tmp_path / "case", "CACHE-4")
    build(manifest, BuildOptions(out_dir=tmp_path / "here"))
    started: list[Path] = []
    real = exports._Ahead.__init__

    def spy(self: exports._Ahead, path: Path, *args: str | None) -> None:
        started.append(path)
        real(self, path, *args)

    monkeypatch.setattr(exports._Ahead, "__init__", spy)
    monkeypatch.setattr(exports, "AHEAD_BYTES", 0)
    build(manifest, BuildOptions(out_dir=tmp_path / "ahead"))
    assert [p.name for p in started] == ["orders.csv"]  # one file for two sources
    assert _texts(tmp_path / "ahead") == _texts(tmp_path / "here")
