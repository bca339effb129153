"""The case register: batch builds record cases; list, due, search, mark, verify (SQLite, PG)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from evidencekit.cli import app
from tests.conftest import PgServer, run_cli, write_case

# No locale from the machine running the tests unless a test sets one.
NO_LOCALE = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "", "LANGUAGE": ""}

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime.now(UTC)
# Naive local times in the manifest, read in case.timezone (Asia/Shanghai).
OVERDUE = (NOW - timedelta(days=1)).astimezone(SHANGHAI).replace(microsecond=0, tzinfo=None)
SOON = (NOW + timedelta(days=3)).astimezone(SHANGHAI).replace(microsecond=0, tzinfo=None)

CHINESE = f"""\
evidencekit: 1
case:
  id: CN-0457
  title: 订单 3456789012345678901 商品与描述不符 退款纠纷
  profile: "12315"
  timezone: Asia/Shanghai
  parties:
    - {{role: respondent, name: 杭州某某服饰旗舰店}}
    - {{role: claimant, name: tb_buyer_8861}}
  orders:
    - {{id: "3456789012345678901", amount: 299.00, currency: CNY}}
  dispute:
    reason: 商品与描述不符
    claim: 买家称实物颜色与图片不符，申请全额退款
    respond_by: {OVERDUE.isoformat()}
  statement: 详情页已注明"可能存在轻微色差"，发货前拍照存证。
evidence:
  - kind: product
    title: 商品详情页截图
    files: [shot.png]
  - kind: shipping
    title: 顺丰物流轨迹
    carrier: 顺丰速运
    tracking_number: SF1456789012345
    events:
      - {{at: 2025-10-01T18:00:00, location: 杭州, status: 已揽收}}
"""

ENGLISH = f"""\
evidencekit: 1
case:
  id: EN-1047
  title: Order 1047 not received
  profile: generic
  timezone: Asia/Shanghai
  orders:
    - {{id: "#1047", amount: 184.50, currency: USD}}
  dispute:
    reason: product_not_received
    respond_by: {SOON.isoformat()}
evidence:
  - kind: shipping
    title: UPS tracking
    carrier: UPS
    tracking_number: 1Z999AA10123456784
    files: [shot.png]
"""

BROKEN = """\
evidencekit: 1
case:
  id: BAD-1
  title: A case whose screenshot is missing
evidence:
  - kind: product
    title: Listing
    files: [missing.png]
"""


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Three cases, one broken, built in one batch with archives into an SQLite register."""
    root = tmp_path_factory.mktemp("cases")
    write_case(root / "cn", CHINESE, {"shot.png": None})
    write_case(root / "en", ENGLISH, {"shot.png": None})
    write_case(root / "broken", BROKEN)
    register = root / "reg" / "register.sqlite"
    env = {"SOURCE_DATE_EPOCH": "1764547200"}
    proc = run_cli("build", str(root), "--archive", "-j", "2", "--register", str(register), env=env)
    return {"root": root, "register": str(register), "proc": proc, "env": env}


@pytest.fixture(scope="module")
def pg_batch(batch: dict[str, object], pg_server: PgServer) -> dict[str, object]:
    """The same cases recorded into PostgreSQL (their outputs are up to date: no re-render)."""
    root = batch["root"]
    assert isinstance(root, Path)
    url = pg_server.database("evk_register_test")
    env = {"EVIDENCEKIT_STORE": str(root / "pgstore"), "SOURCE_DATE_EPOCH": "1764547200"}
    proc = run_cli("build", str(root), "--archive", "-j", "2", "--register", url, env=env)
    return {"root": root, "register": url, "proc": proc, "env": env}


@pytest.fixture(params=["sqlite", "postgresql"])
def reg(request: pytest.FixtureRequest) -> dict[str, object]:
    name = "batch" if request.param == "sqlite" else "pg_batch"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


