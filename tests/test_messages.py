"""The message catalogue: every id used exists in both languages with the same parameters, and
messages render in the case's language (errors with their location, warnings, summaries)."""

from __future__ import annotations

import ast
import pickle
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import evidencekit
from evidencekit.cli import app
from evidencekit.errors import EvidenceError, ManifestError, Problem
from evidencekit.i18n import CATALOG
from evidencekit.messages import MESSAGES, Msg, env_language, fields, join, localize

from .conftest import run_cli, write_case

PACKAGE = Path(evidencekit.__file__).parent
CJK = re.compile(r"[\u3400-\u9fff]")
# Calls whose first string argument (after the language, for cli helpers) is a message id.
ID_ARG = {"Msg": 0, "_say": 1, "_usage": 1}


def _calls() -> list[tuple[str, int, str, set[str] | None]]:
    """(file, line, id, keyword names or None when **kwargs is passed) of every message call."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            pos = ID_ARG.get(name)
            if pos is None or len(node.args) <= pos:
                continue
            arg = node.args[pos]
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                continue  # ids built at run time are covered by the tests that render them
            named = all(k.arg for k in node.keywords)
            kws = {k.arg for k in node.keywords if k.arg} if named else None
            found.append((path.name, node.lineno, arg.value, kws))
    return found


def test_the_catalogue_is_used() -> None:
    assert len(_calls()) > 50


@pytest.mark.parametrize("catalogue", [MESSAGES, CATALOG], ids=["messages", "labels"])
def test_every_entry_has_both_languages_with_the_same_parameters(
    catalogue: dict[str, tuple[str, str]],
) -> None:
    for key, (zh, en) in catalogue.items():
        assert zh.strip() and en.strip(), key
        # zh may spell a number in Chinese numerals: {zh_n} for {n}
        assert {f.removeprefix("zh_") for f in fields(zh)} == fields(en), key
        words = re.sub(r"\{[^}]*\}|`[^`]*`|--[a-z-]+", "", en)
        if re.search(r"[A-Za-z]{2}", words):
            assert CJK.search(zh), f"{key}: no Chinese text"


def test_every_message_call_names_an_id_with_its_parameters() -> None:
    for file, line, msg_id, kws in _calls():
        assert msg_id in MESSAGES, f"{file}:{line}: unknown message id {msg_id!r}"
        if kws is not None:
            assert kws == fields(MESSAGES[msg_id][1]), f"{file}:{line}: {msg_id} parameters"


def _user_errors(trees: list[ast.Module]) -> set[str]:
    """Names of the error classes a user sees (EvidencekitError's family, bugs left out)."""
    bases = {
        node.name: {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }
    family = {"EvidencekitError", "TemplateRefused"}  # a case template's refusal: user-facing
    while grown := {n for n, b in bases.items() if b & family} - family:
        family |= grown
    return family - {"RenderError", "InternalError"}  # exit 70: our bugs, not the user's


def _literal(node: ast.expr | None) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def test_no_error_a_user_sees_is_raised_with_literal_text() -> None:
    """Errors carry catalogue messages (so they speak the case's language), not English text."""
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(PACKAGE.rglob("*.py"))}
    errors = _user_errors(list(trees.values()))
    assert {"EvidenceError", "RegisterError", "UsageError", "LimitError"} <= errors
    found = []
    for path, tree in trees.items():
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            literal = {
                t.id
                for node in ast.walk(fn)
                if isinstance(node, ast.Assign) and _literal(node.value)
                for t in node.targets
                if isinstance(t, ast.Name)
            }
            for node in ast.walk(fn):
                if not (isinstance(node, ast.Call) and node.args):
                    continue
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                arg = node.args[0]
                if name in errors and (
                    _literal(arg) or (isinstance(arg, ast.Name) and arg.id in literal)
                ):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {name}")
    assert found == []


# Ids the code builds at run time (f"review.no_{...}"): each must exist too.
DYNAMIC_IDS = [
    *(f"path.not_a_{noun}" for noun in ("file", "image")),
    *(f"review.no_{what}" for what in ("source", "proves", "source_proves")),
    *(f"template.{kind}" for kind in ("syntax", "undefined", "sandbox", "error")),
    *(f"limit.{k}" for k in ("file_bytes", "total_bytes", "image_bytes", "pages_per_file")),
    *(f"limit.{k}" for k in ("pages_total", "files")),
    *(f"usage.missing_{what}" for what in ("option", "argument")),
    *(f"verify.verdict_{v}" for v in ("failed", "verified", "nothing")),
    *(f"verify.{h}" for h in ("file", "expected", "actual", "status", "altered", "missing")),
]


def test_ids_built_at_run_time_exist() -> None:
    assert [i for i in DYNAMIC_IDS if i not in MESSAGES] == []


def test_a_message_is_its_english_text_and_renders_in_chinese() -> None:
    m = Msg("cli.unknown_reason", reason="x", names="a, b")
    assert m == "unknown reason 'x'; use one of: a, b"
    assert m.render("zh-CN") == "未知的争议类型 'x'；可选：a, b"
    hint = "" + m + " " + Msg("frame.hint", text=m)
    assert str(hint) == f"{m} hint: {m}"
    assert localize(hint, "zh-CN").startswith("未知的争议类型")
    assert localize(join([m, "y"], "; "), "zh-CN").endswith("；可选：a, b; y")
    assert pickle.loads(pickle.dumps(m)).render("zh-CN") == m.render("zh-CN")
    err = pickle.loads(pickle.dumps(EvidenceError(m, file="a.csv")))
    assert err.render("zh-CN") == "a.csv: " + m.render("zh-CN") and str(err) == f"a.csv: {m}"


def test_problem_keeps_its_location_in_both_languages() -> None:
    p = Problem(
        Msg("cli.unknown_reason", reason="x", names="a"),
        "evidence[2].files[0]",
        "case.yaml",
        12,
        7,
        Msg("cli.wrote", path="p"),
        "warning",
    )
    assert p.format() == (
        "warning: case.yaml:12:7: evidence[2].files[0]: unknown reason 'x'; use one of: a"
        "\n    hint: wrote p"
    )
    assert p.format("zh-CN") == (
        "警告：case.yaml:12:7: evidence[2].files[0]: 未知的争议类型 'x'；可选：a"
        "\n    提示：已写入 p"
    )
    assert localize(p.text(), "zh-CN") == p.format("zh-CN")
    assert ManifestError([p]).render("zh-CN") == p.format("zh-CN")


@pytest.mark.parametrize(
    ("env", "lang"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh-CN"),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN"}, "zh-CN"),
        ({"LC_ALL": "", "LANG": "zh_TW"}, "zh-CN"),
        ({}, "en"),
    ],
)
def test_locale_from_the_environment(env: dict[str, str], lang: str) -> None:
    assert env_language(env) == lang


