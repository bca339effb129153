"""Shared fixtures: real case folders made on the fly, and built example dossiers."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from PIL import Image, ImageDraw

from tests.pgserver import PgServer, PgUnavailable, start_server

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(ROOT.glob("examples/*/case.yaml"))

# Property tests: no per-example deadline (a loaded 2-core CI machine is slow), a fixed budget.
settings.register_profile(
    "evidencekit",
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("evidencekit")


def make_png(path: Path, size: tuple[int, int] = (400, 800), color: str = "#dde") -> Path:
    """A real PNG with some drawing on it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(img)
    draw.rectangle((10, 10, size[0] - 10, 60), fill="#234")
    draw.text((20, 80), "evidence", fill="black")
    img.save(path)
    return path


def make_jpeg(
    path: Path,
    size: tuple[int, int] = (640, 480),
    exif_time: str | None = None,
    offset: str | None = None,
) -> Path:
    """A real JPEG, optionally with EXIF DateTimeOriginal/OffsetTimeOriginal."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.new("RGB", size, "#8a6")
    exif = Image.Exif()
    if exif_time:
        sub = exif.get_ifd(0x8769)
        sub[0x9003] = exif_time
        if offset:
            sub[0x9011] = offset
    img.save(path, "JPEG", exif=exif.tobytes() if exif_time else b"")
    return path


def write_case(
    folder: Path, yaml_text: str, files: dict[str, bytes | str | None] | None = None
) -> Path:
    """Write case.yaml (dedented) and the given files; None makes a small PNG."""
    folder.mkdir(parents=True, exist_ok=True)
    for rel, content in (files or {}).items():
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            make_png(p)
        elif isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    manifest = folder / "case.yaml"
    manifest.write_text(textwrap.dedent(yaml_text).lstrip(), encoding="utf-8")
    return manifest


MINIMAL = """\
evidencekit: 1
case:
  id: T-1
  title: Test case
  profile: generic
evidence:
  - kind: product
    title: Listing
    files: [shot.png]
"""


@pytest.fixture(scope="session", autouse=True)
def image_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tests never touch the user's cache folder."""
    import os

    folder = tmp_path_factory.mktemp("cache")
    os.environ["EVIDENCEKIT_CACHE_DIR"] = str(folder)
    return folder


@pytest.fixture(scope="session", autouse=True)
def case_register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Builds record into a register of the test run, never the user's."""
    import os

    path = tmp_path_factory.mktemp("register") / "register.sqlite"
    os.environ["EVIDENCEKIT_REGISTER"] = str(path)
    os.environ.pop("EVIDENCEKIT_STORE", None)
    return path


_PG_NOTICE: list[str] = []


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A real PostgreSQL server for the register tests; skipped loudly where none can start."""
    import os

    try:
        server = start_server()
    except PgUnavailable as e:
        _PG_NOTICE.append(str(e))
        if os.environ.get("CI"):  # CI installs postgresql (Makefile SYSDEPS): must run there
            pytest.fail(f"PostgreSQL could not start: {e}")
        pytest.skip(f"PostgreSQL could not start: {e}")
    yield server
    from evidencekit.register.db import close_engines

    close_engines()  # before the server goes: no connection is left to be collected open
    server.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # Said at the end, where it is seen, not only as an "s" among the dots.
    for notice in _PG_NOTICE:
        terminalreporter.write_line(
            f"NOTICE: the PostgreSQL register tests were SKIPPED: {notice}", red=True, bold=True
        )


@pytest.fixture
def minimal_case(tmp_path: Path) -> Path:
    return write_case(tmp_path / "case", MINIMAL, {"shot.png": None})


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real command line, as a user would."""
    import os

    # Messages before a case language is known follow the locale: English unless a test sets one.
    full_env = {**os.environ, "LC_ALL": "C.UTF-8", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "evidencekit", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        check=False,
        timeout=600,
        preexec_fn=_interactive_signals,
    )


def invoke_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The command line's own code run inside the test process: what run_cli returns, without
    a new interpreter importing WeasyPrint again (about 2 s a call). For tests whose subject is
    not the process itself (signals, exit on kill, a fresh hash seed for byte-identity). An
    exception escaping the command shows as the traceback a user would see, with exit 1."""
    import contextlib
    import signal
    import traceback
    import warnings

    from typer.testing import CliRunner

    from evidencekit.cli import app

    term = signal.getsignal(signal.SIGTERM)  # the build installs its own handler
    try:
        with (
            contextlib.chdir(cwd) if cwd else contextlib.nullcontext(),
            warnings.catch_warnings(),
        ):
            # A command's warnings as a fresh interpreter treats them, not as pytest's errors
            # (e.g. Jinja compiling a template that holds "\.").
            warnings.resetwarnings()
            for category in (ResourceWarning, ImportWarning, PendingDeprecationWarning):
                warnings.simplefilter("ignore", category)
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
            result = CliRunner().invoke(app, list(args), env={"LC_ALL": "C.UTF-8", **(env or {})})
    finally:
        signal.signal(signal.SIGTERM, term)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(
        ["evidencekit", *args], result.exit_code, result.stdout, stderr
    )


def _interactive_signals() -> None:
    """Ctrl-C as a user's terminal delivers it: a shell without job control starts background
    jobs (a test run launched with `&`) with SIGINT ignored, which the command would inherit."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def drawn_in_side_margins(pdf: Path, dpi: int = 50) -> list[tuple[int, str]]:
    """(page, "left" | "right") of each page of a dossier that draws anything in a side
    margin, between the top and bottom margins (what runs past the content box: a table or a
    message wider than the line). The margins' outer 0.7 mm of tolerance is left out."""
    from evidencekit.pdf.raster import PageDrawer
    from evidencekit.render import MARGIN_MM

    found: list[tuple[int, str]] = []
    mm = dpi / 25.4
    side = round((MARGIN_MM["side"] - 0.7) * mm)
    with PageDrawer(pdf.read_bytes()) as drawer:
        for i in range(len(drawer)):
            img = drawer.draw(i, dpi).convert("L")
            top, bottom = round(MARGIN_MM["top"] * mm), img.height - round(MARGIN_MM["bottom"] * mm)
            right = img.width - side
            boxes = {"left": (0, top, side, bottom), "right": (right, top, img.width, bottom)}
            for name, box in boxes.items():
                if img.crop(box).getextrema()[0] < 235:
                    found.append((i + 1, name))
    return found


def png_bytes(size: tuple[int, int] = (100, 100)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, "white").save(buf, "PNG")
    return buf.getvalue()


class _Examples(Mapping[str, Path]):
    """Example name -> output folder, each example built on first use only: a test process
    (one per core) that needs one example does not pay for the others."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self._factory = factory
        self._built: dict[str, Path] = {}
        self._names = [m.parent.name for m in EXAMPLES]

    def __getitem__(self, name: str) -> Path:
        if name not in self._built:
            manifest = EXAMPLES[self._names.index(name)]  # ValueError: no such example
            target = self._factory.mktemp(name)
            env = {"SOURCE_DATE_EPOCH": "1764547200"}
            proc = invoke_cli("build", "-q", str(manifest), "-o", str(target), env=env)
            assert proc.returncode == 0, proc.stderr
            self._built[name] = target
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


@pytest.fixture(scope="session")
def built_examples(tmp_path_factory: pytest.TempPathFactory) -> Mapping[str, Path]:
    """Every example built with SOURCE_DATE_EPOCH, on first use; name -> output folder."""
    return _Examples(tmp_path_factory)
