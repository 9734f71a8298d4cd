"""An in-process SMTP server that keeps every message it receives, for tests.

``SmtpSink`` wraps aiosmtpd's threaded ``Controller`` on 127.0.0.1 and a free port.  Each
received message is parsed into a ``ReceivedMessage`` (an ``email.message.EmailMessage``
that also carries the SMTP envelope); tests wait for one with ``wait_for``.

Standalone, printing each message as it arrives (for manual testing)::

    python -m tests.tools.smtp_sink --port 8025
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from types import TracebackType

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

HOST = "127.0.0.1"
SERVER_HOSTNAME = "plenary-smtp-sink"  # avoids a slow reverse DNS lookup (socket.getfqdn) at start


class ReceivedMessage(EmailMessage):
    """An ``EmailMessage`` plus the SMTP envelope it arrived with."""

    envelope_from: str = ""
    envelope_to: tuple[str, ...] = ()
    received_at: float = 0.0


def free_port(host: str = HOST) -> int:
    """Return a TCP port on ``host`` that is free right now.

    aiosmtpd's ``Controller`` cannot take port 0 (it connects to its own port to check that the
    server is up), so bind a socket to port 0, read the port the OS chose, and close it.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def body_text(msg: EmailMessage) -> str:
    """Return the text/plain body of ``msg`` (decoded); ``AssertionError`` if it has none."""
    part = msg.get_body(preferencelist=("plain",))
    if part is None:
        raise AssertionError(f"message {msg['subject']!r} has no text/plain part (type {msg.get_content_type()})")
    return str(part.get_content())


def describe(msg: ReceivedMessage) -> str:
    """One line about a received message: envelope recipients and subject."""
    return f"to={', '.join(msg.envelope_to)} from={msg.envelope_from} subject={msg['subject']!r}"


class _Handler:
    """aiosmtpd handler: parse the message and hand it to the sink."""

    def __init__(self, deliver: Callable[[ReceivedMessage], None]) -> None:
        self._deliver = deliver
        self._parser = BytesParser(_class=ReceivedMessage, policy=policy.default)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd API)
        """Store the message; called by aiosmtpd in its event-loop thread."""
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        msg = self._parser.parsebytes(raw)
        assert isinstance(msg, ReceivedMessage)
        mail_from = envelope.mail_from or ""
        msg.envelope_from = mail_from if isinstance(mail_from, str) else str(mail_from)
        msg.envelope_to = tuple(str(rcpt) for rcpt in envelope.rcpt_tos)
        msg.received_at = time.time()
        self._deliver(msg)
        return "250 Message accepted for delivery"


class SmtpSink:
    """An SMTP server on 127.0.0.1 that stores what it receives; use as a context manager.

    ``host`` and ``port`` are where to send mail; ``messages`` is a copy of what arrived so far.
    ``on_message``, if given, is called (in the server thread) with each message.
    """

    def __init__(
        self, host: str = HOST, port: int | None = None, on_message: Callable[[ReceivedMessage], None] | None = None
    ) -> None:
        """Prepare (but do not start) a sink; ``port=None`` picks a free port at start."""
        self.host = host
        self.port: int = port or 0
        self._fixed_port = port is not None
        self._on_message = on_message
        self._messages: list[ReceivedMessage] = []
        self._condition = threading.Condition()
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[ReceivedMessage]:
        """A copy of the messages received so far, oldest first."""
        with self._condition:
            return list(self._messages)

    def clear(self) -> None:
        """Forget the messages received so far."""
        with self._condition:
            self._messages.clear()

    def start(self) -> SmtpSink:
        """Start the server thread; returns ``self``.  Retries once with another port if it is taken."""
        if self._controller is not None:
            raise RuntimeError("SmtpSink already started")
        attempts = 1 if self._fixed_port else 2
        for attempt in range(1, attempts + 1):
            if not self._fixed_port:
                self.port = free_port(self.host)
            controller = self._make_controller()
            try:
                controller.start()
            except (OSError, TimeoutError):
                self._discard(controller)
                if attempt == attempts:
                    raise
                continue
            self._controller = controller
            break
        return self

    def stop(self) -> None:
        """Stop the server thread; safe to call twice.  Received messages are kept."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def wait_for(self, to: str, subject_contains: str | None = None, timeout: float = 10.0) -> ReceivedMessage:
        """Wait for a message to envelope recipient ``to`` (case-insensitive) and return it.

        With ``subject_contains``, the subject must also contain that text (case-sensitive).
        If several messages match, the most recent one is returned.  Raises ``AssertionError``
        listing what was received if none arrives within ``timeout`` seconds.
        """
        wanted = to.strip().lower()

        def find() -> ReceivedMessage | None:
            for msg in reversed(self._messages):
                if wanted not in (rcpt.lower() for rcpt in msg.envelope_to):
                    continue
                if subject_contains is not None and subject_contains not in str(msg["subject"] or ""):
                    continue
                return msg
            return None

        with self._condition:
            found = self._condition.wait_for(find, timeout=timeout)
            if found is not None:
                return found
            received = "\n".join(f"  {describe(msg)}" for msg in self._messages) or "  (nothing)"
        condition = f"to {to!r}" + (f" with subject containing {subject_contains!r}" if subject_contains else "")
        raise AssertionError(f"no message {condition} within {timeout}s; received:\n{received}")

    @staticmethod
    def body_text(msg: EmailMessage) -> str:
        """Return the text/plain body of ``msg``; ``AssertionError`` if it has none."""
        return body_text(msg)

    def __enter__(self) -> SmtpSink:
        """Start the server."""
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop the server."""
        self.stop()

    # -- internals --------------------------------------------------------------------------

    def _deliver(self, msg: ReceivedMessage) -> None:
        with self._condition:
            self._messages.append(msg)
            self._condition.notify_all()
        if self._on_message is not None:
            self._on_message(msg)

    def _make_controller(self) -> Controller:
        return Controller(
            _Handler(self._deliver),
            hostname=self.host,
            port=self.port,
            server_hostname=SERVER_HOSTNAME,
            enable_SMTPUTF8=True,
        )

    @staticmethod
    def _discard(controller: Controller) -> None:
        """Release what a controller that failed to start still holds."""
        thread = getattr(controller, "_thread", None)
        if thread is not None and thread.is_alive():
            controller.stop(no_assert=True)
        elif not controller.loop.is_closed():
            controller.loop.close()


def _print_message(msg: ReceivedMessage) -> None:
    """Print a received message to stdout (standalone mode)."""
    try:
        text = body_text(msg)
    except AssertionError as error:
        text = str(error)
    print(f"--- {time.strftime('%H:%M:%S')} {describe(msg)}\n{text.rstrip()}\n", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: run a sink in the foreground, printing each message."""
    parser = argparse.ArgumentParser(prog="python -m tests.tools.smtp_sink", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=HOST, help=f"address to listen on (default {HOST})")
    parser.add_argument("--port", type=int, default=None, help="port to listen on (default: a free one)")
    args = parser.parse_args(argv)
    sink = SmtpSink(host=args.host, port=args.port, on_message=_print_message)
    with sink:
        print(f"smtp_sink: listening on {sink.host}:{sink.port}, Ctrl-C to stop", file=sys.stderr, flush=True)
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda _signum, _frame: stop.set())
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
