"""Email transports. Domain code never sends directly: it writes outbox rows (app.notifications)."""

from __future__ import annotations

import email.errors
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

log = logging.getLogger("plenary.mail")


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str | None = None


class PermanentFailure(Exception):
    """This message can never be delivered as it is: the server refused it for good (a 5xx answer to its recipients
    or its content) or it cannot be built. The outbox marks it failed instead of retrying it."""


def build_or_refuse(message: Email, sender: str) -> EmailMessage:
    """build_message, with a message that cannot be built (a header with a line break, text that cannot be encoded)
    raised as PermanentFailure: trying again would fail the same way."""
    try:
        built = build_message(message, sender)
        built.as_bytes()  # encoding problems show only when the message is serialised
    except (ValueError, TypeError, UnicodeError, email.errors.MessageError) as exc:
        raise PermanentFailure(f"the message cannot be built: {type(exc).__name__}: {exc}") from exc
    return built


def _refused_for_good(exc: smtplib.SMTPException) -> bool:
    """A 5xx answer about this message (its recipients or its content). Refused log-ins and senders are about the
    server's configuration, not the message: those are retried (a bounded number of times) in case it is fixed."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(500 <= code < 600 for code, _reply in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPAuthenticationError | smtplib.SMTPSenderRefused):
        return False
    if isinstance(exc, smtplib.SMTPNotSupportedError):  # e.g. a non-ASCII address and no SMTPUTF8 on the server
        return True
    return isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600


class Transport(Protocol):
    def send(self, message: Email, sender: str) -> None: ...


def build_message(message: Email, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or None)
    email.set_content(message.text)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    return email


class LogTransport:
    """Used when no MAIL_SERVER is configured: the message is written to the log instead."""

    def send(self, message: Email, sender: str) -> None:
        log.info(
            "Email (no MAIL_SERVER configured)\nFrom: %s\nTo: %s\nSubject: %s\n\n%s",
            sender,
            message.to,
            message.subject,
            message.text,
        )


class SMTPTransport:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str = "",
        password: str = "",
        use_tls: bool = False,
        use_ssl: bool = False,
        timeout: int = 20,
    ):
        self.host, self.port = host, port
        self.username, self.password = username, password
        self.use_tls, self.use_ssl, self.timeout = use_tls, use_ssl, timeout

    def send(self, message: Email, sender: str) -> None:
        """Deliver one message. Raises PermanentFailure when it can never be delivered, any other exception when
        trying again later may work."""
        built = build_or_refuse(message, sender)
        smtp_class = smtplib.SMTP_SSL if self.use_ssl else smtplib.SMTP
        with smtp_class(self.host, self.port, timeout=self.timeout) as smtp:
            if self.use_tls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            try:
                smtp.send_message(built)
            except smtplib.SMTPException as exc:
                if _refused_for_good(exc):
                    raise PermanentFailure(f"refused by the mail server: {type(exc).__name__}: {exc}") from exc
                raise


def transport_from_config(config) -> Transport:
    if not config.get("MAIL_SERVER"):
        return LogTransport()
    return SMTPTransport(
        config["MAIL_SERVER"],
        config["MAIL_PORT"],
        username=config.get("MAIL_USERNAME", ""),
        password=config.get("MAIL_PASSWORD", ""),
        use_tls=config.get("MAIL_USE_TLS", False),
        use_ssl=config.get("MAIL_USE_SSL", False),
        timeout=config.get("MAIL_TIMEOUT", 20),
    )
