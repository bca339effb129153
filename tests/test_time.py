"""One rule for time: past the manifest every time is aware; naive ones are refused by type."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidencekit.assets.sources import SourceInfo
from evidencekit.errors import InternalError, ManifestError
from evidencekit.manifest import load_case
from evidencekit.model import Case, ShippingEvent, SourceFile, naive_times
from evidencekit.pipeline import BuildOptions, build

from .conftest import MINIMAL, make_jpeg, write_case

MIXED = """\
evidencekit: 1
case:
  id: T-TIME
  title: Mixed offsets
  profile: generic
  language: en
  timezone: Asia/Shanghai
  orders:
    - {id: "1083", placed_at: 2025-09-30T21:14:00, paid_at: "2025-09-30T13:20:00+00:00"}
  dispute:
    reason: item not received
    opened_at: 2025-10-04T10:00:00
  timeline:
    - {at: 2025-10-03T08:00:00, event: Buyer asked for tracking}
evidence:
  - kind: product
    title: Photos
    files: [photos/*.jpg]
  - kind: shipping
    title: Tracking
    events:
      - {at: 2025-10-01T12:00:00, location: Hangzhou, status: Picked up by courier}
      - {at: "2025-10-02T10:00:00Z", location: Shanghai, status: Delivered to the buyer}
"""


def _mixed_case(tmp_path: Path) -> Path:
    # EXIF without offset: read in Asia/Shanghai (01:00 UTC); with -05:00: 13:30 UTC.
    make_jpeg(tmp_path / "case/photos/a.jpg", exif_time="2025:10:01 09:00:00")
    make_jpeg(tmp_path / "case/photos/b.jpg", exif_time="2025:10:01 08:30:00", offset="-05:00")
    return write_case(tmp_path / "case", MIXED)


def test_mixed_offsets_case_builds_with_timeline_in_order(tmp_path: Path) -> None:
    result = build(_mixed_case(tmp_path), BuildOptions(out_dir=tmp_path / "out"))
    reader = pypdf.PdfReader(result.pdf_path)
    page = next(
        p.extract_text() for p in reader.pages if re.search(r"^Timeline", p.extract_text(), re.M)
    )
    text = " ".join(page.split())
    expected = [
        ("Order 1083 placed", "2025-09-30 21:14"),
        ("Order 1083 paid", "2025-09-30 21:20"),
        ("Captured: Photos", "2025-10-01 09:00"),  # a.jpg, the earlier photo
        ("Picked up by courier", "2025-10-01 12:00"),
        ("Delivered to the buyer", "2025-10-02 18:00"),
        ("Buyer asked for tracking", "2025-10-03 08:00"),
        ("Dispute opened", "2025-10-04 10:00"),
    ]
    positions = [text.index(what) for what, _ in expected]
    assert positions == sorted(positions), text
    for what, when in expected:
        assert when in text[: text.index(what)], (what, when)


def test_every_time_in_the_resolved_case_is_aware(tmp_path: Path) -> None:
    case = load_case(_mixed_case(tmp_path))
    assert naive_times(case.manifest) == []
    shanghai = timedelta(hours=8)
    assert case.info.orders[0].placed_at is not None
    assert case.info.orders[0].placed_at.utcoffset() == shanghai
    assert case.info.orders[0].paid_at == datetime(2025, 9, 30, 13, 20, tzinfo=UTC)
    assert case.info.timeline[0].at.utcoffset() == shanghai
    events = case.exhibits[1].events
    assert [e.at.utcoffset() for e in events] == [shanghai, timedelta(0)]
    item_events = case.exhibits[1].item.events
    assert isinstance(item_events, list)
    assert all(e.at.utcoffset() is not None for e in item_events)


def test_naive_times_cannot_pass_the_loader(tmp_path: Path) -> None:
    sf = SourceFile("a.jpg", tmp_path / "a.jpg", "case.yaml:1:1: evidence[0].files[0]")
    with pytest.raises(InternalError, match="without an offset"):
        ShippingEvent(datetime(2025, 10, 1, 12, 0), "Hangzhou", "Picked up")
    with pytest.raises(InternalError, match="without an offset"):
        SourceInfo(sf, 1, "0" * 64, datetime(2025, 10, 1, 12, 0), "exif")
    aware = SourceInfo(sf, 1, "0" * 64, datetime(2025, 10, 1, 12, 0, tzinfo=UTC), "exif")
    assert aware.captured_at is not None
    case = load_case(_mixed_case(tmp_path))
    # The manifest as first validated (no time zone known yet) cannot become a Case.
    from evidencekit.model import Manifest

    raw = Manifest.model_validate(case.manifest.model_dump() | {})
    naive = raw.model_copy(
        update={
            "case": raw.case.model_copy(
                update={
                    "dispute": raw.case.dispute.model_copy(  # type: ignore[union-attr]
                        update={"opened_at": datetime(2025, 10, 4, 10, 0)}
                    )
                }
            )
        }
    )
    with pytest.raises(InternalError, match=r"case\.dispute\.opened_at"):
        Case(
            manifest=naive,
            manifest_path=case.manifest_path,
            root=case.root,
            profile=case.profile,
            language=case.language,
            timezone=case.timezone,
            exhibits=case.exhibits,
        )


@pytest.mark.parametrize(
    "value",
    ["0001-01-01T00:00:00", "9999-12-31T23:59:59", "9999-12-31T23:59:59-12:00", "1000-01-01"],
)
def test_times_near_the_ends_of_the_calendar_are_refused(tmp_path: Path, value: str) -> None:
    text = MINIMAL.replace("  profile: generic\n", "  profile: generic\n  timezone: Asia/Tokyo\n")
    text += f'    captured_at: "{value}"\n'
    m = write_case(tmp_path, text, {"shot.png": None})
    with pytest.raises(ManifestError) as info:
        load_case(m)
    (problem,) = info.value.problems
    assert problem.path == "evidence[0].captured_at" and problem.line == 11
    assert "out of range" in problem.message and "1900" in problem.hint


def test_bare_numbers_are_not_unix_seconds(tmp_path: Path) -> None:
    text = MINIMAL + "    captured_at: 1700000000\n"
    with pytest.raises(ManifestError) as info:
        load_case(write_case(tmp_path / "a", text, {"shot.png": None}))
    assert "not a valid date/time" in info.value.problems[0].message
    # ISO 8601 basic format is a date, not 1970-08-23.
    case = load_case(
        write_case(tmp_path / "b", MINIMAL + "    captured_at: 20251004\n", {"shot.png": None})
    )
    assert case.exhibits[0].captured_at is not None
    assert case.exhibits[0].captured_at.date().isoformat() == "2025-10-04"


# ---------------------------------------------------------------- property tests


@pytest.fixture(scope="module")
def time_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("time")
    write_case(folder, MINIMAL, {"shot.png": None})
    return folder


def _load_with(folder: Path, value: str) -> Case:
    text = MINIMAL.replace(
        "  profile: generic\n", "  profile: generic\n  timezone: Asia/Shanghai\n"
    )
    (folder / "case.yaml").write_text(text + f"    captured_at: {value}\n", encoding="utf-8")
    return load_case(folder / "case.yaml")


@given(st.text(max_size=40))
def test_any_time_text_loads_aware_or_is_a_clean_error(time_folder: Path, value: str) -> None:
    import json

    try:
        case = _load_with(time_folder, json.dumps(value))
    except ManifestError:
        return
    when = case.exhibits[0].captured_at
    assert when is not None and when.utcoffset() is not None
    when.astimezone(UTC)  # never overflows


@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.one_of(st.none(), st.integers(min_value=-14 * 60, max_value=14 * 60)),
)
def test_any_instant_keeps_its_meaning(
    time_folder: Path, value: datetime, offset_min: int | None
) -> None:
    if offset_min is not None:
        value = value.replace(tzinfo=timezone(timedelta(minutes=offset_min)))
    try:
        case = _load_with(time_folder, f'"{value.isoformat()}"')
    except ManifestError as e:
        assert not 1900 <= value.year <= 2199, e
        return
    when = case.exhibits[0].captured_at
    assert when is not None
    expected = value if offset_min is not None else value.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    assert when == expected
