"""Values every page reads from any request, whatever the route: the time zone (`?tz=` and the `tz` cookie the
browser's script sets), `?next=` and the language. Hostile ones (a zone that names a folder, a path, a very long
name, NUL, line breaks, bytes that are not UTF-8) are ignored: never a 500, on any GET route of the URL map, for a
visitor and for a signed-in person.
"""

from urllib.parse import quote

import pytest

from app.demo.data import DEMO_PASSWORD
from tests.core.test_pages import ROLES, get_routes, url_arguments

# Raw, as they appear in a query string or a cookie (percent-escapes included, some of them not UTF-8).
HOSTILE_ZONES = [
    "America",
    "Asia",
    "Europe/",
    "..%2Fetc",
    "../../etc/passwd",
    "%2Fetc%2Fpasswd",
    "a" * 10_000,
    "Europe%2F" + "London" * 300,
    "UTC%00",
    "%00",
    "Europe%2FLondon%0D%0ASet-Cookie:%20x=1",
    "%FF%FE",
    "%C0%AF",
    "localtime",
    "zone.tab",
    "tzdata.zi",
    "America%2F..%2FEurope%2FLondon",
    "%E2%80%A8",
]
HOSTILE_NEXT = [
    "%2Fprofile%0D%0ASet-Cookie:%20x=1",
    "%2F%00",
    "%2F%0A",
    "%2F%2Fevil.example",
    "https:%2F%2Fevil.example",
    "%2F%5Cevil.example",
    "%2F" + "a" * 10_000,
    "%2Fcaf%C3%A9",
    "%2F%FF",
    "javascript:alert(1)",
    "%20%2Fprofile",
]
HOSTILE_LANGUAGES = ["zz", "a" * 10_000, "en;q=abc", "%00", "*;q=1,xx-YY;q=2", "%FF", "es-%0D%0A"]
CASES = max(len(HOSTILE_ZONES), len(HOSTILE_NEXT), len(HOSTILE_LANGUAGES))


def hostile(values: list[str], case: int) -> str:
    return values[case % len(values)]


def hostile_request(client, url: str, case: int, cookies: str = ""):
    """`url` with a hostile zone, next and language in the query, hostile `tz` and `lang` cookies and Accept-Language.

    `client` keeps no cookies (else it would replace the Cookie header): `cookies` carries the sign-in."""
    zone, target, language = (hostile(v, case) for v in (HOSTILE_ZONES, HOSTILE_NEXT, HOSTILE_LANGUAGES))
    query = f"tz={zone}&next={target}&lang={language}"
    cookie_zone = hostile(HOSTILE_ZONES, case + 1)  # another zone than the query's
    # Headers are latin-1 text: a 10,000-character value is sent as it is, others percent-escaped as the script does.
    accept_language = language if language.isascii() and "%" not in language else quote(language)
    return client.get(
        f"{url}{'&' if '?' in url else '?'}{query}",
        headers={
            "Cookie": f"{cookies}tz={cookie_zone}; tz_chosen=1; lang={quote(language)}",
            "Accept-Language": accept_language,
        },
    )


def signed_in_cookies(app, role: str) -> str:
    if not ROLES[role]:
        return ""
    browser = app.test_client()
    assert browser.submit("/login", {"email": ROLES[role], "password": DEMO_PASSWORD}).status_code == 302
    name = app.config["SESSION_COOKIE_NAME"]
    return f"{name}={browser.get_cookie(name).value}; "


@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_hostile_zone_next_and_language_values_are_never_a_500_on_any_page(app, demo_world, role):
    cookies, client = signed_in_cookies(app, role), app.test_client(use_cookies=False)
    if cookies:
        assert client.get("/profile", headers={"Cookie": cookies}).status_code == 200  # signed in indeed
    checked = 0
    for rule in get_routes(app):
        arguments = url_arguments(rule.endpoint)
        url = rule.build({k: arguments[k] for k in rule.arguments})[1]
        for case in range(CASES):
            response = hostile_request(client, url, case, cookies)
            assert response.status_code < 500, f"{url} as {role}, case {case}: {response.status_code}"
            assert "\n" not in response.headers.get("Location", ""), url
            checked += 1
    assert checked > 40 * CASES  # every GET route, not a handful


@pytest.mark.parametrize("zone", HOSTILE_ZONES)
def test_a_visitor_with_a_hostile_zone_sees_the_login_page_in_utc(app, zone):
    client = app.test_client(use_cookies=False)
    for response in (
        client.get(f"/login?tz={zone}"),
        client.get("/login", headers={"Cookie": f"tz={zone}"}),
    ):
        assert response.status_code == 200
        assert "Times are shown in UTC." in response.get_data(as_text=True)


def test_a_known_zone_in_the_cookie_is_still_used(app):
    client = app.test_client(use_cookies=False)
    page = client.get("/login", headers={"Cookie": "tz=America%2FMexico_City"}).get_data(as_text=True)
    assert "Times are shown in America/Mexico City." in page
