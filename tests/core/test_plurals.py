"""Counts are written with each language's plural rules (ngettext), so one seat is "1 seat", not "1 seats", and a
language with other forms can have them."""

import pytest
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
