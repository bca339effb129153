"""The command line; the only place where errors become messages and exit codes."""

from __future__ import annotations

import atexit
import json
import os
import re
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
from typer.core import TyperCommand, TyperGroup

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
    lang = _frame_language()
    if lang != "en" and (text := _usage_text(e, lang)) is not None:
        e.format_message = lambda: text  # type: ignore[attr-defined]


# Typer's frame words (help panels, the error box, "Try ... for help") are module constants
# that it reads when it prints. Typer has no translation hook (its bundled parser has no
# gettext), so they are set for the run's language and put back when the run ends.
_TYPER_FRAME = {
    "ARGUMENTS_PANEL_TITLE": "typer.arguments",
    "OPTIONS_PANEL_TITLE": "typer.options",
    "COMMANDS_PANEL_TITLE": "typer.commands",
    "ERRORS_PANEL_TITLE": "typer.error",
    "ABORTED_TEXT": "typer.aborted",
    "REQUIRED_LONG_STRING": "typer.required",
    "DEPRECATED_STRING": "typer.deprecated",
}
_run_args: list[str] = []  # the command line being run: its language decides the frame's
_run_lang: list[str] = []  # that language, once found (help options ask for it often)
_frame_saved: dict[str, object] = {}


def _frame_language() -> str:
    """--lang, else the language of the first manifest named, else the user's locale."""
    if not _run_lang:
        _run_lang.append(_find_language(_run_args))
    return _run_lang[0]


def _find_language(args: list[str]) -> str:
    for i, arg in enumerate(args):
        value = args[i + 1] if arg == "--lang" and i + 1 < len(args) else arg[7:]
        if (arg == "--lang" or arg.startswith("--lang=")) and value in ("zh-CN", "en"):
            return value
    for arg in args:
        path = Path(arg)
        if path.suffix.lower() in (".yaml", ".yml") and path.is_file():
            from evidencekit.manifest import manifest_language

            return manifest_language(path) or env_language()
    return env_language()


def _frame_text(name: str, lang: str) -> str:
    if name == "RICH_HELP":
        return _say(lang, "typer.try_help", command="[blue]'{command_path} {help_option}'[/]")
    if name in ("DEFAULT_STRING", "ENVVAR_STRING"):
        return _say(lang, f"typer.{name.split('_')[0].lower()}", value="{}")
    return _say(lang, _TYPER_FRAME[name])


def _use_frame() -> str:
    """Typer's frame in the run's language (once per run); returns that language."""
    lang = _frame_language()
    if lang == "en" or _frame_saved:
        return lang
    from typer import rich_utils

    for name in (*_TYPER_FRAME, "RICH_HELP", "DEFAULT_STRING", "ENVVAR_STRING"):
        if hasattr(rich_utils, name):
            _frame_saved[name] = getattr(rich_utils, name)
            setattr(rich_utils, name, _frame_text(name, lang))
    return lang


def _restore_frame() -> None:
    if not _frame_saved:
        return  # the frame was not changed: no need to load Typer's rich output
    from typer import rich_utils

    for name, value in _frame_saved.items():
        setattr(rich_utils, name, value)
    _frame_saved.clear()


def _help(text: str | None, lang: str) -> str | None:
    """A --help text in lang: the catalogue entry whose English is this text."""
    if not text or lang == "en":
        return text
    msg_id = next((k for k, (_, en) in MESSAGES.items() if k[:5] == "help." and en == text), None)
    return _say(lang, msg_id) if msg_id else text


def _localize_help(command: Any, lang: str) -> None:
    """A command's help texts (its own, its options', its sub-commands') in lang."""
    command.help, command.short_help = _help(command.help, lang), _help(command.short_help, lang)
    for param in command.params:
        if hasattr(param, "help"):
            param.help = _help(param.help, lang)
    for sub in getattr(command, "commands", {}).values():
        sub.help, sub.short_help = _help(sub.help, lang), _help(sub.short_help, lang)


class _Framed:
    """Usage line, help and help option of a command in the run's language."""

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        prefix = _say(_use_frame(), "typer.usage")
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=prefix)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        lang = _use_frame()
        _localize_help(self, lang)  # commands are made afresh for every run
        # Here rather than in get_help_option, which every parse calls: finding the frame's
        # language may read the manifest, work a normal command does not need.
        option = self.get_help_option(ctx)  # type: ignore[attr-defined]
        if option is not None:
            option.help = _say(lang, "typer.help_option")
        super().format_help(ctx, formatter)  # type: ignore[misc]


