"""A request naming another host (a forged Host header) never lands in, or is served from, the public page cache
for the real host, and no public page carries that host; with TRUSTED_HOSTS set, it is a 400 before anything runs.
"""

from flask import current_app, request

from app.lib.page_cache import public_page
from tests.core.test_pages import get_routes, url_arguments

FORGED = "evil.example"
REAL = "plenary.test"


def public_urls(app) -> list[str]:
    urls = []
    for rule in get_routes(app):
        if getattr(app.view_functions[rule.endpoint], "public_page", False):
            arguments = url_arguments(rule.endpoint)
            urls.append(rule.build({k: arguments[k] for k in rule.arguments})[1])
    return urls


def cached_entries(app) -> int:
    return len(app.extensions["page_cache"].entries)


def test_no_public_page_asked_for_under_a_forged_host_reaches_a_visitor_of_the_real_host(app, demo_world):
    app.config["BASE_URL"] = ""  # development: nothing but a fixed default to build links on
    urls = public_urls(app)
    assert len(urls) >= 8  # catalogue, course and reading pages, cohort page and calendar, the API
    attacker, visitor = app.test_client(), app.test_client()
    for url in urls:
        poisoned = attacker.get(url, headers={"Host": FORGED})
        assert poisoned.status_code == 200, url
        assert FORGED.encode() not in poisoned.data, f"{url} names the forged host"
        assert FORGED.encode() not in visitor.get(url, headers={"Host": REAL}).data, f"{url} served the forged page"


def test_the_cache_keeps_pages_apart_by_host(app, client):
    @app.get("/_which-host")
    @public_page
    def which_host():
        return request.host  # no real page depends on the host: this one does, to see what the cache hands out

    assert client.get("/_which-host", headers={"Host": FORGED}).data == FORGED.encode()
    assert client.get("/_which-host", headers={"Host": REAL}).data == REAL.encode()
    assert client.get("/_which-host", headers={"Host": FORGED}).data == FORGED.encode()
    assert cached_entries(app) == 2  # each host's page is cached, for that host only
    assert client.get("/_which-host", headers={"Host": REAL}).data == REAL.encode()


def test_with_trusted_hosts_a_forged_host_is_a_400_on_every_route_and_nothing_is_cached(app, demo_world):
    app.config["TRUSTED_HOSTS"] = [REAL]
    client = app.test_client()
    for rule in get_routes(app):
        arguments = url_arguments(rule.endpoint)
        url = rule.build({k: arguments[k] for k in rule.arguments})[1]
        refused = client.get(url, headers={"Host": FORGED})
        assert refused.status_code == 400, url
        assert FORGED.encode() not in refused.data
    assert cached_entries(app) == 0
    for url in public_urls(app):
        assert client.get(url, headers={"Host": REAL}).status_code == 200, url
    assert cached_entries(app) > 0  # the real host is still cached
    assert current_app.config["TRUSTED_HOSTS"] == [REAL]
