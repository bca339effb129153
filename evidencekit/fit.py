"""The fit ladder: image settings stepped down until the uploads meet the profile's size limits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from evidencekit.errors import LimitError
from evidencekit.messages import Msg, join
from evidencekit.model import Profile
from evidencekit.outputs.platform import UploadFile, check_limits, suggestions


@dataclass(frozen=True)
class ImageSettings:
    """How images are re-encoded; the fit ladder steps these down."""

    dpi: int = 200
    quality: int = 80

    def describe(self) -> str:
        return f"images at {self.dpi} dpi, JPEG quality {self.quality}"


def fit_ladder(profile_dpi: int | None) -> list[ImageSettings]:
    """Steps tried in order when a size limit is exceeded: DPI first, then JPEG quality,
    then the per-page image budget (a lower DPI again)."""
    top = min(200, profile_dpi or 200)
    steps = [(top, 80), (150, 80), (120, 80), (120, 70), (120, 60), (110, 50), (96, 45)]
    out: list[ImageSettings] = []
    for dpi, quality in steps:
        step = ImageSettings(min(dpi, top), quality)
        if step not in out:
            out.append(step)
    return out


T = TypeVar("T")


@dataclass(frozen=True)
class FitStep:
    """One rung of the ladder as the build sees it."""

    number: int  # 0 for the first try
    settings: ImageSettings
    log: list[str]  # why each earlier step was left
    note: str | None  # the warning that says the dossier was fitted, from the second step on


@dataclass
class Tried(Generic[T]):
    """What one step made: the result, the files the limits apply to, bytes per exhibit."""

    result: T
    uploads: list[UploadFile]
    exhibit_bytes: dict[str, int]


def fit_to_limits(
    profile: Profile, steps: list[ImageSettings], attempt: Callable[[FitStep], Tried[T]]
) -> T:
    """Make the outputs at each step in turn until the uploads meet the profile's limits;
    LimitError when a limit other than bytes bites, or the last step is still too large."""
    fit_log: list[str] = []
    for n, settings in enumerate(steps):
        note = (
            f"fitted to the {profile.name} limits: {settings.describe()} "
            f"(steps: {' → '.join(s.describe() for s in steps[: n + 1])})"
            if fit_log
            else None
        )
        tried = attempt(FitStep(n, settings, fit_log, note))
        violations = check_limits(profile, tried.uploads)
        sizes_only = all(v.limit.endswith("bytes") for v in violations)
        if not violations:
            return tried.result
        if not sizes_only or n == len(steps) - 1:
            largest = sorted(tried.exhibit_bytes.items(), key=lambda kv: -kv[1])[:3]
            figures = join([v.describe(profile) for v in violations], "; ")
            after = Msg("limit.after_last") if sizes_only and n else ""
            biggest = ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in largest if v)
            most = Msg("limit.biggest", names=biggest) if biggest else ""
            hint = suggestions(profile)
            why = Msg("limit.cannot_fit", figures=figures, after=after, biggest=most, hint=hint)
            raise LimitError(why)
        nxt = steps[n + 1]
        fit_log.append(
            f"{violations[0].describe(profile)} with {settings.describe()}; "
            f"retrying with {nxt.describe()}"
        )
    msg = "the fit ladder has no steps"
    raise AssertionError(msg)
