"""The fit ladder: image settings stepped down until the uploads meet the profile's size limits.

The dossier is laid out once; a later step re-encodes the finished PDF's image streams
(pdf.reencode), and the step is chosen from the measured bytes of each image, not tried in turn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from evidencekit.errors import LimitError
from evidencekit.messages import Msg, join
from evidencekit.model import Profile
from evidencekit.outputs.platform import UploadFile, Violation, check_limits, suggestions
from evidencekit.pdf.reencode import drawn_images


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


@dataclass(frozen=True)
class ImageBytes:
    """One image stream of the dossier as measured: its bytes and the resolution it is drawn at."""

    size: int
    dpi: float
    quality: int = 0  # the JPEG quality it was written at (estimated); 0: not known


@dataclass
class Tried(Generic[T]):
    """What one step made: the result, the files the limits apply to, bytes per exhibit, and
    the dossier's own image streams (bytes, drawn dpi) with the dossier's size."""

    result: T
    uploads: list[UploadFile]
    exhibit_bytes: dict[str, int]
    images: list[ImageBytes] | None = None
    pdf_size: int = 0
    # The images measured only when a step is to be chosen (most builds fit at once): the
    # finished PDF's content streams are parsed for them.
    measure: Callable[[], list[ImageBytes]] | None = None

    def drawn(self) -> list[ImageBytes] | None:
        """The image streams, measured now if they were left for later."""
        if self.images is None and self.measure is not None:
            self.images = self.measure()
        return self.images


def measure_images(pdf: bytes) -> list[ImageBytes]:
    """The dossier's own image streams as they are in the finished PDF."""
    return [ImageBytes(size, dpi, quality) for size, dpi, quality in drawn_images(pdf)]


class Overlimit(LimitError):
    """The last step still breaks a limit; carries what it made, for the draft and report."""

    def __init__(self, message: str, tried: Tried[Any], limits: str, hint: str) -> None:
        super().__init__(message)
        self.tried = tried
        self.limits = limits  # the limits broken, with the figures
        self.hint = hint


# JPEG bytes at a quality relative to quality 80 (photos and screenshots, Pillow, 4:2:0);
# measured on the test corpora, used only to choose a step (the result is then measured).
_QUALITY_BYTES = {95: 2.2, 90: 1.55, 85: 1.22, 80: 1.0, 75: 0.88, 70: 0.79, 65: 0.72, 60: 0.66,
                  55: 0.61, 50: 0.57, 45: 0.53, 40: 0.5}  # fmt: skip


# JPEG bytes shrink slower than the pixel count: a downscaled image keeps its edges and text,
# packed into fewer pixels (bench_fit's screenshots and photos, 200 to 120 dpi: about half the
# bytes where the pixel count alone says 0.38; with the pixel count alone the ladder chose a
# step too weak and re-encoded twice).
_PIXEL_EXPONENT = 0.7


def _quality_factor(q: int) -> float:
    near = min(_QUALITY_BYTES, key=lambda k: abs(k - q))
    return _QUALITY_BYTES[near]


def predicted_bytes(images: list[ImageBytes], first: ImageSettings, step: ImageSettings) -> int:
    """Bytes of the dossier's images at `step`, from their bytes at `first`: an image drawn
    above the step's dpi shrinks with its pixel count, every one with the JPEG quality, from
    the quality it was written at (screenshots are prepared a few steps below photos)."""
    total = 0.0
    for im in images:
        scale = min(1.0, step.dpi / im.dpi) if im.dpi > 0 else 1.0
        was = im.quality or first.quality
        q = min(1.0, _quality_factor(min(step.quality, was)) / _quality_factor(was))
        total += im.size * (scale * scale) ** _PIXEL_EXPONENT * q
    return round(total)


def choose_step(
    tried: Tried[Any],
    violations: list[Violation],
    steps: list[ImageSettings],
    n: int,
    saved: float = 0.0,
) -> int:
    """The first step after `n` at which the measured images, re-encoded, bring every size
    within its limit (with a 3 % margin); the next step when nothing was measured. `saved`
    is the part of the first step's upload size that step `n` really saved: it corrects the
    estimate once a step has been tried."""
    images, size = tried.drawn(), tried.pdf_size
    if not images or not size:
        return n + 1
    full = predicted_bytes(images, steps[0], steps[0])

    def share(k: int) -> float:  # of the dossier; the uploads are cut from it
        return (full - predicted_bytes(images, steps[0], steps[k])) / size

    scale = saved / share(n) if n and saved > 0 and share(n) > 0 else 1.0
    for m in range(n + 1, len(steps)):
        after = min(0.99, scale * share(m))
        if all(v.actual / (1 - saved) * (1 - after) <= v.allowed * 0.97 for v in violations):
            return m
    return len(steps) - 1


def fit_to_limits(
    profile: Profile, steps: list[ImageSettings], attempt: Callable[[FitStep], Tried[T]]
) -> T:
    """Make the outputs at each step in turn until the uploads meet the profile's limits;
    LimitError when a limit other than bytes bites, or the last step is still too large."""
    fit_log: list[str] = []
    tried_steps: list[str] = []
    first_total = 0
    n = 0
    while n < len(steps):
        settings = steps[n]
        note = (
            f"fitted to the {profile.name} limits: {settings.describe()} "
            f"(steps: {' → '.join([*tried_steps, settings.describe()])})"
            if fit_log
            else None
        )
        tried = attempt(FitStep(n, settings, fit_log, note))
        tried_steps.append(settings.describe())
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
            raise Overlimit(why, tried, figures + after, hint)  # still translatable
        total = sum(u.size for u in tried.uploads)
        first_total = first_total or total
        m = choose_step(tried, violations, steps, n, 1 - total / first_total if n else 0.0)
        fit_log.append(
            f"{violations[0].describe(profile)} with {settings.describe()}; "
            f"retrying with {steps[m].describe()}"
        )
        n = m
    msg = "the fit ladder has no steps"
    raise AssertionError(msg)
