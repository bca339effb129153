"""Profile files are data from the user's side: contained, validated, never echoed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from evidencekit.errors import RenderError
from evidencekit.outputs.platform import check_output_name, output_path
from evidencekit.profiles import ProfileError, load_profile, profile_names

from .conftest import MINIMAL, invoke_cli, write_case

SECRET = "TOPSECRET-42"
GOOD = "title: Mine\nformats: [pdf]\n"


def _case(tmp_path: Path, profile: str, files: dict[str, bytes | str | None] | None = None) -> Path:
    text = MINIMAL.replace("  profile: generic\n", f"  profile: {profile!r}\n")
    return write_case(tmp_path / "case", text, {"shot.png": None, **(files or {})})


def _validate(manifest: Path) -> str:
    proc = invoke_cli("validate", str(manifest))
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out
    assert "case.yaml:5:" in out and "case.profile" in out  # where the manifest names it
    return out


def _files_named(root: Path, word: str) -> list[Path]:
    return [p for p in root.rglob("*") if word in p.name]


def test_packaged_profiles_have_safe_names() -> None:
    for name in profile_names():
        profile = load_profile(name)
        for field in [profile.name, *profile.categories, *profile.limits.text_chars]:
            check_output_name(f"X.{field}.pdf")


@pytest.mark.parametrize("where", ["../x.yaml", "../../x.yaml", "sub/../../x.yaml"])
def test_profile_outside_case_refused(tmp_path: Path, where: str) -> None:
    (tmp_path / "x.yaml").write_text(f"title: {SECRET}\n")
    m = _case(tmp_path, where, {"sub/keep.txt": "x"})
    out = _validate(m)
    assert "leaves the case folder" in out and SECRET not in out


def test_absolute_profile_path_refused(tmp_path: Path) -> None:
    outside = tmp_path / "x.yaml"
    outside.write_text(f"title: {SECRET}\n")
    out = _validate(_case(tmp_path, str(outside)))
    assert "absolute" in out and SECRET not in out


def test_profile_symlink_outside_refused(tmp_path: Path) -> None:
    outside = tmp_path / "x.yaml"
    outside.write_text(f"title: {SECRET}\n")
    m = _case(tmp_path, "p.yaml")
    (tmp_path / "case/p.yaml").symlink_to(outside)
    out = _validate(m)
    assert "outside the case folder" in out and SECRET not in out


def test_profile_symlink_inside_case_works(tmp_path: Path) -> None:
    m = _case(tmp_path, "p.yaml", {"profiles/real.yaml": GOOD})
    (tmp_path / "case/p.yaml").symlink_to(tmp_path / "case/profiles/real.yaml")
    proc = invoke_cli("validate", str(m))
    assert proc.returncode == 0, proc.stdout + proc.stderr


HOSTILE_NAMES = [
    "name: ../../esc\n",
    "name: /tmp/esc\n",
    "name: .hidden\n",
    "name: 'a/b'\n",
    "name: " + "n" * 65 + "\n",
    "output: categories\ncategories: {'../esc_field': [product]}\n",
    "output: categories\ncategories: {'..': [product]}\n",
    "limits: {text_chars: {'../../esc_text': 100}}\n",
    "limits: {text_chars: {'a b': 100}}\n",
    "limits: {text_min_chars: {'x/../../esc': 1}}\n",
]


@pytest.mark.parametrize("data", HOSTILE_NAMES)
def test_profile_names_must_be_plain(tmp_path: Path, data: str) -> None:
    m = _case(tmp_path, "evil.yaml", {"evil.yaml": "title: Evil\nformats: [pdf]\n" + data})
    out = _validate(m)
    assert "evil.yaml" in out and "not a plain file name" in out, out
    line = len(("title: Evil\nformats: [pdf]\n" + data).splitlines())  # the bad key's line
    assert f"line {line}" in out, out
    # Building writes nothing anywhere.
    proc = invoke_cli("build", "-q", str(m))
    assert proc.returncode == 1, proc.stderr
    assert not _files_named(tmp_path, "esc")
    assert not (tmp_path / "case/out").exists()


def test_hostile_profile_cannot_write_outside_output(tmp_path: Path) -> None:
    # The reported attack: category and text field names that climb out of the output folder.
    evil = (
        "title: Evil\nformats: [pdf]\noutput: categories\n"
        "categories: {'../../esc_field': [product, note]}\n"
        "limits: {text_chars: {'../../esc_text': 100}}\n"
    )
    m = _case(tmp_path, "evil.yaml", {"evil.yaml": evil})
    proc = invoke_cli("build", "-q", str(m))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert not _files_named(tmp_path, "esc_")


def test_safe_category_profile_builds(tmp_path: Path) -> None:
    ok = (
        "title: Mine\nformats: [pdf]\noutput: categories\n"
        "categories: {goods: [product], rest: [note]}\nlimits: {text_chars: {summary: 200}}\n"
    )
    m = _case(tmp_path, "mine.yaml", {"mine.yaml": ok})
    proc = invoke_cli("build", "-q", str(m))
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "case/out"
    assert (out / "T-1.goods.pdf").is_file() and (out / "T-1.rest.pdf").is_file()
    assert (out / "T-1.summary.txt").is_file() and (out / "T-1.mine.json").is_file()


@pytest.mark.parametrize(
    ("content", "words", "line"),
    [
        (f"title: Mine\nformats: [pdf]\n{SECRET}: [unclosed\n", "YAML syntax error", 4),
        (f"title: Mine\n  bad: {SECRET}\n", "YAML syntax error", 2),
        (f"title: '{SECRET}\n", "YAML syntax error", 2),
        (f"title: Mine\nformats: *{SECRET}\n", "YAML syntax error", 2),
        ("", "empty", 0),
        ("# only a comment\n", "empty", 0),
        (f"- {SECRET}\n- b\n", "must be a mapping", 1),
        (f"{SECRET}\n", "must be a mapping", 1),
        ("title: Mine\ntimezone: ../../etc/passwd\n", "time zone", 2),
        ("title: Mine\ntimezone: Mars/Olympus\n", "time zone", 2),
        ("title: Mine\nlimits: {text_chars: {summary: -5}}\n", "greater than", 2),
        (f"title: Mine\n{SECRET}: 1\n", "Extra inputs", 2),
    ],
)
def test_bad_profile_files_are_clean_errors(
    tmp_path: Path, content: str, words: str, line: int
) -> None:
    m = _case(tmp_path, "p.yaml", {"p.yaml": content})
    out = _validate(m)
    assert "p.yaml" in out and words in out, out
    if line:
        assert f"p.yaml:{line}:" in out or f"line {line}:" in out, out
    if words != "Extra inputs":  # pydantic names the unknown key itself, which is fine
        assert SECRET not in out, out


def test_profile_not_utf8(tmp_path: Path) -> None:
    m = _case(tmp_path, "p.yaml", {"p.yaml": b"title: caf\xe9\xff\n"})
    out = _validate(m)
    assert "not UTF-8" in out


def test_profile_too_big(tmp_path: Path) -> None:
    m = _case(tmp_path, "p.yaml", {"p.yaml": "title: x\n" + "# pad\n" * 200_000})
    out = _validate(m)
    assert "at most" in out


def test_profile_alias_bomb_refused_quickly(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    bomb = "title: Bomb\nsources:\n" + "".join(f"  {line}\n" for line in lines)
    m = _case(tmp_path, "p.yaml", {"p.yaml": bomb})
    started = time.perf_counter()
    out = _validate(m)
    assert time.perf_counter() - started < 30
    assert "expands to more than" in out, out


def test_profile_recursive_alias_refused(tmp_path: Path) -> None:
    m = _case(tmp_path, "p.yaml", {"p.yaml": "title: x\nreasons: &r {fraud: *r}\n"})
    out = _validate(m)
    assert "recursive" in out, out


def test_profile_loader_direct(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text(GOOD)
    assert load_profile("ok.yaml", tmp_path).name == "ok"
    with pytest.raises(ProfileError, match="leaves the case folder"):
        load_profile("../ok.yaml", tmp_path / "sub")
    with pytest.raises(ProfileError, match="no such profile"):
        load_profile("missing.yaml", tmp_path)
    with pytest.raises(ProfileError, match="absolute"):
        load_profile(str(tmp_path / "ok.yaml"), tmp_path)


@pytest.mark.parametrize(
    "name",
    ["", "../x", "/etc/x", "a/../b", "pages/../../x", "./x", "a//b", ".x", "a\\..\\b", "x\0y"],
)
def test_output_names_refused(name: str) -> None:
    with pytest.raises(RenderError):
        check_output_name(name)


def test_output_path_refuses_linked_subfolder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, out / "pages")
    assert output_path(out, "T-1.pdf") == out / "T-1.pdf"
    assert output_path(out, "pages-ok.jpg") == out / "pages-ok.jpg"
    with pytest.raises(RenderError, match="outside the output folder"):
        output_path(out, "pages/T-1-p001.jpg")