class _Command(_Framed, TyperCommand):
    """A Typer command whose frame speaks the run's language."""


class _Commands(_Framed, TyperGroup):
    """Typer's command group, with its frame and usage errors in the run's language."""

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        global _run_args
        _run_args = [str(a) for a in (sys.argv[1:] if args is None else args)]
        try:
            return super().main(args, *rest, **kwargs)
        finally:
            _restore_frame()
            _run_args = []
            _run_lang.clear()

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except Exception as e:
            _localize_usage(e)
            _use_frame()
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as e:
            _localize_usage(e)
            _use_frame()
            raise


if TYPE_CHECKING:
    from datetime import datetime

    from evidencekit.pipeline import BuildOptions
    from evidencekit.register.cases import CaseSummary, Register

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
FormOpt = Annotated[
    str | None,
    typer.Option(help="The profile's upload form (default: the one its dispute flow shows first)."),
]


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
    if m := re.fullmatch(r"re-encode \(fit step (\d+)\)", name):  # pipeline's fit ladder
        return _say(lang, "stage.reencode", n=int(m[1]))
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


RegisterOpt = Annotated[
    str | None,
    typer.Option(
        "--register",
        envvar="EVIDENCEKIT_REGISTER",
        help="Case register: an SQLite file or a postgresql:// URL ('off': none). "
        "Default: register.sqlite in the user's data folder.",
    ),
]


@app.command(cls=_Command)
def build(
    manifests: Annotated[
        list[Path],
        typer.Argument(
            metavar="MANIFEST",
            help="Case manifests (case.yaml), or folders to search with --glob.",
        ),
    ],
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder (several cases: one sub-folder each)."),
    ] = None,
    profile: Annotated[str | None, typer.Option(help="Platform profile (overrides).")] = None,
    form: FormOpt = None,
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
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", help="Cases built at once (default: the core count).", min=1),
    ] = None,
    glob: Annotated[
        str, typer.Option(help="Manifests to find in a folder argument.")
    ] = "**/case.yaml",
    register: RegisterOpt = None,
    keep_archive: Annotated[
        bool,
        typer.Option(
            "--keep-archive/--no-keep-archive",
            help="Copy the archive into the register's storage (content-addressed).",
        ),
    ] = True,
    ocr: Annotated[
        bool,
        typer.Option("--ocr", help="Read screenshots and photos (offline OCR): text, masks."),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON row per case instead of the table.")
    ] = False,
) -> None:
    """Validate, then render the dossier and its sidecars; several cases build in parallel."""
    from evidencekit.outputs import tsa_url_problem
    from evidencekit.pipeline import BuildOptions, PageImageOptions

    said = _language(lang=lang)
    if page_image_format not in ("jpeg", "png"):
        raise _usage(said, "cli.page_image_format")
    if not 36 <= page_image_dpi <= 600:
        raise _usage(said, "cli.page_image_dpi")
    if tsa is not None and (problem := tsa_url_problem(tsa)):
        raise _usage(said, "cli.tsa", problem=problem)
    options = BuildOptions(
        out_dir=out_dir,
        profile=profile,
        form=form,
        language=lang,
        pdfa=pdfa or None,
        embed_originals=embed_originals or None,
        page_images=PageImageOptions(page_images, page_image_format, page_image_dpi),
        tsa=tsa,
        archive=archive,
        force=force,
        include_unmasked_originals=include_unmasked_originals,
        ocr=ocr or None,
        register=register,
        keep_archive=keep_archive,
    )
    _term_as_interrupt()
    if len(manifests) == 1 and not manifests[0].is_dir() and not as_json:
        _build_one(manifests[0], options, quiet)
        return
    _build_batch(_find_manifests(manifests, glob, said), options, jobs, quiet, as_json, said)


def _build_one(manifest: Path, options: BuildOptions, quiet: bool) -> None:
    from evidencekit.pipeline import build as run_build

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
                name = _stage(stage, _language(manifest, options.profile, options.language))
                tasks[stage] = progress.add_task(name, total=max(total, 1))
            progress.update(tasks[stage], completed=done)

        try:
            result = run_build(manifest, replace(options, progress=report))
        except EvidencekitError as e:
            progress.stop()
            raise _fail(e, _language(manifest, options.profile, options.language)) from None
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


