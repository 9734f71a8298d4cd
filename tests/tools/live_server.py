"""The app under gunicorn on a free loopback port, for tests that need a real server (browsers, concurrency)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer at {url} within {timeout} s")


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "live-server-secret-key-long-enough-0123456789",
        "RATELIMIT_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


@contextmanager
def gunicorn(
    env: dict[str, str], log_path: Path, *, workers: int = 2, threads: int = 4, worker_loop: bool = False
) -> Iterator[str]:
    """Serve wsgi:app with gunicorn (and, if asked, an outbox worker); yield the base URL; stop both."""
    port = free_port()
    env = {**env, "BASE_URL": env.get("BASE_URL") or f"http://127.0.0.1:{port}"}
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    commands = [
        [
            str(BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ]
    ]
    if worker_loop:
        commands.append([str(BIN / "flask"), "--app", "wsgi", "outbox", "send", "--loop", "--interval", "0.3"])
    processes = [subprocess.Popen(c, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT) for c in commands]
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz")
        yield f"http://127.0.0.1:{port}"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


def flask_command(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout
