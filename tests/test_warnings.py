"""Warnings before the reviewer sees it: empty source/proves, init's TODO text, a recipient
that contradicts the profile, a --profile override; in `validate` and `build`, located."""

from __future__ import annotations

from pathlib import Path

from evidencekit.manifest import load_case
from evidencekit.pipeline import BuildOptions, build

from .conftest import MINIMAL, run_cli, write_case

SOURCED = MINIMAL + "    source: 淘宝商品详情页\n    proves: 商品描述\n"

TAOBAO_CASE = """\
evidencekit: 1
case:
  id: T-W
  title: 订单 1001 商品描述
  profile: {profile}
  submitted_to: 淘宝
  statement: |
    致淘宝平台：

    买家主张商品与描述不符，见证据1。
evidence:
  - kind: product
    title: 商品详情页
    files: [shot.png]
    source: 淘宝商品详情页
    proves: 商品描述
"""


def _warnings(manifest: Path, **kw: str) -> list[str]:
    return list(load_case(manifest, **kw).warnings)  # type: ignore[arg-type]


def test_exhibit_without_source_or_proves(tmp_path: Path) -> None:
    (w,) = _warnings(write_case(tmp_path, MINIMAL, {"shot.png": None}))
    assert w.startswith("warning: case.yaml:7:5: evidence[0]: 'Listing' has no source and no")
    only_proves = MINIMAL + "    source: 店铺后台\n"
    (w,) = _warnings(write_case(tmp_path / "b", only_proves, {"shot.png": None}))
    assert "'Listing' has no proves" in w and "no source" not in w
    assert _warnings(write_case(tmp_path / "c", SOURCED, {"shot.png": None})) == []


def test_note_needs_no_source(tmp_path: Path) -> None:
    text = SOURCED + "  - kind: note\n    title: 说明\n    description: 见证据1。\n"
    assert _warnings(write_case(tmp_path, text, {"shot.png": None})) == []


def test_todo_text_left_from_init(tmp_path: Path) -> None:
    folder = tmp_path / "case"
    assert run_cli("init", str(folder), "--profile", "taobao").returncode == 0
    warnings = _warnings(folder / "case.yaml")
    todo = [w for w in warnings if "TODO text left from `init`" in w]
    paths = {w.split(": ")[2] for w in todo}
    assert {"case.title", "case.prepared_by", "case.orders[0].id", "case.statement"} <= paths
    (statement,) = [w for w in todo if "case.statement" in w]
    text = (folder / "statement.md").read_text(encoding="utf-8").splitlines()
    lines = [str(n) for n, line in enumerate(text, start=1) if "TODO" in line]
    assert "statement.md: TODO text left from `init` on lines" in statement
    assert all(n in statement for n in lines)
    # Each located on its own manifest line.
    title = next(w for w in todo if "case.title" in w)
    line = int(title.split(":")[2])
    assert "TODO" in (folder / "case.yaml").read_text(encoding="utf-8").splitlines()[line - 1]


def test_profile_contradicting_submitted_to_and_statement(tmp_path: Path) -> None:
    m = write_case(tmp_path, TAOBAO_CASE.format(profile="12315"), {"shot.png": None})
    warnings = _warnings(m)
    assert len(warnings) == 2
    sub = next(w for w in warnings if "case.submitted_to" in w)
    assert sub.startswith("warning: case.yaml:6:")
    assert "names taobao, but the profile is 12315" in sub
    stm = next(w for w in warnings if "case.statement" in w)
    assert "the statement addresses taobao, but the profile is 12315" in stm


def test_matching_profile_is_not_warned(tmp_path: Path) -> None:
    m = write_case(tmp_path, TAOBAO_CASE.format(profile="taobao"), {"shot.png": None})
    assert _warnings(m) == []
    generic = write_case(tmp_path / "g", TAOBAO_CASE.format(profile="generic"), {"shot.png": None})
    assert _warnings(generic) == []


def test_validate_takes_profile_and_lang_and_warns_of_the_override(tmp_path: Path) -> None:
    m = write_case(tmp_path, TAOBAO_CASE.format(profile="taobao"), {"shot.png": None})
    plain = run_cli("validate", str(m))
    assert plain.returncode == 0 and "0 条警告" in plain.stdout  # a taobao case speaks Chinese
    proc = run_cli("validate", str(m), "--profile", "12315", "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    assert "case.yaml:5:12: case.profile: --profile 12315 changes the recipient" in proc.stderr
    assert "'taobao'" in proc.stderr and "淘宝" in proc.stderr
    assert "case.submitted_to" in proc.stderr
    bad = run_cli("validate", str(m), "--lang", "fr")
    assert bad.returncode != 0 and "未知的语言 'fr'" in bad.stderr


def test_build_reports_the_same_warnings(tmp_path: Path) -> None:
    m = write_case(tmp_path / "case", TAOBAO_CASE.format(profile="taobao"), {"shot.png": None})
    result = build(m, BuildOptions(out_dir=tmp_path / "out", profile="12315"))
    text = "\n".join(result.warnings)
    assert "--profile 12315 changes the recipient" in text
    assert "names taobao, but the profile is 12315" in text


def test_a_machine_without_harfbuzz_subset_is_told_before_the_layout(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Asked of WeasyPrint (what it loaded), not of ldconfig again.
    from weasyprint.text import ffi

    from evidencekit import pipeline

    assert pipeline._render_warnings() == []  # the machines we build on have it
    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    (warning,) = pipeline._render_warnings()
    assert "libharfbuzz-subset" in str(warning)
