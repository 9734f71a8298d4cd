"""Counts are written with each language's plural rules (ngettext), so one seat is "1 seat", not "1 seats", and a
language with other forms can have them."""

from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, ngettext

from app.extensions import db


@pytest.mark.parametrize(("taken", "expected"), [(29, "1 seat left."), (25, "5 seats left.")])
def test_the_course_page_counts_seats_left_in_the_right_form(client, make_cohort, taken, expected):
    cohort = make_cohort("power-and-participation", capacity=30)
    cohort.seats_taken = taken
    db.session.commit()
    page = client.get("/courses/power-and-participation").get_data(as_text=True)
    assert expected in page


@pytest.mark.parametrize("language", ["es", "pt_BR", "fr"])
def test_every_language_has_its_own_singular_and_plural(app, language):
    with force_locale(language):
        one = ngettext("%(n)s seat left.", "%(n)s seats left.", 1, n=1)
        five = ngettext("%(n)s seat left.", "%(n)s seats left.", 5, n=5)
    assert one != five and "1" in one and "5" in five
    assert one.replace("1", "") != five.replace("5", ""), "the same words for one and for many"


def _course_page(client, language: str) -> str:
    return client.get("/courses/power-and-participation", headers={"Accept-Language": language}).get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "size", "expected"),
    [
        ("en", 1, "Groups of 1 person or more register together."),
        ("en", 10, "Groups of 10 people or more register together."),
        ("es", 1, "La inscripción es por grupos de 1 persona o más."),
        ("es", 2, "La inscripción es por grupos de 2 personas o más."),
        ("fr", 1, "Inscription par groupes de 1 personne ou plus."),
        ("fr", 12, "Inscription par groupes de 12 personnes ou plus."),
    ],
)
def test_the_course_page_says_the_group_size_in_the_readers_plural(client, synced_courses, language, size, expected):
    from app.courses.models import Course

    course = db.session.scalar(sa.select(Course).where(Course.slug == "power-and-participation"))
    course.min_group_size = size
    db.session.commit()
    assert expected in _course_page(client, language)


@pytest.mark.parametrize(
    ("language", "required", "expected"),
    [
        ("en", 2, "Attend 2 of 3 sessions."),
        ("es", 2, "Asistir a 2 de 3 sesiones."),
        ("fr", 2, "Suivre 2 des 3 séances."),
        ("fr", 1, "Suivre 1 des 3 séances."),  # the noun follows the total: never "1 séances"
    ],
)
def test_the_completion_rule_counts_sessions_in_the_readers_plural(
    client, synced_courses, language, required, expected
):
    from app.courses.models import Course

    course = db.session.scalar(sa.select(Course).where(Course.slug == "power-and-participation"))
    assert len(course.sessions) == 3
    course.completion_min_sessions = required
    db.session.commit()
    assert expected in _course_page(client, language)


@pytest.mark.parametrize(
    ("locale", "seats", "expected"),
    [
        ("en", 1, "with 1 seat."),
        ("en", 12, "with 12 seats."),
        ("es", 1, "con 1 lugar."),
        ("es", 12, "con 12 lugares."),
        ("fr", 1, "avec 1 place."),
        ("fr", 12, "avec 12 places."),
        ("pt_BR", 1, "com 1 vaga."),
    ],
)
def test_the_confirmation_email_counts_seats_in_the_recipients_plural(app, locale, seats, expected):
    from app.notifications.service import queue_email

    people = SimpleNamespace(name="Ana")
    message = queue_email(
        db.session,
        to="ana@example.org",
        locale=locale,
        subject="Confirmed",
        template="registration/email/confirmed",
        coordinator=people,
        group=SimpleNamespace(name="Harbour Union"),
        cohort=SimpleNamespace(course=SimpleNamespace(title="Power"), label="Spring"),
        registration=SimpleNamespace(seats=seats),
        link="http://plenary.test/registrations/1",
    )
    assert expected in message.body_text


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("fr", 0, "0 personne participante"),
        ("fr", 1, "1 personne participante"),
        ("fr", 2, "2 personnes participantes"),
        ("pt_BR", 0, "0 participante"),
        ("es", 0, "0 participantes"),
        ("es", 1, "1 participante"),
    ],
)
def test_zero_takes_each_languages_own_form(app, language, count, expected):
    """French and Portuguese count 0 as singular; Spanish, like English, as plural."""
    with force_locale(language):
        assert ngettext("%(num)s participant", "%(num)s participants", count) == expected
