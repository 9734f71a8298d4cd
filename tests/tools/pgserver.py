"""A throwaway PostgreSQL server for tests.

``PostgresServer`` runs ``initdb`` in a fresh temporary directory, starts a server on a free
loopback port with durability switched off (fast, and nothing to keep), creates the database
``plenary_test`` and removes everything again on ``stop()``.  As root the server runs as the
``postgres`` system user through ``runuser``, because ``initdb`` refuses to run as root.

Command line::

    python -m tests.tools.pgserver run -- CMD ARGS...

starts a server, runs ``CMD`` with ``TEST_DATABASE_URL`` set to its URL, stops the server
(also on failure, Ctrl-C or SIGTERM) and exits with ``CMD``'s exit code.
"""

from __future__ import annotations

import argparse
import atexit
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType, TracebackType

import psycopg
from psycopg import sql

DEFAULT_DATABASE = "plenary_test"
SUPERUSER = "postgres"
HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 60
LOG_TAIL_LINES = 40
SERVER_OPTIONS = (
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=200",
)
_PORT_TAKEN = re.compile(r"could not bind|address already in use|could not create any TCP/IP sockets", re.IGNORECASE)


def _version_key(path: Path) -> tuple[int, ...]:
    """Sort key for /usr/lib/postgresql/<version>/bin: numeric parts of the version directory."""
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name)) or (-1,)


def find_pg_bin() -> Path:
    """Return the directory holding the PostgreSQL server binaries.

    ``PG_BIN`` in the environment wins; otherwise the newest ``/usr/lib/postgresql/*/bin``
    that contains ``initdb``.  Raises ``RuntimeError`` saying what to install when none is found.
    """
    override = os.environ.get("PG_BIN")
    if override:
        path = Path(override)
        if not (path / "initdb").is_file():
            raise RuntimeError(f"PG_BIN={override} does not contain initdb")
        return path
    candidates = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb") if p.is_file()]
    if not candidates:
        raise RuntimeError(
            "PostgreSQL server binaries not found: no /usr/lib/postgresql/*/bin/initdb. "
            "Install them (Debian: apt-get install -y postgresql, or run tests/tools/ensure_system_deps.sh) "
            "or set PG_BIN to the directory holding initdb and pg_ctl."
        )
    return max(candidates, key=_version_key)


def free_port(host: str = HOST) -> int:
    """Return a TCP port on ``host`` that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _others_can_traverse(path: Path) -> bool:
    """True if every directory from ``path`` up to ``/`` is searchable by other users."""
    return all(os.stat(directory).st_mode & stat.S_IXOTH for directory in (path, *path.parents))


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """Return the last ``lines`` lines of a text file, or a note if it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        return f"(no server log: {error})"
    return "\n".join(text.splitlines()[-lines:])


class PostgresStartError(RuntimeError):
    """Raised when the throwaway server cannot be initialised or started."""


