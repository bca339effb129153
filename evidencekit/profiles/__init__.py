"""Platform profiles: YAML data files shipped with the package, or a user's own file."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from pydantic import ValidationError

from evidencekit.checks import reason_class
from evidencekit.messages import Msg
from evidencekit.model import Dispute, LetterText, Profile

_FIELDS = {
    "name",
    "title",
    "paper",
    "language",
    "timezone",
    "label_style",
    "limits",
    "sources",
    "external_links",
}


def profile_names() -> list[str]:
    """Names of the packaged profiles, sorted."""
    folder = resources.files(__package__)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


MAX_PROFILE_BYTES = 1_000_000
MAX_PROFILE_NODES = 100_000  # nodes after alias expansion: no "billion laughs"


class ProfileError(ValueError):
    """A profile file that cannot be used; names the file and line, never quotes its content."""


def _shape(err: dict[str, Any]) -> str:
    where = ""
    for part in err["loc"]:
        if part == "[key]":
            continue  # the message says it is about a key
        if isinstance(part, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            where += f".{part}" if where else part
        else:
            where += f"[{part!r}]"
    return f"{where}: {err['msg']}" if where else str(err["msg"])


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int:
    """1-based line of the YAML node at loc (the deepest one that exists)."""
    if node is None:
        return 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if k.value == str(key)), None)
            if nxt is None:
                break
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            if not 0 <= key < len(node.value):
                break
            node = node.value[key]
        else:
            break
    return int(node.start_mark.line) + 1


def _from_data(data: dict[str, Any], origin: str, node: yaml.Node | None = None) -> Profile:
    try:
        return Profile.model_validate(data)
    except ValidationError as e:
        problems = "; ".join(
            (f"line {_line_of(node, tuple(err['loc']))}: " if node is not None else "")
            + _shape(dict(err))
            for err in e.errors()
        )
        msg = Msg("profile.invalid", origin=origin, problems=problems)
        raise ProfileError(msg) from e


def _check_aliases(text: str, origin: str) -> None:
    """Refuse recursive aliases and alias expansion beyond MAX_PROFILE_NODES, from the event
    stream (PyYAML's loader shares aliased objects, but everything after it walks them)."""
    weight: dict[str, int] = {}
    open_anchors: list[tuple[str | None, int]] = []
    total = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, yaml.AliasEvent):
            anchor = str(event.anchor)
            if any(anchor == a for a, _ in open_anchors):
                msg = Msg("profile.recursive", where=f"{origin}:{line}")
                raise ProfileError(msg)
            total += weight.get(anchor, 1)  # an undefined one is reported by the composer
        elif isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
            total += 1
            if isinstance(event, yaml.CollectionStartEvent):
                open_anchors.append((event.anchor, total - 1))
            elif event.anchor:
                weight[event.anchor] = 1
        elif isinstance(event, yaml.CollectionEndEvent):
            opened, start = open_anchors.pop()
            if opened:
                weight[opened] = total - start
        if total > MAX_PROFILE_NODES:
            msg = Msg("profile.expands", where=f"{origin}:{line}", max=MAX_PROFILE_NODES)
            raise ProfileError(msg)


def read_profile_file(path: Path, shown: str) -> Profile:
    """Parse and validate a profile file; errors name `shown` and a line, never the content."""
    try:
        size = path.stat().st_size
        if size > MAX_PROFILE_BYTES:
            msg = Msg("profile.too_big", file=shown, size=size, max=MAX_PROFILE_BYTES)
            raise ProfileError(msg)
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        msg = Msg("profile.not_utf8", file=shown)
        raise ProfileError(msg) from e
    except OSError as e:
        msg = Msg("profile.unreadable", file=shown, why=e.strerror)
        raise ProfileError(msg) from e
    with contextlib.suppress(yaml.YAMLError):  # reported with its line by the parse below
        _check_aliases(text, shown)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{mark.line + 1}:{mark.column + 1}:" if mark else ""
        # The problem text alone: str(e) would quote the offending lines.
        problem = re.sub(r"'[^']*'|\"[^\"]*\"", "…", e.problem or "invalid YAML")
        msg = Msg("profile.syntax", where=f"{shown}:{where}", problem=problem)
        raise ProfileError(msg) from e
    except (yaml.YAMLError, RecursionError, ValueError) as e:
        msg = Msg("profile.not_yaml", file=shown, why=type(e).__name__)
        raise ProfileError(msg) from e
    if data is None:
        msg = Msg("profile.empty", file=shown)
        raise ProfileError(msg)
    if not isinstance(data, dict):
        kind = type(data).__name__
        msg = Msg("profile.not_mapping", file=shown, kind=kind)
        raise ProfileError(msg)
    data.setdefault("name", path.stem)
    return _from_data(data, shown, node)


