"""Plenary: cohort-based popular-education courses for organizing groups."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote

from flask import Flask, Response, current_app, has_request_context, request
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import check_production_config, config_from_environment
from app.extensions import babel, csrf, db, limiter, login_manager, migrate
from app.lib import languages, page_cache, static_files, template_i18n
from app.lib.database import configure_engine
from app.lib.time import is_valid_timezone
from app.lib.urls import current_place


def create_app(test_config: Mapping | None = None) -> Flask:
    """Build the application: configuration from the environment (then `test_config`), extensions, blueprints."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(config_from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    check_production_config(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    _configure_logging(app)
    _configure_proxy(app)
    _init_extensions(app)
    from app.lib.urls import IdConverter, TextConverter

    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = TextConverter
    _register_blueprints(app)
    _init_identity_providers(app)
    _register_cli(app)
    _register_template_helpers(app)

    from app.lib.errors import register_error_handlers
    from app.lib.security import register_security_headers

    register_error_handlers(app)
    register_security_headers(app)
    _refuse_untrusted_hosts(app)
    static_files.init_app(app)
    return app


def _configure_logging(app: Flask) -> None:
    level = getattr(logging, str(app.config.get("LOG_LEVEL", "INFO")).upper(), logging.INFO)
    root = logging.getLogger("plenary")
    if not root.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)


def _configure_proxy(app: Flask) -> None:
    hops = {k: app.config[f"PROXY_FIX_X_{k.upper()}"] for k in ("for", "proto", "host")}
    if any(hops.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops["for"], x_proto=hops["proto"], x_host=hops["host"])


def _refuse_untrusted_hosts(app: Flask) -> None:
    """With TRUSTED_HOSTS set, a request naming another host is answered 400 before anything else runs (the page
    cache, sign-in, the view): Flask only notes the refusal and would otherwise raise it after them, and with no
    trusted host to build links on, the usual error page cannot be drawn."""

    def refuse_untrusted_host() -> None:
        if isinstance(request.routing_exception, SecurityError):
            raise request.routing_exception

    app.before_request_funcs.setdefault(None, []).insert(0, refuse_untrusted_host)

    @app.errorhandler(SecurityError)
    def unknown_host(_error: SecurityError) -> Response:
        message = _("This site does not answer at that address. Open it at its own address.")
        return Response(message + "\n", status=400, mimetype="text/plain")


def _select_locale() -> str:
    """A signed-in person's profile language, else the visitor's pick or browser's (app.lib.languages), else English."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated and (chosen := languages.known(current_user.locale)):
        return chosen
    return languages.from_browser() or languages.DEFAULT_LANGUAGE


def _select_timezone() -> str:
    """Logged-in people see their profile's zone; visitors the zone their browser reported (a cookie), else UTC."""
    if not has_request_context():
        return "UTC"
    if current_user.is_authenticated and is_valid_timezone(current_user.timezone):
        return current_user.timezone
    guessed = unquote(request.cookies.get("tz", ""))
    return guessed if is_valid_timezone(guessed) else "UTC"


def _init_extensions(app: Flask) -> None:
    from app import models  # noqa: F401 - registers every table on the metadata

    db.init_app(app)
    from app.lib.columns import render_migration_item

    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).resolve().parent.parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_item,
    )
    csrf.init_app(app)
    page_cache.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=_select_timezone)
    template_i18n.init_app(app)
    limiter.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    from app.accounts.sessions import signed_in_user

    @login_manager.user_loader
    def load_user(cookie_id: str):
        return signed_in_user(db.session, cookie_id)

    with app.app_context():
        configure_engine(db.engine)


def _register_blueprints(app: Flask) -> None:
    from app.accounts.language import bp as language_bp
    from app.accounts.views import bp as accounts_bp
    from app.api.views import bp as api_bp
    from app.attendance.views import bp as attendance_bp
    from app.audit.views import bp as audit_bp
    from app.breakouts.views import bp as breakouts_bp
    from app.cohorts.views import bp as cohorts_bp
    from app.courses.views import bp as courses_bp
    from app.groups.views import bp as groups_bp
    from app.health import bp as health_bp
    from app.learning.views import bp as learning_bp
    from app.notes.views import bp as notes_bp
    from app.privacy.views import bp as privacy_bp
    from app.registration.views import bp as registration_bp

    app.register_blueprint(courses_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(language_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(cohorts_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(privacy_bp)
    for learning_part in (learning_bp, breakouts_bp, notes_bp, attendance_bp):
        app.register_blueprint(learning_part)


def _init_identity_providers(app: Flask) -> None:
    """Sign-in through OpenID Connect providers (app/oidc): a badly formed provider setting stops the start here."""
    from app.oidc import client, staff
    from app.oidc.views import bp as oidc_bp

    client.init_app(app)
    staff.init_app(app)
    app.register_blueprint(oidc_bp)
    from app.signin import confirm
    from app.signin.views import bp as signin_bp

    confirm.init_app(app)
    app.register_blueprint(signin_bp)


def _register_cli(app: Flask) -> None:
    from app.accounts.cli import users_cli
    from app.attendance.cli import complete_command
    from app.cohorts.cli import cohorts_cli
    from app.courses.cli import courses_cli
    from app.demo.cli import demo_cli
    from app.notifications.cli import outbox_cli
    from app.registration.cli import close_registration_command, reminders_cli
    from app.signin.cli import sign_in_cli

    # `flask cohorts` also runs what higher domains do to a cohort (they may import cohorts; never the reverse).
    for command in (close_registration_command, complete_command):
        cohorts_cli.add_command(command)
    for group in (users_cli, courses_cli, cohorts_cli, outbox_cli, reminders_cli, demo_cli, sign_in_cli):
        app.cli.add_command(group)


def _register_template_helpers(app: Flask) -> None:
    from app.lib import formatting
    from app.lib.forms import field_html
    from app.lib.urls import external_url

    app.jinja_env.filters.update(formatting.FILTERS)
    app.jinja_env.globals["external_url"] = external_url  # links to copy and share: on BASE_URL, never on the Host
    app.jinja_env.globals["field_html"] = field_html  # _forms.html's `field`
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.add_extension("app.lib.fragments.FragmentExtension")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_locale():
        return {
            # BCP 47 for <html lang> ("pt-BR"); Babel's own codes use "_".
            "current_locale": str(get_locale() or "en").replace("_", "-"),
            "current_language": str(get_locale() or "en"),
            # "rtl" for Arabic, Hebrew, Persian…: the CSS uses logical properties only, so it needs no change.
            "text_direction": get_locale().text_direction if get_locale() else "ltr",
            "current_timezone": str(get_timezone() or "UTC"),
            "language_menu": languages.menu(),
            "current_place": current_place,
        }
