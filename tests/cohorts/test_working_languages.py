"""A cohort's working languages: set on the cohort form (validated codes), shown on its page, and the catalogue
filtered by language (a working language of a cohort to come, the course's own language, or a full translation)."""

import sqlalchemy as sa

from app.cohorts.models import Cohort
from app.courses.models import Course
from app.extensions import db
from app.lib.languages import parse_language_list
from tests.cohorts.test_cli_and_views import form_data


def test_a_language_list_takes_the_sites_codes_and_iso_639_1_and_names_the_rest():
    assert parse_language_list("es, pt-br  SW;fr, es") == (["es", "pt_BR", "sw", "fr"], [])
    assert parse_language_list("en, xx, klingon") == (["en"], ["xx", "klingon"])
    assert parse_language_list("") == ([], [])


def _trainer(make_user, auth):
    trainer = make_user(email="trainer@example.org")
    course = db.session.scalar(sa.select(Course).where(Course.slug == "organizing-fundamentals"))
    course.trainers.append(trainer)
    db.session.commit()
    auth.login("trainer@example.org")


def test_a_trainer_sets_working_languages_and_the_cohort_page_names_them(client, auth, synced_courses, make_user):
    _trainer(make_user, auth)
    url = "/cohorts/new?course=organizing-fundamentals"
    response = client.submit(url, form_data(trainers="trainer@example.org", languages="es, sw"))
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    cohort = db.session.scalar(sa.select(Cohort))
    assert cohort.languages == ["es", "sw"]
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Working languages: Spanish and Swahili" in page
    edit = client.get(f"/cohorts/{cohort.id}/edit").get_data(as_text=True)
    assert 'value="es, sw"' in edit


def test_the_cohort_form_refuses_what_is_not_a_language_code_and_keeps_the_input(
    client, auth, synced_courses, make_user
):
    _trainer(make_user, auth)
    url = "/cohorts/new?course=organizing-fundamentals"
    response = client.submit(url, form_data(trainers="trainer@example.org", languages="es, xx"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Not a language code: xx." in page and 'value="es, xx"' in page
    assert db.session.scalar(sa.select(sa.func.count(Cohort.id))) == 0


def test_the_catalogue_shows_the_courses_people_can_take_in_a_language(client, make_cohort):
    # Both shipped courses are fully translated into Spanish, and neither into Portuguese: a cohort working in
    # Portuguese is what brings one of them into the Portuguese list.
    portuguese = make_cohort("organizing-fundamentals")
    portuguese.languages = ["pt_BR"]
    db.session.commit()

    in_spanish = client.get("/?language=es").get_data(as_text=True)
    assert "Organizing Fundamentals" in in_spanish and "Power and Participation" in in_spanish
    in_portuguese = client.get("/?language=pt_BR").get_data(as_text=True)
    assert "Organizing Fundamentals" in in_portuguese and "Power and Participation" not in in_portuguese
    assert '<option value="pt_BR" lang="pt-BR" selected>' in in_portuguese

    in_french = client.get("/?language=fr").get_data(as_text=True)
    assert "Organizing Fundamentals" not in in_french and "No course in French yet" in in_french

    in_english = client.get("/?language=en").get_data(as_text=True)  # the courses' own language
    assert "Organizing Fundamentals" in in_english and "Power and Participation" in in_english


def test_an_unknown_catalogue_language_is_no_filter_and_is_not_echoed(client, synced_courses):
    page = client.get("/?language=<script>x</script>").get_data(as_text=True)
    assert "Organizing Fundamentals" in page and "Power and Participation" in page
    assert "<script>x" not in page
