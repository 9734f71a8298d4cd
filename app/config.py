"""Configuration: safe defaults, then environment variables, then a test mapping."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production by check_production_config


class ConfigError(RuntimeError):
    """The configuration cannot run safely; the message tells the operator what to set."""


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from exc


def normalise_database_url(url: str) -> str:
    """Accept the common `postgres://` and `postgresql://` spellings and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _env_list(name: str) -> list[str] | None:
    """A comma-separated list ("a.example, b.example"), or None when the variable is unset or empty."""
    items = [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]
    return items or None


def base_url_host(base_url: str | None) -> str | None:
    """The host name of BASE_URL ("plenary.example.org" for "https://plenary.example.org/"), or None."""
    try:
        return urlsplit(base_url or "").hostname
    except ValueError:
        return None


def config_from_environment(instance_path: str) -> dict:
    """Read every setting Plenary knows from the environment, with defaults for a developer's machine."""
    env = os.environ.get("PLENARY_ENV", "development").strip().lower()
    production = env == "production"
    default_db = "sqlite:///" + str(Path(instance_path) / "plenary.db")
    return {
        "PLENARY_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(os.environ.get("DATABASE_URL", default_db)),
        # No pool_pre_ping: PostgreSQL connections are pinged only after sitting idle (app.lib.database).
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "COURSES_DIR": os.environ.get("COURSES_DIR", str(Path(__file__).resolve().parent.parent / "courses")),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _env_int("MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _env_bool("MAIL_USE_SSL", False),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "Plenary <no-reply@plenary.localhost>"),
        "MAIL_TIMEOUT": _env_int("MAIL_TIMEOUT", 20),
        # The public address (e.g. https://plenary.example.org): every link in an email or a calendar starts with
        # it, never with the Host a request came with. Required in production.
        "BASE_URL": os.environ.get("BASE_URL", "").strip(),
        # Host names requests may use (Flask's TRUSTED_HOSTS; ".example.org" also allows its subdomains); any other
        # Host header is answered 400. In production it defaults to BASE_URL's host; elsewhere, any host.
        "TRUSTED_HOSTS": _env_list("TRUSTED_HOSTS"),
        # Tries before the outbox gives up a message (it is then marked failed and listed by `flask outbox status`).
        "OUTBOX_MAX_ATTEMPTS": _env_int("OUTBOX_MAX_ATTEMPTS", 8),
        "PASSWORD_RESET_MAX_AGE": _env_int("PASSWORD_RESET_MAX_AGE", 3600),
        # Werkzeug's default (scrypt) in production; the test suite uses a cheaper setting to stay fast.
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", "scrypt"),
        "SESSION_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", production),
        # The __Host- prefix (secure cookies only) stops a sibling subdomain from setting or shadowing the cookie.
        "SESSION_COOKIE_NAME": "__Host-plenary" if _env_bool("SESSION_COOKIE_SECURE", production) else "plenary",
        # A signed-in browser is signed out after this long without a request, and after this long in any case.
        "SESSION_IDLE_MINUTES": _env_int("SESSION_IDLE_MINUTES", 12 * 60),
        "SESSION_MAX_HOURS": _env_int("SESSION_MAX_HOURS", 14 * 24),
        # Trainers and administrators must turn on two-step sign-in (TOTP) before using the site.
        "REQUIRE_TWO_FACTOR_FOR_STAFF": _env_bool("REQUIRE_TWO_FACTOR_FOR_STAFF", False),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "PROXY_FIX_X_FOR": _env_int("PROXY_FIX_X_FOR", 0),
        "PROXY_FIX_X_PROTO": _env_int("PROXY_FIX_X_PROTO", 0),
        "PROXY_FIX_X_HOST": _env_int("PROXY_FIX_X_HOST", 0),
        "RATELIMIT_ENABLED": _env_bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        # Signing in by an emailed link or code (app/signin). Off: the log-in page does not offer it.
        "SIGN_IN_BY_EMAIL": _env_bool("SIGN_IN_BY_EMAIL", True),
        # Asking for an emailed sign-in link (app/signin): per client and, separately, per address.
        "SIGN_IN_LINK_RATE_LIMIT": os.environ.get("SIGN_IN_LINK_RATE_LIMIT", "5 per 15 minutes;20 per day"),
        # Invitations sent and accepted, join links, registrations: generous for people, tight for scripts.
        "ACTION_RATE_LIMIT": os.environ.get("ACTION_RATE_LIMIT", "30 per minute;300 per hour"),
        # Confirmed participants see the cohort's video link from this many minutes before a session until it ends.
        "VIDEO_LINK_OPENS_MINUTES": _env_int("VIDEO_LINK_OPENS_MINUTES", 30),
        # A per-room meeting link for video tools without breakout pre-assignment, e.g. a self-hosted Jitsi:
        # "https://meet.example.org/plenary-{cohort_id}-{room_slug}". Empty: no per-room links.
        "ROOM_MEETING_URL_TEMPLATE": os.environ.get("ROOM_MEETING_URL_TEMPLATE", ""),
        # Requests larger than this are refused before they are read (attendance reports are the largest uploads).
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 4 * 1024 * 1024),
        # Public pages (catalogue, cohort pages, calendars, the API) are cached in each worker for signed-out
        # visitors (app/lib/page_cache.py): at most this many seconds, this many pages; a change another worker
        # made is noticed within the recheck interval.
        "PUBLIC_PAGE_CACHE": _env_bool("PUBLIC_PAGE_CACHE", True),
        "PUBLIC_CACHE_SECONDS": _env_int("PUBLIC_CACHE_SECONDS", 60),
        "PUBLIC_CACHE_RECHECK_SECONDS": _env_int("PUBLIC_CACHE_RECHECK_SECONDS", 1),
        "PUBLIC_CACHE_ENTRIES": _env_int("PUBLIC_CACHE_ENTRIES", 512),
        # GET /_bench/hello, the benchmarks' reference answer (app/health.py); no part of the product.
        "BENCH_HELLO": _env_bool("BENCH_HELLO", False),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        # The interface languages offered (codes of app/translations/, app.lib.languages.LANGUAGE_NAMES); English
        # is always there. A comma-separated list, e.g. LANGUAGES=en,es.
        "LANGUAGES": _env_languages(os.environ.get("LANGUAGES", "en,es,pt_BR,fr")),
        "WTF_CSRF_TIME_LIMIT": None,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
    }


