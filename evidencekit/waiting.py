"""Work this process can do ahead while it would otherwise wait for another process (an
export parsed elsewhere, a part laid out elsewhere): a build loads its renderer, makes the
appendix's key and loads the register's modules there. Each task runs once; a task's errors
are left for its caller to meet again, where they are reported."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

_WAITING: list[Callable[[], object]] = []


def while_waiting(task: Callable[[], object]) -> None:
    """Do `task` the next time this process would wait."""
    _WAITING.append(task)


def do_waiting(ready: Callable[[], bool] | None = None) -> None:
    """Called just before waiting: the tasks given, in order, each once, until `ready()` says
    what is awaited has come (the rest wait for the next wait: a build's first wait, for its
    exports, is short and its pieces are laid out only after it; the waits for them are
    long)."""
    while _WAITING and not (ready is not None and ready()):
        task = _WAITING.pop(0)
        with contextlib.suppress(Exception):
            task()


def forget_waiting() -> None:
    """Drop the tasks not done (the build that gave them is over)."""
    _WAITING.clear()