def _find_manifests(args: list[Path], pattern: str, said: str) -> list[Path]:
    """The manifests named, and those a folder argument holds (natural order)."""
    from evidencekit.manifest import natural_key

    found: list[Path] = []
    for arg in args:
        if arg.is_dir():
            hits = sorted(
                (p for p in arg.glob(pattern) if p.is_file()),
                key=lambda p: natural_key(str(p.relative_to(arg))),
            )
            if not hits:
                raise _usage(said, "batch.no_manifest", folder=str(arg), pattern=pattern)
            found.extend(hits)
        else:
            found.append(arg)
    unique = list(dict.fromkeys(p.resolve() for p in found))
    return unique


_PROGRESS_QUEUE: Any = None


def _batch_init(queue: Any) -> None:
    global _PROGRESS_QUEUE
    _PROGRESS_QUEUE = queue


def _batch_one(index: int, manifest: Path, options: BuildOptions) -> dict[str, Any]:
    """One case of a batch, in a worker process: a summary row, never an exception."""
    from evidencekit.pipeline import build as run_build

    def report(stage: str, done: int, total: int) -> None:
        if _PROGRESS_QUEUE is not None:
            _PROGRESS_QUEUE.put((index, stage, done, total))

    started = time.perf_counter()
    try:
        result = run_build(manifest, replace(options, progress=report))
    except EvidencekitError as e:
        said = _language(manifest, options.profile, options.language)
        return {
            "code": e.exit_code,
            "error": str(e),
            "said": e.render(said),
            "seconds": time.perf_counter() - started,
        }
    # A bug in one case must not take the batch down: reported as an internal error (70).
    except Exception as e:
        text = Msg("batch.internal", error=f"{type(e).__name__}: {e}")
        said = _language(manifest, options.profile, options.language)
        return {
            "code": 70,
            "error": str(text),
            "said": text.render(said),
            "seconds": time.perf_counter() - started,
        }
    return {
        "code": 0,
        "case": result.case.info.id,
        "profile": result.case.profile.name,
        "pages": result.pages,
        "size": result.pdf_size,
        "seconds": result.seconds,
        "warnings": result.warnings,
        "pdf": str(result.pdf_path),
        "stages": result.stages,
        "up_to_date": any(w.startswith("nothing changed") for w in result.warnings),
    }


def _batch_out(manifests: list[Path], out_dir: Path | None, said: str) -> list[Path | None]:
    """-o with several cases: one sub-folder per case folder name."""
    if out_dir is None:
        return [None] * len(manifests)
    names = [m.parent.name for m in manifests]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise _usage(said, "batch.same_folder_names", names=", ".join(doubled))
    return [out_dir / n for n in names]


def _build_batch(
    manifests: list[Path],
    options: BuildOptions,
    jobs: int | None,
    quiet: bool,
    as_json: bool,
    said: str,
) -> None:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    from evidencekit.register.cases import open_register
    from evidencekit.register.recorded import is_off as register_off

    if not register_off(options.register):
        try:  # made once here, so parallel workers never race to create the tables
            open_register(options.register)
        except EvidencekitError as e:
            text = Msg("batch.not_recorded", problem=e.render(said))
            err.print(_say(said, "frame.warning", text=text), markup=False)
            options = replace(options, register="off")
    outs = _batch_out(manifests, options.out_dir, said)
    names = [_case_name(m) for m in manifests]
    workers = max(1, min(jobs or os.cpu_count() or 1, len(manifests)))
    # spawn, not fork: Rich's refresh thread runs in this process while workers start.
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    results: dict[int, dict[str, Any]] = {}
    live = not quiet and err.is_terminal
    with (
        Progress(
            TextColumn("{task.description}"),
            TextColumn("{task.fields[stage]}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not live,
        ) as progress,
        ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_batch_init, initargs=(queue,)
        ) as pool,
    ):
        waiting = _say(said, "batch.waiting")
        tasks = [progress.add_task(n, total=None, stage=waiting) for n in names]
        retry: list[int] = []

        def finish(i: int) -> None:
            r = results[i]
            code = r["code"]
            state = _say(said, "batch.done") if code == 0 else _say(said, "batch.failed", code=code)
            progress.update(tasks[i], stage=state, total=1, completed=1)
            if not quiet and not live:
                err.print(f"[{len(results)}/{len(manifests)}] {names[i]}: {state}", markup=False)

        futures: dict[Future[dict[str, Any]], int] = {
            pool.submit(_batch_one, i, m, replace(options, out_dir=outs[i])): i
            for i, m in enumerate(manifests)
        }
        pending = set(futures)
        while pending:
            try:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            except KeyboardInterrupt:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            _drain(queue, progress, tasks, results, said)
            for f in done:
                i = futures[f]
                try:
                    results[i] = f.result()
                except BrokenProcessPool:
                    # A worker died (killed, out of memory, a crash in a C library): the pool
                    # fails every case it held. Each is retried alone below, so only the case
                    # that kills its worker is lost.
                    retry.append(i)
                    progress.update(tasks[i], stage=_say(said, "batch.retrying"))
                    continue
                finish(i)
        for i in sorted(retry):
            results[i] = _batch_alone(
                ctx, queue, i, manifests[i], replace(options, out_dir=outs[i]), said
            )
            finish(i)
    if as_json:
        rows = [
            {"manifest": str(m), **{k: v for k, v in results[i].items() if k != "said"}}
            for i, m in enumerate(manifests)
        ]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        worst = max(r["code"] for r in rows)
    else:
        worst = _batch_summary(manifests, names, results, said)
    raise typer.Exit(worst)