def _env_languages(value: str) -> list[str]:
    codes = [code.strip() for code in value.split(",") if code.strip()]
    return ["en", *(code for code in codes if code != "en")]


def check_production_config(config: dict) -> None:
    """Refuse to run in production with settings that would put members' data at risk.

    Also completes what production derives: TRUSTED_HOSTS defaults to BASE_URL's host.
    """
    if config.get("PLENARY_ENV") != "production":
        return
    key = config.get("SECRET_KEY") or ""
    if key == DEFAULT_SECRET_KEY or len(key) < 32:
        raise ConfigError(
            "SECRET_KEY is missing, is the development default, or is shorter than 32 characters. "
            'Set SECRET_KEY to a long random value, e.g. python3 -c "import secrets; print(secrets.token_hex(32))".'
        )
    base_url = config.get("BASE_URL") or ""
    if not base_url.lower().startswith(("http://", "https://")) or not base_url_host(base_url):
        raise ConfigError(
            "BASE_URL is missing or is not an address such as https://plenary.example.org. Set BASE_URL to the "
            "public address people open Plenary at: links in emails and calendars are built from it, never from "
            "the Host header of a request, which anybody can forge."
        )
    if not config.get("TRUSTED_HOSTS"):
        config["TRUSTED_HOSTS"] = [base_url_host(base_url)]
