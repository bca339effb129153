"""Image jobs: each image prepared in a worker process into the prepared-image cache."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from evidencekit.assets.images import (
    PreparedImage,
    cache_key,
    load_prepared,
    prepare_image,
    save_prepared,
)
from evidencekit.assets.sources import sha256_file
from evidencekit.errors import EvidenceError
from evidencekit.fit import ImageSettings
from evidencekit.model import SourceFile

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
) -> ImageJob:
    """The job for one image, its cache folder keyed by the file's hash and every setting."""
    params = {"box": box, "dpi": cfg.dpi, "quality": cfg.quality, "redact": redact}
    key = cache_key(sha256_file(sf.path), params)
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
        )
        save_prepared(img, tmp)
        try:
            tmp.rename(job.folder)
        except OSError:  # another build made the same entry meanwhile: use theirs
            shutil.rmtree(tmp, ignore_errors=True)
        return img
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def image_cache_dir(work: Path) -> Path:
    """Where prepared images are kept between builds (EVIDENCEKIT_CACHE_DIR; 'off': none)."""
    configured = os.environ.get("EVIDENCEKIT_CACHE_DIR")
    if configured == "off":
        return work / "images"
    if configured:
        return Path(configured) / "images"
    return Path(platformdirs.user_cache_dir("evidencekit")) / "images"


def prepare_images(
    jobs: list[ImageJob], progress: Progress | None, total: int
) -> list[PreparedImage]:
    """Prepare images over the cores; each worker holds one decoded image at a time."""
    results: list[PreparedImage | None] = [None] * len(jobs)
    todo = []
    for i, job in enumerate(jobs):
        cached = load_prepared(job.folder)
        if cached is not None:
            results[i] = cached
        else:
            todo.append(i)
    done = len(jobs) - len(todo)
    workers = min(os.cpu_count() or 1, len(todo))
    if progress:
        progress("images", done, total)
    if workers <= 1 or len(todo) < 3:
        for i in todo:
            results[i] = _wrap_image_error(jobs[i], _run_image_job)
            done += 1
            if progress:
                progress("images", done, total)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_run_image_job, jobs[i]): i for i in todo}
            for future in as_completed(futures):
                i = futures[future]
                results[i] = _wrap_image_error(jobs[i], _result_of(future))
                done += 1
                if progress:
                    progress("images", done, total)
    return [r for r in results if r is not None]


def _result_of(future: Future[PreparedImage]) -> Callable[[ImageJob], PreparedImage]:
    def get(_job: ImageJob) -> PreparedImage:
        return future.result()

    return get


def _wrap_image_error(job: ImageJob, run: Callable[[ImageJob], PreparedImage]) -> PreparedImage:
    try:
        return run(job)
    except EvidenceError as e:
        raise EvidenceError(e.message, file=job.rel, location=job.location) from e
