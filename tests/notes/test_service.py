"""Notes rules: revisions, stale saves, restore, roles, who may read and write, sanitization, limits."""

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from app.breakouts.models import BreakoutPlan, BreakoutRoom, RoomMember, RoomStrategy
from app.extensions import db
from app.lib.errors import DomainError, Forbidden, NotFound
from app.notes import report_back, service
from app.notes import roles as note_roles
from app.notes.models import BreakoutNote, NoteRevision, RoomRoles


def open_as(world, user, room_index=0, session_index=0):
    page = service.open_note(
        db.session, user, world.cohort.id, world.sessions[session_index].id, world.rooms[room_index].id
    )
    db.session.commit()
    return page


def member(world, room_index=0, place=0):
    return world.people[room_index][place]


# Opening and the starting template -----------------------------------------------------------------------------


def test_first_open_by_a_member_creates_an_empty_note_without_a_revision(make_rooms):
    world = make_rooms()
    page = open_as(world, member(world))
    assert page.can_write and page.note.version == 0 and page.note.body == ""
    again = open_as(world, member(world, place=1))
    assert again.note.id == page.note.id
    assert db.session.scalar(sa.select(sa.func.count(BreakoutNote.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(NoteRevision.id))) == 0


def test_template_starts_from_the_sessions_prompts_and_reading_questions(make_rooms):
    world = make_rooms()
    cohort_session = world.sessions[0]
    text = service.note_template(cohort_session)
    prompts = cohort_session.course_session.breakout_prompts
    assert prompts and all(f"- {prompt}" in text for prompt in prompts)
    questions = [q for r in cohort_session.course_session.readings for q in r.discussion_questions]
    assert questions and all(f"- {question}" in text for question in questions)
    assert text.startswith("## Breakout prompts\n")
    assert "## Report-back to the plenary" in text


# Saving, conflicts and history ---------------------------------------------------------------------------------


def test_each_save_is_a_numbered_revision_by_its_author(make_rooms):
    world = make_rooms()
    note = open_as(world, member(world)).note
    first = service.save_note(db.session, member(world), note, "One", 0)
    second = service.save_note(db.session, member(world, place=1), note, "One\r\nTwo", 1)
    db.session.commit()
    assert (first.number, second.number) == (1, 2)
    assert note.version == 2 and note.body == "One\nTwo"  # line endings made uniform
    history = service.note_history(db.session, note)
    assert [(r.number, r.author_id, r.body) for r in history] == [
        (2, member(world, place=1).id, "One\nTwo"),
        (1, member(world).id, "One"),
    ]


def test_stale_save_is_refused_and_both_texts_are_preserved(make_rooms):
    world = make_rooms()
    note = open_as(world, member(world)).note
    service.save_note(db.session, member(world), note, "Ana's version", 0)
    db.session.commit()
    with pytest.raises(service.NoteConflict) as raised:
        service.save_note(db.session, member(world, place=1), note, "Tomás's version", 0)
    db.session.rollback()
    conflict = raised.value
    assert conflict.status_code == 409
    assert conflict.current_version == 1 and conflict.current_body == "Ana's version"
    assert "Ana&#39;s version" in str(conflict.current_html) or "Ana's version" in str(conflict.current_html)
    db.session.refresh(note)
    assert note.body == "Ana's version" and note.version == 1
    assert db.session.scalar(sa.select(sa.func.count(NoteRevision.id))) == 1
    merged = service.save_note(db.session, member(world, place=1), note, "Ana's version\n\nTomás's version", 1)
    db.session.commit()
    assert merged.number == 2 and note.body == "Ana's version\n\nTomás's version"


def test_saving_the_same_text_again_records_nothing(make_rooms):
    world = make_rooms()
    note = open_as(world, member(world)).note
    service.save_note(db.session, member(world), note, "Same", 0)
    assert service.save_note(db.session, member(world), note, "Same", 1) is None
    assert note.version == 1


def test_restoring_puts_an_old_text_back_as_a_new_revision(make_rooms):
    world = make_rooms()
    note = open_as(world, member(world)).note
    service.save_note(db.session, member(world), note, "Good text", 0)
    service.save_note(db.session, member(world, place=1), note, "Oops, deleted", 1)
    restored = service.restore_revision(db.session, member(world, place=2), note, 1, 2)
    db.session.commit()
    assert restored.number == 3 and restored.restored_from == 1 and restored.body == "Good text"
    assert note.body == "Good text" and note.version == 3
    assert [r.number for r in service.note_history(db.session, note)] == [3, 2, 1]
    with pytest.raises(service.NoteConflict):
        service.restore_revision(db.session, member(world), note, 2, 2)  # someone saved since
    db.session.rollback()
    with pytest.raises(NotFound):
        service.restore_revision(db.session, member(world), note, 9, 3)


def test_only_room_members_can_save_restore_or_share(make_rooms, make_user):
    world = make_rooms()
    note = open_as(world, member(world)).note
    service.save_note(db.session, member(world), note, "Ours", 0)
    db.session.commit()
    admin = make_user(is_admin=True)
    for outsider in (member(world, room_index=1), world.trainer, admin):
        with pytest.raises(Forbidden):
            service.save_note(db.session, outsider, note, "Not yours", 1)
        with pytest.raises(Forbidden):
            service.restore_revision(db.session, outsider, note, 1, 1)
        with pytest.raises(Forbidden):
            service.set_shared(db.session, outsider, note, True)
    db.session.refresh(note)
    assert note.body == "Ours" and note.version == 1 and not note.shared_with_plenary


def test_text_too_long_or_with_nul_bytes_is_refused_with_a_message(make_rooms):
    world = make_rooms()
    note = open_as(world, member(world)).note
    with pytest.raises(DomainError, match="too long") as raised:
        service.save_note(db.session, member(world), note, "x" * (service.MAX_BODY_CHARS + 1), 0)
    assert raised.value.field == "body"
    with pytest.raises(DomainError, match="NUL"):
        service.save_note(db.session, member(world), note, "before\x00after", 0)
    with pytest.raises(DomainError, match="NUL"):
        service.preview("a\x00b")
    assert note.version == 0
    assert service.save_note(db.session, member(world), note, "x" * service.MAX_BODY_CHARS, 0).number == 1


# Who may read ----------------------------------------------------------------------------------------------------


def test_room_members_trainers_and_admins_read_and_only_members_write(make_rooms, make_user):
    world = make_rooms()
    assert open_as(world, member(world, place=2)).can_write
    trainer_page = open_as(world, world.trainer)
    assert trainer_page.can_see_history and not trainer_page.can_write
    admin_page = open_as(world, make_user(is_admin=True))
    assert admin_page.can_see_history and not admin_page.can_write


def test_a_participant_of_another_room_can_never_read_unshared_notes(make_rooms):
    world = make_rooms()
    note = open_as(world, member(world)).note
    service.save_note(db.session, member(world), note, "Private discussion", 0)
    db.session.commit()
    with pytest.raises(Forbidden):
        open_as(world, member(world, room_index=1))


def test_a_room_that_has_not_written_anything_is_not_readable_by_other_rooms(make_rooms):
    world = make_rooms()
    with pytest.raises(Forbidden):
        open_as(world, member(world, room_index=1))
    assert db.session.scalar(sa.select(sa.func.count(BreakoutNote.id))) == 0


def test_shared_notes_are_read_only_for_every_participant_but_their_history_is_not(make_rooms):
    world = make_rooms()
    note = open_as(world, member(world)).note
    service.save_note(db.session, member(world), note, "Report-back: we mapped the council", 0)
    service.set_shared(db.session, member(world), note, True)
    db.session.commit()
    page = open_as(world, member(world, room_index=1))
    assert page.note.id == note.id and not page.can_write and not page.can_see_history
    with pytest.raises(Forbidden):
        service.require_history(page)
    service.set_shared(db.session, member(world, place=1), note, False)
    db.session.commit()
    with pytest.raises(Forbidden):
        open_as(world, member(world, room_index=1))


def test_shared_notes_stay_closed_to_people_outside_the_cohort(make_rooms, make_user):
    world = make_rooms()
    other = make_rooms()
    note = open_as(world, member(world)).note
    service.set_shared(db.session, member(world), note, True)
    db.session.commit()
    for stranger in (make_user(), member(other), other.trainer):
        with pytest.raises(Forbidden):
            open_as(world, stranger)


def test_ids_from_another_cohort_are_not_found(make_rooms):
    world = make_rooms()
    other = make_rooms()
    user = member(world)
    with pytest.raises(NotFound):  # the other cohort's room, under this cohort
        service.open_note(db.session, user, world.cohort.id, world.sessions[0].id, other.rooms[0].id)
    with pytest.raises(NotFound):  # the other cohort's session
        service.open_note(db.session, user, world.cohort.id, other.sessions[0].id, world.rooms[0].id)
    with pytest.raises(NotFound):
        service.open_note(db.session, user, world.cohort.id, world.sessions[0].id, 999_999)


def give_session_its_own_room(world, session_index: int, *membership_ids: int) -> BreakoutRoom:
    """An override plan for one session with a single room holding `membership_ids`; committed."""
    plan = BreakoutPlan(
        cohort_id=world.cohort.id,
        cohort_session_id=world.sessions[session_index].id,
        strategy=RoomStrategy.MIX_ORGANIZATIONS,
        target_size=2,
        seed=2,
    )
    room = BreakoutRoom(position=1, name=f"Session {session_index + 1} only")
    room.members.extend(RoomMember(membership_id=membership_id) for membership_id in membership_ids)
    plan.rooms.append(room)
    db.session.add(plan)
    db.session.commit()
    return room


def test_a_room_made_for_one_session_has_no_notes_in_another(make_rooms):
    world = make_rooms()
    room = give_session_its_own_room(world, 1, world.rooms[0].members[0].membership_id)
    user = member(world)
    assert service.open_note(db.session, user, world.cohort.id, world.sessions[1].id, room.id).can_write
    with pytest.raises(NotFound):
        service.open_note(db.session, user, world.cohort.id, world.sessions[0].id, room.id)


def test_a_standing_room_opens_no_new_notes_in_a_session_with_its_own_rooms(make_rooms):
    world = make_rooms()
    user = member(world)
    kept = open_as(world, user, room_index=0, session_index=1).note  # opened before the session got its own rooms
    give_session_its_own_room(world, 1)
    assert open_as(world, user, room_index=0, session_index=1).note.id == kept.id  # notes are never lost
    with pytest.raises(NotFound):
        open_as(world, member(world, room_index=1), room_index=1, session_index=1)
    assert open_as(world, member(world, room_index=1), room_index=1, session_index=0).can_write
    assert db.session.scalar(sa.select(sa.func.count(BreakoutNote.id))) == 2


def test_previews_stay_out_of_the_rendering_cache():
    service.render_note.cache_clear()
    assert "<strong>draft</strong>" in str(service.preview("**draft**"))
    assert service.render_note.cache_info().currsize == 0


# Roles -----------------------------------------------------------------------------------------------------------


def test_facilitator_and_note_taker_rotate_with_the_sessions_position(make_rooms):
    world = make_rooms((3, 3))
    names = [m.membership.id for m in world.rooms[0].members]
    expected = [(names[0], names[1]), (names[1], names[2]), (names[2], names[0])]
    for index, (facilitator, note_taker) in enumerate(expected):
        page = open_as(world, member(world), session_index=index)
        assert page.position == index + 1
        roles = note_roles.room_roles(db.session, page)
        assert (roles.facilitator.id, roles.note_taker.id, roles.changed) == (facilitator, note_taker, None)


def test_a_room_member_changes_the_roles_for_one_session(make_rooms):
    world = make_rooms((3, 3))
    ids = [m.membership.id for m in world.rooms[0].members]
    page = open_as(world, member(world, place=2))
    note_roles.change_roles(db.session, member(world, place=2), page, ids[2], ids[2])
    db.session.commit()
    roles = note_roles.room_roles(db.session, page)
    assert (roles.facilitator.id, roles.note_taker.id) == (ids[2], ids[2])
    assert roles.changed.changed_by_id == member(world, place=2).id
    note_roles.change_roles(db.session, member(world), page, ids[0], ids[1])  # a second change updates the same row
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(RoomRoles.id))) == 1
    next_session = note_roles.room_roles(db.session, open_as(world, member(world), session_index=1))
    assert (next_session.facilitator.id, next_session.changed) == (ids[1], None)


