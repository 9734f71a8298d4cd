"""Email transports. Domain code never sends directly: it writes outbox rows (app.notifications)."""

from __future__ import annotations

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
        smtp_class = smtplib.SMTP_SSL if self.use_ssl else smtplib.SMTP
        with smtp_class(self.host, self.port, timeout=self.timeout) as smtp:
            if self.use_tls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(build_message(message, sender))


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
