"""Property tests: whatever the manifest holds, loading it ends in a Case or a ManifestError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from evidencekit.errors import ManifestError
from evidencekit.manifest import load_case
from evidencekit.model import naive_times

from .conftest import MINIMAL, write_case

KEYS = [
    "evidencekit", "case", "evidence", "output", "id", "title", "profile", "language",
    "timezone", "orders", "placed_at", "paid_at", "amount", "dispute", "opened_at", "timeline",
    "at", "event", "exhibit", "kind", "files", "captured_at", "redact", "file", "boxes",
    "table", "events", "status", "location", "transcript", "pages", "dir", "statement",
]  # fmt: skip
KINDS = ["product", "transaction", "shipping", "chat", "document", "note", "x"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from([*KINDS, "shot.png", "*.png", "**/*", "./shot.png", "..", "/etc/passwd"]),
    st.sampled_from(["2025-10-04T10:00:00", "0001-01-01", "9999-12-31T23:59:59-12:00", "1"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=30,
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("props")
    write_case(root, MINIMAL, {"shot.png": None, "docs/a.png": None})
    return root


def _load(folder: Path, raw: bytes) -> None:
    (folder / "case.yaml").write_bytes(raw)
    try:
        case = load_case(folder / "case.yaml")
    except ManifestError as e:
        assert e.problems and all(p.message for p in e.problems)
        return
    assert naive_times(case.manifest) == []


@given(st.text(max_size=300))
def test_random_text(folder: Path, text: str) -> None:
    _load(folder, text.encode("utf-8", "surrogatepass"))


@given(st.binary(max_size=300))
def test_random_bytes(folder: Path, raw: bytes) -> None:
    _load(folder, raw)


@given(values)
def test_random_structures(folder: Path, data: Any) -> None:
    _load(folder, yaml.safe_dump(data, allow_unicode=True).encode())


@given(
    st.dictionaries(st.sampled_from(KEYS), values, max_size=6),
    st.lists(st.dictionaries(st.sampled_from(KEYS), values, max_size=6), max_size=3),
)
def test_random_cases_and_evidence(folder: Path, case: dict[str, Any], items: list[Any]) -> None:
    case = {"id": "T-1", "title": "t", **case}
    for item in items:
        item.setdefault("kind", "product")
        item.setdefault("title", "x")
    data = {"evidencekit": 1, "case": case, "evidence": items}
    _load(folder, yaml.safe_dump(data, allow_unicode=True).encode())


@given(st.lists(st.sampled_from(list("[]{}:,-#&*!|>'\"%@` \n\t\uff1a\u3000abc19")), max_size=80))
def test_random_yaml_punctuation(folder: Path, chars: list[str]) -> None:
    _load(folder, (MINIMAL + "".join(chars)).encode())


@given(st.lists(st.text(alphabet=st.sampled_from(list("*?[]!^-/\\.{},~ a.pngPNG")), max_size=20)))
def test_random_paths_and_globs(folder: Path, patterns: list[str]) -> None:
    import json

    text = MINIMAL.replace("[shot.png]", json.dumps(patterns) if patterns else "[shot.png]")
    text += "    redact: " + json.dumps([{"file": p, "boxes": [[0, 0, 1, 1]]} for p in patterns])
    _load(folder, (text + "\n").encode())
