"""Parts kept between builds (render/partcache.py): a rebuild takes the parts after the front
matter whose HTML is unchanged from the cache, and writes the same bytes as a build that lays
everything out; a damaged entry is laid out again."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import evidencekit.render.weasy as weasy
from evidencekit.pipeline import BuildOptions, build

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "taobao-not-as-described"


def _build(case: Path, out: Path, cache: Path, epoch: str, mp: pytest.MonkeyPatch) -> bytes:
    mp.setenv("EVIDENCEKIT_CACHE_DIR", str(cache))
    mp.setenv("SOURCE_DATE_EPOCH", epoch)
    result = build(case / "case.yaml", BuildOptions(out_dir=out))
    assert result.pdf_path is not None
    return result.pdf_path.read_bytes()


@pytest.fixture
def kept(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The HTML of each part taken from the cache."""
    taken: list[str] = []
    real = weasy.KeptPart.__init__

    def spy(self: weasy.KeptPart, html: str, *args: Any) -> None:
        taken.append(html)
        real(self, html, *args)

    monkeypatch.setattr(weasy.KeptPart, "__init__", spy)
    return taken


@pytest.fixture
def case(tmp_path: Path) -> Path:
    """The example's case, copied: it is changed."""
    folder = tmp_path / "case"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("out"))
    return folder


def test_a_rebuild_after_the_letter_changed_takes_the_rest_from_the_cache(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: list[str]
) -> None:
    cache = tmp_path / "cache"
    _build(case, tmp_path / "first", cache, "1764547200", monkeypatch)
    assert kept == []
    statement = case / "statement.md"
    statement.write_text(statement.read_text(encoding="utf-8") + "\n补充说明。\n", "utf-8")
    manifest = case / "case.yaml"  # the case's title: in every part's <title>
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("title: ", "title: （补充）", 1), encoding="utf-8")
    # Another build time: in every part's <meta> tags. The key leaves both out.
    again = _build(case, tmp_path / "again", cache, "1764550000", monkeypatch)
    assert any('class="part exhibit' in h for h in kept)  # the exhibits, laid out before
    assert not any('class="part cover' in h for h in kept)  # the front matter: never
    # The same bytes as laying every part out with an empty cache.
    fresh = _build(case, tmp_path / "fresh", tmp_path / "empty", "1764550000", monkeypatch)
    assert again == fresh


def test_a_damaged_entry_is_laid_out_again(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: list[str]
) -> None:
    cache = tmp_path / "cache"
    first = _build(case, tmp_path / "first", cache, "1764547200", monkeypatch)
    entries = sorted((cache / "parts").glob("*/*/laid.json"))
    assert entries
    for k, laid in enumerate(entries):
        if k % 2:
            laid.write_text("{not json", encoding="utf-8")
        else:  # its PDF cut short
            pdf = laid.with_name("0.pdf")
            pdf.write_bytes(pdf.read_bytes()[:1000])
    shutil.rmtree(tmp_path / "first")  # built again, not kept as up to date
    assert _build(case, tmp_path / "first", cache, "1764547200", monkeypatch) == first
    assert kept == []
    # The damaged entries were replaced: the next build takes every one of them.
    shutil.rmtree(tmp_path / "first")
    assert _build(case, tmp_path / "first", cache, "1764547200", monkeypatch) == first
    assert len(kept) == len(entries)


def test_nothing_is_kept_when_the_cache_is_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVIDENCEKIT_CACHE_DIR", "off")
    from evidencekit.render.partcache import part_key

    assert part_key("<html></html>", False, 0) is None
