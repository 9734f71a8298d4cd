from flask import Blueprint, render_template, request
from flask_babel import get_locale

from app.courses import service
from app.courses.translations import course_texts
from app.extensions import db
from app.lib.page_cache import public_page

bp = Blueprint("courses", __name__, template_folder="templates")


@bp.get("/")
@public_page
def catalogue():
    return render_template("courses/catalogue.html", courses=service.list_catalogue(db.session))


@bp.get("/courses/<slug>/readings/<reading_slug>")
@public_page
def reading_page(slug: str, reading_slug: str):
    course = service.get_course_by_slug(db.session, slug)
    reading = service.get_reading(db.session, course, reading_slug)
    texts = course_texts(db.session, course, str(get_locale()), original=request.args.get("original") == "1")
    return render_template("courses/reading.html", course=course, reading=reading, texts=texts)
