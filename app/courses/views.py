from flask import Blueprint, render_template, request
from flask_babel import get_locale

from app.courses import service
from app.courses.translations import course_texts, translated_headings
from app.extensions import db
from app.lib.languages import CODE_MAX, LANGUAGE_NAMES, parse_language_list
from app.lib.page_cache import public_page

bp = Blueprint("courses", __name__, template_folder="templates")


@bp.get("/")
@public_page
def catalogue():
    codes, _invalid = parse_language_list(request.args.get("language", "")[:CODE_MAX])
    language = codes[0] if len(codes) == 1 else None  # anything else is no filter, quietly
    courses = service.list_catalogue(db.session, language)
    # Each card's title and summary (and its prerequisites' titles) in the reader's language, in one query.
    shown = {c.id for c in courses} | {p.id for c in courses for p in c.prerequisites}
    headings = translated_headings(db.session, shown, str(get_locale()))
    return render_template(
        "courses/catalogue.html", courses=courses, headings=headings, language=language, languages=LANGUAGE_NAMES
    )


@bp.get("/courses/<slug>/readings/<reading_slug>")
@public_page
def reading_page(slug: str, reading_slug: str):
    course = service.get_course_by_slug(db.session, slug)
    reading = service.get_reading(db.session, course, reading_slug)
    texts = course_texts(db.session, course, str(get_locale()), original=request.args.get("original") == "1")
    return render_template("courses/reading.html", course=course, reading=reading, texts=texts)
