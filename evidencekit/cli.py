"""The command line; the only place where errors become messages and exit codes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from evidencekit import __version__
from evidencekit.errors import EvidencekitError, ManifestError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Turn a YAML manifest of dispute evidence into an indexed, timestamped PDF dossier.",
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

ManifestArg = Annotated[Path, typer.Argument(help="The case manifest (case.yaml).", dir_okay=False)]


def _fail(e: EvidencekitError) -> typer.Exit:
    if isinstance(e, ManifestError):
        errors = [p for p in e.problems if p.severity == "error"]
        for p in e.problems:
            err.print(p.format(), markup=False, style="red" if p.severity == "error" else "yellow")
        err.print(f"{len(errors)} error(s); nothing was written.", style="bold red")
    else:
        err.print(f"error: {e}", markup=False, style="red")
    return typer.Exit(e.exit_code)


def _schema() -> dict[str, object]:
    from evidencekit.model import Manifest

    schema = Manifest.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://evidencekit.invalid/schema/manifest-1.json",
        **schema,
        "title": "evidencekit manifest, version 1",
    }


def schema_text() -> str:
    """The manifest's JSON Schema as text (what `evidencekit schema` prints)."""
    return json.dumps(_schema(), ensure_ascii=False, indent=2) + "\n"


def _term_as_interrupt() -> None:
    """SIGTERM unwinds like Ctrl-C, so temporary folders (staging, work copies) are removed."""
    import signal

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