# ---------------------------------------------------------------- the command line

ZH_CASE = """\
evidencekit: 1
case:
  id: T-ZH
  title: 订单 1001 退款纠纷
  profile: taobao
evidence:
  - kind: product
    titel: 商品详情页
    files: [shot.png]
  - kind: chat
    title: 聊天记录
    files: [chat/*.png]
"""

BROKEN_YAML = "evidencekit: 1\ncase:\n  id: T-1\n\ttitle: x\n"

# No locale from the machine running the tests unless a test sets one.
NO_LOCALE = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "", "LANGUAGE": ""}


def _cli(*args: str, env: dict[str, str]) -> tuple[int, str]:
    """The command line in this process (fast); run_cli runs it as a user would."""
    result = CliRunner().invoke(app, list(args), env={**NO_LOCALE, **env})
    return result.exit_code, result.stderr


def _validate(manifest: Path, env: dict[str, str]) -> list[str]:
    code, stderr = _cli("validate", str(manifest), env=env)
    assert code == 1, stderr
    return stderr.splitlines()


def test_a_chinese_case_gets_chinese_errors_with_their_location(tmp_path: Path) -> None:
    manifest = write_case(tmp_path, ZH_CASE, {"shot.png": None})
    lines = _validate(manifest, {})
    assert lines[:2] == [
        "case.yaml:7:5: evidence[0].title: 缺少必填键 'title'",
        "case.yaml:8:5: evidence[0].titel: 未知的键 'titel'",
    ]
    assert lines[2].startswith("    提示：是否想写 'title'？ 可用的键：id, title, files,")
    assert lines[-1] == "2 个错误；未写入任何文件。"
    manifest.write_text(manifest.read_text().replace("titel", "title"), encoding="utf-8")
    lines = _validate(manifest, {})
    assert lines == [
        "case.yaml:12:13: evidence[1].files[0]: 没有文件匹配 'chat/*.png'",
        "    提示：是否想写 'shot.png'？",
        "1 个错误；未写入任何文件。",
    ]


