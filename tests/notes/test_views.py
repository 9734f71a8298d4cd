"""Notes over HTTP: members edit, other rooms are refused, conflicts keep both texts, preview, roles, the board."""

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.notes import service
from app.notes.models import BreakoutNote, NoteRevision
from tests.notes.conftest import login, notes_url
from tests.notes.test_service import XSS_PAYLOADS, assert_harmless

JS = "/static/js/notes.js"
TIMEZONE_JS = "/static/js/timezone.js"


def _links_script(page: str, path: str) -> bool:
    """The page loads the script from /static/, with or without its content version (?v=)."""
    return re.search(rf'src="{re.escape(path)}(\?v=\w+)?"', page) is not None


def board_url(world, session_index: int = 0, suffix: str = "") -> str:
    return f"/cohorts/{world.cohort.id}/sessions/{world.sessions[session_index].id}/board{suffix}"


def note_of(world, room_index: int = 0) -> BreakoutNote:
    db.session.expire_all()
    return db.session.scalar(sa.select(BreakoutNote).where(BreakoutNote.room_id == world.rooms[room_index].id))


def saved(world, room_index=0, text="Saved text", share=False, author=None) -> BreakoutNote:
    user = author or world.people[room_index][0]
    page = service.open_note(db.session, user, world.cohort.id, world.sessions[0].id, world.rooms[room_index].id)
    service.save_note(db.session, user, page.note, text, page.note.version)
    if share:
        service.set_shared(db.session, user, page.note, True)
    db.session.commit()
    return page.note


def textarea(html: str, attribute: str = 'name="body"') -> str:
    match = re.search(rf"<textarea[^>]*{attribute}[^>]*>\r?\n?(.*?)</textarea>", html, re.S)
    assert match, f"no textarea {attribute}"
    return match.group(1)


def test_member_opens_the_template_saves_and_sees_the_revision(client, make_rooms):
    world = make_rooms()
    login(client, world.people[0][0])
    page = client.get(notes_url(world)).get_data(as_text=True)
    assert world.sessions[0].course_session.breakout_prompts[0].replace("'", "&#39;") in textarea(page)
    assert 'name="base_version" type="hidden" value="0"' in page
    assert _links_script(page, JS) and "<script>" not in page  # no inline script (CSP)
    response = client.submit(
        notes_url(world), {"body": "## We agreed\n\n- to **map** the council", "base_version": 0, "save": "1"}
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved as revision 1." in page
    assert "<strong>map</strong>" in page and 'value="1"' in page
    assert note_of(world).body == "## We agreed\n\n- to **map** the council"


def test_a_member_of_another_room_gets_403_until_the_notes_are_shared(app, client, make_rooms):
    world = make_rooms()
    saved(world, text="Our private discussion")
    login(client, world.people[1][0])
    for suffix in ("", "/history", "/revisions/1"):
        assert client.get(notes_url(world, suffix=suffix)).status_code == 403
    refused = client.submit(notes_url(world), {"body": "x", "base_version": 1, "save": "1"}, page="/groups")
    assert refused.status_code == 403
    assert note_of(world).body == "Our private discussion"

    service.set_shared(db.session, world.people[0][0], note_of(world), True)
    db.session.commit()
    response = client.get(notes_url(world))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Our private discussion" in page
    assert 'name="body"' not in page  # read-only
    assert client.get(notes_url(world, suffix="/history")).status_code == 403
    refused = client.submit(notes_url(world), {"body": "x", "base_version": 1, "save": "1"}, page="/groups")
    assert refused.status_code == 403
    assert note_of(world).version == 1


def test_trainer_reads_but_cannot_write(client, make_rooms):
    world = make_rooms()
    saved(world, text="Trainer may read this")
    login(client, world.trainer)
    page = client.get(notes_url(world)).get_data(as_text=True)
    assert "Trainer may read this" in page and 'name="body"' not in page
    assert client.get(notes_url(world, suffix="/history")).status_code == 200
    response = client.submit(notes_url(world), {"body": "x", "base_version": 1, "save": "1"}, page="/groups")
    assert response.status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, make_rooms):
    world = make_rooms()
    response = client.get(notes_url(world))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_ids_that_do_not_belong_together_are_404(client, make_rooms):
    world = make_rooms()
    other = make_rooms()
    login(client, world.people[0][0])
    room, cohort_session = world.rooms[0], world.sessions[0]
    assert (
        client.get(f"/cohorts/{world.cohort.id}/sessions/{other.sessions[0].id}/rooms/{room.id}/notes").status_code
        == 404
    )
    assert (
        client.get(f"/cohorts/{other.cohort.id}/sessions/{cohort_session.id}/rooms/{room.id}/notes").status_code == 404
    )
    assert (
        client.get(
            f"/cohorts/{world.cohort.id}/sessions/{cohort_session.id}/rooms/{other.rooms[0].id}/notes"
        ).status_code
        == 404
    )
    assert client.get(f"/cohorts/{world.cohort.id}/sessions/{cohort_session.id}/board").status_code == 403