def profile_path(name: str, base: Path) -> Path:
    """The file a profile path names, contained in `base` (the case folder) like evidence."""
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or re.match(r"^[A-Za-z]:", name) or "\0" in name:
        msg = Msg("profile.absolute", name=name)
        raise ProfileError(msg)
    if ".." in pure.parts:
        msg = Msg("profile.leaves", name=name)
        raise ProfileError(msg)
    root = base.resolve()
    path = root.joinpath(*pure.parts)
    real = path.resolve()
    if not real.is_relative_to(root):
        msg = Msg("profile.link_outside", name=name)
        raise ProfileError(msg)
    if not real.is_file():
        msg = Msg("profile.no_file", name=name)
        raise ProfileError(msg)
    return real


def with_form(profile: Profile, form: str | None = None) -> Profile:
    """The profile as it applies to one of its forms: `form`, or the first listed (the one
    the platform's dispute flow shows first). The form's limits replace the profile's one by
    one; a profile without forms is returned as it is."""
    if profile.form is not None:  # its limits are already one form's: start from the file
        msg = f"{profile.name}: the profile is already resolved for the {profile.form} form"
        raise ValueError(msg)
    if not profile.forms:
        if form:
            msg = f"{profile.name} has no forms; leave out the form (--form, case.form)"
            raise ProfileError(msg)
        return profile
    name = form or next(iter(profile.forms))
    chosen = profile.forms.get(name)
    if chosen is None:
        msg = f"{profile.name} has no form {name!r}; forms: {', '.join(profile.forms)}"
        raise ProfileError(msg)
    return Profile.model_validate(
        {
            **profile.model_dump(exclude_unset=True),
            "limits": {
                **profile.limits.model_dump(exclude_unset=True),
                **chosen.limits.model_dump(exclude_unset=True),
            },
            "formats": chosen.formats or profile.formats,
            "output": chosen.output or profile.output,
            "sources": {**profile.sources, **chosen.sources},
            "form": name,
        }
    )


def load_profile(name: str, base: Path | None = None, form: str | None = None) -> Profile:
    """Load a packaged profile by name, or a profile file (path ending in .yaml/.yml) inside
    `base` (the case folder; the current folder when None), resolved for `form` (default:
    the first form listed)."""
    if name.endswith((".yaml", ".yml")):
        path = profile_path(name, base or Path.cwd())
        return with_form(read_profile_file(path, name), form)
    if name not in profile_names():
        msg = f"unknown profile {name!r}"
        raise KeyError(msg)
    return with_form(_packaged(name), form)


