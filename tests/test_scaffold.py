"""`evidencekit init --reason fake_orders`: the per-order proof scaffold validates and builds as
written, and again once the exports are in place and their lines uncommented."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from evidencekit.manifest import load_case
from evidencekit.pipeline import build

from .conftest import ROOT, run_cli

EXAMPLE = ROOT / "examples/taobao-fake-orders"
PROOF_FOLDERS = ("orders", "payments", "shipping", "shipping/traces", "chat", "photos", "docs")


def test_fake_orders_scaffold_validates_and_builds(tmp_path: Path) -> None:
    folder = tmp_path / "appeal-1"
    proc = run_cli("init", str(folder), "--profile", "taobao", "--reason", "fake_orders")
    assert proc.returncode == 0, proc.stderr
    for sub in PROOF_FOLDERS:  # every proof source has its folder, with a note in Chinese
        note = folder / sub / "说明.txt"
        assert note.is_file() and re.search(r"[\u4e00-\u9fff]", note.read_text(encoding="utf-8"))
    manifest = (folder / "case.yaml").read_text(encoding="utf-8")
    assert "\nproof:\n" in manifest and "# orders_from:" in manifest
    # An appeal against the platform's judgement, not a reply to a buyer.
    statement = (folder / "statement.md").read_text(encoding="utf-8")
    assert "申诉" in statement and "虚假交易" in statement and "驳回买家" not in statement
    case = load_case(folder / "case.yaml")
    assert case.manifest.case.dispute is not None
    assert case.manifest.case.dispute.reason == "虚假交易"
    assert [o.id for o in case.proof] == ["TODO-ORDER-ID"]
    result = build(folder / "case.yaml")
    assert result.pages >= 4


def test_fake_orders_scaffold_takes_the_exports_as_commented(tmp_path: Path) -> None:
    folder = tmp_path / "appeal-2"
    proc = run_cli("init", str(folder), "--profile", "taobao", "--reason", "fake_orders")
    assert proc.returncode == 0, proc.stderr
    # The merchant's files, under the names the scaffold's comments give.
    shutil.copy(EXAMPLE / "flagged.csv", folder / "flagged.csv")
    shutil.copy(
        EXAMPLE / "orders/ExportOrderList202510201030.csv", folder / "orders/ExportOrderList.csv"
    )
    shutil.copy(
        EXAMPLE / "payments/alipay_record_20251020_1035.csv",
        folder / "payments/alipay_record.csv",
    )
    for sub in ("shipping", "chat", "photos", "docs"):
        shutil.copytree(EXAMPLE / sub, folder / sub, dirs_exist_ok=True)
    text = (folder / "case.yaml").read_text(encoding="utf-8")
    text = text.replace('    - {id: "TODO-ORDER-ID"}\n', "").replace(
        "  orders:\n", "  orders: []\n"
    )
    for key in ("orders_from", "orders", "payments", "shipments", "documents"):
        text, n = re.subn(rf"^(\s*)# ({key}:)", r"\1\2", text, count=1, flags=re.MULTILINE)
        assert n == 1, key
    (folder / "case.yaml").write_text(text, encoding="utf-8")
    case = load_case(folder / "case.yaml")
    assert len(case.proof) == 5
    assert sum(1 for o in case.proof if o.complete) == 4
    assert all(o.paid_at and o.waybill and o.buyer for o in case.proof)


def test_fake_orders_scaffold_speaks_the_platforms_language(tmp_path: Path) -> None:
    folder = tmp_path / "appeal-3"
    proc = run_cli("init", str(folder), "--profile", "stripe", "--reason", "fake_orders")
    assert proc.returncode == 0, proc.stderr
    assert (folder / "shipping/traces/README.txt").is_file()
    statement = (folder / "statement.md").read_text(encoding="utf-8")
    assert "appeal" in statement and not re.search(r"[\u4e00-\u9fff]", statement)
    case = load_case(folder / "case.yaml")
    assert case.profile.name == "stripe" and len(case.proof) == 1
