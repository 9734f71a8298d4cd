"""`GET /healthz` for load balancers and monitors: is the app up, and does the database answer?

With `BENCH_HELLO=1` in the environment (the `BENCH_HELLO` setting), `GET /_bench/hello` answers a
few bytes without touching the database: the benchmarks' reference for what the server stack itself can do.
"""

import sqlalchemy as sa
from flask import Blueprint, jsonify
from flask.blueprints import BlueprintSetupState

from app.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
        database = "ok"
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return jsonify(status="ok" if status == 200 else "degraded", database=database), status


def bench_hello():
    return "Hello, world!\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.record_once
def _register_bench_hello(state: BlueprintSetupState) -> None:
    """Only when asked for: the endpoint is no part of the product."""
    if state.app.config.get("BENCH_HELLO"):
        state.app.add_url_rule("/_bench/hello", "bench_hello", bench_hello, methods=["GET"])
