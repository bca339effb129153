"""The command line; the only place where errors become messages and exit codes."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Annotated, Any

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
from typer.core import TyperGroup

from evidencekit import __version__
from evidencekit.errors import EvidencekitError, ManifestError
from evidencekit.messages import MESSAGES, Msg, env_language, fields, localize


def _usage_text(e: Exception, lang: str) -> str | None:
    """A command-line usage error (Typer's own) in lang, or None to keep Typer's text.

    Typer's parser (click) speaks English only; its errors are told apart by their class name,
    which every Typer version keeps, rather than by importing its private parser module."""
    kind = type(e).__name__
    message = str(getattr(e, "message", "") or "")
    param = getattr(e, "param", None)
    if param is not None:
        opts = [o for o in getattr(param, "opts", []) if o.startswith("-")]
        shown = getattr(param, "human_readable_name", None) or getattr(param, "metavar", None)
        hint = " / ".join(f"'{o}'" for o in opts) or f"'{shown or str(param.name).upper()}'"
    else:
        hints = getattr(e, "param_hint", None)
        hint = hints if isinstance(hints, str) else " / ".join(f"'{h}'" for h in hints or [])
    if kind == "NoSuchOption":
        names = ", ".join(sorted(getattr(e, "possibilities", None) or []))
        option = getattr(e, "option_name", "")
        more = Msg("usage.possible", names=names) if names else ""
        return Msg("usage.no_such_option", option=option, more=more).render(lang)
    if kind == "MissingParameter":
        what = "option" if getattr(param, "param_type_name", "") == "option" else "argument"
        return Msg(f"usage.missing_{what}", name=hint).render(lang)
    if kind == "BadParameter" and hint:
        return Msg("usage.bad_value", name=hint, why=_plain(message, lang)).render(lang)
    if kind == "BadOptionUsage" and "requires an argument" in message:
        return Msg("usage.needs_value", option=getattr(e, "option_name", "")).render(lang)
    if m := re.fullmatch(r"No such command '(.+?)'\.(?: Did you mean '(.+)'\?)?", message):
        more = Msg("hint.did_you_mean", name=m[2]) if m[2] else ""
        return Msg("usage.no_such_command", name=m[1], more=more).render(lang)
    if m := re.fullmatch(r"Got unexpected extra argument(?:s|\(s\))? \((.+)\)", message):
        return Msg("usage.extra_args", args=m[1]).render(lang)
    if kind in ("UsageError", "BadArgumentUsage", "BadOptionUsage", "BadParameter"):
        return Msg("usage.other", text=message).render(lang)
    return None


def _plain(text: str, lang: str) -> str:
    """A value-conversion message without parameters (pydantic's words) in lang."""
    for msg_id, (_, en) in MESSAGES.items():
        if msg_id.startswith("pydantic.") and en == text and not fields(en):
            return Msg(msg_id).render(lang)
    return text


def _localize_usage(e: Exception) -> None:
    lang = env_language()  # no case yet: the command line itself is wrong
    if lang != "en" and (text := _usage_text(e, lang)) is not None:
        e.format_message = lambda: text  # type: ignore[attr-defined]


class _Commands(TyperGroup):
    """Typer's command group, with its usage errors in the user's language."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except Exception as e:
            _localize_usage(e)
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as e:
            _localize_usage(e)
            raise


app = typer.Typer(
    cls=_Commands,
    add_completion=False,
    no_args_is_help=True,
    help="Turn a YAML manifest of dispute evidence into an indexed, timestamped PDF dossier.",
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

ManifestArg = Annotated[Path, typer.Argument(help="The case manifest (case.yaml).", dir_okay=False)]


def _language(
    manifest: Path | None = None, profile: str | None = None, lang: str | None = None
) -> str:
    """The language to talk in: --lang, else the case's (even from an invalid manifest), else the
    user's locale (LC_ALL, LC_MESSAGES, LANG)."""
    if lang in ("zh-CN", "en"):
        return lang
    if manifest is not None:
        from evidencekit.manifest import manifest_language

        found = manifest_language(manifest, profile)
        if found:
            return found
    return env_language()


def _say(lang: str, msg_id: str, **params: object) -> str:
    return Msg(msg_id, **params).render(lang)


def _stage(name: str, lang: str) -> str:
    """A build stage's name (progress bars, the time line of the summary) in lang."""
    return _say(lang, f"stage.{name}") if f"stage.{name}" in MESSAGES else name


def _usage(lang: str, msg_id: str, **params: object) -> typer.Exit:
    err.print(_say(lang, msg_id, **params), markup=False)
    return typer.Exit(2)


def _fail(e: EvidencekitError, lang: str = "en") -> typer.Exit:
    if isinstance(e, ManifestError):
        errors = [p for p in e.problems if p.severity == "error"]
        for p in e.problems:
            err.print(
                p.format(lang), markup=False, style="red" if p.severity == "error" else "yellow"
            )
        err.print(_say(lang, "frame.errors_nothing_written", n=len(errors)), style="bold red")
    else:
        err.print(_say(lang, "frame.error", text=e.render(lang)), markup=False, style="red")
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

    said = _language(lang=lang)
    if page_image_format not in ("jpeg", "png"):
        raise _usage(said, "cli.page_image_format")
    if not 36 <= page_image_dpi <= 600:
        raise _usage(said, "cli.page_image_dpi")
    if tsa is not None and (problem := tsa_url_problem(tsa)):
        raise _usage(said, "cli.tsa", problem=problem)

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
                name = _stage(stage, _language(manifest, profile, lang))
                tasks[stage] = progress.add_task(name, total=max(total, 1))
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
            raise _fail(e, _language(manifest, profile, lang)) from None
    said = result.case.language
    for w in result.warnings:
        text = (
            localize(w, said) if w.startswith("warning: ") else _say(said, "frame.warning", text=w)
        )
        err.print(text, markup=False, style="yellow")
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_row(_say(said, "summary.dossier"), str(result.pdf_path))
    table.add_row(_say(said, "summary.pages"), str(result.pages))
    table.add_row(_say(said, "summary.size"), f"{result.pdf_size / 1e6:.2f} MB")
    table.add_row(
        _say(said, "summary.exhibits"),
        _say(said, "summary.exhibits_value", exhibits=result.exhibits, sources=result.sources),
    )
    table.add_row(
        _say(said, "summary.time"),
        f"{result.seconds:.1f} s  "
        + " ".join(f"{_stage(k, said)} {v:.1f}" for k, v in result.stages.items()),
    )
    table.add_row(_say(said, "summary.warnings"), str(len(result.warnings)))
    if result.token_path:
        table.add_row(_say(said, "summary.timestamp"), str(result.token_path))
    if result.archive_path:
        table.add_row(_say(said, "summary.archive"), str(result.archive_path))
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

    said = env_language()
    try:
        rows = verify_path(path, sources, tsa_ca)
    except EvidencekitError as e:
        raise _fail(e, said) from None
    failed = [r for r in rows if r.failed]
    if as_json:
        sys.stdout.write(rows_json(rows))
    else:
        table = Table(
            *(_say(said, f"verify.{h}") for h in ("file", "expected", "actual", "status"))
        )
        for r in rows:
            style = {"OK": "green", "ALTERED": "bold red", "MISSING": "bold red"}.get(r.status, "")
            table.add_row(
                localize(r.file, said),
                r.expected[:16],
                localize(r.actual, said)[:16],
                f"[{style}]{r.status}[/]" if style else r.status,
            )
        out.print(table)
        for r in failed:
            why = (
                f" ({localize(r.actual, said)})" if r.status == "ALTERED" and not r.expected else ""
            )
            status = _say(said, f"verify.{r.status.lower()}", file=localize(r.file, said))
            err.print(f"{status}{why}", markup=False, style="red")
        for r in rows:
            if r.status == "NOTE":
                err.print(_say(said, "verify.note", text=localize(r.file, said)), markup=False)
        checks = [r for r in rows if r.status != "NOTE"]
        passed = len(checks) - len(failed)
        verdict = "failed" if failed else "verified" if passed else "nothing"
        out.print(
            _say(said, f"verify.verdict_{verdict}", passed=passed, total=len(checks)), markup=False
        )
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
        raise _fail(e, _language(manifest, profile, lang)) from None
    for w in case.warnings:
        err.print(localize(w, case.language), markup=False, style="yellow")
    summary = Msg(
        "summary.valid",
        manifest=str(manifest),
        exhibits=len(case.exhibits),
        sources=len(case.sources()),
        warnings=len(case.warnings),
    )
    out.print(summary.render(case.language), markup=False)


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

    said = env_language()
    if name:
        try:
            p = load_profile(name)
        except KeyError:
            names = ", ".join(profile_names())
            raise _usage(said, "cli.unknown_profile", name=name, names=names) from None
        except ValueError as e:
            err.print(localize(str(e) if not e.args else e.args[0], said), markup=False)
            raise typer.Exit(1) from None
        heads = ("setting", "value", "source")
        table = Table(*(_say(said, f"profiles.{h}") for h in heads), show_lines=False)
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
    columns = ("profile", "title", "paper", "language", "formats", "output", "limits")
    table = Table(*(_say(said, f"profiles.{h}") for h in columns))
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

    said = env_language()
    if reason not in REASONS:
        raise _usage(said, "cli.unknown_reason", reason=reason, names=", ".join(REASONS))
    try:
        p = load_profile(profile)
    except KeyError:
        names = ", ".join(profile_names())
        raise _usage(said, "cli.unknown_profile", name=profile, names=names) from None
    try:
        written = scaffold_case(folder, p, reason, schema_text())
    except EvidencekitError as e:
        raise _fail(e, said) from None
    for path in written:
        out.print(_say(said, "cli.wrote", path=str(path)), markup=False)
    manifest = str(folder / "case.yaml")
    out.print(_say(said, "cli.init_next", manifest=manifest), markup=False)


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