class PostgresServer:
    """A temporary PostgreSQL server on a free loopback port; use as a context manager.

    After ``start()``: ``url`` (SQLAlchemy URL of ``plenary_test``), ``conninfo`` (libpq
    string for psycopg), ``port``, ``base_dir`` and ``start_seconds``.
    """

    def __init__(self, pg_bin: Path | None = None, database: str = DEFAULT_DATABASE) -> None:
        """Prepare (but do not start) a server; ``pg_bin`` defaults to ``find_pg_bin()``."""
        self.pg_bin = pg_bin if pg_bin is not None else find_pg_bin()
        self.database = database
        self.host = HOST
        self.port: int | None = None
        self.base_dir: Path | None = None
        self.start_seconds: float | None = None
        self._as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        self._running = False

    # -- public API -------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory (inside ``base_dir``)."""
        return self._base() / "data"

    @property
    def log_path(self) -> Path:
        """The server log file."""
        return self._base() / "server.log"

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the test database, ``postgresql+psycopg://postgres@127.0.0.1:PORT/plenary_test``."""
        return self.url_for(self.database)

    @property
    def conninfo(self) -> str:
        """libpq connection string of the test database, for ``psycopg.connect``."""
        return self.conninfo_for(self.database)

    def url_for(self, database: str) -> str:
        """SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self._port()}/{database}"

    def conninfo_for(self, database: str) -> str:
        """libpq connection string of ``database`` on this server."""
        return psycopg.conninfo.make_conninfo(host=self.host, port=self._port(), user=SUPERUSER, dbname=database)

    def start(self) -> PostgresServer:
        """Create the cluster, start the server and create the test database; returns ``self``.

        Raises ``PostgresStartError`` (with the server log tail) if the server does not start;
        everything created so far is removed in that case.
        """
        if self._running:
            raise RuntimeError("PostgresServer already started")
        began = time.monotonic()
        atexit.register(self.stop)
        try:
            self._make_dirs()
            self._initdb()
            self._start_server()
            self.create_database(self.database)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - began
        return self

    def stop(self) -> None:
        """Stop the server (``pg_ctl -m fast``) and remove its directory; safe to call twice."""
        atexit.unregister(self.stop)
        if self._running:
            self._running = False
            stopped = self._pg_ctl("-m", "fast", "-w", "-t", "30", "stop")
            if stopped.returncode != 0:
                self._pg_ctl("-m", "immediate", "-w", "-t", "10", "stop")
        if self.base_dir is not None:
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None

    def create_database(self, name: str) -> str:
        """Create database ``name`` on the running server and return its SQLAlchemy URL."""
        with psycopg.connect(self.conninfo_for("postgres"), autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url_for(name)

    def __enter__(self) -> PostgresServer:
        """Start the server."""
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop the server and remove its files."""
        self.stop()

    # -- internals --------------------------------------------------------------------------

    def _base(self) -> Path:
        if self.base_dir is None:
            raise RuntimeError("PostgresServer is not started")
        return self.base_dir

    def _port(self) -> int:
        if self.port is None:
            raise RuntimeError("PostgresServer is not started")
        return self.port

    def _make_dirs(self) -> None:
        parent: str | None = None
        if self._as_root and not _others_can_traverse(Path(tempfile.gettempdir())):
            parent = "/tmp"  # the postgres user must reach the directory
        base = Path(tempfile.mkdtemp(prefix="plenary-pg-", dir=parent))  # mode 0700
        self.base_dir = base
        self.data_dir.mkdir(mode=0o700)
        os.chmod(self.data_dir, 0o700)  # postgres refuses group/other access, whatever the umask
        if self._as_root:
            try:
                user = pwd.getpwnam(SUPERUSER)
            except KeyError:
                raise PostgresStartError(
                    "running as root needs a 'postgres' system user to run the server "
                    "(apt-get install -y postgresql creates it)"
                ) from None
            for path in (base, self.data_dir):
                os.chown(path, user.pw_uid, user.pw_gid)

    def _command(self, program: str, *args: str) -> list[str]:
        command = [str(self.pg_bin / program), *args]
        return ["runuser", "-u", SUPERUSER, "--", *command] if self._as_root else command

    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self._command(program, *args),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            start_new_session=True,  # Ctrl-C in the terminal must not reach the server
            cwd=self._base(),
        )

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self._run("pg_ctl", "-D", str(self.data_dir), *args)

    def _initdb(self) -> None:
        result = self._run(
            "initdb", "-D", str(self.data_dir), "-A", "trust", "-E", "UTF8", "--no-sync", "-U", SUPERUSER
        )
        if result.returncode != 0:
            raise PostgresStartError(f"initdb failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")

    def _start_server(self) -> None:
        for attempt in (1, 2):
            self.port = free_port(self.host)
            self.log_path.unlink(missing_ok=True)
            options = " ".join(
                (
                    f"-p {self.port}",
                    f"-c listen_addresses={self.host}",
                    f"-k {shlex.quote(str(self.base_dir))}",
                    *SERVER_OPTIONS,
                )
            )
            result = self._pg_ctl(
                "-l", str(self.log_path), "-w", "-t", str(START_TIMEOUT_SECONDS), "-o", options, "start"
            )
            if result.returncode == 0:
                self._running = True
                return
            log = _tail(self.log_path)
            # A server that started but missed the -w deadline must not be left behind.
            self._pg_ctl("-m", "immediate", "-w", "-t", "10", "stop")
            if attempt == 1 and _PORT_TAKEN.search(log):
                continue  # another process took the port between our check and the bind: pick another
            raise PostgresStartError(
                f"pg_ctl start failed (exit {result.returncode}) on port {self.port}:\n"
                f"{result.stdout}{result.stderr}\n--- server log tail (the directory is removed) ---\n{log}"
            )


# -- command line ---------------------------------------------------------------------------


def _exit_code(returncode: int) -> int:
    """Shell-style exit code: 128+N for a child killed by signal N."""
    return 128 - returncode if returncode < 0 else returncode


def run_with_server(command: Sequence[str]) -> int:
    """Start a server, run ``command`` with ``TEST_DATABASE_URL`` set, stop the server; return the exit code."""

    def raise_exit(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, raise_exit)  # so that `finally` runs while the server starts

    server = PostgresServer()
    try:
        server.start()
        print(f"pgserver: {server.url} (started in {server.start_seconds:.2f}s)", file=sys.stderr, flush=True)
        env = {**os.environ, "TEST_DATABASE_URL": server.url}
        try:
            child = subprocess.Popen(list(command), env=env)
        except OSError as error:
            print(f"pgserver: cannot run {command[0]}: {error}", file=sys.stderr)
            return 127

        def forward(signum: int, frame: FrameType | None) -> None:
            child.send_signal(signum)

        # Ctrl-C reaches the child directly (same process group): let it decide, then clean up.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, forward)
        return _exit_code(child.wait())
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)  # let the cleanup finish
        server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: ``run -- CMD ARGS...``."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.tools.pgserver", description="Run a command against a throwaway PostgreSQL server."
    )
    commands = parser.add_subparsers(dest="action", required=True)
    run = commands.add_parser("run", help="start a server, run CMD with TEST_DATABASE_URL set, stop the server")
    run.add_argument("cmd", nargs=argparse.REMAINDER, help="the command to run (after --)")
    args = parser.parse_args(argv)
    cmd = list(args.cmd)
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        parser.error("run needs a command: run -- CMD ARGS...")
    try:
        return run_with_server(cmd)
    except (PostgresStartError, RuntimeError) as error:
        print(f"pgserver: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
