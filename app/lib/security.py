"""Response headers that keep pages from being framed, sniffed or made to run scripts from elsewhere, the one
way secret tokens are stored, and the one set of rules for a 6-digit code sent by email."""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from flask import Flask, Response

from app.lib.time import now_utc

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def hash_token(token: str | None) -> str:
    """What is stored for a secret token sent to someone (an invitation, a sign-up link, a session cookie): its
    SHA-256, so a copy of the database does not hand out working links."""
    return hashlib.sha256((token or "").encode()).hexdigest()


EMAILED_CODE_MINUTES = 15  # a code is only 6 digits: it works for a short time and a few tries
EMAILED_CODE_WRONG_MAX = 5
_EMAILED_CODE_RE = re.compile(r"[0-9]{6}")


class CodeCheck(enum.Enum):
    """What a typed emailed code turned out to be, in the order they are checked."""

    MALFORMED = "not 6 digits"
    SPENT = "already used, or too many wrong tries before"
    EXPIRED = "expired"
    RIGHT = "right"
    WRONG = "wrong, tries are left"
    WRONG_AND_SPENT = "wrong, and this was the last try"


def emailed_code_hash(salt: str, code: str) -> str:
    """What is stored for an emailed code: its SHA-256 salted with the hash of the link sent beside it, so equal
    codes of two requests do not have equal hashes."""
    return hash_token(f"{salt}:{code}")


def new_emailed_code(salt: str) -> tuple[str, str]:
    """A random 6-digit code to email, and its hash to store (`emailed_code_hash`)."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    return code, emailed_code_hash(salt, code)


def check_emailed_code(
    typed: str | None,
    *,
    salt: str,
    code_hash: str,
    issued_at: datetime,
    wrong_tries: int,
    expires_at: datetime | None = None,
    used: bool = False,
) -> CodeCheck:
    """Check a typed code against a stored one: 6 digits (spaces around and inside are ignored), for
    EMAILED_CODE_MINUTES after `issued_at` (or until `expires_at`, when that comes first), once, and
    EMAILED_CODE_WRONG_MAX wrong tries spend it. The comparison takes the same time whatever the code.

    Changes nothing: on WRONG or WRONG_AND_SPENT the caller counts the wrong try (`wrong_tries` is the count
    before this one)."""
    typed = (typed or "").strip().replace(" ", "")
    if not _EMAILED_CODE_RE.fullmatch(typed):
        return CodeCheck.MALFORMED
    if used or wrong_tries >= EMAILED_CODE_WRONG_MAX:
        return CodeCheck.SPENT
    now = now_utc()
    deadline = issued_at + timedelta(minutes=EMAILED_CODE_MINUTES)
    if deadline <= now or (expires_at is not None and expires_at <= now):
        return CodeCheck.EXPIRED
    if hmac.compare_digest(code_hash, emailed_code_hash(salt, typed)):
        return CodeCheck.RIGHT
    return CodeCheck.WRONG_AND_SPENT if wrong_tries + 1 >= EMAILED_CODE_WRONG_MAX else CodeCheck.WRONG
