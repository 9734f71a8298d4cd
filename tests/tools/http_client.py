"""A tiny browser-like HTTP client for tests against a real server: cookies, and forms with their CSRF token."""

from __future__ import annotations

import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from tests.conftest import csrf_tokens


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Reply:
    status: int
    location: str
    text: str


class HttpSession:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect
        )

    def request(self, path: str, data: dict | list | None = None) -> Reply:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base_url + path, data=body, timeout=60) as response:
                return Reply(response.status, response.headers.get("Location", ""), response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.headers.get("Location", ""), error.read().decode())

    def get(self, path: str) -> Reply:
        return self.request(path)

    def submit(self, path: str, data: dict, *, page: str | None = None) -> Reply:
        tokens = csrf_tokens(self.get(page or path).text)
        return self.request(path, {**tokens, **data})

    def login(self, email: str, password: str) -> None:
        reply = self.submit("/login", {"email": email, "password": password})
        assert reply.status == 302, f"login failed for {email}: {reply.status}"
