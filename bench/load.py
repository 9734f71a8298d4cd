"""Serving the app under gunicorn, signing in over HTTP, driving a URL with wrk, and reading workers' memory."""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from bench.prepare import ROOT, SECRET_KEY
from tests.tools.live_server import free_port, wait_for_http

BIN = Path(sys.executable).parent
_CSRF_RE = re.compile(
    r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"|<input[^>]*value="([^"]+)"[^>]*name="csrf_token"'
)


class WrkMissing(RuntimeError):
    pass


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise WrkMissing("wrk is not installed: run `make bench-deps` (apt-get install -y wrk) and try again")
    return path


# Serving ----------------------------------------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    pid_file: Path
    log_path: Path

    @property
    def master_pid(self) -> int:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return self.process.pid

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until the app answers and gunicorn has written its pid file."""
        wait_for_http(f"{self.url}/healthz", timeout)
        deadline = time.monotonic() + 10
        while not self.pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: the master's children."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.master_pid:
                pids.append(int(entry.name))
        return sorted(pids)

    def drain(self, *, quiet_ms: float = 50.0, timeout: float = 60.0) -> float:
        """Wait until requests queued by the last load run are done (wrk stops sending, but the server still works
        through what it accepted): until hello-world answers within `quiet_ms` three times in a row. Returns the
        seconds waited."""
        began = time.monotonic()
        fast = 0
        while fast < 3 and time.monotonic() - began < timeout:
            sent = time.monotonic()
            try:
                with urllib.request.urlopen(self.url + "/_bench/hello", timeout=timeout) as response:  # noqa: S310
                    response.read()
            except OSError:
                pass
            fast = fast + 1 if (time.monotonic() - sent) * 1000 < quiet_ms else 0
        return time.monotonic() - began

    def peak_worker_rss_mb(self) -> float:
        """The largest peak resident set (VmHWM) of any worker so far, in MB."""
        peaks = [_vm_hwm_kb(pid) for pid in self.worker_pids()]
        return round(max(peaks, default=0) / 1024, 1)


def _vm_hwm_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else 0


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """A production-like configuration, except PLENARY_ENV (production would demand HTTPS-only cookies)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "RATELIMIT_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "BENCH_HELLO": "1",
        **extra,
    }


@contextmanager
def gunicorn(env: dict[str, str], log_path: Path, *, workers: int, threads: int, wait: bool = True) -> Iterator[Server]:
    """Serve wsgi:app on a free loopback port (without `wait`, the caller calls `wait_ready()`, so several servers
    can boot at once); stop it through its pid file afterwards."""
    port = free_port()
    pid_file = log_path.with_suffix(".pid")
    pid_file.unlink(missing_ok=True)
    env = {**env, "BASE_URL": f"http://127.0.0.1:{port}"}
    command = [
        str(BIN / "gunicorn"),
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--pid",
        str(pid_file),
        "--backlog",
        "2048",
        "wsgi:app",
    ]
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        server = Server(f"http://127.0.0.1:{port}", process, pid_file, log_path)
        try:
            if wait:
                server.wait_ready()
            yield server
        finally:
            with suppress(ProcessLookupError):
                os.kill(server.master_pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# Signing in -----------------------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    location: str
    text: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies and CSRF tokens over plain HTTP, enough to sign in and submit a form."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, path: str, data: dict | None = None) -> Reply:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base_url + path, data=body, timeout=120) as response:
                return Reply(response.status, response.headers.get("Location", ""), response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.headers.get("Location", ""), error.read().decode(errors="replace"))

    def csrf_token(self, path: str) -> str:
        page = self.request(path)
        match = _CSRF_RE.search(page.text)
        if match is None:
            raise RuntimeError(f"no CSRF token on {path} (status {page.status})")
        return match.group(1) or match.group(2)

    def login(self, email: str, password: str) -> None:
        reply = self.request("/login", {"csrf_token": self.csrf_token("/login"), "email": email, "password": password})
        if reply.status != 302:
            raise RuntimeError(f"signing in as {email} failed: HTTP {reply.status}")

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


# wrk -------------------------------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if match is None:
        raise ValueError(f"unreadable latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors plus non-2xx/3xx answers
    kb_per_response: float  # a sanity check: a redirect to the login page would be far smaller than the page

    def as_dict(self) -> dict:
        return {
            "rps": self.rps,
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "requests": self.requests,
            "errors": self.errors,
            "kb_per_response": self.kb_per_response,
        }


def parse_wrk(output: str) -> WrkResult:
    """Requests/s, p50, p99 and errors from `wrk --latency` output."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    percentiles = {p: _ms(v) for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.MULTILINE)}
    volume = re.search(r"(\d+) requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB) read", output)
    requests = int(volume.group(1))
    kilobytes = float(volume.group(2)) * {"B": 1 / 1024, "KB": 1, "MB": 1024, "GB": 1024 * 1024}[volume.group(3)]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(non_2xx.group(1)) if non_2xx else 0
    return WrkResult(
        round(rps, 1),
        round(percentiles["50"], 2),
        round(percentiles["99"], 2),
        requests,
        errors,
        round(kilobytes / requests, 2) if requests else 0.0,
    )


def run_wrk(url: str, *, seconds: float, connections: int, threads: int, cookie: str | None = None) -> WrkResult:
    # Slow pages of the big cohort take seconds under load: a short timeout would drop them from the percentiles.
    timeout = max(10, 3 * seconds)
    command = [require_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", f"--timeout={timeout}s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    result = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=seconds + timeout + 60, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed on {url}: {result.stderr or result.stdout}")
    return parse_wrk(result.stdout)
