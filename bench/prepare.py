"""Preparing a benchmark database: migrate, sync the courses, generate the data set (in-process, no subprocess)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from bench.dataset import Manifest, Scale, generate

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-secret-key-long-enough-0123456789abcdef"  # noqa: S105 - loopback benchmark only


def bench_config(database_url: str, **overrides) -> dict:
    """The in-process app's settings: the same database and secret as the served app, no rate limits."""
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": SECRET_KEY,
        "RATELIMIT_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "MAIL_SERVER": "",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        **overrides,
    }


def make_app(database_url: str, **overrides) -> Flask:
    return create_app(bench_config(database_url, **overrides))


def migrate_and_sync(app: Flask) -> float:
    """`flask db upgrade` and `flask courses sync`, in-process; returns the seconds taken."""
    from app.courses.loader import load_library
    from app.courses.service import sync_library

    began = time.monotonic()
    with app.app_context():
        logging.disable(logging.INFO)  # Alembic's one line per migration
        try:
            upgrade(directory=str(ROOT / "migrations"))
        finally:
            logging.disable(logging.NOTSET)
        library = load_library(Path(app.config["COURSES_DIR"]))
        if not library.ok:
            raise RuntimeError("\n".join(library.formatted_problems()))
        sync_library(db.session, library)
        db.session.commit()
        db.session.remove()
    return time.monotonic() - began


def prepare_database(database_url: str, scale: str | Scale) -> tuple[Manifest, float]:
    """A migrated, synced database filled with the data set; returns its manifest and the set-up seconds."""
    app = make_app(database_url)
    setup = migrate_and_sync(app)
    with app.app_context():
        manifest = generate(db.session, scale)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return manifest, setup
