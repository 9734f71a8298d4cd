"""The trainer's breakout page over HTTP: access, generating, editing, exports and query counts."""

import csv
import io

import pytest
import sqlalchemy as sa

from app.breakouts import service
from app.breakouts.models import BreakoutPlan, BreakoutRoom, RoomStrategy
from app.extensions import db


def login(client, user):
    response = client.submit("/login", {"email": user.email, "password": "correct horse battery"})
    assert response.status_code == 302


def with_rooms(world, **options):
    options = {"strategy": RoomStrategy.MIX_ORGANIZATIONS, "target_size": 4, "seed": 1, **options}
    plan = service.generate_rooms(db.session, world.trainer, world.cohort, **options)
    db.session.commit()
    return plan


def url(world, suffix=""):
    return f"/cohorts/{world.cohort.id}/breakouts{suffix}"


def test_anonymous_visitors_are_sent_to_log_in(client, make_running_cohort):
    world = make_running_cohort(group_sizes=(4,))
    for path in ("", ".csv", "/roster.csv"):
        response = client.get(url(world, path))
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("who", ["participant", "coordinator", "other trainer"])
def test_people_who_do_not_train_the_cohort_get_403(client, make_running_cohort, who):
    world = make_running_cohort(group_sizes=(4,))
    other = make_running_cohort(group_sizes=(4,))
    plan = with_rooms(world)
    person = {
        "participant": world.groups[0].members[1],
        "coordinator": world.groups[0].coordinator,
        "other trainer": other.trainer,
    }[who]
    login(client, person)
    for path in ("", ".csv", "/roster.csv"):
        assert client.get(url(world, path)).status_code == 403
    token_page = f"/cohorts/{other.cohort.id}/breakouts" if who == "other trainer" else "/groups"
    response = client.submit(url(world), {"target_size": "3", "strategy": "keep_groups", "scope": ""}, page=token_page)
    assert response.status_code == 403
    room = plan.rooms[0]
    response = client.submit(url(world, f"/rooms/{room.id}/rename"), {f"room{room.id}-name": "Ours"}, page=token_page)
    assert response.status_code == 403
    assert db.session.get(BreakoutRoom, room.id).name == "Room 1"
    person = room.members[0].membership_id
    response = client.submit(
        url(world, "/move"), {"person": str(person), "room": str(plan.rooms[0].id)}, page=token_page
    )
    assert response.status_code == 403
    response = client.submit(url(world, f"/sessions/{world.cohort.sessions[0].id}/drop"), page=token_page)
    assert response.status_code == 403


def test_the_trainer_generates_rooms_and_sees_them(client, make_running_cohort):
    world = make_running_cohort(group_sizes=(4, 4, 4))
    login(client, world.trainer)
    page = client.get(url(world))
    assert page.status_code == 200
    assert "No rooms yet for the 12 participants." in page.get_data(as_text=True)
    response = client.submit(
        url(world), {"target_size": "4", "strategy": "mix_organizations", "seed": "77", "scope": ""}
    )
    assert response.status_code == 302
    plan = db.session.scalar(sa.select(BreakoutPlan))
    assert plan.seed == 77 and plan.cohort_session_id is None and len(plan.rooms) == 3
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 rooms are ready (seed 77)." in html
    assert "Room 3" in html and world.groups[2].members[3].name in html
    assert "Generating replaces the current rooms" in html
    assert f"/cohorts/{world.cohort.id}/breakouts.csv" in html


def test_bad_generation_input_is_shown_beside_its_field_with_the_text_kept(client, make_running_cohort):
    world = make_running_cohort(group_sizes=(4,))
    login(client, world.trainer)
    response = client.submit(url(world), {"target_size": "1", "strategy": "mix_organizations", "seed": "12"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="target_size-error"' in html and 'value="12"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BreakoutPlan)) == 0


