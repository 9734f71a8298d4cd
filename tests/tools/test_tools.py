"""Tests for the test tools: a real throwaway PostgreSQL server and a real SMTP sink."""

from __future__ import annotations

import smtplib
import socket
import subprocess
import sys
import threading
from email.message import EmailMessage
from pathlib import Path

import psycopg
import pytest

from tests.tools.pgserver import PostgresServer, find_pg_bin
from tests.tools.smtp_sink import SmtpSink

ROOT = Path(__file__).resolve().parents[2]


def _pg_bin_or_reason() -> tuple[Path | None, str]:
    try:
        return find_pg_bin(), ""
    except RuntimeError as error:
        return None, str(error)


PG_BIN, PG_MISSING = _pg_bin_or_reason()
needs_postgres = pytest.mark.skipif(PG_BIN is None, reason=f"no PostgreSQL server binaries: {PG_MISSING}")


def _psycopg_url(url: str) -> str:
    """SQLAlchemy URL -> libpq URL."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _accepts_connections(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@needs_postgres
def test_postgres_server_lifecycle() -> None:
    """Start, query, create a second database, stop: nothing is left behind."""
    server = PostgresServer()
    with server:
        assert server.port is not None and server.base_dir is not None
        port, base_dir = server.port, server.base_dir
        assert server.url == f"postgresql+psycopg://postgres@127.0.0.1:{port}/plenary_test"
        assert server.start_seconds is not None and server.start_seconds > 0

        with psycopg.connect(_psycopg_url(server.url)) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
            assert conn.execute("select current_database()").fetchone() == ("plenary_test",)
            version = conn.execute("show server_version").fetchone()
            assert version is not None
            assert int(str(version[0]).split(".")[0].split()[0]) >= 13
            assert conn.execute("show fsync").fetchone() == ("off",)
            assert conn.execute("show max_connections").fetchone() == ("200",)
            encoding = conn.execute(
                "select pg_encoding_to_char(encoding) from pg_database where datname = 'plenary_test'"
            )
            assert encoding.fetchone() == ("UTF8",)

        other_url = server.create_database("plenary_other")
        assert other_url == f"postgresql+psycopg://postgres@127.0.0.1:{port}/plenary_other"
        with psycopg.connect(_psycopg_url(other_url)) as conn:
            conn.execute("create table t (x int)")
            conn.execute("insert into t values (42)")
            assert conn.execute("select x from t").fetchone() == (42,)

        assert _accepts_connections("127.0.0.1", port)
        assert base_dir.is_dir()

    assert not _accepts_connections("127.0.0.1", port)
    assert not base_dir.exists()
    server.stop()  # idempotent


@needs_postgres
def test_pgserver_cli_runs_command_and_propagates_exit_code() -> None:
    """The CLI passes TEST_DATABASE_URL to the command and returns its exit code."""
    script = (
        "import os, sys, psycopg; url = os.environ['TEST_DATABASE_URL']; print(url);"
        "conn = psycopg.connect(url.replace('+psycopg', '')); conn.execute('select 1'); conn.close(); sys.exit(3)"
    )
    result = subprocess.run(
        [sys.executable, "-m", "tests.tools.pgserver", "run", "--", sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 3, result.stderr
    url = result.stdout.strip()
    assert url.startswith("postgresql+psycopg://postgres@127.0.0.1:") and url.endswith("/plenary_test")
    assert "started in" in result.stderr
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    assert not _accepts_connections("127.0.0.1", port)


def test_find_pg_bin_honours_pg_bin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """PG_BIN wins, and a PG_BIN without initdb is a clear error."""
    monkeypatch.setenv("PG_BIN", str(tmp_path))
    with pytest.raises(RuntimeError, match="does not contain initdb"):
        find_pg_bin()
    (tmp_path / "initdb").write_text("")
    assert find_pg_bin() == tmp_path


def test_smtp_sink_receives_and_matches() -> None:
    """A message to two recipients with a unicode subject arrives and is matched by either."""
    with SmtpSink() as sink:
        assert sink.host == "127.0.0.1" and sink.port > 0
        msg = EmailMessage()
        msg["From"] = "Plenary <noreply@plenary.test>"
        msg["To"] = "Ana <ana@example.org>, Bo@Example.org"
        msg["Subject"] = "Bienvenue à la séance — 学习"
        msg.set_content("Bonjour Ana,\nvotre lien : https://plenary.test/s/abc\n")
        msg.add_alternative("<p>Bonjour <b>Ana</b></p>", subtype="html")
        with smtplib.SMTP(sink.host, sink.port, timeout=10) as client:
            client.send_message(msg, to_addrs=["ana@example.org", "Bo@Example.org"])

        received = sink.wait_for("ANA@example.org", subject_contains="séance")
        assert received["subject"] == "Bienvenue à la séance — 学习"
        assert received.envelope_from == "noreply@plenary.test"
        assert received.envelope_to == ("ana@example.org", "Bo@Example.org")
        assert sink.wait_for("bo@example.org") is received
        text = sink.body_text(received)
        assert "votre lien : https://plenary.test/s/abc" in text
        assert "<p>" not in text
        assert len(sink.messages) == 1

        with pytest.raises(AssertionError, match="Bienvenue"):
            sink.wait_for("nobody@example.org", timeout=0.2)
        with pytest.raises(AssertionError, match="no message to 'ana@example.org' with subject"):
            sink.wait_for("ana@example.org", subject_contains="absent", timeout=0.2)

        sink.clear()
        assert sink.messages == []
    assert not _accepts_connections("127.0.0.1", sink.port)


def test_smtp_sink_wait_for_blocks_until_arrival() -> None:
    """wait_for returns a message that arrives while it waits."""
    with SmtpSink() as sink:

        def send_later() -> None:
            msg = EmailMessage()
            msg["From"] = "a@plenary.test"
            msg["To"] = "late@example.org"
            msg["Subject"] = "Later"
            msg.set_content("plain only")
            with smtplib.SMTP(sink.host, sink.port, timeout=10) as client:
                client.send_message(msg)

        timer = threading.Timer(0.3, send_later)
        timer.start()
        try:
            received = sink.wait_for("late@example.org", timeout=10)
        finally:
            timer.join()
        assert sink.body_text(received).strip() == "plain only"


@needs_postgres
def test_postgres_server_retries_when_port_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the chosen port is taken before the server binds it, start() picks another port once."""
    from tests.tools import pgserver

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        ports = iter([taken])
        real_free_port = pgserver.free_port
        monkeypatch.setattr(pgserver, "free_port", lambda host="127.0.0.1": next(ports, None) or real_free_port(host))
        with PostgresServer() as server:
            assert server.port not in (None, taken)
            with psycopg.connect(server.conninfo) as conn:
                assert conn.execute("select 1").fetchone() == (1,)
