import re

import pytest

from tests.conftest import outbox_messages

LINK_RE = re.compile(r"http://plenary\.test(/sign-in/[A-Za-z0-9_-]{43})")
CODE_RE = re.compile(r"\b(\d{6})\b")


def last_email_to(address: str):
    messages = [m for m in outbox_messages() if m.to_address == address]
    assert messages, f"no email to {address}"
    return messages[-1]


def link_and_code(address: str) -> tuple[str, str]:
    body = last_email_to(address).body_text
    return LINK_RE.search(body).group(1), CODE_RE.search(body.split("code", 1)[1]).group(1)


def ask(client, email: str, next_url: str | None = None):
    page = "/sign-in" + (f"?next={next_url}" if next_url else "")
    return client.submit("/sign-in", {"email": email, "next": next_url or ""}, page=page)


@pytest.fixture
def person(make_user):
    return make_user(email="ana@example.org", name="Ana")