def _batch_alone(
    ctx: Any, queue: Any, index: int, manifest: Path, options: BuildOptions, said: str
) -> dict[str, Any]:
    """One case in a pool of its own: if its worker dies, nothing else goes with it."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    started = time.perf_counter()
    with ProcessPoolExecutor(
        max_workers=1, mp_context=ctx, initializer=_batch_init, initargs=(queue,)
    ) as pool:
        try:
            return pool.submit(_batch_one, index, manifest, options).result()
        except BrokenProcessPool:
            text = Msg("batch.worker_died")
            return {
                "code": 70,
                "error": str(text),
                "said": text.render(said),
                "seconds": time.perf_counter() - started,
            }


def _drain(
    queue: Any, progress: Progress, tasks: list[TaskID], results: dict[int, Any], said: str
) -> None:
    import queue as queue_mod

    while True:
        try:
            i, stage, done, total = queue.get_nowait()
        except queue_mod.Empty:
            return
        if i not in results:
            shown = _stage(stage, said)
            progress.update(tasks[i], stage=shown, total=max(total, 1), completed=done)


def _case_name(manifest: Path) -> str:
    return manifest.parent.name if manifest.name == "case.yaml" else manifest.name


def _batch_summary(
    manifests: list[Path], names: list[str], results: dict[int, dict[str, Any]], said: str
) -> int:
    heads = ("case", "profile", "pages", "size", "time", "warnings", "status")
    table = Table(*(_say(said, f"batch.{h}") for h in heads))
    for i, name in enumerate(names):
        r = results[i]
        if r["code"] == 0:
            state = _say(said, "batch.up_to_date" if r["up_to_date"] else "batch.built")
            status = f"[green]{state}[/]"
            table.add_row(
                r["case"],
                r["profile"],
                str(r["pages"]),
                f"{r['size'] / 1e6:.2f} MB",
                f"{r['seconds']:.1f} s",
                str(len(r["warnings"])),
                status,
            )
        else:
            failed = _say(said, "batch.failed", code=r["code"])
            table.add_row(name, "", "", "", f"{r['seconds']:.1f} s", "", f"[bold red]{failed}[/]")
    out.print(table)
    for i in range(len(names)):
        r = results[i]
        if r["code"] != 0:
            err.print(f"{manifests[i]}:", markup=False, style="bold red")
            err.print(textwrap.indent(r.get("said", r["error"]), "  "), markup=False, style="red")
    ok = sum(1 for r in results.values() if r["code"] == 0)
    out.print(_say(said, "batch.verdict", ok=ok, total=len(names)), markup=False)
    return max((r["code"] for r in results.values()), default=0)


@app.command("archive", cls=_Command)
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
    register: RegisterOpt = None,
    keep: Annotated[
        bool,
        typer.Option(
            "--keep/--no-keep",
            help="Keep a copy in the register's storage (content-addressed, never overwritten).",
        ),
    ] = True,
) -> None:
    """Build, then write one self-contained, deterministic archive (ZIP) for the recipient."""
    build(
        [manifest],
        out_dir=out_dir,
        archive=True,
        tsa=tsa,
        quiet=True,
        include_unmasked_originals=include_unmasked_originals,
        register=register,
        keep_archive=keep,
    )


@app.command(cls=_Command)
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
    from evidencekit.outputs.integrity import recorded_language, rows_json, verify_path

    said = recorded_language(path) or env_language()
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
            status = _say(said, f"verify.st_{r.status.lower()}")
            table.add_row(
                localize(r.file, said),
                r.expected[:16],
                localize(r.actual, said)[:16],
                f"[{style}]{status}[/]" if style else status,
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


@app.command(cls=_Command)
def validate(
    manifest: ManifestArg,
    profile: Annotated[str | None, typer.Option(help="Platform profile (overrides).")] = None,
    form: FormOpt = None,
    lang: Annotated[str | None, typer.Option(help="zh-CN or en (overrides).")] = None,
    ocr: Annotated[
        bool, typer.Option("--ocr", help="Also cross-check what screenshots show (OCR).")
    ] = False,
) -> None:
    """Report every problem in the manifest at once; exit 1 on errors."""
    from evidencekit.manifest import load_case
    from evidencekit.ocr import ocr_case

    try:
        case = load_case(manifest, profile=profile, language=lang, form=form)
        _, ocr_notes = ocr_case(case, ocr or case.manifest.output.ocr)
    except EvidencekitError as e:
        raise _fail(e, _language(manifest, profile, lang)) from None
    from evidencekit.checks import forecast_warnings

    notes = [
        *case.warnings,
        *(Msg("frame.warning", text=n) for n in ocr_notes),
        *(Msg("frame.warning", text=f) for f in forecast_warnings(case)),
    ]
    for w in notes:
        err.print(localize(w, case.language), markup=False, style="yellow")
    summary = Msg(
        "summary.valid",
        manifest=str(manifest),
        exhibits=len(case.exhibits),
        sources=len(case.sources()),
        warnings=len(notes),
    )
    out.print(summary.render(case.language), markup=False)


@app.command(cls=_Command)
def schema() -> None:
    """Print the manifest's JSON Schema (point `# yaml-language-server: $schema=` at it)."""
    sys.stdout.write(schema_text())


