"""A throw-away PostgreSQL server on a Unix socket (tests and benches of the case register)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


class PgUnavailable(Exception):
    """The server could not be started here (no binaries, no user to run it as, ...)."""


@dataclass
class PgServer:
    base: Path
    bin: Path
    run_as: list[str]

    @property
    def url(self) -> str:
        return f"postgresql://evk@/postgres?host={self.base}"

    def database(self, name: str) -> str:
        """A new, empty database; its URL."""
        import psycopg

        with psycopg.connect(host=str(self.base), user="evk", dbname="postgres") as conn:
            conn.autocommit = True
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://evk@/{name}?host={self.base}"

    def stop(self) -> None:
        subprocess.run(
            [*self.run_as, str(self.bin / "pg_ctl"), "-D", str(self.base / "data"), "-m",
             "immediate", "stop"],
            capture_output=True,
            check=False,
            timeout=60,
        )  # fmt: skip
        shutil.rmtree(self.base, ignore_errors=True)


def start_server() -> PgServer:
    """initdb and pg_ctl from Debian's postgresql package, as an unprivileged user if root."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        msg = "no /usr/lib/postgresql/*/bin/pg_ctl (install Debian's postgresql package)"
        raise PgUnavailable(msg)
    bindir = Path(found[-1]).parent
    try:
        import psycopg  # noqa: F401
    except ImportError as e:
        msg = "psycopg is not installed (pip install -e '.[dev]')"
        raise PgUnavailable(msg) from e
    run_as: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="evk-pg-"))
    if os.geteuid() == 0:  # the server refuses to run as root
        user = next((u for u in ("postgres", "nobody") if _has_user(u)), None)
        if user is None or not shutil.which("runuser"):
            msg = "running as root, and no postgres/nobody user or runuser to start the server"
            raise PgUnavailable(msg)
        entry = pwd.getpwnam(user)
        os.chown(base, entry.pw_uid, entry.pw_gid)
        run_as = ["runuser", "-u", user, "--"]
    server = PgServer(base, bindir, run_as)
    steps = [
        [str(bindir / "initdb"), "-D", str(base / "data"), "-U", "evk", "-A", "trust", "-E",
         "UTF8", "--locale=C.UTF-8", "--no-sync"],
        [str(bindir / "pg_ctl"), "-D", str(base / "data"), "-l", str(base / "log"), "-w",
         "-t", "60", "-o", f"-k {base} -c listen_addresses='' -F", "start"],
    ]  # fmt: skip
    for cmd in steps:
        proc = subprocess.run(
            [*run_as, *cmd], capture_output=True, text=True, check=False, timeout=120
        )
        if proc.returncode != 0:
            log = base / "log"
            detail = (proc.stderr or proc.stdout).strip()[-400:]
            if log.is_file():
                detail += " | " + log.read_text(errors="replace")[-400:]
            server.stop()
            msg = f"{Path(cmd[0]).name} failed: {detail}"
            raise PgUnavailable(msg)
    return server


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