def test_stale_save_shows_both_texts_and_keeps_the_authors_text(app, client, make_rooms):
    world = make_rooms()
    first, second = world.people[0][0], world.people[0][1]
    login(client, second)
    form_page = client.get(notes_url(world)).get_data(as_text=True)  # based on version 0
    saved(world, text="First <em>person</em>'s text", author=first)
    from tests.conftest import csrf_tokens

    mine = "My own text\nwith <two> lines & more"
    response = client.post(
        notes_url(world), data={**csrf_tokens(form_page), "body": mine, "base_version": 0, "save": "1"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone saved these notes while you were writing" in page
    assert textarea(page) == "My own text\nwith &lt;two&gt; lines &amp; more"  # kept, escaped
    assert "First &lt;em&gt;person&lt;/em&gt;&#39;s text" in textarea(page, 'id="current-text"')  # the current raw text
    assert "<p>First <em>person</em>'s text</p>" in page  # and the current text rendered
    assert 'name="base_version" type="hidden" value="1"' in page  # a merge is based on what was shown
    assert "Save my merged text" in page
    assert note_of(world).version == 1

    merged = client.post(
        notes_url(world),
        data={**csrf_tokens(page), "body": "merged", "base_version": 1, "save": "1"},
    )
    assert merged.status_code == 302
    assert note_of(world).body == "merged" and note_of(world).version == 2


def test_too_long_text_or_nul_bytes_get_a_message_and_the_text_is_kept(client, make_rooms):
    world = make_rooms()
    login(client, world.people[0][0])
    too_long = "y" * (service.MAX_BODY_CHARS + 1)
    response = client.submit(notes_url(world), {"body": too_long, "base_version": 0, "save": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "The notes are too long" in page and too_long in page
    response = client.submit(notes_url(world), {"body": "bad\x00byte", "base_version": 0, "save": "1"})
    assert response.status_code == 422 and "NUL character" in response.get_data(as_text=True)
    response = client.submit(notes_url(world), {"body": "no version", "base_version": "", "save": "1"})
    assert response.status_code == 400 and "no version" in response.get_data(as_text=True)
    assert note_of(world).version == 0


def test_a_base_version_too_large_for_the_database_is_refused_not_a_500(client, make_rooms):
    world = make_rooms()
    login(client, world.people[0][0])
    response = client.submit(notes_url(world), {"body": "kept text", "base_version": 2**31, "save": "1"})
    assert response.status_code == 400 and "kept text" in response.get_data(as_text=True)
    client.submit(notes_url(world), {"body": "first", "base_version": 0, "save": "1"})
    url = notes_url(world, suffix="/revisions/1")
    response = client.submit(url + "/restore", {"base_version": 10**30}, page=url)
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    assert note_of(world).version == 1


def test_preview_button_renders_on_the_server_and_saves_nothing(client, make_rooms):
    world = make_rooms()
    login(client, world.people[0][0])
    response = client.submit(
        notes_url(world), {"body": "**bold** <script>alert(1)</script>", "base_version": 0, "preview": "1"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<strong>bold</strong>" in page and "alert(1)</script>" not in page.split("</textarea>")[1]
    assert "**bold** &lt;script&gt;" in textarea(page)
    assert note_of(world).version == 0
    assert db.session.scalar(sa.select(sa.func.count(NoteRevision.id))) == 0


def test_live_preview_endpoint_answers_json_with_the_csrf_header(client, make_rooms):
    world = make_rooms()
    login(client, world.people[0][0])
    from tests.conftest import csrf_tokens

    token = csrf_tokens(client.get(notes_url(world)).get_data(as_text=True))["csrf_token"]
    url = notes_url(world, suffix="/preview")
    response = client.post(
        url,
        data={"body": "# Title\n\n<img src=x onerror=alert(1)>"},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json["html"].startswith("<h1>Title</h1>") and "<img" not in response.json["html"]
    assert client.post(url, data={"body": "x"}, headers={"Accept": "application/json"}).status_code == 400
    refused = client.post(url, data={"body": "a\x00b"}, headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert refused.status_code == 422 and "NUL" in refused.json["message"]
    login(other := client.application.test_client(), world.people[1][0])
    other_token = csrf_tokens(other.get("/groups").get_data(as_text=True))["csrf_token"]
    assert other.post(url, data={"body": "x"}, headers={"X-CSRFToken": other_token}).status_code == 403


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_rendered_note_pages_never_contain_executable_forms(client, make_rooms, payload):
    world = make_rooms((2, 2))
    saved(world, text=f"Start\n\n{payload}\n\nEnd", share=True)
    login(client, world.people[1][0])  # a reader of shared notes sees the rendered HTML
    page = client.get(notes_url(world)).get_data(as_text=True)
    assert "End" in page
    assert_harmless(page, allowed_scripts=frozenset({TIMEZONE_JS}))
    login(client, world.trainer)
    board = client.get(board_url(world)).get_data(as_text=True)
    assert_harmless(board, allowed_scripts=frozenset({TIMEZONE_JS, JS}))
    assert_harmless(client.get(board_url(world, suffix=".json")).json["rooms"][0]["html"])


def test_history_shows_authors_in_the_viewers_zone_and_former_members(client, make_rooms, make_user):
    world = make_rooms()
    author = world.people[0][1]
    note = saved(world, text="first", author=author)
    service.save_note(db.session, world.people[0][0], note, "second", 1)
    db.session.commit()
    viewer = world.people[0][2]
    viewer.timezone = "Asia/Kolkata"
    db.session.commit()
    db.session.execute(sa.update(NoteRevision).where(NoteRevision.number == 1).values(author_id=None))
    db.session.commit()
    login(client, viewer)
    page = client.get(notes_url(world, suffix="/history")).get_data(as_text=True)
    assert "former member" in page and world.people[0][0].name in page
    assert "(Asia/Kolkata)" in page
    revision = client.get(notes_url(world, suffix="/revisions/1")).get_data(as_text=True)
    assert "former member" in revision and "<p>first</p>" in revision
    assert client.get(notes_url(world, suffix="/revisions/7")).status_code == 404


def test_member_restores_an_old_revision(client, make_rooms):
    world = make_rooms()
    note = saved(world, text="the good text")
    service.save_note(db.session, world.people[0][0], note, "vandalized", 1)
    db.session.commit()
    login(client, world.people[0][1])
    url = notes_url(world, suffix="/revisions/1")
    assert 'name="base_version" type="hidden" value="2"' in client.get(url).get_data(as_text=True)
    response = client.submit(url + "/restore", {"base_version": 2}, page=url)
    assert response.status_code == 302
    note = note_of(world)
    assert note.body == "the good text" and note.version == 3
    assert note.revisions[-1].restored_from == 1
    # A restore based on a page opened before someone else saved is refused, not applied.
    from tests.conftest import csrf_tokens

    old_page = client.get(notes_url(world, suffix="/revisions/2")).get_data(as_text=True)
    service.save_note(db.session, world.people[0][0], note, "meanwhile", 3)
    db.session.commit()
    stale = client.post(
        notes_url(world, suffix="/revisions/2/restore"), data={**csrf_tokens(old_page), "base_version": 3}
    )
    assert stale.status_code == 302 and note_of(world).body == "meanwhile"
    login(client, world.trainer)
    refused = client.submit(url + "/restore", {"base_version": 4}, page=url)
    assert refused.status_code == 403


def test_members_share_and_unshare_with_the_plenary(client, make_rooms):
    world = make_rooms()
    saved(world, text="Ready to report")
    login(client, world.people[0][0])
    response = client.submit(notes_url(world, suffix="/share"), {"shared": "1"}, page=notes_url(world))
    assert response.status_code == 302 and note_of(world).shared_with_plenary
    assert "Stop sharing with the plenary" in client.get(notes_url(world)).get_data(as_text=True)
    client.submit(notes_url(world, suffix="/share"), {"shared": "0"}, page=notes_url(world))
    assert not note_of(world).shared_with_plenary
    login(client, world.trainer)
    refused = client.submit(notes_url(world, suffix="/share"), {"shared": "1"}, page=notes_url(world))
    assert refused.status_code == 403 and not note_of(world).shared_with_plenary


def test_roles_are_shown_and_a_member_changes_them(client, make_rooms):
    world = make_rooms((3, 3))
    names = [u.name for u in world.people[0]]
    login(client, world.people[0][2])
    page = client.get(notes_url(world, session_index=1)).get_data(as_text=True)
    assert re.search(rf"Facilitator</dt><dd>{names[1]}</dd>", page)
    assert re.search(rf"Note-taker</dt><dd>{names[2]}</dd>", page)
    ids = [m.membership_id for m in world.rooms[0].members]
    url = notes_url(world, session_index=1)
    response = client.submit(url + "/roles", {"facilitator": ids[0], "note_taker": ids[0]}, page=url)
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert re.search(rf"Facilitator</dt><dd>{names[0]}</dd>", page) and "Chosen by the room" in page
    outsider = world.rooms[1].members[0].membership_id
    response = client.submit(url + "/roles", {"facilitator": outsider, "note_taker": ids[0]}, page=url)
    assert response.status_code == 302
    assert "Choose the facilitator and the note-taker" in client.get(url).get_data(as_text=True)


def test_board_for_trainers_with_each_rooms_shared_notes(client, make_rooms):
    world = make_rooms((2, 2, 2))
    saved(world, 0, text="Room one reports", share=True)
    saved(world, 1, text="Room two keeps this")
    login(client, world.trainer)
    response = client.get(board_url(world))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('class="board-column panel"') == 3
    assert "Room one reports" in page and "Room two keeps this" not in page
    assert page.count("This room has not shared its notes yet.") == 3  # twice in columns, once for the script
    assert _links_script(page, JS)


def test_board_json_gives_versions_and_answers_304_while_nothing_changed(client, make_rooms):
    world = make_rooms((2, 2))
    note = saved(world, 0, text="v1", share=True)
    login(client, world.trainer)
    response = client.get(board_url(world, suffix=".json"))
    assert response.status_code == 200
    rooms = response.json["rooms"]
    assert [(r["name"], r["shared"], r["version"]) for r in rooms] == [("Room 1", True, 1), ("Room 2", False, 0)]
    assert rooms[0]["html"] == "<p>v1</p>" and rooms[1]["html"] == ""
    etag = response.headers["ETag"]
    assert client.get(board_url(world, suffix=".json"), headers={"If-None-Match": etag}).status_code == 304
    service.save_note(db.session, world.people[0][0], note, "v2", 1)
    db.session.commit()
    changed = client.get(board_url(world, suffix=".json"), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json["rooms"][0]["html"] == "<p>v2</p>"


@pytest.mark.parametrize("suffix", ["", ".json"])
def test_participants_and_coordinators_cannot_open_the_board(client, make_rooms, suffix):
    world = make_rooms()
    saved(world, 0, share=True)
    login(client, world.people[0][0])  # the coordinator of the group, and a participant
    assert client.get(board_url(world, suffix=suffix)).status_code == 403


def test_board_loads_in_the_same_number_of_queries_for_3_or_12_rooms(client, make_rooms, make_user, count_queries):
    admin = make_user(is_admin=True)
    counts = []
    for rooms in (3, 12):
        world = make_rooms((2,) * rooms)
        for index in range(rooms):
            saved(world, index, text=f"Room {index}", share=index % 2 == 0)
        login(client, admin)
        db.session.expire_all()
        with count_queries() as page:
            assert client.get(board_url(world)).status_code == 200
        with count_queries() as feed:
            assert len(client.get(board_url(world, suffix=".json")).json["rooms"]) == rooms
        counts.append((page.count, feed.count))
    assert counts[0] == counts[1]


def test_note_page_loads_in_the_same_number_of_queries_for_small_and_large_rooms(client, make_rooms, count_queries):
    counts = []
    for size in (2, 9):
        world = make_rooms((size, 2))
        note = saved(world, text="one")
        for number in range(2, size + 1):
            service.save_note(db.session, world.people[0][number % size], note, f"text {number}", number - 1)
        db.session.commit()
        login(client, world.people[0][1])
        db.session.expire_all()
        measured = []
        for suffix in ("", "/history", "/revisions/1"):
            with count_queries() as counted:
                assert client.get(notes_url(world, suffix=suffix)).status_code == 200
            measured.append(counted.count)
        counts.append(measured)
    assert counts[0] == counts[1]


def test_board_links_name_each_room_with_its_name_escaped(client, make_rooms):
    world = make_rooms((2, 2))
    world.rooms[1].name = "<b>Río</b> & co"
    db.session.commit()
    login(client, world.trainer)
    page = client.get(board_url(world)).get_data(as_text=True)
    assert f'href="{notes_url(world, room_index=0)}">Open the notes of Room 1</a>' in page
    assert "Open the notes of &lt;b&gt;Río&lt;/b&gt; &amp; co</a>" in page and "<b>Río</b>" not in page


@pytest.mark.parametrize("language", ["es", "pt_BR", "fr"])
def test_the_note_pages_open_in_every_translated_language(client, make_rooms, language):
    """The editor's limit is a plural with a formatted number: a page that works in English only is a broken page."""
    from flask_babel import force_locale, format_number, ngettext

    world = make_rooms()
    saved(world, text="Our notes")
    member = world.people[0][0]
    member.locale = language
    db.session.commit()
    login(client, member)
    page = client.get(notes_url(world))
    assert page.status_code == 200
    with force_locale(language):
        limit = ngettext(
            "At most %(limit)s character.",
            "At most %(limit)s characters.",
            service.MAX_BODY_CHARS,
            limit=format_number(service.MAX_BODY_CHARS),
        )
    assert limit != "At most 100,000 characters." and limit in page.get_data(as_text=True)
    assert client.get(notes_url(world, suffix="/history")).status_code == 200


def test_a_plural_counted_by_a_formatted_number_breaks_in_english_too(app):
    """Python's gettext accepts any count where there is no catalogue (English): the templates' ngettext does not,
    so a count passed as text fails every English test instead of only the translated pages."""
    from flask import render_template_string

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string("{{ ngettext('%(num)s room', '%(num)s rooms', 2) }}") == "2 rooms"
        with pytest.raises(TypeError):
            render_template_string("{{ ngettext('%(num)s room', '%(num)s rooms', '20,000') }}")


def test_a_save_reads_nothing_again_after_it_commits(client, make_rooms):
    """The redirect and its message are worked out before the commit (which expires every loaded object), so a save
    under load costs its own statements only."""
    world = make_rooms()
    login(client, world.people[0][0])
    page = client.get(notes_url(world)).get_data(as_text=True)
    from tests.conftest import csrf_tokens

    events: list[str] = []
    record = lambda *_args: events.append("statement")  # noqa: E731
    committed = lambda *_args: events.append("commit")  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", record)
    sa.event.listen(db.engine, "commit", committed)
    try:
        response = client.post(
            notes_url(world), data={**csrf_tokens(page), "body": "We met", "base_version": 0, "save": "1"}
        )
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
        sa.event.remove(db.engine, "commit", committed)
    assert response.status_code == 302 and note_of(world).body == "We met"
    assert "commit" in events and "statement" not in events[events.index("commit") :]
