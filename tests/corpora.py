"""Public test corpora obtained through the package registry, cached between runs.

Pillow's source distribution ships about 1 100 odd images under `Tests/images`, pypdf's about
70 real PDFs under `resources/`. They are files from the wild that our own tests did not make.
`python tests/corpora.py` fetches them (``make corpus`` does this before the tests); the cache is
`EVIDENCEKIT_CORPUS_DIR`, else `~/.cache/evidencekit-corpus`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# package -> (pinned version, folder inside the sdist that holds the files)
CORPORA: dict[str, tuple[str, str]] = {
    "pillow": ("11.3.0", "Tests/images"),
    "pypdf": ("7.1.1", "resources"),
}


def cache_root() -> Path:
    """Where extracted corpora live."""
    env = os.environ.get("EVIDENCEKIT_CORPUS_DIR")
    return Path(env) if env else Path.home() / ".cache" / "evidencekit-corpus"


def corpus_dir(package: str) -> Path:
    """The extracted corpus folder of `package`, fetched and extracted on first use."""
    version, inner = CORPORA[package]
    target = cache_root() / f"{package}-{version}"
    done = target / ".complete"
    if done.exists():
        return target / inner
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"{package}=={version}",
                "-d",
                tmp,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (sdist,) = Path(tmp).glob("*.tar.gz")
        staging = Path(tmp) / "x"
        with tarfile.open(sdist) as tar:
            top = tar.getmembers()[0].name.split("/")[0]
            prefix = f"{top}/{inner}/"
            members = [m for m in tar.getmembers() if m.name.startswith(prefix)]
            tar.extractall(staging, members=members, filter="data")
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        shutil.move(str(staging / top / inner.split("/")[0]), str(target / inner.split("/")[0]))
    done.write_text(version)
    return target / inner


def corpus_files(package: str, suffixes: set[str] | None = None) -> list[Path]:
    """Every regular file of a corpus (optionally only these lower-case suffixes), sorted."""
    root = corpus_dir(package)
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not p.is_symlink() and (suffixes is None or p.suffix.lower() in suffixes)
    )


if __name__ == "__main__":
    for name in sys.argv[1:] or list(CORPORA):
        folder = corpus_dir(name)
        print(f"{name}: {sum(1 for p in folder.rglob('*') if p.is_file())} files in {folder}")
