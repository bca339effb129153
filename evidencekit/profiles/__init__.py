"""Platform profiles: YAML data files shipped with the package, or a user's own file."""

from __future__ import annotations

import contextlib
import re
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from pydantic import ValidationError

from evidencekit.messages import Msg
from evidencekit.model import Profile

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


def load_profile(name: str, base: Path | None = None) -> Profile:
    """Load a packaged profile by name, or a profile file (path ending in .yaml/.yml) inside
    `base` (the case folder; the current folder when None)."""
    if name.endswith((".yaml", ".yml")):
        path = profile_path(name, base or Path.cwd())
        return read_profile_file(path, name)
    if name not in profile_names():
        msg = f"unknown profile {name!r}"
        raise KeyError(msg)
    text = resources.files(__package__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["name"] = name
    return _from_data(data, name)
