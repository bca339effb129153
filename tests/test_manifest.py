"""Bad manifests: each exits 1 naming the manifest line and column, with no traceback."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from evidencekit.errors import ManifestError
from evidencekit.manifest import load_case, natural_key

from .conftest import MINIMAL, make_png, png_bytes, run_cli, write_case


def validate(manifest: Path) -> tuple[int, str]:
    proc = run_cli("validate", str(manifest))
    assert "Traceback" not in proc.stderr + proc.stdout
    return proc.returncode, proc.stderr


def assert_located(stderr: str, line: int, path: str, words: str) -> None:
    pattern = rf"case\.yaml:{line}:\d+: {re.escape(path)}: .*{re.escape(words)}"
    assert re.search(pattern, stderr), stderr


def test_valid_minimal(minimal_case: Path) -> None:
    proc = run_cli("validate", str(minimal_case))
    assert proc.returncode == 0, proc.stderr
    assert "valid" in proc.stdout


def test_yaml_syntax_error(tmp_path: Path) -> None:
    m = write_case(tmp_path, MINIMAL.replace("title: Listing", "title: [Listing"))
    code, err = validate(m)
    assert code == 1
    assert re.search(r"case\.yaml:\d+:\d+: YAML syntax error", err), err


def test_unknown_key_did_you_mean(tmp_path: Path) -> None:
    m = write_case(
        tmp_path, MINIMAL.replace("title: Listing", "titel: Listing"), {"shot.png": None}
    )
    code, err = validate(m)
    assert code == 1
    assert_located(err, 8, "evidence[0].titel", "unknown key 'titel'")
    assert "did you mean 'title'?" in err


def test_wrong_kind_lists_kinds(tmp_path: Path) -> None:
    m = write_case(tmp_path, MINIMAL.replace("kind: product", "kind: prodcut"), {"shot.png": None})
    code, err = validate(m)
    assert code == 1
    assert_located(err, 7, "evidence[0]", "unknown evidence kind 'prodcut'")
    assert "did you mean 'product'?" in err and "transaction" in err


def test_bad_date(tmp_path: Path) -> None:
    m = write_case(tmp_path, MINIMAL + "    captured_at: 2025-13-45 25:00\n", {"shot.png": None})
    code, err = validate(m)
    assert code == 1
    assert_located(err, 10, "evidence[0].captured_at", "not a valid date/time")


def test_missing_file_names_glob(tmp_path: Path) -> None:
    m = write_case(
        tmp_path, MINIMAL.replace("[shot.png]", "[shot.png, chat/*.jpg]"), {"shot.png": None}
    )
    code, err = validate(m)
    assert code == 1
    assert_located(err, 9, "evidence[0].files[1]", "no file matches 'chat/*.jpg'")


def test_missing_plain_file_suggests(tmp_path: Path) -> None:
    m = write_case(tmp_path, MINIMAL.replace("[shot.png]", "[shott.png]"), {"shot.png": None})
    code, err = validate(m)
    assert code == 1
    assert_located(err, 9, "evidence[0].files[0]", "file not found: 'shott.png'")
    assert "did you mean 'shot.png'?" in err


def test_path_outside_folder(tmp_path: Path) -> None:
    make_png(tmp_path / "outside.png")
    m = write_case(tmp_path / "case", MINIMAL.replace("[shot.png]", "[../outside.png]"))
    code, err = validate(m)
    assert code == 1
    assert_located(err, 9, "evidence[0].files[0]", "leaves the case folder")


def test_absolute_path(tmp_path: Path) -> None:
    p = make_png(tmp_path / "outside.png")
    m = write_case(tmp_path / "case", MINIMAL.replace("[shot.png]", f"['{p}']"))
    code, err = validate(m)
    assert code == 1
    assert_located(err, 9, "evidence[0].files[0]", "absolute path")


def test_symlink_out_of_folder(tmp_path: Path) -> None:
    secret = make_png(tmp_path / "secret.png")
    m = write_case(tmp_path / "case", MINIMAL.replace("[shot.png]", "['*.png']"))
    os.symlink(secret, tmp_path / "case" / "link.png")
    code, err = validate(m)
    assert code == 1
    assert_located(err, 9, "evidence[0].files[0]", "points outside the case folder")


def test_duplicate_ids(tmp_path: Path) -> None:
    text = MINIMAL.replace("  - kind: product\n", "  - kind: product\n    id: A\n") + (
        "  - kind: chat\n    id: A\n    title: Chat\n    files: [shot.png]\n"
    )
    m = write_case(tmp_path, text, {"shot.png": None})
    code, err = validate(m)
    assert code == 1
    assert_located(err, 12, "evidence[1].id", "duplicate exhibit id 'A'")


def test_unknown_schema_version(tmp_path: Path) -> None:
    m = write_case(
        tmp_path, MINIMAL.replace("evidencekit: 1", "evidencekit: 2"), {"shot.png": None}
    )
    code, err = validate(m)
    assert code == 1
    assert_located(err, 1, "evidencekit", "unknown manifest version 2")


def test_file_that_is_not_an_image(tmp_path: Path) -> None:
    m = write_case(tmp_path, MINIMAL, {"shot.png": b"%PDF-1.7 not a png at all"})
    code, err = validate(m)
    assert code == 1
    assert_located(err, 9, "evidence[0].files[0]", "not a PNG image")


def test_pdf_that_is_not_a_pdf(tmp_path: Path) -> None:
    m = write_case(tmp_path, MINIMAL.replace("[shot.png]", "[doc.pdf]"), {"doc.pdf": png_bytes()})
    code, err = validate(m)
    assert code == 1
    assert_located(err, 9, "evidence[0].files[0]", "doc.pdf: not a PDF file")


def test_unsupported_file_type(tmp_path: Path) -> None:
    m = write_case(tmp_path, MINIMAL.replace("[shot.png]", "[notes.docx]"), {"notes.docx": b"PK"})
    code, err = validate(m)
    assert code == 1
    assert_located(err, 9, "evidence[0].files[0]", "unsupported file type '.docx'")


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    m = write_case(
        tmp_path,
        MINIMAL.replace("  title: Test case\n", "  title: Test case\n  title: Again\n"),
        {"shot.png": None},
    )
    code, err = validate(m)
    assert code == 1
    assert_located(err, 5, "case.title", "duplicate key 'title'")


def test_every_problem_at_once(tmp_path: Path) -> None:
    text = MINIMAL.replace("titel", "x").replace(
        "  profile: generic\n", "  profile: generic\n  colour: blue\n"
    )
    text += "  - kind: chat\n    title: Chat\n    files: [nothing/*.png]\n"
    text += "  - kind: note\n    title: N\n    captured_at: yesterday\n    description: x\n"
    m = write_case(tmp_path, text, {"shot.png": None})
    code, err = validate(m)
    assert code == 1
    # Schema errors are all reported together ...
    assert "unknown key 'colour'" in err and "evidence[2].captured_at" in err
    # ... and path errors together in the second pass.
    m2 = write_case(tmp_path / "b", MINIMAL.replace("[shot.png]", "[a.png, b/*.png, ../c.png]"))
    code, err = validate(m2)
    assert code == 1
    assert (
        err.count("error") >= 1 and "files[0]" in err and "files[1]" in err and ("files[2]" in err)
    )


def test_profile_unknown(tmp_path: Path) -> None:
    m = write_case(
        tmp_path, MINIMAL.replace("profile: generic", "profile: taobo"), {"shot.png": None}
    )
    code, err = validate(m)
    assert code == 1
    assert_located(err, 5, "case.profile", "unknown profile 'taobo'")
    assert "did you mean 'taobao'?" in err


def test_natural_glob_order(tmp_path: Path) -> None:
    files: dict[str, bytes | str | None] = {f"s/{n}.png": png_bytes() for n in (10, 2, 1)}
    m = write_case(tmp_path, MINIMAL.replace("[shot.png]", "['s/*.png']"), files)
    case = load_case(m)
    assert [f.rel for f in case.exhibits[0].files] == ["s/1.png", "s/2.png", "s/10.png"]
    assert sorted(["10.png", "2.png"], key=natural_key) == ["2.png", "10.png"]


def test_times_without_offset_use_case_timezone(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "  profile: generic\n", "  profile: generic\n  timezone: Asia/Shanghai\n"
    )
    text += "    captured_at: 2025-10-01T09:00:00\n"
    case = load_case(write_case(tmp_path, text, {"shot.png": None}))
    when = case.exhibits[0].captured_at
    assert when is not None and when.utcoffset() is not None
    assert when.utcoffset().total_seconds() == 8 * 3600  # type: ignore[union-attr]


def test_long_order_ids_stay_exact(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "  profile: generic\n",
        "  profile: generic\n  orders: [{id: 3456789012345678901, amount: 299.00}]\n",
    )
    case = load_case(write_case(tmp_path, text, {"shot.png": None}))
    order = case.info.orders[0]
    assert order.id == "3456789012345678901"
    assert str(order.amount) == "299.00"


def test_load_case_raises_typed_error(tmp_path: Path) -> None:
    m = write_case(tmp_path, MINIMAL, {})
    with pytest.raises(ManifestError) as info:
        load_case(m)
    assert info.value.problems[0].line == 9


def test_schema_printed_and_shipped_with_the_examples() -> None:
    from .conftest import ROOT

    proc = run_cli("schema")
    assert proc.returncode == 0
    schema = __import__("json").loads(proc.stdout)
    assert schema["title"].startswith("evidencekit manifest")
    case = schema["$defs"]["CaseInfo"]["properties"]["timezone"]
    assert "IANA time zone" in case["description"]  # field docstrings become descriptions
    assert (ROOT / "examples/evidencekit.schema.json").read_text(encoding="utf-8") == proc.stdout
