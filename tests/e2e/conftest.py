"""Real-browser journeys: the app under gunicorn on a loopback port, an SMTP sink, an outbox worker, and
Debian's Chromium driven by Playwright (never a downloaded browser).

Screenshots land in tests/e2e/artifacts/ for people to look at.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.tools.live_server import flask_command, gunicorn, server_env
from tests.tools.smtp_sink import SmtpSink

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PAGE_BUDGET_BYTES = 100 * 1024


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@dataclass
class LiveServer:
    url: str
    env: dict
    sink: SmtpSink

    def flask(self, *args: str) -> str:
        """Run a `flask` command against the served database (as an operator would)."""
        return flask_command(self.env, *args)


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, smtp_sink) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("live")
    env = server_env(
        os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{workdir / 'e2e.db'}",
        MAIL_SERVER=smtp_sink.host,
        MAIL_PORT=str(smtp_sink.port),
    )
    for command in (["db", "upgrade"], ["courses", "sync"], ["demo", "load"]):
        flask_command(env, *command)
    with gunicorn(env, workdir / "gunicorn.log", worker_loop=True) as url:
        yield LiveServer(url=url, env=env, sink=smtp_sink)


@pytest.fixture(scope="module")
def mock_provider() -> Iterator[str]:
    """A real OpenID Connect provider on loopback (oidc-provider-mock), for the modules that sign in through one."""
    from tests.tools.oidc_mock import mock_provider_process

    with mock_provider_process() as url:
        yield url


@pytest.fixture(scope="module")
def provider_live_server(tmp_path_factory, smtp_sink, mock_provider) -> Iterator[LiveServer]:
    """A server of the module's own (its own SQLite database, no demo) with the mock provider configured as
    "Mock ID"; a module uses it as its `live_server`."""
    workdir = tmp_path_factory.mktemp("live-provider")
    env = server_env(
        f"sqlite:///{workdir / 'e2e-provider.db'}",
        MAIL_SERVER=smtp_sink.host,
        MAIL_PORT=str(smtp_sink.port),
        OIDC_PROVIDER_MOCK=f"{mock_provider}|plenary-e2e|e2e-client-secret|Mock ID",
    )
    for command in (["db", "upgrade"], ["courses", "sync"]):
        flask_command(env, *command)
    with gunicorn(env, workdir / "gunicorn.log", worker_loop=True) as url:
        yield LiveServer(url=url, env=env, sink=smtp_sink)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (installs Debian's chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@dataclass
class Visit:
    """What one page load cost: the document and everything it pulled in, uncompressed."""

    url: str
    bytes: int = 0
    resources: list[str] = field(default_factory=list)


class Journey:
    """A person's browser session: pages, screenshots, accessibility and weight checks.

    Every request is routed (which turns off the browser cache), so each page is weighed with its CSS and
    scripts, as a first-time visitor on a slow line would receive it.
    """

    def __init__(self, context, base_url: str, name: str):
        self.context = context
        self.base_url = base_url
        self.name = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        self.visits: list[Visit] = []
        self.accessibility: dict[str, list[str]] = {}
        self._shot = 0
        context.route("**/*", lambda route: route.continue_())
        self.page = context.new_page()
        self.page.on("request", self._on_request)
        self.page.on("response", self._on_response)

    def _on_request(self, request) -> None:
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            self.visits.append(Visit(request.url))

    def _on_response(self, response) -> None:
        if self.visits and response.url.startswith(self.base_url):
            self.visits[-1].bytes += int(response.headers.get("content-length") or 0)
            self.visits[-1].resources.append(response.url)

    def goto(self, path: str):
        self.page.goto(self.base_url + path)
        return self.page

    def check(self, label: str) -> None:
        """Run axe-core on the current page and keep a screenshot of it."""
        from axe_playwright_python.sync_playwright import Axe

        self.page.wait_for_load_state("load")
        results = Axe().run(self.page)
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")
        ]
        self.accessibility[f"{label} {self.page.url}"] = serious
        self.screenshot(label)

    def screenshot(self, label: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self._shot += 1
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{self._shot:02d}-{slug}.png"), full_page=True)

    def assert_accessible(self) -> None:
        problems = {page: v for page, v in self.accessibility.items() if v}
        assert not problems, f"serious or critical accessibility violations: {problems}"

    def assert_light(self) -> None:
        assert self.visits, "no page was weighed"
        heavy = {v.url: v.bytes for v in self.visits if v.bytes > PAGE_BUDGET_BYTES}
        assert not heavy, f"pages over {PAGE_BUDGET_BYTES} bytes: {heavy}"


@pytest.fixture
def journey(browser, live_server, request) -> Iterator:
    def start(timezone_id: str = "Europe/Lisbon", locale: str = "en-GB") -> Journey:
        context = browser.new_context(timezone_id=timezone_id, locale=locale, viewport={"width": 1100, "height": 900})
        contexts.append(context)
        return Journey(context, live_server.url, f"{request.node.name}-{len(contexts)}")

    contexts: list = []
    yield start
    for context in contexts:
        context.close()


def finish_signup(page, live_server: LiveServer, email: str) -> None:
    """After the sign-up form: open the emailed confirmation link (from the SMTP sink) and create the account."""
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    message = live_server.sink.wait_for(email, subject_contains="Confirm your email", timeout=20)
    link = re.search(r"https?://\S+/signup/confirm/\S+", live_server.sink.body_text(message)).group(0)
    page.goto(link)
    page.get_by_role("button", name="Create my account").click()