def test_generating_for_one_session_makes_an_override_that_can_be_dropped(client, make_running_cohort):
    world = make_running_cohort(group_sizes=(4, 4))
    with_rooms(world)
    second = world.cohort.sessions[1]
    login(client, world.trainer)
    response = client.submit(
        url(world), {"target_size": "2", "strategy": "keep_groups", "scope": str(second.id)}, page=url(world)
    )
    assert response.status_code == 302 and f"session={second.id}" in response.headers["Location"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This session has its own rooms" in html
    assert len(service.rooms_in_force(db.session, world.cohort, second)) == 4
    session_page = url(world, f"?session={second.id}")
    response = client.submit(url(world, f"/sessions/{second.id}/drop"), page=session_page)
    assert response.status_code == 302
    assert len(service.rooms_in_force(db.session, world.cohort, second)) == 2


def test_renaming_a_room_over_http(client, make_running_cohort):
    world = make_running_cohort(group_sizes=(4, 4))
    plan = with_rooms(world)
    room = plan.rooms[0]
    login(client, world.trainer)
    response = client.submit(url(world, f"/rooms/{room.id}/rename"), {f"room{room.id}-name": "Río"}, page=url(world))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(BreakoutRoom, room.id).name == "Río"
    response = client.submit(url(world, f"/rooms/{room.id}/rename"), {f"room{room.id}-name": "room 2"}, page=url(world))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Another room is already called “room 2”." in html and 'value="room 2"' in html


def test_moving_a_participant_over_http(client, make_running_cohort):
    world = make_running_cohort(group_sizes=(4, 4))
    plan = with_rooms(world)
    source, target = plan.rooms
    person = source.members[0].membership_id
    name = next(p.name for p in world.participants if p.membership.id == person)
    login(client, world.trainer)
    html = client.get(url(world)).get_data(as_text=True)
    # One form for the page: everyone, listed under their room, and every room to move them to.
    assert html.count('<form method="post" class="move-form"') == 1
    assert '<label for="move-person">Person</label>' in html and '<label for="move-room">Move to</label>' in html
    people = html[html.index('<select id="move-person"') : html.index("</select>", html.index('id="move-person"'))]
    assert f'<optgroup label="Room 1"><option value="{person}">{name}</option>' in people
    assert people.count("<option ") == 8
    assert f'<option value="{target.id}">Room 2 (4 people)</option>' in html
    response = client.submit(url(world, "/move"), {"person": str(person), "room": str(target.id)}, page=url(world))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#room-{target.id}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{name} is now in Room 2." in html
    assert (
        'Room 1 <span class="muted">(3 people)</span>' in html
        and 'Room 2 <span class="muted">(5 people)</span>' in html
    )
    db.session.expire_all()
    assert person in [m.membership_id for m in db.session.get(BreakoutRoom, target.id).members]
    # A room that is not one of the cohort's current rooms: the form comes back with the reason, the person kept.
    response = client.submit(url(world, "/move"), {"person": str(person), "room": "999999"}, page=url(world))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="move-error">There is no such room in this cohort&#39;s current rooms.' in html
    assert 'aria-describedby="move-error"' in html and f'<option value="{person}" selected>' in html
    for bad in ("", "x", "-1", str(2**40)):
        response = client.submit(url(world, "/move"), {"person": bad, "room": str(source.id)}, page=url(world))
        assert response.status_code == 422 and 'id="move-error"' in response.get_data(as_text=True)


def test_participants_in_no_room_are_listed_and_placed_with_the_same_form(client, make_running_cohort, add_late_joiner):
    world = make_running_cohort(group_sizes=(4, 4))
    plan = with_rooms(world)
    membership = add_late_joiner(world)
    login(client, world.trainer)
    html = client.get(url(world)).get_data(as_text=True)
    assert "Not in a room yet" in html and '<th scope="row">Late Joiner</th>' in html
    assert (
        f'<optgroup label="Not in a room yet"><option value="{membership.id}">Late Joiner</option></optgroup>' in html
    )
    target = plan.rooms[1]
    response = client.submit(url(world, "/move"), {"person": str(membership.id), "room": str(target.id)})
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Late Joiner is now in Room 2." in html and "Not in a room yet" not in html


def test_a_room_named_like_the_unplaced_list_hides_nobody_from_the_move_form(
    client, make_running_cohort, add_late_joiner
):
    world = make_running_cohort(group_sizes=(4, 4))
    plan = with_rooms(world)
    plan.rooms[0].name = "Not in a room yet"
    db.session.commit()
    late = add_late_joiner(world)
    login(client, world.trainer)
    html = client.get(url(world)).get_data(as_text=True)
    people = html[html.index('<select id="move-person"') : html.index("</select>", html.index('id="move-person"'))]
    listed = [late.id] + [m.membership_id for room in plan.rooms for m in room.members]
    assert all(f'<option value="{membership_id}">' in people for membership_id in listed)


def test_the_page_lists_each_room_once_however_many_rooms(client, make_running_cohort):
    """The page grows with the people in it, not with people times rooms: the list of rooms to move someone to is
    written once, and each room's rename form is small."""
    world = make_running_cohort(group_sizes=(10,) * 6)  # 60 participants in 30 rooms of 2
    plan = with_rooms(world, target_size=2)
    assert len(plan.rooms) == 30
    login(client, world.trainer)
    html = client.get(url(world)).get_data(as_text=True)
    rooms = html[html.index('<select id="move-room"') :]
    rooms = rooms[: rooms.index("</select>")]
    assert [f'<option value="{room.id}">' in rooms for room in plan.rooms] == [True] * 30
    for room in plan.rooms:
        assert html.count(f'action="/cohorts/{world.cohort.id}/breakouts/rooms/{room.id}/rename"') == 1
    assert html.count("<select") == 3  # person, room, and the generate form's scope
    assert len(html.encode()) < 40_000 + 60 * 250, len(html.encode())
    # Everyone is on the page, in their room.
    for room in plan.rooms:
        section = html[html.index(f'id="room-{room.id}"') :]
        section = section[: section.index("</section>")]
        for member in room.members:
            assert f'<th scope="row">{member.membership.name}</th>' in section


def test_a_rename_refused_is_shown_on_its_room_with_the_text_kept(client, make_running_cohort):
    world = make_running_cohort(group_sizes=(4, 4))
    plan = with_rooms(world)
    first, second = plan.rooms
    login(client, world.trainer)
    response = client.submit(url(world, f"/rooms/{second.id}/rename"), {f"room{second.id}-name": "ROOM 1"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    room = html[html.index(f'id="room-{second.id}"') :]
    room = room[: room.index("</section>")]
    assert "<details open>" in room and "Another room is already called “ROOM 1”." in room
    assert f'id="room{second.id}-name"' in room and 'value="ROOM 1"' in room and 'aria-invalid="true"' in room
    assert html.count("<details open>") == 1


def test_room_names_are_escaped_wherever_the_page_repeats_them(app, client, make_running_cohort):
    world = make_running_cohort(group_sizes=(4, 4))
    plan = with_rooms(world)
    plan.rooms[1].name = "<i>Río</i> & co"
    db.session.commit()
    app.config["ROOM_MEETING_URL_TEMPLATE"] = "https://meet.example.org/{room_slug}"
    login(client, world.trainer)
    html = client.get(url(world)).get_data(as_text=True)
    escaped = "&lt;i&gt;Río&lt;/i&gt; &amp; co"
    assert "<i>Río</i>" not in html
    assert f"<summary>Rename {escaped}</summary>" in html and f">Meeting link for {escaped}</a>" in html
    assert f'<optgroup label="{escaped}">' in html and f">{escaped} (4 people)</option>" in html


def test_csv_downloads_are_attachments_with_the_exact_header(client, make_running_cohort):
    world = make_running_cohort(group_sizes=(4, 4), roster_only=1)
    with_rooms(world)
    login(client, world.trainer)
    response = client.get(url(world, ".csv"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="cohort-{world.cohort.id}-breakouts.csv"'
    text = response.get_data(as_text=True)
    assert text.splitlines()[0] == "Pre-assign Room Name,Email Address"
    assert len(list(csv.reader(io.StringIO(text)))) == 1 + 8  # the two people without email are left out
    roster = client.get(url(world, "/roster.csv"))
    assert roster.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in roster.headers["Content-Disposition"]
    assert roster.get_data(as_text=True).splitlines()[0] == "Room,Name,Email,Group,Organization,Time zone"
    assert len(roster.get_data(as_text=True).splitlines()) == 1 + 10
    page = client.get(url(world)).get_data(as_text=True)
    assert "2 people in rooms have no email address" in page


def test_meeting_links_show_on_the_page_when_configured(app, client, make_running_cohort):
    world = make_running_cohort(group_sizes=(4,))
    plan = with_rooms(world)
    login(client, world.trainer)
    assert "Meeting link for" not in client.get(url(world)).get_data(as_text=True)
    app.config["ROOM_MEETING_URL_TEMPLATE"] = "https://meet.example.org/c{cohort_id}-{room_slug}"
    html = client.get(url(world)).get_data(as_text=True)
    assert f'href="https://meet.example.org/c{world.cohort.id}-room-1"' in html
    assert plan.rooms[0].id


def test_unknown_sessions_are_not_found(client, make_running_cohort):
    world = make_running_cohort(group_sizes=(4,))
    other = make_running_cohort(group_sizes=(4,))
    login(client, world.trainer)
    assert client.get(url(world, f"?session={other.cohort.sessions[0].id}")).status_code == 404


@pytest.mark.parametrize("path", ["", ".csv", "/roster.csv"])
def test_queries_do_not_grow_with_the_cohort(client, make_running_cohort, count_queries, path):
    counts, sizes = [], []
    for group_sizes in [(4, 4, 4, 4), (14, 14, 14, 14)]:  # 20 and 60 participants with the roster-only ones
        world = make_running_cohort(group_sizes=group_sizes, roster_only=1)
        with_rooms(world)
        client.get("/")  # a fresh client session per world
        login(client, world.trainer)
        db.session.expire_all()
        with count_queries() as counter:
            response = client.get(url(world, path))
        assert response.status_code == 200
        counts.append(counter.count)
        sizes.append(len(response.get_data()))
        client.submit("/logout", page="/")
    assert counts[0] == counts[1], counts
    if path == "":
        assert sizes[1] < 100_000, sizes