def test_roles_can_only_go_to_the_rooms_members_and_only_members_change_them(make_rooms):
    world = make_rooms((3, 3))
    page = open_as(world, member(world))
    other_room = world.rooms[1].members[0].membership_id
    own = world.rooms[0].members[0].membership_id
    with pytest.raises(DomainError) as raised:
        note_roles.change_roles(db.session, member(world), page, other_room, own)
    assert raised.value.field == "facilitator"
    with pytest.raises(Forbidden):
        note_roles.change_roles(db.session, world.trainer, page, own, own)


def test_a_chosen_person_who_left_the_room_falls_back_to_the_rotation(make_rooms):
    world = make_rooms((3, 3))
    room = world.rooms[0]
    ids = [m.membership.id for m in room.members]
    page = open_as(world, member(world))
    note_roles.change_roles(db.session, member(world), page, ids[2], ids[2])
    db.session.commit()
    moved = room.members[2]
    room.members.remove(moved)
    world.rooms[1].members.append(RoomMember(membership_id=moved.membership_id, position=9))
    db.session.commit()
    roles = note_roles.room_roles(db.session, open_as(world, member(world)))
    assert (roles.facilitator.id, roles.note_taker.id) == (ids[0], ids[1])


# Sanitization ----------------------------------------------------------------------------------------------------

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<img src=x onerror=alert(1)",
    "<<img src=x onerror=alert(1)//>",
    "![tracker](https://evil.example/pixel.png)",
    "![x](javascript:alert(1))",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click]( javascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[ref][1]\n\n[1]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="&#x6A;avascript&#58;alert(1)">x</a>',
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116'
    '&#0000058alert(1)">x</a>',
    '<a href="java&#9;script:alert(1)">x</a>',
    "<a href='java\tscript:alert(1)'>x</a>",
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<object data=x.swf></object><embed src=x.swf>",
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p onclick="alert(1)">x</p>',
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<link rel=stylesheet href="https://evil.example/x.css">',
    "<div><p>unclosed <b>markup <i onmouseover=alert(1)>x",
    '"><script>alert(1)</script>',
    "`<svg onload=alert(1)>` is shown as code",
]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag


FORBIDDEN_TAGS = {
    "script", "img", "svg", "iframe", "style", "object", "embed", "math", "form", "input", "meta", "base", "link",
    "video", "audio", "source", "details", "body",
}  # fmt: skip
# On a whole page the layout's own <meta>, <link>, <form>, <details>... are expected; what note text could smuggle in
# that loads or runs something must still be absent.
FORBIDDEN_ON_PAGES = {"img", "svg", "iframe", "style", "object", "embed", "math", "base", "video", "audio", "source"}
_SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.I)
_PAGE_SCRIPT = re.compile(r'<script src="(/static/js/[\w.]+)(?:\?v=\w+)?" defer></script>')  # ?v=: content version


def assert_harmless(html: str, allowed_scripts: frozenset | None = None) -> None:
    """No executable form survives: no script or remote-loading tags, no event handlers, no script URLs.

    With `allowed_scripts` (a whole page), only the page's own external scripts from /static/ may appear.
    """
    page = allowed_scripts is not None
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        if tag == "script" and page:
            continue  # checked below: only the page's own external files
        assert tag not in (FORBIDDEN_ON_PAGES if page else FORBIDDEN_TAGS), (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name not in ("style", "srcdoc", "formaction"), (tag, name)
            if name in ("href", "xlink:href", "src", "action"):
                url = "".join(value.split()).lower()
                assert not url.startswith(("javascript:", "data:", "vbscript:")), (tag, value)
    if page:
        scripts = _PAGE_SCRIPT.findall(html)
        assert len(_SCRIPT_TAG.findall(html)) == len(scripts) and set(scripts) <= allowed_scripts, scripts
    else:
        assert "<script" not in html.lower()


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_saved_notes_render_without_anything_executable(make_rooms, payload):
    world = make_rooms((2, 2))
    note = open_as(world, member(world)).note
    service.save_note(db.session, member(world), note, f"Before\n\n{payload}\n\nAfter", 0)
    db.session.commit()
    html = str(service.render_note(note.body))
    assert_harmless(html)
    assert "After" in html  # the rest of the notes survives


def test_ordinary_markdown_survives_sanitizing():
    html = str(service.preview("## Heading\n\n- item **bold**\n\n[site](https://example.org)\n\n| a |\n|---|\n| 1 |"))
    assert "<h2>Heading</h2>" in html and "<strong>bold</strong>" in html and "<table>" in html
    assert 'href="https://example.org"' in html


# Board -----------------------------------------------------------------------------------------------------------


def test_board_shows_each_room_and_only_shared_notes(make_rooms, make_user):
    world = make_rooms((2, 2, 2))
    shared = open_as(world, member(world)).note
    service.save_note(db.session, member(world), shared, "We will map the council", 0)
    service.set_shared(db.session, member(world), shared, True)
    private = open_as(world, member(world, room_index=1), room_index=1).note
    service.save_note(db.session, member(world, room_index=1), private, "Private", 0)
    db.session.commit()
    _cohort, _session, columns = report_back.board(db.session, world.trainer, world.cohort.id, world.sessions[0].id)
    assert [c.room.name for c in columns] == ["Room 1", "Room 2", "Room 3"]
    assert [c.shared for c in columns] == [True, False, False]
    assert "map the council" in str(columns[0].html) and str(columns[1].html) == ""
    assert report_back.board(db.session, make_user(is_admin=True), world.cohort.id, world.sessions[0].id)
    for refused in (member(world), member(world, room_index=1)):
        with pytest.raises(Forbidden):
            report_back.board(db.session, refused, world.cohort.id, world.sessions[0].id)