def _limit_text(key: str, value: object) -> str:
    if isinstance(value, int) and key.endswith("bytes"):
        return f"{value:,} bytes ({value / 1e6:.2f} MB)"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v:,}" for k, v in value.items())
    return str(value)


def _source_text(src: object) -> str:
    from evidencekit.model import SourceRef

    if not isinstance(src, SourceRef):
        return ""
    text = f"{src.url} ({src.checked})" + (f" — {src.note}" if src.note else "")
    return text if src.verified else f"UNVERIFIED: {text}"


def _limit_rows(table: Table, p: object, prefix: str = "limit") -> None:
    from evidencekit.model import Profile

    assert isinstance(p, Profile)
    for key, value in p.limits.model_dump().items():
        if value in (None, {}):
            continue
        table.add_row(f"{prefix} {key}", _limit_text(key, value), _source_text(p.sources.get(key)))


@app.command(cls=_Command)
def profiles(
    name: Annotated[str | None, typer.Argument(help="Show one profile.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the profile (or all profiles) as data.")
    ] = False,
) -> None:
    """List the platform profiles and their limits, or show one with sources and forms."""
    from evidencekit.profiles import limits_text, load_profile, profile_data, profile_names

    said = env_language()
    if as_json:
        try:
            data: object = (
                profile_data(name) if name else {n: profile_data(n) for n in profile_names()}
            )
        except KeyError:
            names = ", ".join(profile_names())
            raise _usage(said, "cli.unknown_profile", name=name, names=names) from None
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
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
            "api",
        ):
            table.add_row(key, str(getattr(p, key)), "")
        table.add_row("formats", ", ".join(p.formats), _source_text(p.sources.get("formats")))
        if p.file_names:
            rule = p.file_names
            table.add_row(
                "file names",
                f"≤ {rule.max_chars} characters" + ("" if rule.spaces else ", no spaces"),
                _source_text(p.sources.get("file_names")),
            )
        if p.forms:
            for i, (form_name, form) in enumerate(p.forms.items()):
                shown = load_profile(name, form=form_name)
                default = " (default)" if i == 0 else ""
                table.add_row(f"form {form_name}{default}", form.title, "--form " + form_name)
                table.add_row(
                    f"  {form_name} formats",
                    ", ".join(shown.formats) + f" → {shown.output}",
                    _source_text(form.sources.get("formats")),
                )
                _limit_rows(table, shown, f"  {form_name}")
        else:
            _limit_rows(table, p)
        out.print(table)
        return
    columns = ("profile", "title", "paper", "language", "formats", "output", "limits")
    table = Table(*(_say(said, f"profiles.{h}") for h in columns))
    for n in profile_names():
        p = load_profile(n)
        forms = f" (+{len(p.forms) - 1} more forms)" if len(p.forms) > 1 else ""
        table.add_row(
            n,
            p.title,
            p.paper,
            p.language,
            ", ".join(p.formats),
            p.output,
            limits_text(p) + forms,
        )
    out.print(table)