def test_the_same_mistakes_in_an_english_case(tmp_path: Path) -> None:
    text = ZH_CASE.replace("profile: taobao", "profile: taobao\n  language: en")
    manifest = write_case(tmp_path, text, {"shot.png": None})
    lines = _validate(manifest, {"LANG": "zh_CN.UTF-8"})  # the case's language wins
    assert lines[:2] == [
        "case.yaml:8:5: evidence[0].title: missing required key 'title'",
        "case.yaml:9:5: evidence[0].titel: unknown key 'titel'",
    ]
    assert lines[2].startswith("    hint: did you mean 'title'? accepted keys: id, title, files,")
    assert lines[-1] == "2 error(s); nothing was written."
    manifest.write_text(manifest.read_text().replace("titel", "title"), encoding="utf-8")
    lines = _validate(manifest, {"LANG": "zh_CN.UTF-8"})
    assert lines == [
        "case.yaml:13:13: evidence[1].files[0]: no file matches 'chat/*.png'",
        "    hint: did you mean 'shot.png'?",
        "1 error(s); nothing was written.",
    ]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "case.yaml:4:1: YAML 语法错误："),
        ({"LANG": "zh_CN"}, "case.yaml:4:1: YAML 语法错误："),
        ({"LANG": "en_US.UTF-8"}, "case.yaml:4:1: YAML syntax error: "),
    ],
)
def test_a_broken_yaml_file_speaks_the_users_locale(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    manifest = write_case(tmp_path, BROKEN_YAML)
    if env["LANG"] == "zh_CN":  # once as a user runs it
        proc = run_cli("validate", str(manifest), env={**NO_LOCALE, **env})
        code, stderr = proc.returncode, proc.stderr
    else:
        code, stderr = _cli("validate", str(manifest), env=env)
    assert code == 1
    assert stderr.startswith(expected), stderr
    hint = "制表符" if "zh" in env["LANG"] else "a tab is used for indentation"
    assert hint in stderr
    if "zh" in env["LANG"]:  # PyYAML's own words too
        assert set(re.findall(r"[A-Za-z]{3,}", stderr)) <= {"case", "yaml", "YAML", "Tab"}, stderr


def test_lang_option_and_usage_errors(tmp_path: Path) -> None:
    manifest = write_case(tmp_path, ZH_CASE, {"shot.png": None})
    code, stderr = _cli("validate", str(manifest), "--lang", "en", env={})
    assert code == 1 and "unknown key 'titel'" in stderr
    code, stderr = _cli("build", str(manifest), "--page-image-dpi", "9", env={"LANG": "zh_CN"})
    assert code == 2 and "--page-image-dpi 须在 36 到 600 之间" in stderr
    code, stderr = _cli("profiles", "taobo", env={"LC_MESSAGES": "zh_CN.UTF-8"})
    assert code == 2 and stderr.startswith("未知的平台配置 'taobo'；可用配置：")


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (["build"], "缺少参数 'MANIFEST'。", "Missing argument 'MANIFEST'."),
        (["validate", "c.yaml", "--nope"], "没有 --nope 选项", "No such option: --nope"),
        (["biuld"], "没有命令 'biuld'。是否想写 'build'？", "No such command 'biuld'."),
        (["build", "c.yaml", "--page-image-dpi", "x"], "'--page-image-dpi' 的值无效：应为整数", ""),
    ],
)
def test_typers_own_usage_errors(args: list[str], zh: str, en: str) -> None:
    code, stderr = _cli(*args, env={"LANG": "zh_CN.UTF-8"})
    assert code == 2 and zh.lower() in " ".join(stderr.split()).lower(), stderr
    code, stderr = _cli(*args, env={"LANG": "en_US.UTF-8"})
    said = " ".join(stderr.split()).lower()
    assert code == 2 and en.lower() in said and not CJK.search(stderr), stderr


