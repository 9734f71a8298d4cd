"""Course titles in the reader's language wherever courses are listed or a cohort is shown: the catalogue cards
(their summaries and prerequisites too), the cohort page (and its sessions), looked up in one query per page."""

import sqlalchemy as sa

from app.courses.models import Course
from app.courses.translations import translated_titles
from app.extensions import db


def _ids() -> dict[str, int]:
    return dict(db.session.execute(sa.select(Course.slug, Course.id)).all())


def _page(client, url: str, language: str) -> str:
    client.set_cookie("lang", language)
    return client.get(url).get_data(as_text=True)


def test_the_catalogue_cards_show_each_course_in_the_readers_language(client, synced_courses):
    spanish = _page(client, "/", "es")
    assert 'lang="es">Poder y participación</a></h2>' in spanish
    assert 'lang="es">Fundamentos de la organización</a></h2>' in spanish
    assert '<p lang="es">Un curso avanzado para grupos organizados' in spanish
    assert "Power and Participation" not in spanish and "Organizing Fundamentals" not in spanish  # nor as prerequisite

    english = _page(client, "/", "en")
    assert 'lang="en">Power and Participation</a></h2>' in english and "Poder y participación" not in english


def test_a_course_without_the_readers_language_keeps_its_own_title_marked_as_such(client, synced_courses):
    french = _page(client, "/", "fr")  # the shipped courses have no French translation
    assert 'lang="en">Power and Participation</a></h2>' in french
    assert '<p lang="en">An advanced course for organizing groups' in french


def test_the_catalogue_looks_the_titles_up_in_one_query(app, client, synced_courses, count_queries):
    app.config["PUBLIC_PAGE_CACHE"] = False  # count the page's own queries, not a cached copy
    client.set_cookie("lang", "es")
    client.get("/")  # warm up what is loaded once per process
    with count_queries() as counted:
        client.get("/")
    assert sum("content_translations" in statement for statement in counted.statements) == 1


def test_the_cohort_page_shows_the_course_and_its_sessions_in_the_readers_language(
    app, client, make_cohort, count_queries
):
    app.config["PUBLIC_PAGE_CACHE"] = False
    cohort = make_cohort("power-and-participation", label="Octubre")
    cohort.sessions[2].title = "Our own closing session"  # a title the trainer wrote is shown as written
    db.session.commit()
    client.set_cookie("lang", "es")
    client.get(f"/cohorts/{cohort.id}")
    with count_queries() as counted:
        spanish = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)

    assert '<h1><span lang="es">Poder y participación</span>: Octubre</h1>' in spanish
    assert "<title>Poder y participación · Octubre" in spanish
    assert '1. <span lang="es">Mapear el poder</span>' in spanish
    assert '2. <span lang="es">Ampliar la participación, formar liderazgos</span>' in spanish
    assert '3. <span lang="en">Our own closing session</span>' in spanish
    assert sum("content_translations" in statement for statement in counted.statements) == 1

    english = _page(client, f"/cohorts/{cohort.id}", "en")
    assert '<h1><span lang="en">Power and Participation</span>: Octubre</h1>' in english
    assert "1. <span>Mapping power</span>" in english


def test_translated_titles_answers_for_many_courses_in_one_query(app, synced_courses, count_queries):
    ids = _ids()
    with count_queries() as counted:
        spanish = translated_titles(db.session, ids.values(), "es")
    assert counted.count == 1
    assert spanish == {
        ids["power-and-participation"]: "Poder y participación",
        ids["organizing-fundamentals"]: "Fundamentos de la organización",
    }
    assert translated_titles(db.session, ids.values(), "fr") == {}  # no French: every course keeps its own title
    with count_queries() as none:
        assert translated_titles(db.session, [], "es") == {}
    assert none.count == 0
