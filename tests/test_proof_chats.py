"""Per-order proof with one shop-wide chat export: each order shows only its buyer's
conversation, and no other buyer is ever labelled as the shop."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pypdf
import pytest

from evidencekit.manifest import load_case
from evidencekit.model import Case

from .conftest import run_cli
from .test_proof import BUYER, CASE, A, B, C, make_case

# No peer column: a shop message answers the buyer who wrote last before it. tb_other is a
# buyer of another (not flagged) order in the order export.
SHOP_WIDE = (
    "时间,发送人,内容\n"
    "2025-10-01 09:05,tb_lin_88,这件有现货吗\n"
    "2025-10-01 09:06,小店客服,有的今天发货\n"
    "2025-10-01 09:30,tb_other,我的快递到哪了\n"
    "2025-10-01 09:31,小店客服,亲快递已在路上\n"
    "2025-10-02 19:50,tb_zhao_521,能开发票吗\n"
    "2025-10-02 19:51,小店客服,可以的\n"
)

# A peer column says whose conversation each message is; a sender no export knows
# (tb_stranger) is a buyer because `participants` names the shop's account.
WITH_PEER = (
    "时间,发送人,会话,内容\n"
    "2025-10-01 09:05,tb_lin_88,tb_lin_88,这件有现货吗\n"
    "2025-10-01 09:05:30,tb_stranger,tb_stranger,在吗在吗\n"
    "2025-10-01 09:06,小店客服,tb_lin_88,有的今天发货\n"
    "2025-10-01 09:07,小店客服,tb_stranger,您好请讲\n"
    "2025-10-02 19:50,tb_zhao_521,tb_zhao_521,能开发票吗\n"
    "2025-10-02 19:51,小店客服,tb_zhao_521,可以的\n"
)

OWN = {A: ("这件有现货吗", "有的今天发货"), B: ("能开发票吗", "可以的")}
FOREIGN = ("我的快递到哪了", "亲快递已在路上", "在吗在吗", "您好请讲", "tb_other", "tb_stranger")


def shop_wide_case(folder: Path, export: str, participants: str = "") -> Path:
    text = CASE.replace("profile: taobao", "profile: generic\n  language: zh-CN").replace(
        'chats:     {files: ["chat/{buyer}.txt"]}',
        f'chats:     {{files: ["chat/shop.csv"]{participants}}}',
    )
    manifest = make_case(folder, text)
    for old in folder.glob("chat/*.txt"):
        old.unlink()
    (folder / "chat/shop.csv").write_text(export, encoding="utf-8")
    return manifest


def chat_of(case: Case, oid: str):  # type: ignore[no-untyped-def]
    return next(ex for ex in case.exhibits if ex.kind == "chat" and ex.orders == (oid,))


@pytest.mark.parametrize(
    ("export", "participants"),
    [(SHOP_WIDE, ""), (WITH_PEER, ", participants: {小店客服: seller}")],
    ids=["in-order", "peer-column"],
)
def test_shared_export_gives_each_order_its_buyers_conversation(
    tmp_path: Path, export: str, participants: str
) -> None:
    case = load_case(shop_wide_case(tmp_path, export, participants))
    for oid in (A, B):
        ex = chat_of(case, oid)
        assert ex.peer == BUYER[oid]
        roles = dict(ex.item.participants)
        assert roles == {BUYER[oid]: "buyer", "小店客服": "seller"}, roles
    # C's buyer never wrote: no chat exhibit, and the gap is named.
    proof_c = next(p for p in case.proof if p.id == C)
    assert "no_chat" in [g.kind for g in proof_c.gaps]
    assert not any(ex.kind == "chat" and ex.orders == (C,) for ex in case.exhibits)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    manifest = shop_wide_case(tmp_path_factory.mktemp("shop-chat"), SHOP_WIDE)
    proc = run_cli("build", "-q", str(manifest), env={"SOURCE_DATE_EPOCH": "1764547200"})
    assert proc.returncode == 0, proc.stderr
    return manifest.parent / "out"


def test_order_section_holds_no_other_buyers_message(built: Path) -> None:
    pdf = next(built.glob("*.pdf"))
    texts = [re.sub(r"\s+", "", p.extract_text() or "") for p in pypdf.PdfReader(pdf).pages]
    rec = json.loads(next(built.glob("*.evidence.json")).read_text(encoding="utf-8"))
    for o in rec["orders"]:
        section = "".join(texts[o["pages"][0] - 1 : o["pages"][1]])
        own = OWN.get(o["id"], ())
        assert all(m in section for m in own), o["id"]
        others = [m for k, ms in OWN.items() if k != o["id"] for m in ms]
        assert not any(m in section for m in (*others, *FOREIGN)), o["id"]
        # Every other buyer stays out, and none of them is called the shop.
        assert not any(BUYER[k] in section for k in BUYER if k != o["id"]), o["id"]
    whole = "".join(texts)
    assert "小店客服（卖家）" in whole and "tb_lin_88（买家）" in whole
    assert "tb_other" not in whole