@app.command(cls=_Command)
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


cases_app = typer.Typer(
    cls=_Commands,
    no_args_is_help=True,
    help="The case register: what is due, what was submitted, won or lost; search and verify.",
)
app.add_typer(cases_app, name="cases")

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _register(target: str | None, said: str) -> Register:
    from evidencekit.register.cases import open_register

    try:
        return open_register(target)
    except EvidencekitError as e:
        raise _fail(e, said) from None


def _local(t: datetime | None) -> str:
    return t.astimezone().strftime("%Y-%m-%d %H:%M") if t else ""


def _left(c: CaseSummary, at: datetime, said: str) -> str:
    days = c.days_left(at)
    if days is None:
        return ""
    if days < 0:
        return f"[bold red]{_say(said, 'cases.overdue', days=f'{-days:.1f}')}[/]"
    style = "bold red" if days < 1 else "yellow" if days < 3 else ""
    text = _say(said, "cases.days", days=f"{days:.1f}")
    return f"[{style}]{text}[/]" if style else text


def _status(status: str, said: str) -> str:
    """A case's status in said; the keyword itself where the catalogue has none."""
    return _say(said, f"cases.st_{status}") if f"cases.st_{status}" in MESSAGES else status


def _money_text(c: CaseSummary) -> str:
    if c.amount is None:
        return ""
    return f"{c.amount:,.2f} {c.currency or ''}".strip()


def _case_table(rows: list[CaseSummary], said: str) -> Table:
    from evidencekit.register.db import now

    at = now()
    table = Table()
    head = {h: _say(said, f"cases.h_{h}") for h in ("case", "platform", "reason", "status")}
    table.add_column(head["case"], no_wrap=True)  # ids are what users copy: never cut
    for name in ("platform", "reason"):
        table.add_column(head[name])
    table.add_column(head["status"], no_wrap=True)  # one word
    table.add_column(_say(said, "cases.h_respond_by"), no_wrap=True)
    table.add_column(_say(said, "cases.h_left"), no_wrap=True)
    table.add_column(_say(said, "cases.h_amount"), justify="right")
    table.add_column(_say(said, "cases.h_orders"), overflow="fold")
    for c in rows:
        orders = ", ".join(c.orders[:2]) + (f" +{len(c.orders) - 2}" if len(c.orders) > 2 else "")
        table.add_row(
            c.id,
            c.profile,
            c.reason or "",
            _status(c.status, said),
            _local(c.respond_by),
            _left(c, at, said) if c.status in ("draft", "built") else "",
            _money_text(c),
            orders,
        )
    return table


def _print_cases(rows: list[CaseSummary], as_json: bool, empty: str, said: str) -> None:
    if as_json:
        sys.stdout.write(json.dumps([c.as_json() for c in rows], ensure_ascii=False, indent=2))
        sys.stdout.write("\n")
        return
    if not rows:
        out.print(empty, markup=False)
        return
    out.print(_case_table(rows, said))


