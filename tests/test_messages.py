"""The message catalogue: every id used exists in both languages with the same parameters, and
messages render in the case's language (errors with their location, warnings, summaries)."""

from __future__ import annotations

import ast
import pickle
import re
from pathlib import Path

import pytest

import evidencekit
from evidencekit.errors import EvidenceError, ManifestError, Problem
from evidencekit.i18n import CATALOG
from evidencekit.messages import MESSAGES, Msg, env_language, fields, join, localize

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
