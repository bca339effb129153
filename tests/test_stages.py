"""Stage modules on their own, without a build: the fit loop decides from the upload set."""

from __future__ import annotations

import pytest

from evidencekit.errors import LimitError
from evidencekit.fit import FitStep, Tried, fit_ladder, fit_to_limits
from evidencekit.outputs.platform import UploadFile
from evidencekit.profiles import load_profile

AMEX = load_profile("amex")  # 5 MB and 20 pages per file


def _pdf(size: int, pages: int = 3) -> list[UploadFile]:
    return [UploadFile("case.pdf", size, pages, "pdf")]


def test_fit_steps_down_until_the_upload_fits_and_says_so() -> None:
    steps = fit_ladder(AMEX.limits.dpi)
    sizes = [8_000_000, 6_000_000, 4_000_000, 1_000_000]
    seen: list[FitStep] = []

    def attempt(step: FitStep) -> Tried[int]:
        seen.append(step)
        return Tried(step.number, _pdf(sizes[step.number]), {"A": sizes[step.number]})

    assert fit_to_limits(AMEX, steps, attempt) == 2
    assert [s.settings for s in seen] == steps[:3]
    assert seen[0].note is None
    final = seen[-1]
    assert len(final.log) == 2 and "8.00 MB, limit 5.00 MB" in final.log[0]
    assert final.note and final.note.startswith("fitted to the amex limits: ")
    assert steps[2].describe() in final.note


def test_fit_stops_at_once_when_a_limit_other_than_bytes_bites() -> None:
    calls: list[int] = []

    def attempt(step: FitStep) -> Tried[None]:
        calls.append(step.number)
        return Tried(None, _pdf(100, pages=25), {"A": 100})

    with pytest.raises(LimitError, match="pages 25, limit 20"):
        fit_to_limits(AMEX, fit_ladder(AMEX.limits.dpi), attempt)
    assert calls == [0]


def test_fit_names_the_largest_exhibits_after_the_last_step() -> None:
    steps = fit_ladder(AMEX.limits.dpi)

    def attempt(step: FitStep) -> Tried[None]:
        return Tried(None, _pdf(9_000_000), {"A": 1_000_000, "B": 7_500_000, "C": 0})

    with pytest.raises(LimitError) as e:
        fit_to_limits(AMEX, steps, attempt)
    assert "after the last step" in str(e.value)
    assert "the largest exhibits: B 7.5 MB, A 1.0 MB" in str(e.value)
