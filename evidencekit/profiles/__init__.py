"""Platform profiles: YAML data files shipped with the package, or a user's own file."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

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


def _from_data(data: dict[str, Any], origin: str) -> Profile:
    try:
        return Profile.model_validate(data)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()
        )
        msg = f"{origin}: invalid profile: {problems}"
        raise ValueError(msg) from e


def load_profile(name: str, base: Path | None = None) -> Profile:
    """Load a packaged profile by name, or a profile file (path ending in .yaml/.yml)."""
    if name.endswith((".yaml", ".yml")):
        path = (base or Path.cwd()) / name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data.setdefault("name", path.stem)
        return _from_data(data, str(path))
    if name not in profile_names():
        msg = f"unknown profile {name!r}"
        raise KeyError(msg)
    text = resources.files(__package__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["name"] = name
    return _from_data(data, name)
