from flask import Blueprint, jsonify, request

from app.api import service
from app.api.openapi import openapi_document
from app.extensions import csrf, db
from app.lib.errors import DomainError
from app.lib.page_cache import public_page

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # read-only: GET only, no cookies needed


@bp.after_request
def allow_embedding(response):
    """Organizations embed their schedule from this API on their own sites."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/courses")
@public_page
def courses():
    return jsonify(courses=service.list_courses(db.session))


@bp.get("/courses/<slug>")
@public_page
def course(slug: str):
    return jsonify(service.get_course(db.session, slug))


@bp.get("/cohorts")
@public_page
def cohorts():
    unknown = set(request.args) - {"course"}
    if unknown:
        raise DomainError(f"Unknown parameter(s): {', '.join(sorted(unknown))}. Only 'course' is accepted.")
    return jsonify(cohorts=service.list_cohorts(db.session, request.args.get("course")))


@bp.get("/cohorts/<int:cohort_id>")
@public_page
def cohort(cohort_id: int):
    return jsonify(service.get_cohort(db.session, cohort_id))


@bp.get("/openapi.json")
@public_page
def openapi():
    return jsonify(openapi_document())
