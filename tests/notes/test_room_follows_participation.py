"""A breakout room is for the people who take part in the cohort: whoever stops taking part loses the room.

For every way of stopping (leaving the group, being removed by a coordinator, being taken off the roster, the group
withdrawing, the registration ending declined or lapsed), the person can no longer read the room's notes, save them,
see their history, see the room on their home page or read the cohort's readings — over HTTP and in the services —
while the room's other members and the trainer keep theirs, and the others no longer see the person listed in it.
"""

import re

import pytest
import sqlalchemy as sa

from app.courses.models import Reading
from app.extensions import db
from app.groups import service as groups
from app.learning.readings import reading_page
from app.lib.errors import Forbidden
from app.notes import service as notes
from app.registration import service as registration_service
from app.registration.models import RegistrationStatus
from tests.notes.conftest import login

ROOM_NAME = "Kestrel room"


def _left_the_group(world, person):
    groups.leave_group(db.session, person, world.groups[0].group)


def _removed_by_the_coordinator(world, person):
    group = world.groups[0].group
    membership = next(m for m in group.memberships if m.user_id == person.id)
    groups.remove_member(db.session, world.groups[0].coordinator, group, membership.id)


def _taken_off_the_roster(world, person):
    place = world.groups[0]
    keep = [e.membership_id for e in place.registration.roster if e.membership.user_id != person.id]
    registration_service.update_roster(db.session, place.coordinator, place.registration, keep)


def _group_withdrew(world, person):
    place = world.groups[0]
    registration_service.withdraw(db.session, place.coordinator, place.registration)


def _registration_ended(status):
    def end(world, person):
        # However a confirmed registration comes to end declined or lapsed (re-judged after a roster change, say),
        # the room must follow: the state is what counts, not the path.
        world.groups[0].registration.status = status

    end.__name__ = f"_registration_{status}"
    return end


WAYS_OF_STOPPING = [
    _left_the_group,
    _removed_by_the_coordinator,
    _taken_off_the_roster,
    _group_withdrew,
    _registration_ended(RegistrationStatus.DECLINED),
    _registration_ended(RegistrationStatus.LAPSED),
]
WHOLE_GROUP = WAYS_OF_STOPPING[3:]  # the group's registration ends: nobody of it takes part any more


@pytest.fixture
def room_world(make_running_cohort, place_in_rooms):
    """One confirmed group of five in one room of a running cohort, with notes already written for session 1."""
    world = make_running_cohort(group_sizes=(5,), started_days_ago=1)
    world.plan = place_in_rooms(world, size=5)
    world.room = world.plan.rooms[0]
    world.room.name = ROOM_NAME
    members = world.groups[0].members
    world.person, world.other = members[1], members[2]
    world.cohort_session = world.cohort.sessions[0]
    page = notes.open_note(db.session, world.other, world.cohort.id, world.cohort_session.id, world.room.id)
    notes.save_note(db.session, world.other, page.note, "What we agreed", 0)
    world.reading = db.session.scalar(sa.select(Reading).where(Reading.course_id == world.cohort.course_id))
    db.session.commit()
    world.notes_url = f"/cohorts/{world.cohort.id}/sessions/{world.cohort_session.id}/rooms/{world.room.id}/notes"
    world.reading_url = f"/cohorts/{world.cohort.id}/readings/{world.reading.slug}"
    return world


def _open(world, user):
    return notes.open_note(db.session, user, world.cohort.id, world.cohort_session.id, world.room.id)


def test_while_taking_part_the_person_has_the_room(client, room_world):
    """The control: before anything changes, the person reads, saves and sees the room, like the others."""
    world = room_world
    assert _open(world, world.person).can_write
    login(client, world.person)
    assert "What we agreed" in client.get(world.notes_url).get_data(as_text=True)
    assert ROOM_NAME in client.get("/home").get_data(as_text=True)
    assert client.get(world.reading_url).status_code == 200


@pytest.mark.parametrize("stop", WAYS_OF_STOPPING, ids=lambda way: way.__name__.strip("_").replace("_", " "))
def test_someone_who_stops_taking_part_loses_the_room_in_the_services(room_world, stop):
    world = room_world
    note = _open(world, world.other).note
    stop(world, world.person)
    db.session.commit()

    with pytest.raises(Forbidden):
        _open(world, world.person)
    with pytest.raises(Forbidden):
        notes.save_note(db.session, world.person, note, "Written after leaving", note.version)
    with pytest.raises(Forbidden):
        notes.set_shared(db.session, world.person, note, True)
    with pytest.raises(Forbidden):
        reading_page(db.session, world.person, world.cohort.id, world.reading.slug)
    db.session.rollback()
    assert notes.find_note(db.session, world.room.id, world.cohort_session.id).body == "What we agreed"
    trainer_page = _open(world, world.trainer)
    assert not trainer_page.can_write and trainer_page.can_see_history  # the trainer keeps reading


@pytest.mark.parametrize("stop", WAYS_OF_STOPPING, ids=lambda way: way.__name__.strip("_").replace("_", " "))
def test_someone_who_stops_taking_part_loses_the_room_over_http(client, room_world, stop):
    world = room_world
    person_name = world.person.name
    stop(world, world.person)
    db.session.commit()

    login(client, world.person)
    page = client.get(world.notes_url)
    assert page.status_code == 403 and "What we agreed" not in page.get_data(as_text=True)
    assert client.get(world.notes_url + "/history").status_code == 403
    assert client.get(world.notes_url + "/revisions/1").status_code == 403
    saved = client.submit(world.notes_url, {"body": "Written after leaving", "base_version": 1, "save": "1"}, page="/")
    assert saved.status_code == 403
    assert ROOM_NAME not in client.get("/home").get_data(as_text=True)
    assert client.get(world.reading_url).status_code == 403
    assert notes.find_note(db.session, world.room.id, world.cohort_session.id).body == "What we agreed"

    if stop not in WHOLE_GROUP:  # the others still take part
        login(client, world.other)
        page = client.get(world.notes_url).get_data(as_text=True)
        assert "What we agreed" in page
        assert not re.search(rf"\b{re.escape(person_name)}\b", page)  # no longer listed among the room's members
        home = client.get("/home").get_data(as_text=True)
        assert ROOM_NAME in home and not re.search(rf"\b{re.escape(person_name)}\b", home)
    login(client, world.trainer)
    assert "What we agreed" in client.get(world.notes_url).get_data(as_text=True)
