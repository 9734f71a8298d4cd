"""The time zone select's options are rendered once per worker; what a person gets must be exactly what WTForms
would render for them, with their own zone chosen."""

import re

from wtforms import Form, SelectField, widgets

from app.accounts.forms import TimezoneField, timezone_choices


class _Stock(Form):
    zone = SelectField(choices=timezone_choices)


class _Ours(Form):
    zone = TimezoneField()


def test_the_zone_select_is_what_wtforms_renders_with_the_persons_zone_chosen(app):
    for zone in ("America/Argentina/Buenos_Aires", "UTC", "Asia/Kolkata"):
        ours, stock = _Ours(data={"zone": zone}).zone, _Stock(data={"zone": zone}).zone
        html = str(ours(**{"data-guess-timezone": "true"}))
        assert html == str(widgets.Select()(stock, **{"data-guess-timezone": "true"}))
        assert re.findall(r"<option selected value=\"([^\"]+)\"", html) == [zone]


def test_one_persons_zone_never_stays_chosen_for_the_next(app):
    _Ours(data={"zone": "Africa/Lagos"}).zone()
    html = str(_Ours(data={"zone": "Europe/Lisbon"}).zone())
    assert re.findall(r"<option selected value=\"([^\"]+)\"", html) == ["Europe/Lisbon"]
    assert 'selected value="Africa/Lagos"' not in html