@cases_app.command("list", cls=_Command)
def cases_list(
    status: Annotated[
        list[str] | None, typer.Option("--status", "-s", help="Only this status (repeatable).")
    ] = None,
    platform: Annotated[str | None, typer.Option(help="Only this profile, e.g. taobao.")] = None,
    due: Annotated[
        float | None, typer.Option(help="Only open cases due within this many days.")
    ] = None,
    text: Annotated[
        str | None, typer.Option("--text", "-t", help="Only cases holding this.")
    ] = None,
    register: RegisterOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List the registered cases, the nearest deadline first."""
    from evidencekit.register.db import STATUSES

    said = env_language()
    for s in status or []:
        if s not in STATUSES:
            raise _usage(said, "cases.unknown_status", status=s, names=", ".join(STATUSES))
    reg = _register(register, said)
    try:
        rows = reg.list_cases(status=status, platform=platform, due_days=due, query=text)
    except EvidencekitError as e:
        raise _fail(e, said) from None
    _print_cases(rows, as_json, _say(said, "cases.none_match"), said)


@cases_app.command("due", cls=_Command)
def cases_due(
    days: Annotated[float, typer.Option(help="Deadlines within this many days.")] = 7,
    register: RegisterOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What must be answered soon: open cases by deadline, overdue ones first."""
    said = env_language()
    reg = _register(register, said)
    try:
        rows = reg.due(days)
    except EvidencekitError as e:
        raise _fail(e, said) from None
    _print_cases(rows, as_json, _say(said, "cases.nothing_due", days=f"{days:g}"), said)


@cases_app.command("search", cls=_Command)
def cases_search(
    query: Annotated[str, typer.Argument(help="Words, an order id, a waybill, a name …")],
    limit: Annotated[int, typer.Option(help="Most results shown.", min=1)] = 50,
    register: RegisterOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Full-text search over titles, claims, statements, parties, order ids and waybills."""
    said = env_language()
    reg = _register(register, said)
    try:
        rows = reg.search(query, limit)
    except EvidencekitError as e:
        raise _fail(e, said) from None
    _print_cases(rows, as_json, _say(said, "cases.no_hit", query=query), said)


@cases_app.command("show", cls=_Command)
def cases_show(
    case_id: Annotated[str, typer.Argument(help="The case id.")],
    register: RegisterOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One case: facts, status history, builds, outputs, archives and their verify state."""
    said = env_language()
    reg = _register(register, said)
    try:
        data = reg.show(case_id)
    except EvidencekitError as e:
        raise _fail(e, said) from None
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return

    def say(msg_id: str, **params: object) -> str:
        return _say(said, f"cases.{msg_id}", **params)

    facts = Table(show_header=False, box=None, pad_edge=False)
    facts.add_row(say("h_case"), data["id"])
    facts.add_row(say("f_title"), data["title"])
    facts.add_row(say("h_platform"), f"{data['platform']} ({data['profile']})")
    for key in ("reason", "claim", "case_number"):
        if data[key]:
            facts.add_row(say(f"f_{key}"), data[key])
    since = say("since", status=_status(data["status"], said), at=data["status_at"][:16])
    facts.add_row(say("h_status"), since)
    if data["respond_by"]:
        facts.add_row(say("h_respond_by"), data["respond_by"])
    for o in data["orders"]:
        order = f"{o['id']} {o['amount'] or ''} {o['currency'] or ''}".strip()
        facts.add_row(say("f_order"), order)
    for w in data["waybills"]:
        facts.add_row(say("f_waybill"), f"{w['waybill']} {w['carrier'] or ''}".strip())
    for p in data["parties"]:
        role = say(f"role_{p['role']}") if f"cases.role_{p['role']}" in MESSAGES else p["role"]
        facts.add_row(role, p["name"])
    facts.add_row(say("f_manifest"), data["manifest"])
    facts.add_row(say("f_output"), data["out_dir"])
    out.print(facts)
    history = Table(say("h_status"), say("f_at"), say("f_note"), title=say("t_history"))
    for h in data["history"]:
        history.add_row(_status(h["status"], said), h["at"][:19], h["note"] or "")
    out.print(history)
    if data["outputs"]:
        outputs = Table(say("f_file"), "sha256", say("f_size"), title=say("t_outputs"))
        for o in data["outputs"]:
            outputs.add_row(o["path"], o["sha256"][:16], f"{o['size'] or 0:,}")
        out.print(outputs)
    if data["archives"]:
        heads = (say("f_archived"), "sha256", say("f_kept_at"), say("f_verified"))
        archives = Table(*heads, title=say("t_archives"))
        for a in data["archives"]:
            status = a["verify_status"]
            state = _say(said, f"verify.st_{status.lower()}") if status else say("not_yet")
            if a["verified_at"]:
                state += f" ({a['verified_at'][:16]})"
            archives.add_row(a["at"][:19], a["sha256"][:16], a["stored_at"] or "—", state)
        out.print(archives)


@cases_app.command("mark", cls=_Command)
def cases_mark(
    case_id: Annotated[str, typer.Argument(help="The case id.")],
    status: Annotated[str, typer.Argument(help="submitted | won | lost | withdrawn")],
    note: Annotated[str | None, typer.Option(help="Why, or what the platform said.")] = None,
    register: RegisterOpt = None,
) -> None:
    """Record what happened to a case: submitted, won, lost or withdrawn (history kept)."""
    from evidencekit.register.cases import MARKS

    said = env_language()
    if status not in MARKS:
        raise _usage(said, "register.unknown_status", status=status, names=", ".join(MARKS))
    reg = _register(register, said)
    try:
        reg.mark(case_id, status, note)
    except EvidencekitError as e:
        raise _fail(e, said) from None
    out.print(_say(said, "cases.marked", id=case_id, status=_status(status, said)), markup=False)


@cases_app.command("export", cls=_Command)
def cases_export(
    csv_out: Annotated[bool, typer.Option("--csv", help="CSV (the default).")] = True,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    register: RegisterOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Every case as one row (CSV, or JSON with --json), for a spreadsheet or a report."""
    import csv
    import io

    said = env_language()
    reg = _register(register, said)
    try:
        rows = reg.export_rows()
    except EvidencekitError as e:
        raise _fail(e, said) from None
    if as_json:
        data = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    else:
        buf = io.StringIO()
        fields = list(rows[0]) if rows else ["id"]
        writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        data = buf.getvalue()
    if output is None:
        sys.stdout.write(data)
    else:
        # UTF-8 with BOM: Excel on a Chinese Windows reads it as UTF-8, not GBK.
        output.write_text(data, encoding="utf-8-sig" if not as_json else "utf-8")
        out.print(_say(said, "cases.exported", n=len(rows), path=str(output)), markup=False)


@cases_app.command("verify", cls=_Command)
def cases_verify(
    all_: Annotated[bool, typer.Option("--all", help="Every kept archive.")] = False,
    case_id: Annotated[str | None, typer.Argument(help="Only this case's archives.")] = None,
    register: RegisterOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-verify kept archives (their own hash, then every hash inside); exit 1 on a mismatch."""
    said = env_language()
    if not all_ and case_id is None:
        raise _usage(said, "cases.verify_what")
    reg = _register(register, said)
    try:
        results = reg.verify_all(None if all_ else case_id)
    except EvidencekitError as e:
        raise _fail(e, said) from None
    failed = [r for r in results if r.status != "OK"]
    if as_json:
        payload = {"ok": not failed, "archives": [vars(r) for r in results]}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    else:
        heads = ("h_case", "f_archive_sha", "h_status", "f_detail")
        table = Table(*(_say(said, f"cases.{h}") for h in heads))
        for r in results:
            style = "green" if r.status == "OK" else "bold red"
            status = _say(said, f"verify.st_{r.status.lower()}")
            table.add_row(
                r.case_id, r.sha256[:16], f"[{style}]{status}[/]", localize(r.detail, said)
            )
        out.print(table)
        verdict = "cases.verdict_failed" if failed else "cases.verdict_ok"
        ok = len(results) - len(failed)
        out.print(_say(said, verdict, ok=ok, total=len(results)), markup=False)
    if failed or not results:
        raise typer.Exit(1)


@cases_app.command("stats", cls=_Command)
def cases_stats(register: RegisterOpt = None, as_json: JsonOpt = False) -> None:
    """Win rates by dispute reason and by platform (won / (won + lost))."""
    said = env_language()
    reg = _register(register, said)
    try:
        rows = reg.stats()
    except EvidencekitError as e:
        raise _fail(e, said) from None
    if as_json:
        sys.stdout.write(
            json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=2) + "\n"
        )
        return
    for by in ("reason", "platform"):
        heads = ("f_cases", "st_won", "st_lost", "st_withdrawn", "f_pending", "f_win_rate")
        table = Table(
            _say(said, f"cases.h_{by}"),
            *(_say(said, f"cases.{h}") for h in heads),
            title=_say(said, f"cases.t_by_{by}"),
        )
        for r in rows:
            if r.by == by:
                rate = f"{r.win_rate:.0%}" if r.win_rate is not None else "—"
                table.add_row(
                    r.key,
                    str(r.cases),
                    str(r.won),
                    str(r.lost),
                    str(r.withdrawn),
                    str(r.pending),
                    rate,
                )
        out.print(table)


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
    """Console entry point. Once the command is done (its files written, its exit functions
    run), the process ends without tearing its heap down object by object: a build of many
    orders holds millions of parsed cells, and freeing them one by one took a third of a second
    after the summary was printed (bench/bench_proof.py)."""
    try:
        app()
        code: object = 0
    except SystemExit as e:
        code = e.code
    if not isinstance(code, int):  # as the interpreter does: None is 0, anything else said
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    atexit._run_exitfuncs()  # the temporary folders' finalizers, logging, multiprocessing
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
