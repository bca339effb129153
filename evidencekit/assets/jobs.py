"""Image jobs: each image prepared in a worker process into the prepared-image cache, while
the main process lays the dossier out."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from evidencekit.assets.images import (
    SCREEN_QUALITY_STEP,
    PreparedImage,
    cache_key,
    load_prepared,
    prepare_image,
    save_prepared,
)
from evidencekit.assets.sources import sha256_file
from evidencekit.caches import cache_dir, put_entry
from evidencekit.errors import EvidenceError, RenderError
from evidencekit.fit import ImageSettings
from evidencekit.messages import Msg
from evidencekit.model import SourceFile
from evidencekit.pdf.images import PreparedJpeg
from evidencekit.render.context import PreparedExhibit

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ImageJob:
    """One image to prepare (picklable, for the process pool)."""

    path: Path
    rel: str
    location: str
    folder: Path
    stem: str
    box: tuple[float, float]
    dpi: int
    quality: int
    redact: tuple[tuple[int, int, int, int], ...]


def image_job(
    sf: SourceFile,
    box: tuple[float, float],
    cfg: ImageSettings,
    cache: Path,
    redact: tuple[tuple[int, int, int, int], ...],
    digest: str | None = None,
) -> ImageJob:
    """The job for one image, its cache folder keyed by the file's hash and every setting
    (`digest`: the hash collect already made, so the file is not read twice)."""
    params = {"box": box, "dpi": cfg.dpi, "quality": cfg.quality, "redact": redact}
    key = cache_key(digest or sha256_file(sf.path), params)
    return ImageJob(
        sf.path,
        sf.rel,
        sf.location,
        cache / key[:2] / key,
        key[:20],
        box,
        cfg.dpi,
        cfg.quality,
        redact,
    )


def _run_image_job(job: ImageJob) -> PreparedImage:
    """Prepare one image into its cache folder (written whole, then renamed: atomic)."""
    cached = load_prepared(job.folder)
    if cached is not None:
        return cached
    job.folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=job.folder.parent))
    try:
        img = prepare_image(
            job.path,
            job.rel,
            tmp,
            job.stem,
            box_mm=job.box,
            dpi=job.dpi,
            quality=job.quality,
            redact=job.redact,
            screen_quality=max(30, job.quality - SCREEN_QUALITY_STEP),
        )
        save_prepared(img, tmp)
        put_entry(tmp, job.folder, lambda folder: load_prepared(folder) is not None)
        return img
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def image_cache_dir(work: Path) -> Path:
    """Where prepared images are kept between builds (EVIDENCEKIT_CACHE_DIR; 'off': only for
    this build, in its work folder)."""
    return cache_dir("images") or work / "images"


class ImageJobs:
    """Images being prepared over the cores (each worker holds one decoded image at a time)
    while the main process lays the dossier out with their planned sizes.

    A context manager: leaving it early (an error in the layout) cancels what has not begun."""

    def __init__(
        self,
        jobs: list[ImageJob],
        ready: list[PreparedImage | None],
        progress: Progress | None,
        total: int,
    ) -> None:
        self.jobs, self.results, self.progress, self.total = jobs, ready, progress, total
        todo = [i for i, r in enumerate(ready) if r is None]
        self.done = len(jobs) - len(todo)
        self.pool: ProcessPoolExecutor | None = None
        self.futures: dict[Future[PreparedImage], int] = {}
        workers = min(os.cpu_count() or 1, len(todo))
        if (os.cpu_count() or 1) > 1 and todo:
            # Even one image: in a worker process, so this one never uses libvips and every
            # worker it forks may (assets/vips.py), and the layout goes on meanwhile.
            self.pool = ProcessPoolExecutor(max_workers=workers)
            # Largest first: the long screenshot does not start last and finish alone.
            for i in sorted(todo, key=lambda i: -jobs[i].path.stat().st_size):
                self.futures[self.pool.submit(_run_image_job, jobs[i])] = i
        else:  # one processor: prepared here, before the layout
            for i in todo:
                self.results[i] = wrap_image_error(jobs[i], _run_image_job)
                self._tick()

    def __enter__(self) -> ImageJobs:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def _tick(self) -> None:
        self.done += 1
        if self.progress:
            self.progress("images", self.done, self.total)

    def finish(self, prepared: list[PreparedExhibit]) -> dict[str, PreparedJpeg]:
        """Wait for every image; put the prepared images where the planned ones were (same
        parts, same printed sizes: checked) and return the JPEG of every part by name."""
        if self.progress:
            self.progress("images", self.done, self.total)
        broken = []  # a worker died (a decoder's crash, the OOM killer): the pool went with it
        for future in as_completed(self.futures):
            i = self.futures[future]
            try:
                self.results[i] = wrap_image_error(self.jobs[i], _result_of(future))
            except BrokenProcessPool:
                broken.append(i)
                continue
            self._tick()
        self.__exit__()
        for i in sorted(broken):  # each again in a process of its own: the one that dies is named
            self.results[i] = wrap_image_error(self.jobs[i], _alone)
            self._tick()
        made: dict[str, PreparedJpeg] = {}
        results = iter(zip(self.jobs, self.results, strict=True))
        for pe in prepared:
            for k, (rel, planned) in enumerate(pe.images):
                job, img = next(results)
                assert img is not None and job.rel == rel
                geometry = [(p.name, p.width_mm, p.height_mm) for p in img.parts]
                if geometry != [(p.name, p.width_mm, p.height_mm) for p in planned.parts]:
                    msg = f"{rel}: the prepared image does not match its planned layout"
                    raise RenderError(msg)
                pe.images[k] = (rel, img)
                for part in img.parts:
                    made[part.name] = PreparedJpeg(
                        job.folder / part.name, part.width_px, part.height_px, part.sha256
                    )
        return made


def _alone(job: ImageJob) -> PreparedImage:
    """One image prepared in a process of its own; refused when that process dies too."""
    with ProcessPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(_run_image_job, job).result()
        except BrokenProcessPool:
            raise EvidenceError(Msg("image.crashed")) from None


def _result_of(future: Future[PreparedImage]) -> Callable[[ImageJob], PreparedImage]:
    def get(_job: ImageJob) -> PreparedImage:
        return future.result()

    return get


def wrap_image_error(job: ImageJob, run: Callable[[ImageJob], PreparedImage]) -> PreparedImage:
    try:
        return run(job)
    except EvidenceError as e:
        raise EvidenceError(e.message, file=job.rel, location=job.location) from e
