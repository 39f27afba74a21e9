"""A live PostgreSQL for tests: ``postgres_server`` starts a throw-away cluster.

``initdb`` + ``pg_ctl`` from ``/usr/lib/postgresql/*/bin`` or the PATH, on a free localhost port
with its socket in a temporary folder; stopped after the session. PostgreSQL refuses to run as
root, so under root (CI) the server runs as the ``postgres`` (else ``nobody``) user through
``runuser`` or ``setpriv``. Tests using it skip only when no server binaries are installed.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True)
class PostgresServer:
    """A running throw-away server; ``url(database)`` gives an SQLAlchemy URL without password."""

    host: str
    port: int
    user: str
    password: str
    socket_dir: Path

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def with_password(self, url: str, password: str | None = None) -> str:
        """``url`` (from :meth:`url`) holding a password: the server's, or ``password``."""
        return url.replace(f"{self.user}@", f"{self.user}:{password or self.password}@", 1)

    def fresh_database(self, database: str) -> str:
        """(Re)create an empty database; its URL (the password is not in it)."""
        with self.connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
            admin.execute(f'CREATE DATABASE "{database}"')
        return self.url(database)

    def connect(self, database: str = "postgres") -> Any:
        """A psycopg connection (autocommit) to a database of the server."""
        import psycopg

        return psycopg.connect(host=self.host, port=self.port, user=self.user,
                               password=self.password, dbname=database, autocommit=True)


def _server_binaries() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
                        reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        if all((folder / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def _as_server_user() -> tuple[list[str], pwd.struct_passwd | None]:
    """A command prefix that drops root (PostgreSQL refuses root), and that user."""
    if os.geteuid() != 0:
        return [], None
    user = next((entry for name in ("postgres", "nobody")
                 for entry in pwd.getpwall() if entry.pw_name == name), None)
    if user is None:
        pytest.fail("running as root, but there is no 'postgres' or 'nobody' user to run "
                    "the PostgreSQL test server as")
    if shutil.which("runuser"):
        return ["runuser", "-u", user.pw_name, "--"], user
    if shutil.which("setpriv"):
        return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}",
                "--clear-groups", "--"], user
    pytest.fail("running as root without runuser or setpriv to start PostgreSQL as "
                f"'{user.pw_name}'")
    raise AssertionError  # unreachable


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(command: list[str], cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120,
                          check=False, env={**os.environ, "LC_ALL": "C", "LANG": "C"})
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n"
                    f"{done.stderr}")


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """A PostgreSQL server on a free localhost port for the test session."""
    binaries = _server_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed; "
                    "`apt-get install postgresql` (installers/setup-dev.sh does)")
    prefix, user = _as_server_user()
    # Under root, pytest's tmp folders are private to root: use a folder the server user owns.
    base = Path(tempfile.mkdtemp(prefix="formix-pg-")) if user else \
        tmp_path_factory.mktemp("postgres")
    password = secrets.token_hex(12)
    data, sockets, password_file = base / "data", base / "sockets", base / "password"
    sockets.mkdir()
    password_file.write_text(password)
    if user is not None:
        for path in (base, sockets, password_file):
            os.chown(path, user.pw_uid, user.pw_gid)
    password_file.chmod(0o600)
    port = _free_port()
    pg_ctl = str(binaries / "pg_ctl")
    try:
        _run([*prefix, str(binaries / "initdb"), "-D", str(data), "-U", "formix",
              f"--pwfile={password_file}", "--auth-local=trust", "--auth-host=scram-sha-256",
              "--no-locale", "-E", "UTF8", "--no-sync"], base)
        _run([*prefix, pg_ctl, "-D", str(data), "-l", str(base / "server.log"), "-w", "-t", "60",
              "-o", f"-k {sockets} -h 127.0.0.1 -p {port} -c fsync=off", "start"], base)
        yield PostgresServer("127.0.0.1", port, "formix", password, sockets)
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
                           cwd=base, capture_output=True, timeout=60, check=False)
        shutil.rmtree(base, ignore_errors=True)