def cases(reg: dict[str, object], *args: str) -> tuple[int, str, str]:
    """`evidencekit cases …` in this process (a subprocess each would cost a second here)."""
    env = reg["env"]
    assert isinstance(env, dict)
    env = {**NO_LOCALE, **env}  # English unless a test sets a locale
    result = CliRunner().invoke(app, ["cases", *args, "--register", str(reg["register"])], env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def cases_json(reg: dict[str, object], *args: str) -> object:
    code, out, err = cases(reg, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_batch_builds_the_good_cases_and_reports_the_broken_one(
    reg: dict[str, object],
) -> None:
    proc = reg["proc"]
    assert proc.returncode == 1, proc.stderr  # type: ignore[attr-defined]
    out, err = proc.stdout, proc.stderr  # type: ignore[attr-defined]
    assert "2 of 3 case(s) built" in out
    for case_id in ("CN-0457", "EN-1047"):
        assert case_id in out
    assert "failed (1)" in out
    assert "missing.png" in err and "broken" in err
    assert "Traceback" not in err
    root = reg["root"]
    assert isinstance(root, Path)
    assert (root / "cn" / "out" / "CN-0457.pdf").is_file()
    assert not (root / "broken" / "out").exists()
    listed = cases_json(reg, "list")
    assert isinstance(listed, list)
    assert sorted(c["id"] for c in listed) == ["CN-0457", "EN-1047"]


def test_register_holds_the_case_its_outputs_and_archive(reg: dict[str, object]) -> None:
    shown = cases_json(reg, "show", "CN-0457")
    assert isinstance(shown, dict)
    assert shown["title"].startswith("订单 3456789012345678901")
    assert shown["profile"] == "12315" and shown["reason"] == "商品与描述不符"
    assert shown["orders"] == [{"id": "3456789012345678901", "amount": "299.00", "currency": "CNY"}]
    assert shown["waybills"] == [{"waybill": "SF1456789012345", "carrier": "顺丰速运"}]
    assert [p["name"] for p in shown["parties"]] == ["杭州某某服饰旗舰店", "tb_buyer_8861"]
    # respond_by without an offset was read in the case's zone (UTC+8).
    expected = OVERDUE.replace(tzinfo=SHANGHAI).astimezone(UTC)
    assert datetime.fromisoformat(shown["respond_by"]) == expected
    assert shown["status"] == "built"
    assert [h["status"] for h in shown["history"]] == ["built"]
    # Outputs: exactly the hashes of SHA256SUMS in the output folder, which match the files.
    out_dir = Path(shown["out_dir"])
    sums = dict(
        reversed(line.split("  ", 1)) for line in (out_dir / "SHA256SUMS").read_text().splitlines()
    )
    recorded = {o["path"]: o["sha256"] for o in shown["outputs"]}
    assert recorded == sums
    pdf = (out_dir / "CN-0457.pdf").read_bytes()
    assert recorded["CN-0457.pdf"] == hashlib.sha256(pdf).hexdigest()
    # Archive: one row; its kept copy is content-addressed, read-only, equal to the original.
    (archive,) = shown["archives"]
    kept = Path(archive["stored_at"])
    written = Path(archive["written_to"])
    assert kept.name == f"{archive['sha256']}.zip"
    assert kept.read_bytes() == written.read_bytes()
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == archive["sha256"]
    assert not kept.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def test_archive_command_records_once_and_keeps_the_copy(reg: dict[str, object]) -> None:
    root = reg["root"]
    assert isinstance(root, Path)
    env = reg["env"]
    assert isinstance(env, dict)
    manifest = str(root / "en" / "case.yaml")
    result = CliRunner().invoke(
        app, ["archive", manifest, "--register", str(reg["register"])], env=env
    )
    assert result.exit_code == 0, result.stderr
    assert "register" not in result.stderr  # no register warning
    shown = cases_json(reg, "show", "EN-1047")
    assert isinstance(shown, dict)
    assert len(shown["archives"]) == 1  # the same archive again: not a second record
    assert len(shown["builds"]) == 1  # up to date: the same outputs, not a second build
    assert Path(shown["archives"][0]["stored_at"]).is_file()


def test_search_by_order_waybill_party_and_chinese_text(reg: dict[str, object]) -> None:
    def ids(query: str) -> list[str]:
        found = cases_json(reg, "search", query)
        assert isinstance(found, list)
        return [c["id"] for c in found]

    assert ids("3456789012345678901") == ["CN-0457"]
    assert ids("34567890123") == ["CN-0457"]  # part of an order id
    assert ids("SF1456789012345") == ["CN-0457"]
    assert ids("sf14567") == ["CN-0457"]  # case does not matter
    assert ids("1Z999AA10123456784") == ["EN-1047"]
    assert ids("旗舰店") == ["CN-0457"]  # a party
    assert ids("颜色与图片") == ["CN-0457"]  # inside the claim: Chinese has no word breaks
    assert ids("色差") == ["CN-0457"]  # two characters, from the statement
    assert ids("顺丰 退款") == ["CN-0457"]  # every term must be there
    assert ids("顺丰 UPS") == []
    assert ids('"not received"') == ["EN-1047"]  # a quoted phrase
    assert ids("nothing-like-this") == []
    code, out, _ = cases(reg, "search", "SF1456789012345")
    assert code == 0 and "CN-0457" in out


def test_due_lists_open_cases_most_urgent_first(reg: dict[str, object]) -> None:
    due = cases_json(reg, "due", "--days", "7")
    assert isinstance(due, list)
    assert [c["id"] for c in due] == ["CN-0457", "EN-1047"]  # overdue first
    soon = cases_json(reg, "due", "--days", "1")
    assert isinstance(soon, list)
    assert [c["id"] for c in soon] == ["CN-0457"]
    code, out, _ = cases(reg, "due")
    assert code == 0 and "overdue" in out


def test_list_filters_and_tables(reg: dict[str, object]) -> None:
    def ids(*args: str) -> list[str]:
        found = cases_json(reg, "list", *args)
        assert isinstance(found, list)
        return [c["id"] for c in found]

    assert ids() == ["CN-0457", "EN-1047"]  # nearest deadline first
    assert ids("--platform", "generic") == ["EN-1047"]
    assert ids("--text", "旗舰店") == ["CN-0457"]
    assert ids("--due", "1") == ["CN-0457"]
    assert ids("--status", "won") == []
    code, _, err = cases(reg, "list", "--status", "maybe")
    assert code == 2 and "built" in err
    code, out, _ = cases(reg, "show", "CN-0457")
    assert code == 0
    assert "history" in out and "SF1456789012345" in out and "CN-0457.pdf" in out
    code, out, _ = cases(reg, "stats")
    assert code == 0 and "by reason" in out and "by platform" in out


def test_register_commands_speak_the_users_language(batch: dict[str, object]) -> None:
    zh = {**batch, "env": {"LANG": "zh_CN.UTF-8"}}
    code, listed, _ = cases(zh, "list")
    assert code == 0
    for word in ("案件", "状态", "答复期限", "剩余", "已逾期", "已生成"):  # 80 columns
        assert word in listed, word
    code, out, _ = cases(zh, "show", "CN-0457")
    assert code == 0 and "状态记录" in out and "输出文件（最近一次生成）" in out and "归档" in out
    assert "被申请人" in out and "申请人" in out and "\nhistory" not in out
    code, stats, _ = cases(zh, "stats")
    assert code == 0 and "按争议原因" in stats and "成功率" in stats
    code, verified, _ = cases(zh, "verify", "--all")
    assert "个归档中" in verified
    code, _, err = cases(zh, "mark", "NO-SUCH", "won")
    assert code == 1 and "案件 'NO-SUCH' 不在登记簿" in err, err
    code, _, err = cases(zh, "mark", "CN-0457", "maybe")
    assert code == 2 and "未知的状态 'maybe'；可选：submitted, won" in err, err
    said = listed + stats + verified
    for english in ("case", "status", "overdue", "reason", "win rate", "archive"):
        assert english not in said, english


def test_mark_records_history_and_leaves_due(reg: dict[str, object]) -> None:
    code, _, err = cases(reg, "mark", "EN-1047", "submitted", "--note", "uploaded to Stripe")
    assert code == 0, err
    code, _, err = cases(reg, "mark", "EN-1047", "lost", "--note", "issuer sided with buyer")
    assert code == 0, err
    shown = cases_json(reg, "show", "EN-1047")
    assert isinstance(shown, dict)
    assert shown["status"] == "lost"
    assert [(h["status"], h["note"]) for h in shown["history"]] == [
        ("built", None),
        ("submitted", "uploaded to Stripe"),
        ("lost", "issuer sided with buyer"),
    ]
    due = cases_json(reg, "due", "--days", "30")
    assert isinstance(due, list)
    assert [c["id"] for c in due] == ["CN-0457"]  # a lost case is not due any more
    lost = cases_json(reg, "list", "--status", "lost")
    assert isinstance(lost, list)
    assert [c["id"] for c in lost] == ["EN-1047"]
    stats = cases_json(reg, "stats")
    assert isinstance(stats, list)
    by_reason = {(r["by"], r["key"]): r for r in stats}
    assert by_reason["reason", "product_not_received"]["win_rate"] == 0
    assert by_reason["reason", "商品与描述不符"]["win_rate"] is None  # not decided yet
    assert by_reason["platform", "generic"]["lost"] == 1
    assert by_reason["platform", "12315"]["pending"] == 1
    code, _, err = cases(reg, "mark", "NO-SUCH", "won")
    assert code == 1 and "NO-SUCH" in err and "Traceback" not in err
    code, _, err = cases(reg, "mark", "EN-1047", "maybe")
    assert code == 2 and "submitted" in err


def test_export_csv_has_every_case(reg: dict[str, object]) -> None:
    code, out, err = cases(reg, "export", "--csv")
    assert code == 0, err
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(out))}
    assert set(rows) == {"CN-0457", "EN-1047"}
    assert rows["CN-0457"]["waybills"] == "SF1456789012345"
    assert rows["CN-0457"]["amount"] == "299.00"


