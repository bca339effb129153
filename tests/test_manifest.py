"""Bad manifests: each exits 1 naming the manifest line and column, with no traceback."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from evidencekit.errors import ManifestError
from evidencekit.manifest import load_case, natural_key
from evidencekit.pipeline import BuildOptions, build

from .conftest import MINIMAL, invoke_cli, make_jpeg, make_png, png_bytes, write_case


def validate(manifest: Path) -> tuple[int, str]:
    proc = invoke_cli("validate", str(manifest))
    assert "Traceback" not in proc.stderr + proc.stdout
    return proc.returncode, proc.stderr


def assert_located(stderr: str, line: int, path: str, words: str) -> None:
    pattern = rf"case\.yaml:{line}:\d+: {re.escape(path)}: .*{re.escape(words)}"
    assert re.search(pattern, stderr), stderr


def test_valid_minimal(minimal_case: Path) -> None:
    proc = invoke_cli("validate", str(minimal_case))
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


def test_an_export_among_the_files_is_pointed_to_table(tmp_path: Path) -> None:
    # A user's first try: the order export listed with the screenshots.
    files = {"orders.csv": b"a,b\n"}
    m = write_case(tmp_path, MINIMAL.replace("[shot.png]", "[orders.csv]"), files)
    code, err = validate(m)
    assert code == 1
    assert_located(err, 9, "evidence[0].files[0]", "unsupported file type '.csv'")
    assert "an export goes under `table: {file: …}`" in err, err
    m = write_case(tmp_path, MINIMAL.replace("[shot.png]", "[notes.docx]"), {"notes.docx": b"PK"})
    assert "table:" not in validate(m)[1]


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

    proc = invoke_cli("schema")
    assert proc.returncode == 0
    schema = __import__("json").loads(proc.stdout)
    assert schema["title"].startswith("evidencekit manifest")
    case = schema["$defs"]["CaseInfo"]["properties"]["timezone"]
    assert "IANA time zone" in case["description"]  # field docstrings become descriptions
    assert (ROOT / "examples/evidencekit.schema.json").read_text(encoding="utf-8") == proc.stdout


# ---------------------------------------------------------------- globs and paths (#10, #17)


def _problems(manifest: Path) -> list[str]:
    with pytest.raises(ManifestError) as info:
        load_case(manifest)
    return [p.format() for p in info.value.problems]


def test_glob_suffix_matches_any_case(tmp_path: Path) -> None:
    make_jpeg(tmp_path / "product/IMG_0412.JPG")
    make_jpeg(tmp_path / "product/IMG_0413.jpg")
    m = write_case(tmp_path, MINIMAL.replace("[shot.png]", "['product/*.jpg']"))
    found = [f.rel for f in load_case(m).exhibits[0].files]
    assert found == ["product/IMG_0412.JPG", "product/IMG_0413.jpg"]
    # Only the suffix: the rest of the pattern keeps its case.
    m = write_case(tmp_path, MINIMAL.replace("[shot.png]", "['PRODUCT/*.jpg']"))
    assert "no file matches 'PRODUCT/*.jpg'" in "\n".join(_problems(m))


def test_plain_path_suffix_matches_any_case(tmp_path: Path) -> None:
    make_jpeg(tmp_path / "product/IMG_0412.JPG")
    m = write_case(tmp_path, MINIMAL.replace("[shot.png]", "[product/IMG_0412.jpg]"))
    assert [f.rel for f in load_case(m).exhibits[0].files] == ["product/IMG_0412.JPG"]


def test_glob_without_match_lists_closest_files(tmp_path: Path) -> None:
    files: dict[str, bytes | str | None] = {"product/detail-1.png": None, "product/x.png": None}
    m = write_case(tmp_path, MINIMAL.replace("[shot.png]", "['product/detail-*.jpg']"), files)
    (problem,) = _problems(m)
    assert "no file matches 'product/detail-*.jpg'" in problem
    assert "hint: did you mean 'product/detail-1.png'?" in problem


def test_redact_paths_are_normalised_like_files(tmp_path: Path) -> None:
    text = MINIMAL.replace("[shot.png]", "[product/listing.png]") + (
        "    redact:\n"
        "      - {file: ./product/listing.png, boxes: [[10, 10, 50, 20]]}\n"
        "      - {file: 'product\\listing.png', boxes: [[10, 100, 50, 20]]}\n"
        "      - {file: product//listing.png, boxes: [[10, 200, 50, 20]]}\n"
    )
    m = write_case(tmp_path / "case", text, {"product/listing.png": None})
    (red,) = load_case(m).exhibits[0].item.redact
    assert red.file == "product/listing.png" and len(red.boxes) == 3
    result = build(m, BuildOptions(out_dir=tmp_path / "out"))
    record = json.loads(result.json_path.read_text(encoding="utf-8"))
    (source,) = [s for s in record["sources"] if s["path"] == "product/listing.png"]
    assert source["rendition"]["redacted_boxes"] == [
        [10, 10, 50, 20],
        [10, 100, 50, 20],
        [10, 200, 50, 20],
    ]


def test_redact_must_name_one_of_the_items_files(tmp_path: Path) -> None:
    text = MINIMAL + "    redact:\n      - {file: ./other.png, boxes: [[1, 1, 5, 5]]}\n"
    m = write_case(tmp_path, text, {"shot.png": None, "other.png": None})
    (problem,) = _problems(m)
    assert "evidence[0].redact[0].file: './other.png' is not one of this item's files" in problem
    assert "shot.png" in problem


def test_file_listed_twice_appears_once(tmp_path: Path) -> None:
    m = write_case(
        tmp_path,
        MINIMAL.replace("[shot.png]", "[shot.png, ./shot.png, '*.png']"),
        {"shot.png": None},
    )
    case = load_case(m)
    assert [f.rel for f in case.exhibits[0].files] == ["shot.png"]
    assert sum("each file is shown once" in w for w in case.warnings) == 2


def test_globstar_through_a_symlink_loop_ends_without_duplicates(tmp_path: Path) -> None:
    files: dict[str, bytes | str | None] = {"a/b/1.png": None, "a/2.png": None}
    m = write_case(tmp_path, MINIMAL.replace("[shot.png]", "['**/*.png']"), files)
    (tmp_path / "a/b/loop").symlink_to(tmp_path / "a")
    (tmp_path / "a/self").symlink_to(tmp_path)
    case = load_case(m)
    assert [f.rel for f in case.exhibits[0].files] == ["a/2.png", "a/b/1.png"]


def test_output_folder_is_never_evidence(tmp_path: Path) -> None:
    import pikepdf

    m = write_case(tmp_path, MINIMAL.replace("[shot.png]", "['**/*.pdf']"))
    for rel in ("docs/policy.pdf", "out/T-1.pdf", "built/T-1.pdf"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        with pikepdf.new() as pdf:
            pdf.add_blank_page()
            pdf.save(tmp_path / rel)
    assert [f.rel for f in load_case(m).exhibits[0].files] == ["built/T-1.pdf", "docs/policy.pdf"]
    m.write_text(m.read_text() + "output: {dir: built}\n", encoding="utf-8")
    assert [f.rel for f in load_case(m).exhibits[0].files] == ["docs/policy.pdf", "out/T-1.pdf"]
    m.write_text(m.read_text().replace("'**/*.pdf'", "built/T-1.pdf"), encoding="utf-8")
    (problem,) = _problems(m)
    assert "'built/T-1.pdf' is inside the output folder built/" in problem


@pytest.mark.parametrize("out", [".", "./", "sub/.."])
def test_output_dir_may_not_be_the_case_folder(tmp_path: Path, out: str) -> None:
    m = write_case(tmp_path, MINIMAL + f"output: {{dir: '{out}'}}\n", {"shot.png": None})
    problems = _problems(m)
    assert any("output.dir" in p and "case folder" in p and "hint:" in p for p in problems)


def test_output_dir_holding_the_sources_is_refused(tmp_path: Path) -> None:
    text = MINIMAL.replace("[shot.png]", "['product/*.png']") + "output: {dir: product}\n"
    m = write_case(tmp_path, text, {"product/a.png": None})
    (problem,) = _problems(m)
    assert "evidence[0].files[0]" in problem and "inside the output folder product/" in problem


def test_names_over_255_bytes(tmp_path: Path) -> None:
    name = "证" * 90 + ".png"  # 274 bytes in UTF-8
    m = write_case(tmp_path, MINIMAL.replace("[shot.png]", f"['{name}']"), {"shot.png": None})
    (problem,) = _problems(m)
    assert "evidence[0].files[0]" in problem and "255 bytes" in problem


# ---------------------------------------------------------------- YAML pitfalls (#10)


def test_hash_in_an_unquoted_flow_value(tmp_path: Path) -> None:
    text = MINIMAL.replace("[shot.png]", "[orders/Order #1083 receipt.pdf]") + "  - kind: note\n"
    (problem,) = _problems(write_case(tmp_path, text))
    assert problem.startswith("case.yaml:9:26: ")  # the line and column of the '#'
    assert "' #' starts a comment" in problem and "quote the value" in problem


def test_hash_in_an_unquoted_block_value(tmp_path: Path) -> None:
    text = MINIMAL.replace("files: [shot.png]", "files:\n      - orders/Order #1083 receipt.pdf")
    (problem,) = _problems(write_case(tmp_path, text))
    assert "file not found: 'orders/Order'" in problem
    assert "' #' starts a comment" in problem


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ("  id: T-1", "  id\uff1aT-1", 3, "full-width colon"),
        ("    title: Listing", "    title\uff1aListing", 8, "full-width colon"),
        ("  id: T-1", "\u3000id: T-1", 3, "full-width space"),
        ("  id: T-1", "\tid: T-1", 3, "tab is used for indentation"),
        ("    title: Listing", "\t  title: Listing", 8, "tab is used for indentation"),
    ],
)
def test_input_method_and_tab_pitfalls(
    tmp_path: Path, old: str, new: str, line: int, words: str
) -> None:
    (problem,) = _problems(write_case(tmp_path, MINIMAL.replace(old, new)))
    assert problem.startswith(f"case.yaml:{line}:") and words in problem, problem


# ---------------------------------------------------------------- hostile manifests (#17)


def _raw_case(tmp_path: Path, raw: bytes) -> Path:
    m = write_case(tmp_path, MINIMAL, {"shot.png": None})
    m.write_bytes(raw)
    return m


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (MINIMAL.encode().replace(b"Test case", b"Test\x00case"), "NUL"),
        (MINIMAL.encode().replace(b"Test case", b"Test\x01case"), "control character (U+0001)"),
        (MINIMAL.replace("Test case", '"Test\\x1bcase"').encode(), "control character U+001B"),
        (MINIMAL.encode("utf-16-le"), "UTF-16 text without a byte-order mark"),
        (MINIMAL.encode("utf-16-be"), "UTF-16 text without a byte-order mark"),
        (b"\xff\xfe\x00\xd8\x00", "not"),
    ],
)
def test_hostile_bytes_are_clean_errors(tmp_path: Path, raw: bytes, words: str) -> None:
    problems = _problems(_raw_case(tmp_path, raw))
    assert words in "\n".join(problems)


def test_utf16_with_a_bom_is_read(tmp_path: Path) -> None:
    for codec in ("utf-16", "utf-32"):
        assert load_case(_raw_case(tmp_path, MINIMAL.encode(codec))).info.title == "Test case"


def _bomb(levels: int, width: int) -> str:
    out = "evidencekit: 1\nl0: &l0 [" + ", ".join(["lol"] * width) + "]\n"
    for i in range(1, levels):
        out += f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]\n"
    return out


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (_bomb(9, 9), "expands to more than"),  # "billion laughs": 9^9 values
        (_bomb(2, 101), "more than 100 YAML aliases"),
        ("evidencekit: 1\na: &a [1, *a]\n", "recursive alias"),
        ("evidencekit: 1\na: &a {b: {c: *a}}\n", "recursive alias"),
        ("evidencekit: 1\na: &a {<<: *a}\n", "merge"),
        (
            "evidencekit: 1\nm0: &m0 {"
            + ", ".join(f"k{i}: 1" for i in range(50))
            + "}\n"
            + "".join(
                f"m{i}: &m{i} {{<<: *m{i - 1}, x{i}: [*m{i - 1}, *m{i - 1}]}}\n"
                for i in range(1, 30)
            ),
            "more than 200000",
        ),
        ("evidencekit: 1\na: " + "[" * 5000 + "]" * 5000 + "\n", "nests"),
    ],
)
def test_alias_bombs_and_recursion_are_refused_quickly(
    tmp_path: Path, text: str, words: str
) -> None:
    import time

    started = time.perf_counter()
    problems = _problems(_raw_case(tmp_path, text.encode()))
    assert words in "\n".join(problems)
    assert time.perf_counter() - started < 5


def test_a_few_aliases_still_work(tmp_path: Path) -> None:
    text = MINIMAL.replace("  title: Test case", "  title: &t Test case") + "    source: *t\n"
    assert load_case(write_case(tmp_path, text, {"shot.png": None})).exhibits[0].item.source == (
        "Test case"
    )


def test_absurdly_long_text_is_refused_with_the_limit(tmp_path: Path) -> None:
    title = MINIMAL.replace("Test case", "x" * 20_001)
    (problem,) = _problems(write_case(tmp_path / "a", title, {"shot.png": None}))
    assert "case.title: 20001 characters; at most 20000" in problem
    long_md = MINIMAL + "    description: " + "y" * 200_001 + "\n"
    (problem,) = _problems(write_case(tmp_path / "b", long_md, {"shot.png": None}))
    assert "evidence[0].description" in problem and "at most 200000" in problem
    statement = MINIMAL.replace("  profile: generic\n", "  profile: generic\n  statement: s.md\n")
    files: dict[str, bytes | str | None] = {"shot.png": None, "s.md": "z" * 200_001}
    (problem,) = _problems(write_case(tmp_path / "c", statement, files))
    assert "case.statement: s.md: 200001 characters; at most 200000" in problem


def test_huge_integers_are_clean_errors(tmp_path: Path) -> None:
    text = MINIMAL.replace("  id: T-1", "  id: " + "9" * 5000)
    (problem,) = _problems(write_case(tmp_path, text, {"shot.png": None}))
    assert "case.id" in problem and "quote it" in problem


def test_huge_manifest_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    m = write_case(tmp_path, MINIMAL, {"shot.png": None})
    with m.open("a", encoding="utf-8") as fh:
        fh.write("# " + "x" * 9_000_000 + "\n")
    (problem,) = _problems(m)
    assert "larger than 8 MB" in problem


@pytest.mark.parametrize("where", ["case:\n  dispute: {kind: []}\n", "evidence:\n  - {kind: []}\n"])
def test_unhashable_values_where_a_kind_is_looked_up(tmp_path: Path, where: str) -> None:
    """Found by the property tests: `kind: []` under a model with a union ended in TypeError."""
    text = MINIMAL + where.replace("case:\n", "").replace("evidence:\n", "")
    if where.startswith("case:"):
        text = MINIMAL.replace(
            "  profile: generic\n", "  profile: generic\n  dispute: {kind: []}\n"
        )
    problems = _problems(write_case(tmp_path, text, {"shot.png": None}))
    assert problems and all("case.yaml:" in p for p in problems)