@app.command()
def build(
    manifest: ManifestArg,
    out_dir: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder.")] = None,
    profile: Annotated[str | None, typer.Option(help="Platform profile (overrides).")] = None,
    lang: Annotated[str | None, typer.Option(help="zh-CN or en (overrides).")] = None,
    pdfa: Annotated[bool, typer.Option("--pdfa", help="Write PDF/A-3b (validated).")] = False,
    embed_originals: Annotated[
        bool, typer.Option("--embed-originals", help="Embed every unredacted original.")
    ] = False,
    page_images: Annotated[
        bool, typer.Option("--page-images", help="Also write every page as an image.")
    ] = False,
    page_image_format: Annotated[str, typer.Option(help="jpeg or png (page images).")] = "jpeg",
    page_image_dpi: Annotated[int, typer.Option(help="Page image resolution.")] = 150,
    archive: Annotated[
        bool, typer.Option("--archive", help="Also write the self-contained archive (ZIP).")
    ] = False,
    tsa: Annotated[
        str | None, typer.Option(help="RFC 3161 time-stamping authority URL (network call).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Rebuild even when nothing changed.")
    ] = False,
    include_unmasked_originals: Annotated[
        bool,
        typer.Option(
            "--include-unmasked-originals",
            help="Embed/archive raw originals of masked or redacted sources (others' data).",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress.")] = False,
) -> None:
    """Validate, then render the dossier and its sidecars into the output folder."""
    from evidencekit.outputs import tsa_url_problem
    from evidencekit.pipeline import BuildOptions, PageImageOptions
    from evidencekit.pipeline import build as run_build

    if page_image_format not in ("jpeg", "png"):
        err.print("--page-image-format must be jpeg or png")
        raise typer.Exit(2)
    if not 36 <= page_image_dpi <= 600:
        err.print("--page-image-dpi must be between 36 and 600")
        raise typer.Exit(2)
    if tsa is not None and (problem := tsa_url_problem(tsa)):
        err.print(f"--tsa: {problem}", markup=False)
        raise typer.Exit(2)

    _term_as_interrupt()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=quiet or not err.is_terminal,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=max(total, 1))
            progress.update(tasks[stage], completed=done)

        try:
            result = run_build(
                manifest,
                BuildOptions(
                    out_dir=out_dir,
                    profile=profile,
                    language=lang,
                    progress=report,
                    pdfa=pdfa or None,
                    embed_originals=embed_originals or None,
                    page_images=PageImageOptions(page_images, page_image_format, page_image_dpi),
                    tsa=tsa,
                    archive=archive,
                    force=force,
                    include_unmasked_originals=include_unmasked_originals,
                ),
            )
        except EvidencekitError as e:
            progress.stop()
            raise _fail(e) from None
    for w in result.warnings:
        text = w if w.startswith("warning: ") else f"warning: {w}"
        err.print(text, markup=False, style="yellow")
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_row("dossier", str(result.pdf_path))
    table.add_row("pages", str(result.pages))
    table.add_row("size", f"{result.pdf_size / 1e6:.2f} MB")
    table.add_row("exhibits", f"{result.exhibits} ({result.sources} source files)")
    table.add_row(
        "time",
        f"{result.seconds:.1f} s  " + " ".join(f"{k} {v:.1f}" for k, v in result.stages.items()),
    )
    table.add_row("warnings", str(len(result.warnings)))
    if result.token_path:
        table.add_row("timestamp", str(result.token_path))
    if result.archive_path:
        table.add_row("archive", str(result.archive_path))
    out.print(table)


@app.command("archive")
def archive_cmd(
    manifest: ManifestArg,
    out_dir: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder.")] = None,
    tsa: Annotated[
        str | None, typer.Option(help="RFC 3161 time-stamping authority URL (network call).")
    ] = None,
    include_unmasked_originals: Annotated[
        bool,
        typer.Option(
            "--include-unmasked-originals",
            help="Archive raw originals of masked or redacted sources (others' data).",
        ),
    ] = False,
) -> None:
    """Build, then write one self-contained, deterministic archive (ZIP) for the recipient."""
    build(
        manifest,
        out_dir=out_dir,
        archive=True,
        tsa=tsa,
        quiet=True,
        include_unmasked_originals=include_unmasked_originals,
    )


@app.command()
def verify(
    path: Annotated[Path, typer.Argument(help="Output folder, archive (.zip) or dossier PDF.")],
    sources: Annotated[
        Path | None, typer.Option(help="Folder holding the original sources (the case folder).")
    ] = None,
    tsa_ca: Annotated[
        Path | None, typer.Option(help="CA certificates (PEM) to check timestamp tokens.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Re-hash every output and source against the recorded hashes; exit 1 on any mismatch."""
    from evidencekit.outputs.integrity import rows_json, verify_path

    try:
        rows = verify_path(path, sources, tsa_ca)
    except EvidencekitError as e:
        raise _fail(e) from None
    failed = [r for r in rows if r.failed]
    if as_json:
        sys.stdout.write(rows_json(rows))
    else:
        table = Table("file", "expected", "actual", "status")
        for r in rows:
            style = {"OK": "green", "ALTERED": "bold red", "MISSING": "bold red"}.get(r.status, "")
            table.add_row(
                r.file,
                r.expected[:16],
                r.actual[:16],
                f"[{style}]{r.status}[/]" if style else r.status,
            )
        out.print(table)
        for r in failed:
            why = f" ({r.actual})" if r.status == "ALTERED" and not r.expected else ""
            err.print(f"{r.status.lower()}: {r.file}{why}", markup=False, style="red")
        for r in rows:
            if r.status == "NOTE":
                err.print(f"note: {r.file}", markup=False)
        checks = [r for r in rows if r.status != "NOTE"]
        passed = len(checks) - len(failed)
        verdict = "FAILED" if failed else "verified" if passed else "nothing verified"
        out.print(f"{verdict}: {passed} of {len(checks)} checks passed", markup=False)
    if failed or not any(r.status == "OK" for r in rows):
        raise typer.Exit(1)


@app.command()
def validate(
    manifest: ManifestArg,
    profile: Annotated[str | None, typer.Option(help="Platform profile (overrides).")] = None,
    lang: Annotated[str | None, typer.Option(help="zh-CN or en (overrides).")] = None,
) -> None:
    """Report every problem in the manifest at once; exit 1 on errors."""
    from evidencekit.manifest import load_case

    try:
        case = load_case(manifest, profile=profile, language=lang)
    except EvidencekitError as e:
        raise _fail(e) from None
    from evidencekit.checks import forecast_warnings

    for w in [*case.warnings, *(f"warning: {f}" for f in forecast_warnings(case))]:
        err.print(w, markup=False, style="yellow")
    out.print(
        f"{manifest}: valid — {len(case.exhibits)} exhibits, "
        f"{len(case.sources())} source files, {len(case.warnings)} warning(s)",
        markup=False,
    )


@app.command()
def schema() -> None:
    """Print the manifest's JSON Schema (point `# yaml-language-server: $schema=` at it)."""
    sys.stdout.write(schema_text())


def _limit_text(key: str, value: object) -> str:
    if isinstance(value, int) and key.endswith("bytes"):
        return f"{value:,} bytes ({value / 1e6:.2f} MB)"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v:,}" for k, v in value.items())
    return str(value)


def _limits_summary(p: object) -> str:
    from evidencekit.model import Profile

    assert isinstance(p, Profile)
    lim = p.limits
    parts = []
    if lim.file_bytes:
        parts.append(f"{lim.file_bytes / 1e6:g} MB/file")
    if lim.total_bytes:
        parts.append(f"{lim.total_bytes / 1e6:g} MB total")
    if lim.image_bytes:
        parts.append(f"{lim.image_bytes / 1e3:g} KB/image")
    if lim.pages_per_file:
        parts.append(f"{lim.pages_per_file} pages/file")
    if lim.files:
        parts.append(f"{lim.files} files")
    return ", ".join(parts) or "—"


@app.command()
def profiles(name: Annotated[str | None, typer.Argument(help="Show one profile.")] = None) -> None:
    """List the platform profiles and their limits, or show one with sources."""
    from evidencekit.profiles import load_profile, profile_names

    if name:
        try:
            p = load_profile(name)
        except KeyError:
            err.print(
                f"unknown profile {name!r}; profiles: {', '.join(profile_names())}", markup=False
            )
            raise typer.Exit(2) from None
        except ValueError as e:
            err.print(str(e), markup=False)
            raise typer.Exit(1) from None
        table = Table("setting", "value", "source (checked)", show_lines=False)
        for key in (
            "name",
            "title",
            "paper",
            "language",
            "timezone",
            "label_style",
            "output",
            "external_links",
            "pdfa",
        ):
            table.add_row(key, str(getattr(p, key)), "")
        src = p.sources.get("formats")
        table.add_row("formats", ", ".join(p.formats), f"{src.url} ({src.checked})" if src else "")
        for key, value in p.limits.model_dump().items():
            if value in (None, {}):
                continue
            src = p.sources.get(key)
            table.add_row(
                f"limit {key}",
                _limit_text(key, value),
                f"{src.url} ({src.checked})" + (f" — {src.note}" if src.note else "")
                if src
                else "",
            )
        out.print(table)
        return
    table = Table("profile", "title", "paper", "language", "formats", "output", "limits")
    for n in profile_names():
        p = load_profile(n)
        table.add_row(
            n, p.title, p.paper, p.language, ", ".join(p.formats), p.output, _limits_summary(p)
        )
    out.print(table)


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="The case folder to create.", file_okay=False)],
    profile: Annotated[str, typer.Option(help="Platform profile (see `evidencekit profiles`).")],
    reason: Annotated[
        str, typer.Option(help="not_received | not_as_described | fraud | fake_orders")
    ] = "not_as_described",
) -> None:
    """Scaffold a case folder with a commented case.yaml for one platform."""
    from evidencekit.profiles import load_profile, profile_names
    from evidencekit.scaffold import REASONS, scaffold_case

    if reason not in REASONS:
        err.print(f"unknown reason {reason!r}; use one of: {', '.join(REASONS)}")
        raise typer.Exit(2)
    try:
        p = load_profile(profile)
    except KeyError:
        err.print(
            f"unknown profile {profile!r}; profiles: {', '.join(profile_names())}", markup=False
        )
        raise typer.Exit(2) from None
    try:
        written = scaffold_case(folder, p, reason, schema_text())
    except EvidencekitError as e:
        raise _fail(e) from None
    for path in written:
        out.print(f"wrote {path}", markup=False)
    out.print(
        f"next: put your files in the sub-folders, edit {folder / 'case.yaml'}, then "
        f"`evidencekit validate {folder / 'case.yaml'}`",
        markup=False,
    )


def _version(value: bool) -> None:
    if value:
        out.print(f"evidencekit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """evidencekit."""


def main() -> None:
    """Console entry point."""
    app()