ZH_FRAME = ("用法：", "build --help' 查看帮助。", "错误")
EN_FRAME = ("Usage:", "build --help' for help.", "Error")


def _said(*args: str, env: dict[str, str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={**NO_LOCALE, **env})
    return result.exit_code, result.stdout + result.stderr


@pytest.mark.parametrize("args", [["build"], ["build", "c.yaml", "--bogus"]])
def test_typers_frame_in_the_users_language(args: list[str]) -> None:
    code, said = _said(*args, env={"LANG": "zh_CN.UTF-8"})
    assert code == 2 and all(w in said for w in ZH_FRAME), said
    assert not any(w in said for w in EN_FRAME), said
    code, said = _said(*args, env={"LANG": "C"})  # and back: nothing of the last run stays
    assert code == 2 and all(w in said for w in EN_FRAME) and not CJK.search(said), said


def test_help_frame_in_chinese() -> None:
    code, said = _said("build", "--help", env={"LC_ALL": "zh_CN.UTF-8"})
    assert code == 0
    for word in ("build [OPTIONS]", "参数", "选项", "[必填]", "显示本帮助", "用法："):
        assert word in said, word
    for word in ("Usage:", "Arguments", "Options", "[required]", "Show this message"):
        assert word not in said, word
    assert "先校验，再生成卷宗及其附属文件" in said and "案件清单" in said  # our own texts
    code, said = _said("--help", env={"LANG": "zh_CN"})
    assert code == 0 and "命令" in said and "Commands" not in said
    assert "案件登记簿" in said and "The case register" not in said


def test_every_help_text_is_in_the_catalogue() -> None:
    import typer.main

    english = {en for k, (_, en) in MESSAGES.items() if k.startswith("help.")}
    missing = []
    commands = [("evidencekit", typer.main.get_command(app))]
    while commands:
        path, command = commands.pop()
        texts = [command.help, *(getattr(p, "help", None) for p in command.params)]
        keywords = re.compile(r"\w+( \| \w+)+")  # 'won | lost': what the user types
        missing += [
            f"{path}: {t}" for t in texts if t and t not in english and not keywords.fullmatch(t)
        ]
        commands += [(f"{path} {n}", c) for n, c in getattr(command, "commands", {}).items()]
    assert missing == []


def test_a_chinese_case_gets_a_chinese_frame_under_an_english_locale(tmp_path: Path) -> None:
    manifest = write_case(tmp_path, ZH_CASE)
    code, said = _said("build", str(manifest), "--bogus", env={"LANG": "C"})
    assert code == 2 and "没有 --bogus 选项" in said and "用法：" in said, said
    code, said = _said("build", str(manifest), "--bogus", "--lang", "en", env={"LANG": "zh_CN"})
    assert code == 2 and "No such option: --bogus" in said and not CJK.search(said), said


# ---------------------------------------------------------------- warnings

WARNED_CASE = """\
evidencekit: 1
case:
  id: T-W
  title: TODO 订单标题
  profile: taobao
  submitted_to: 京东
  statement: |
    致京东平台：

    买家称未收到货。
  orders:
    - {id: "1001", placed_at: 2025-10-02T10:00:00}
    - {id: "1002", placed_at: 2025-09-01T10:00:00}
  dispute: {reason: 未收到货}
evidence:
  - kind: product
    title: 商品详情页
    files: [a.png, a.png]
  - kind: shipping
    title: 物流轨迹
    order: "1001"
    source: 顺丰
    proves: 已签收
    events:
      - {at: 2025-10-01T10:00:00, location: 上海, status: 已签收}
      - {at: 2025-10-01T12:00:00, location: 上海, status: 派件中}
  - kind: shipping
    title: 另一单物流
    source: 顺丰
    proves: 已发货
    events:
      - {at: 2025-09-02T10:00:00, location: 杭州, status: 已揽收}
  - kind: transaction
    title: 订单导出
    source: 后台
    proves: 下单
    table: {file: orders.csv}
  - kind: document
    title: 空的证据
    source: 店铺
    proves: 无
"""

ORDERS_GBK = "订单编号,金额,金额\r\n2001,10.00,10.00\r\n".encode("gbk")
# Each kind of warning the manifest can raise, by message id (the dossier's language decides).
WARNING_IDS = {
    "review.no_source_proves",
    "review.todo",
    "review.recipient",
    "review.statement_to",
    "review.override",
    "exhibit.file_again",
    "exhibit.empty",
    "records.delivered_before_placed",
    "records.after_delivery",
    "records.shipping_no_order",
    "records.order_in_no_table",
    "text.guessed",
    "frame.at",  # a file's own note: export.column_repeats inside
}
ENGLISH = re.compile(r"\b(the|has|is|are|not|no|and|with|of|to|or|in|from|was)\b")


def _id(text: object) -> str:
    return getattr(text, "id", "") or next(
        (p.id for p in getattr(text, "parts", ()) if hasattr(p, "id")), ""
    )


def test_every_warning_kind_in_both_languages(tmp_path: Path) -> None:
    from evidencekit.manifest import load_case

    manifest = write_case(tmp_path, WARNED_CASE, {"a.png": None, "orders.csv": ORDERS_GBK})
    warnings = [
        *load_case(manifest).warnings,
        *load_case(manifest, profile="12315").warnings,
    ]
    problems = [w.problem for w in warnings]  # type: ignore[attr-defined]
    assert {_id(p.message) for p in problems} >= WARNING_IDS
    notes = [p.message.params["text"] for p in problems if _id(p.message) == "frame.at"]
    assert {_id(n) for n in notes} >= {"export.column_repeats"}
    for w, p in zip(warnings, problems, strict=True):
        en, zh = localize(w, "en"), localize(w, "zh-CN")
        assert en == str(w) and en.startswith(f"warning: case.yaml:{p.line}:{p.col}: {p.path}")
        assert zh.startswith(f"警告：case.yaml:{p.line}:{p.col}: {p.path}: ")
        said = localize(p.message, "zh-CN") + localize(p.hint, "zh-CN")
        said = re.sub(r"'[^']*'|\{[^}]*\}|`[^`]*`|[\w./-]+\.(csv|png|md)", "", said)
        assert CJK.search(said) and not ENGLISH.search(said), zh


ZH_BUILD_CASE = """\
evidencekit: 1
case:
  id: T-ZH
  title: 订单 1001 退款纠纷
  profile: generic
  language: zh-CN
evidence:
  - kind: product
    title: 商品详情页
    files: [shot.png]
"""


@pytest.fixture(scope="module")
def zh_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """A zh-CN case built once (under no locale): the CLI's result and the output folder."""
    root = tmp_path_factory.mktemp("zh-build")
    manifest = write_case(root / "c", ZH_BUILD_CASE, {"shot.png": None})
    result = CliRunner().invoke(app, ["build", str(manifest), "-o", str(root / "o")], env=NO_LOCALE)
    assert result.exit_code == 0, result.stderr
    return result, root / "o"


def test_build_summary_and_warnings_in_the_case_language(zh_build: tuple[Any, Path]) -> None:
    result, _ = zh_build
    labels = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert labels == ["卷宗", "页数", "大小", "证据", "用时", "警告"]
    assert "1 项（1 个原始文件）" in result.stdout
    (stages,) = [line for line in result.stdout.splitlines() if line.startswith("用时")]
    assert "读取" in stages and "排版" in stages and "登记" in stages  # the time line's stages
    assert not re.search(r"[A-Za-z]{2,}", stages), stages
    (warning,) = result.stderr.splitlines()[:1]
    assert warning.startswith("警告：case.yaml:8:5: evidence[0]: '商品详情页' 没有来源（source）")


def test_verify_speaks_the_cases_language(zh_build: tuple[Any, Path], tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "moved"  # away from its case folder: sources cannot be checked
    shutil.copytree(zh_build[1], copy)
    code, said = _said("verify", str(copy), env={"LANG": "C"})
    assert code == 0, said
    for word in ("文件", "记录的哈希", "通过", "内嵌副本", "说明：原始文件：未找到案件文件夹"):
        assert word in said, word
    assert "核验通过：4 项检查中 4 项通过" in said
    shown = re.sub(r"\b[0-9a-f]{16}\b", "", said)  # the hashes
    words = set(re.findall(r"[A-Za-z]{2,}", shown)) - {"ZH", "pdf", "evidence", "json", "history"}
    assert words <= {"jsonl", "sources", "DIR"}, words  # --sources DIR, file names
    with (copy / "T-ZH.pdf").open("ab") as fh:
        fh.write(b"%")
    code, said = _said("verify", str(copy), env={"LANG": "C"})
    assert code == 1 and "已改动" in said and "ALTERED" not in said, said
    code, said = _said("verify", str(copy), "--json", env={"LANG": "zh_CN"})
    assert '"status": "ALTERED"' in said and "sources: case folder not found" in said  # data


def test_batch_summary_in_the_users_language_errors_in_each_cases(tmp_path: Path) -> None:
    broken = ZH_BUILD_CASE.replace("shot.png", "gone.png")
    write_case(tmp_path / "a-zh", broken)
    write_case(tmp_path / "b-en", broken.replace("language: zh-CN", "language: en"))
    code, said = _said(
        "build", str(tmp_path), "-j", "1", "-q", "--register", "off", env={"LANG": "zh_CN"}
    )
    assert code == 1, said
    for word in ("案件", "平台配置", "页数", "状态", "失败（1）", "2 个案件中 0 个已生成"):
        assert word in said, word
    assert "找不到文件：'gone.png'" in said and "file not found: 'gone.png'" in said
    table = said.split("/case.yaml:")[0]  # the table and verdict, before the errors
    assert not re.search(r"\b(case|profile|failed|built)\b", table), said
    code, said = _said("build", str(tmp_path / "a-zh"), "--glob", "x.yaml", env={"LANG": "zh_CN"})
    assert code == 2 and "没有与 'x.yaml' 匹配的清单" in said, said


TIGHT = """\
title: Tight test platform
paper: A4
language: en
formats: [pdf]
limits:
  total_bytes: 1000
"""


def test_exit_3_and_its_fit_report_in_the_cases_language(tmp_path: Path) -> None:
    text = ZH_BUILD_CASE.replace("profile: generic", "profile: ./tight.yaml")
    manifest = write_case(tmp_path / "c", text, {"shot.png": None, "tight.yaml": TIGHT})
    out = tmp_path / "o"
    code, said = _said("build", "-q", str(manifest), "-o", str(out), env={"LANG": "C"})
    assert code == 3, said
    assert "占用大小的是：" in said and "已保留（不可用于上传）" in said and "提示：" in said
    assert not re.search(r"what takes|kept \(not|hint:|mostly|largest", said), said
    report = (out / "T-ZH.fit-report.txt").read_text(encoding="utf-8")
    assert report.startswith("T-ZH：卷宗不符合 tight 的限制\n"), report
    for words in ("卷宗：", "图片", "各项证据（从大到小）：", "证据A", "首页文书、目录与附录"):
        assert words in report, words
    assert not re.search(r"pages|exhibits|images|front matter|mostly", report), report


def test_validation_messages_of_the_model_in_chinese(tmp_path: Path) -> None:
    text = """\
evidencekit: 1
case:
  id: "坏 编号"
  title: 订单 1001
  profile: taobao
  timezone: Mars/Base
evidence:
  - kind: product
    title: 商品详情页
    files: 5
    captured_at: 昨天
"""
    manifest = write_case(tmp_path, text)
    lines = _validate(manifest, {})
    assert lines[:-1] == [
        "case.yaml:3:7: case.id: 案件编号须为 1-80 个字母、数字、'.'、'_' 或 '-'"
        "（它会成为文件名的一部分）",
        "case.yaml:6:13: case.timezone: 未知的时区 'Mars/Base'"
        "（请使用 IANA 名称，例如 Asia/Shanghai）",
        "case.yaml:10:12: evidence[0].files: 应为列表（[...] 或以 - 开头的各行）",
        "case.yaml:11:18: evidence[0].captured_at: 不是有效的日期时间：'昨天'",
        "    提示：使用 ISO 8601 格式，例如 2025-10-04T10:00:00 或 2025-10-04T10:00:00+08:00",
    ]