def _packaged(name: str) -> Profile:
    text = resources.files(__package__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["name"] = name
    return _from_data(data, name)


# ---------------------------------------------------------------- the cover document


@dataclass(frozen=True)
class LetterView:
    """The cover document for one case: the profile's wording in the case language, with the
    manifest's own values first (submitted_to, requested_outcome)."""

    kind: str
    title: str  # '' when the kind's own label applies
    recipient: str
    addressee: str  # the institution a Chinese letter closes to (此致 …)
    salutation: str  # '' when the profile has none in this language
    reason_label: str  # '' when the default label applies
    reason: str  # the platform's words for the dispute reason ('' when unknown)
    reason_given: str  # the manifest's reason when it differs from those words
    outcome: str  # the manifest's requested outcome, else the profile's for the reason


def _norm(text: str) -> str:
    return re.sub(r"[\s_-]+", "_", text.strip().lower())


def letter_view(
    profile: Profile, language: str, dispute: Dispute | None, submitted_to: str | None
) -> LetterView:
    """What the cover says to whom, in the case language (only that language's wording)."""
    letter = profile.letter
    text = letter.text.get(language) or LetterText()  # type: ignore[call-overload]
    kind = letter.kind
    if letter.answer_kind and dispute is not None and dispute.claim:
        kind = letter.answer_kind
    given = (dispute.reason or "").strip() if dispute else ""
    cls = reason_class(profile, given)
    codes = {_norm(k): v for k, v in text.codes.items()}
    words = codes.get(_norm(given)) if given else None
    if words is None and cls is not None:
        words = text.reasons.get(cls)
    words = words or ""
    # The platform's words first; the manifest's own wording beside them when it differs.
    shown_given = given if words and _norm(given) not in _norm(words) else ""
    own = dispute.requested_outcome if dispute else None
    profile_outcome = text.outcomes.get(cls or "", "") or text.outcomes.get("default", "")
    return LetterView(
        kind=kind,
        title=(text.title or "") if kind == letter.kind else "",
        recipient=submitted_to or text.recipient or "",
        addressee=text.recipient or submitted_to or "",
        salutation=text.salutation or "",
        reason_label=text.reason_label or "",
        reason=words or given,
        reason_given=shown_given,
        outcome=own or (profile_outcome if dispute is not None else ""),
    )


def profile_data(name: str) -> dict[str, Any]:
    """A packaged profile as plain data, every form with it (`profiles NAME --json`)."""
    if name not in profile_names():
        msg = f"unknown profile {name!r}"
        raise KeyError(msg)
    return _packaged(name).model_dump(mode="json", exclude={"form"})


def limits_text(p: Profile) -> str:
    """A profile's limits in one line (the README table and `evidencekit profiles`)."""
    lim = p.limits
    parts = []
    if lim.file_bytes:
        parts.append(f"{lim.file_bytes / 1e6:g} MB/file")
    if lim.total_bytes:
        parts.append(f"{lim.total_bytes / 1e6:g} MB total")
    if lim.image_bytes:
        big = lim.image_bytes >= 1_000_000
        size = f"{lim.image_bytes / 1e6:g} MB" if big else f"{lim.image_bytes / 1e3:g} KB"
        parts.append(f"{size}/image")
    if lim.pages_per_file:
        parts.append(f"{lim.pages_per_file} pages/file")
    if lim.pages_total:
        parts.append(f"{lim.pages_total} pages in all")
    if lim.files:
        parts.append(f"{lim.files} {'images' if p.output == 'images' else 'files'}")
    if lim.dpi:
        parts.append(f"≤ {lim.dpi} dpi")
    if len(set(lim.text_chars.values())) == 1 and len(lim.text_chars) > 2:
        most = next(iter(lim.text_chars.values()))
        parts.append(f"{len(lim.text_chars)} text fields ≤ {most:,} chars each")
    else:
        for field_name, most in lim.text_chars.items():
            least = lim.text_min_chars.get(field_name)
            span = f"{least}–{most:,}" if least else f"≤ {most:,}"
            parts.append(f"{field_name} {span} chars")
    if lim.text_total_chars:
        parts.append(f"{lim.text_total_chars:,} chars in all")
    for field_name, most in lim.text_bytes.items():
        parts.append(f"{field_name} ≤ {most:,} bytes")
    if p.file_names and p.file_names.max_chars:
        spaces = "" if p.file_names.spaces else ", no spaces"
        parts.append(f"file names ≤ {p.file_names.max_chars} chars{spaces}")
    if p.pdfa:
        parts.append("PDF/A")
    if not p.external_links:
        parts.append("no external links")
    return ", ".join(parts) or "—"


def profile_table() -> str:
    """The README's profile table (Markdown), made from the profile data: each form on its
    own row, the default first; the sources column says which figures are unverified."""
    rows = [
        "| profile | form | paper, language | upload | formats | limits | sources (checked) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in profile_names():
        base = _packaged(name)
        forms: list[str | None] = [*base.forms] or [None]
        for n, form in enumerate(forms):
            p = with_form(base, form)
            refs = sorted({s.url for s in p.sources.values()})
            dates = sorted({str(s.checked) for s in p.sources.values()})
            unverified = sorted(k for k, s in p.sources.items() if not s.verified)
            sources = "; ".join(f"<{u}>" for u in refs) or "—"
            if dates:
                sources += f" ({', '.join(dates)})"
            if unverified:
                sources += f"; unverified: {', '.join(unverified)}"
            label = "—" if form is None else f"`{form}`" + (" (default)" if n == 0 else "")
            rows.append(
                f"| `{name}` | {label} | {p.paper}, {p.language} | {p.output} | "
                f"{', '.join(p.formats)} | {limits_text(p)} | {sources} |"
            )
    return "\n".join(rows) + "\n"