def test_a_broken_register_never_fails_a_build(
    batch: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    from evidencekit.pipeline import BuildOptions, build

    root = batch["root"]
    assert isinstance(root, Path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")  # as built: up to date, no re-render
    bad = "postgresql://nobody@/x?host=/nonexistent-socket-dir"
    result = build(root / "cn" / "case.yaml", BuildOptions(archive=True, register=bad))
    assert result.pdf_path.is_file()
    (warning,) = [w for w in result.warnings if "register" in w]
    assert "case register was not updated" in warning and "build itself is complete" in warning


def test_verify_all_catches_a_tampered_archive(reg: dict[str, object]) -> None:
    code, out, err = cases(reg, "verify", "--all")
    assert code == 0, out + err
    assert "2 of 2 archive(s) intact" in out
    shown = cases_json(reg, "show", "CN-0457")
    assert isinstance(shown, dict)
    kept = Path(shown["archives"][0]["stored_at"])
    kept.chmod(0o644)
    data = bytearray(kept.read_bytes())
    data[len(data) // 2] ^= 0xFF
    kept.write_bytes(bytes(data))
    code, out, _ = cases(reg, "verify", "EN-1047", "--json")  # one case: its archive only
    assert code == 0
    assert [a["case_id"] for a in json.loads(out)["archives"]] == ["EN-1047"]
    code, out, _ = cases(reg, "verify", "--all", "--json")
    assert code == 1
    result = json.loads(out)
    verdicts = {a["case_id"]: a["status"] for a in result["archives"]}
    assert verdicts == {"CN-0457": "ALTERED", "EN-1047": "OK"}
    shown = cases_json(reg, "show", "CN-0457")
    assert isinstance(shown, dict)
    assert shown["archives"][0]["verify_status"] == "ALTERED"
    os.remove(kept)
    code, out, _ = cases(reg, "verify", "--all", "--json")
    assert code == 1
    assert {a["case_id"]: a["status"] for a in json.loads(out)["archives"]}["CN-0457"] == "MISSING"


def test_a_register_that_cannot_open_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(app, ["cases", "list", "--register", str(blocker / "r.sqlite")])
    assert result.exit_code == 1
    assert "register" in result.stderr and "cannot open" in result.stderr
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_a_register_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "r.sqlite"
    assert CliRunner().invoke(app, ["cases", "list", "--register", str(path)]).exit_code == 0
    with sqlite3.connect(path) as db:
        db.execute("UPDATE evk_schema SET version = 99")
    from evidencekit.register import db as register_db

    register_db.close_engines()  # as a new process would find it
    result = CliRunner().invoke(app, ["cases", "list", "--register", str(path)])
    assert result.exit_code == 1
    assert "newer evidencekit" in result.stderr
