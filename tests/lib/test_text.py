"""Names are cleaned where they come in (app.lib.text.clean_name), on every service that takes one: a line or
paragraph separator, a control or a format character never reaches the database, an email subject or an export."""

import unicodedata

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.lib.errors import DomainError
from app.lib.text import clean_name, one_line, require_length

HOSTILE = "  Ana\u2028María\u2029\u202e\x07  de\tla\r\nLuz\u200b\u0085X\x00 "
CLEANED = "Ana María de la Luz X"
# Everything that must never be left in a name: every Cc, Cf (but the joiners), Zl and Zp character, and whitespace
# other than the plain space.
FORBIDDEN = [
    chr(c)
    for c in range(0x110000)
    if (unicodedata.category(chr(c)) in ("Cc", "Cf", "Zl", "Zp") and chr(c) not in "\u200c\u200d")
    or (chr(c).isspace() and chr(c) != " ")
]


def test_clean_name_collapses_whitespace_drops_control_and_format_characters_and_composes():
    assert clean_name(HOSTILE) == CLEANED
    assert clean_name("Jose\u0301") == "José"  # NFC
    assert clean_name("می\u200cخواهم") == "می\u200cخواهم"  # the zero-width non-joiner Persian needs is kept
    assert clean_name(None) == "" and clean_name(" \u2028 ") == ""


def test_clean_name_leaves_no_forbidden_character_whatever_it_is_given():
    cleaned = clean_name("a".join(FORBIDDEN))
    assert not set(cleaned) - {"a", " "}
    assert "  " not in cleaned


def test_one_line_and_require_length():
    assert one_line("x\u2028y" * 100, 5) == "x yx"
    assert require_length("abc", 3, "name") == "abc"
    with pytest.raises(DomainError) as refused:
        require_length("abcd", 3, "name")
    assert refused.value.field == "name" and "3" in refused.value.message


# Every service that receives a name, each given the same hostile name; each returns what was stored.


def _user_signup(make_user, **_):
    from app.accounts.service import create_user

    return create_user(db.session, email="n@example.org", name=HOSTILE, password="long enough pass").name


def _pending_signup(make_user, **_):
    from app.accounts.models import PendingSignup
    from app.accounts.service import request_signup

    request_signup(db.session, email="p@example.org", name=HOSTILE, password="long enough pass")
    return db.session.scalar(sa.select(PendingSignup.name))


def _profile(make_user, **_):
    from app.accounts.service import update_profile

    user = make_user()
    update_profile(db.session, user, name=HOSTILE, timezone="UTC", locale="en")
    return user.name


def _group_name(make_user, **_):
    from app.groups.service import create_group

    return create_group(db.session, make_user(), name=HOSTILE, organization="Union").name


def _organization(make_user, **_):
    from app.groups.service import create_group

    return create_group(db.session, make_user(), name="Group", organization=HOSTILE).organization


def _roster_name(make_user, **_):
    from app.groups.service import add_roster_member, create_group

    coordinator = make_user()
    group = create_group(db.session, coordinator, name="Group", organization="Union")
    return add_roster_member(db.session, coordinator, group, HOSTILE).display_name


def _cohort_label(make_user, make_cohort, **_):
    return make_cohort(label=HOSTILE).label


def _room_name(make_user, make_running_cohort, place_in_rooms, **_):
    from app.breakouts.service import rename_room

    world = make_running_cohort((4, 4))
    plan = place_in_rooms(world)
    return rename_room(db.session, world.trainer, plan.rooms[0], HOSTILE).name


@pytest.mark.parametrize(
    "store",
    [_user_signup, _pending_signup, _profile, _group_name, _organization, _roster_name, _cohort_label, _room_name],
    ids=lambda f: f.__name__.strip("_"),
)
def test_every_service_that_takes_a_name_stores_it_cleaned(
    app, make_user, make_cohort, make_running_cohort, place_in_rooms, store
):
    stored = store(
        make_user=make_user,
        make_cohort=make_cohort,
        make_running_cohort=make_running_cohort,
        place_in_rooms=place_in_rooms,
    )
    assert stored == CLEANED
