from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.courses.models import Reading
from app.extensions import db
from app.learning import commitments, readings, service
from app.learning.models import Commitment, CommitmentStatus, ReadingProgress
from app.lib.errors import DomainError, Forbidden, NotFound
from app.lib.time import now_utc


def _reading(slug: str) -> Reading:
    return db.session.scalar(sa.select(Reading).where(Reading.slug == slug))


def _home_of(user, at):
    home = service.participant_home(db.session, user, at=at)
    assert len(home.cohorts) == 1
    return home.cohorts[0]


# Next session, countdown, video link --------------------------------------------------------------------------


def test_home_shows_the_next_session_with_a_countdown_in_words(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    second = world.cohort.sessions[1]
    home = _home_of(world.groups[0].members[1], at=second.starts_at - timedelta(days=2, hours=3))
    assert home.session.id == second.id and home.number == 2
    assert not home.in_progress
    assert home.countdown == "Starts in 2 days, 3 hours."


@pytest.mark.parametrize(
    ("before", "words"),
    [
        (timedelta(days=1), "1 day"),
        (timedelta(hours=5, minutes=10), "5 hours, 10 minutes"),
        (timedelta(minutes=12, seconds=30), "12 minutes"),
        (timedelta(seconds=20), "1 minute"),
    ],
)
def test_countdown_names_the_two_largest_units(app, before, words):
    at = now_utc()
    assert service.countdown(at + before, at) == f"Starts in {words}."


def test_home_says_a_session_is_in_progress_and_shows_it(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    second = world.cohort.sessions[1]
    home = _home_of(world.groups[0].members[1], at=second.starts_at + timedelta(minutes=70))
    assert home.session.id == second.id
    assert home.in_progress and home.countdown == ""


def test_after_a_session_ends_the_home_moves_to_the_next_one(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    first, second = world.cohort.sessions[:2]
    home = _home_of(world.groups[0].members[1], at=first.ends_at + timedelta(minutes=1))
    assert home.session.id == second.id and not home.in_progress


@pytest.mark.parametrize(
    ("offset", "shown"),
    [
        (-timedelta(minutes=31), False),  # before the window
        (-timedelta(minutes=29), True),  # inside the window, before the start
        (timedelta(minutes=50), True),  # during the session
        ("end-1", True),  # the last minute
        ("end+1", False),  # after it ended: the next session is shown, its window not yet open
    ],
)
def test_video_link_shows_only_near_and_during_the_session(make_running_cohort, offset, shown):
    world = make_running_cohort((3,), started_days_ago=3)
    world.cohort.video_url = "https://meet.example.org/circle"
    db.session.commit()
    second = world.cohort.sessions[1]
    if offset == "end-1":
        at = second.ends_at - timedelta(minutes=1)
    elif offset == "end+1":
        at = second.ends_at + timedelta(minutes=1)
    else:
        at = second.starts_at + offset
    home = _home_of(world.groups[0].members[1], at=at)
    assert (home.video_url == "https://meet.example.org/circle") is shown
    if not shown:
        assert home.video_url is None and home.video_opens_at == home.session.starts_at - timedelta(minutes=30)


def test_video_link_window_is_configurable(app, make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    world.cohort.video_url = "https://meet.example.org/circle"
    db.session.commit()
    second = world.cohort.sessions[1]
    member = world.groups[0].members[1]
    assert _home_of(member, at=second.starts_at - timedelta(minutes=45)).video_url is None
    app.config["VIDEO_LINK_OPENS_MINUTES"] = 60
    assert _home_of(member, at=second.starts_at - timedelta(minutes=45)).video_url is not None


def test_no_video_link_without_one_set(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    home = _home_of(world.groups[0].members[1], at=world.cohort.sessions[1].starts_at)
    assert home.in_progress and home.video_url is None


def test_after_the_last_session_the_cohort_stays_a_week_then_leaves_the_home(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    last = world.cohort.sessions[-1]
    member = world.groups[0].members[1]
    home = _home_of(member, at=last.ends_at + timedelta(days=1))
    assert home.session is None and home.readings == []
    assert service.participant_home(db.session, member, at=last.ends_at + timedelta(days=8)).cohorts == []


def test_home_is_empty_for_people_without_a_confirmed_place(make_running_cohort, make_user):
    world = make_running_cohort((3,), started_days_ago=3)
    assert service.participant_home(db.session, world.trainer).cohorts == []
    assert service.participant_home(db.session, make_user()).cohorts == []


def test_home_leaves_out_completed_cohorts(make_running_cohort):
    from app.cohorts.models import CohortStatus

    world = make_running_cohort((3,), started_days_ago=3)
    world.cohort.status = CohortStatus.COMPLETED
    db.session.commit()
    assert service.participant_home(db.session, world.groups[0].members[1]).cohorts == []


# Readings due and progress ------------------------------------------------------------------------------------


def test_readings_due_are_the_sessions_readings_with_what_the_person_read(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    member = world.groups[0].members[1]
    third = world.cohort.sessions[2]
    readings.mark_read(db.session, member, world.cohort, _reading("the-first-committee-meeting"))
    db.session.commit()
    home = _home_of(member, at=third.starts_at - timedelta(hours=1))
    assert [(i.reading.slug, i.read) for i in home.readings] == [
        ("mapping-and-the-committee", False),
        ("the-first-committee-meeting", True),
    ]
    assert home.readings_read == 1
    other = _home_of(world.groups[0].members[2], at=third.starts_at - timedelta(hours=1))
    assert other.readings_read == 0


def test_the_pre_meeting_reading_is_due_before_session_one_only(make_cohort):
    cohort = make_cohort("power-and-participation")
    first, second = cohort.sessions[:2]
    assert [r.slug for r in service.readings_due(cohort, first)] == [
        "preface-and-introduction",
        "what-we-mean-by-power",
    ]
    assert [r.slug for r in service.readings_due(cohort, second)] == ["the-ladder-of-participation"]


def test_home_lists_the_pre_meeting_reading_first_before_session_one(make_running_cohort):
    world = make_running_cohort((3,))
    first, second = world.cohort.sessions[:2]
    in_first = [r.slug for r in first.course_session.readings]
    pre_meeting = next(r for r in world.cohort.course.readings if r.slug not in in_first)
    pre_meeting.is_pre_meeting = True  # made the course's pre-meeting reading after its groups were confirmed
    db.session.commit()
    member = world.groups[0].members[1]
    home = _home_of(member, at=first.starts_at - timedelta(days=1))
    assert [item.reading.slug for item in home.readings] == [pre_meeting.slug, *in_first]
    home = _home_of(member, at=second.starts_at - timedelta(hours=1))
    assert pre_meeting.slug not in [item.reading.slug for item in home.readings]


def test_home_links_the_commitments_summary_for_the_groups_coordinators_only(make_running_cohort):
    world = make_running_cohort((3, 3), started_days_ago=3)
    at = world.cohort.sessions[1].starts_at
    assert _home_of(world.groups[0].coordinator, at).coordinates_group
    for person in (world.groups[0].members[1], world.groups[1].members[2]):
        assert not _home_of(person, at).coordinates_group


def test_marking_read_twice_keeps_one_row_and_the_latest_note(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    member = world.groups[0].members[1]
    reading = _reading("the-art-of-the-one-on-one")
    readings.mark_read(db.session, member, world.cohort, reading, "  first thought ")
    readings.mark_read(db.session, member, world.cohort, reading, "second thought")
    db.session.commit()
    rows = db.session.scalars(sa.select(ReadingProgress).where(ReadingProgress.user_id == member.id)).all()
    assert [r.comment for r in rows] == ["second thought"]
    assert readings.reading_progress(db.session, member, world.cohort) == {reading.id}
    readings.mark_unread(db.session, member, world.cohort, reading)
    db.session.commit()
    assert readings.reading_progress(db.session, member, world.cohort) == set()


def test_reading_notes_are_length_limited(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    with pytest.raises(DomainError) as refused:
        readings.mark_read(
            db.session,
            world.groups[0].members[1],
            world.cohort,
            _reading("the-art-of-the-one-on-one"),
            "x" * (readings.COMMENT_MAX_LENGTH + 1),
        )
    assert refused.value.field == "comment"


def test_only_participants_mark_readings(make_running_cohort, make_user):
    world = make_running_cohort((3,), started_days_ago=3)
    reading = _reading("the-art-of-the-one-on-one")
    for outsider in (make_user(), world.trainer):
        with pytest.raises(Forbidden):
            readings.mark_read(db.session, outsider, world.cohort, reading)


def test_a_reading_must_belong_to_the_cohorts_course(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    member = world.groups[0].members[1]
    other_course = _reading("what-we-mean-by-power")
    with pytest.raises(NotFound):
        readings.cohort_reading(db.session, world.cohort, "what-we-mean-by-power")
    with pytest.raises(NotFound):
        readings.mark_read(db.session, member, world.cohort, other_course)
    with pytest.raises(NotFound):
        readings.reading_page(db.session, member, world.cohort.id, "what-we-mean-by-power")


def test_reading_page_is_for_participants_and_trainers(make_running_cohort, make_user):
    world = make_running_cohort((3,), started_days_ago=3)
    page = readings.reading_page(db.session, world.groups[0].members[1], world.cohort.id, "the-art-of-the-one-on-one")
    assert page.is_participant and page.due_number == 2
    teacher_page = readings.reading_page(db.session, world.trainer, world.cohort.id, "the-art-of-the-one-on-one")
    assert not teacher_page.is_participant and teacher_page.can_teach
    with pytest.raises(Forbidden):
        readings.reading_page(db.session, make_user(), world.cohort.id, "the-art-of-the-one-on-one")


def test_reading_stats_count_participants_with_accounts_overall_and_per_group(make_running_cohort):
    world = make_running_cohort((3, 2), roster_only=1, started_days_ago=3)
    first_group, second_group = world.groups
    stories = _reading("why-we-tell-our-stories")
    for member in [*first_group.members[:2], second_group.members[0]]:
        readings.mark_read(db.session, member, world.cohort, stories)
    readings.mark_read(db.session, first_group.members[0], world.cohort, _reading("the-art-of-the-one-on-one"))
    db.session.commit()
    stats = readings.cohort_reading_stats(db.session, world.trainer, world.cohort)
    slugs = [r.slug for r in stats.readings]
    assert slugs[0] == "why-we-tell-our-stories"
    assert stats.participants == 5  # the roster-only people cannot mark readings and are not counted
    assert (stats.overall[0].read, stats.overall[0].total) == (3, 5)
    assert (stats.overall[1].read, stats.overall[1].total) == (1, 5)
    assert [(g.shares[0].read, g.shares[0].total) for g in stats.groups] == [(2, 3), (1, 2)]
    assert stats.groups[0].shares[0].ratio == pytest.approx(2 / 3)


def test_reading_stats_are_for_trainers_only(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    for person in (world.groups[0].members[1], world.groups[0].coordinator):
        with pytest.raises(Forbidden):
            readings.cohort_reading_stats(db.session, person, world.cohort)


# Breakout room ------------------------------------------------------------------------------------------------


def test_home_shows_the_persons_room_and_its_members(make_running_cohort, make_rooms):
    world = make_running_cohort((6,), started_days_ago=3)
    make_rooms(world, size=3)
    member = world.groups[0].members[4]
    home = _home_of(member, at=world.cohort.sessions[1].starts_at - timedelta(hours=1))
    assert home.room.name == "Room 2"
    assert [m.name for m in home.room_members] == [p.name for p in world.participants[3:6]]


def test_home_without_rooms_says_nothing_is_assigned(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    home = _home_of(world.groups[0].members[1], at=world.cohort.sessions[1].starts_at)
    assert home.room is None and home.room_members == []


# Commitments --------------------------------------------------------------------------------------------------


def test_commitments_are_recorded_for_the_latest_started_session(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    member = world.groups[0].members[1]
    commitment = commitments.record_commitment(db.session, member, world.cohort, "  Call **three** neighbours  ")
    assert commitment.cohort_session_id == world.cohort.sessions[0].id
    assert commitment.text == "Call **three** neighbours" and commitment.status == CommitmentStatus.OPEN
    later = world.cohort.sessions[1].starts_at + timedelta(minutes=5)
    assert (
        commitments.record_commitment(db.session, member, world.cohort, "Map the council", at=later).cohort_session_id
        == world.cohort.sessions[1].id
    )


def test_commitments_wait_for_the_first_session(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    before = world.cohort.sessions[0].starts_at - timedelta(minutes=1)
    with pytest.raises(DomainError) as refused:
        commitments.record_commitment(db.session, world.groups[0].members[1], world.cohort, "Read ahead", at=before)
    assert refused.value.field == "text"


@pytest.mark.parametrize("text", ["", "   ", "x" * (commitments.COMMITMENT_MAX_LENGTH + 1)])
def test_commitments_must_be_written_and_short(make_running_cohort, text):
    world = make_running_cohort((3,), started_days_ago=3)
    with pytest.raises(DomainError) as refused:
        commitments.record_commitment(db.session, world.groups[0].members[1], world.cohort, text)
    assert refused.value.field == "text"


def test_only_participants_record_commitments(make_running_cohort, make_user):
    world = make_running_cohort((3,), started_days_ago=3)
    for outsider in (make_user(), world.trainer):
        with pytest.raises(Forbidden):
            commitments.record_commitment(db.session, outsider, world.cohort, "Watch")


def test_home_lists_only_the_persons_own_commitments_rendered(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    owner, other = world.groups[0].members[1:3]
    commitments.record_commitment(db.session, owner, world.cohort, "Call **three** neighbours <script>x()</script>")
    db.session.commit()
    mine = _home_of(owner, at=now_utc()).commitments
    assert len(mine) == 1
    assert "<strong>three</strong>" in mine[0].html and "<script>" not in mine[0].html
    assert _home_of(other, at=now_utc()).commitments == []
    assert commitments.my_commitments(db.session, other, world.cohort) == []


def test_commitments_from_an_earlier_session_are_due_for_check_in(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    member = world.groups[0].members[1]
    first, second = world.cohort.sessions[:2]
    commitments.record_commitment(db.session, member, world.cohort, "Early", at=first.starts_at + timedelta(hours=1))
    db.session.commit()
    assert [i.due for i in _home_of(member, at=second.starts_at - timedelta(hours=1)).commitments] == [False]
    assert [i.due for i in _home_of(member, at=second.starts_at + timedelta(minutes=1)).commitments] == [True]


def test_the_owner_checks_in_and_the_commitment_leaves_the_open_list(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    member = world.groups[0].members[1]
    commitment = commitments.record_commitment(db.session, member, world.cohort, "Call three neighbours")
    commitments.check_in(db.session, member, commitment.id, "in_progress", "  Two of three so far ")
    db.session.commit()
    assert commitment.status == CommitmentStatus.IN_PROGRESS
    assert commitment.reflection == "Two of three so far" and commitment.checked_in_at is not None
    home = _home_of(member, at=now_utc())
    assert home.commitments == [] and [i.commitment.id for i in home.recent] == [commitment.id]


@pytest.mark.parametrize("status", ["open", "finished", ""])
def test_check_in_needs_done_in_progress_or_dropped(make_running_cohort, status):
    world = make_running_cohort((3,), started_days_ago=3)
    member = world.groups[0].members[1]
    commitment = commitments.record_commitment(db.session, member, world.cohort, "Call three neighbours")
    with pytest.raises(DomainError) as refused:
        commitments.check_in(db.session, member, commitment.id, status)
    assert refused.value.field == "status"


def test_reflections_are_length_limited(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    member = world.groups[0].members[1]
    commitment = commitments.record_commitment(db.session, member, world.cohort, "Call three neighbours")
    with pytest.raises(DomainError) as refused:
        commitments.check_in(db.session, member, commitment.id, "done", "x" * (commitments.REFLECTION_MAX_LENGTH + 1))
    assert refused.value.field == "reflection"


def test_nobody_but_the_owner_checks_in(make_running_cohort, make_user):
    world = make_running_cohort((3,), started_days_ago=3)
    owner, other = world.groups[0].members[1:3]
    commitment = commitments.record_commitment(db.session, owner, world.cohort, "Call three neighbours")
    db.session.commit()
    admin = make_user(is_admin=True)
    for person in (other, world.groups[0].coordinator, world.trainer, admin):
        with pytest.raises(Forbidden):
            commitments.check_in(db.session, person, commitment.id, "done")
        with pytest.raises(Forbidden):
            commitments.own_commitment(db.session, person, commitment.id)
    assert db.session.get(Commitment, commitment.id).status == CommitmentStatus.OPEN
    with pytest.raises(NotFound):
        commitments.check_in(db.session, owner, commitment.id + 1000, "done")


def _summary_world(make_running_cohort):
    world = make_running_cohort((4, 3), started_days_ago=3)
    first, second = world.cohort.sessions[:2]
    group = world.groups[0]
    after_first = first.starts_at + timedelta(hours=2)
    a, b, c = group.members[1:4]
    one = commitments.record_commitment(db.session, a, world.cohort, "Secret plan A", at=after_first)
    commitments.record_commitment(db.session, a, world.cohort, "Secret plan B", at=after_first)
    two = commitments.record_commitment(db.session, b, world.cohort, "Secret plan C", at=after_first)
    commitments.check_in(db.session, a, one.id, "done", "It worked")
    commitments.check_in(db.session, b, two.id, "dropped")
    commitments.record_commitment(
        db.session, c, world.cohort, "Secret plan D", at=second.starts_at + timedelta(hours=2)
    )
    # Another group's commitment never counts for this group.
    commitments.record_commitment(db.session, world.groups[1].members[1], world.cohort, "Other", at=after_first)
    db.session.commit()
    return world


def test_coordinators_see_counts_per_session_without_texts_or_names(make_running_cohort):
    world = _summary_world(make_running_cohort)
    group = world.groups[0]
    summary = commitments.commitments_summary(db.session, group.coordinator, world.cohort, group.group)
    assert summary.people == 4
    first, second, third = summary.sessions
    assert (first.committed, first.total) == (2, 3)
    assert first.by_status == {
        CommitmentStatus.OPEN: 1,
        CommitmentStatus.DONE: 1,
        CommitmentStatus.IN_PROGRESS: 0,
        CommitmentStatus.DROPPED: 1,
    }
    assert (second.committed, second.total, second.by_status[CommitmentStatus.OPEN]) == (1, 1, 1)
    assert (third.committed, third.total) == (0, 0)
    assert "Secret" not in repr(summary.sessions)


def test_commitments_summary_is_for_the_groups_coordinators_and_admins(make_running_cohort, make_user):
    world = _summary_world(make_running_cohort)
    group = world.groups[0]
    for person in (group.members[1], world.trainer, world.groups[1].coordinator, make_user()):
        with pytest.raises(Forbidden):
            commitments.commitments_summary(db.session, person, world.cohort, group.group)
    admin = make_user(is_admin=True)
    assert commitments.commitments_summary(db.session, admin, world.cohort, group.group).sessions[0].total == 3


def test_commitments_summary_needs_the_group_in_the_cohort(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    elsewhere = make_running_cohort((3,), started_days_ago=3)
    group = elsewhere.groups[0]
    with pytest.raises(NotFound):
        commitments.commitments_summary(db.session, group.coordinator, world.cohort, group.group)


# Query counts -------------------------------------------------------------------------------------------------


def test_home_loads_in_a_constant_number_of_queries(make_running_cohort, make_rooms, count_queries):
    counts = []
    for sizes in ((20,), (30, 30)):
        world = make_running_cohort(sizes, started_days_ago=3)
        make_rooms(world, size=sizes[0])
        person = world.groups[0].members[1]
        for member in world.groups[0].members:
            readings.mark_read(db.session, member, world.cohort, _reading("the-art-of-the-one-on-one"))
        commitments.record_commitment(db.session, person, world.cohort, "Call three neighbours")
        db.session.commit()
        db.session.expire_all()
        with count_queries() as counted:
            home = service.participant_home(db.session, person)
            assert len(home.cohorts[0].room_members) == sizes[0]
            assert home.cohorts[0].readings_read == 1
        counts.append(counted.count)
    assert counts[0] == counts[1]


def test_reading_stats_load_in_a_constant_number_of_queries(make_running_cohort, count_queries):
    counts = []
    for sizes in ((20,), (20, 20, 20)):
        world = make_running_cohort(sizes, started_days_ago=3)
        for group in world.groups:
            for member in group.members[::2]:
                readings.mark_read(db.session, member, world.cohort, _reading("why-we-tell-our-stories"))
        db.session.commit()
        db.session.expire_all()
        with count_queries() as counted:
            stats = readings.cohort_reading_stats(db.session, world.trainer, world.cohort)
            assert stats.overall[0].read == 10 * len(sizes)
        counts.append(counted.count)
    assert counts[0] == counts[1]


# Demo ---------------------------------------------------------------------------------------------------------


def test_demo_gives_jorge_partial_progress_and_commitments_and_runs_once(make_running_cohort):
    from types import SimpleNamespace

    from app.learning import demo

    world = make_running_cohort((6, 5), started_days_ago=9)
    jorge = world.groups[0].members[1]
    jorge.email = demo.JORGE
    db.session.commit()
    report = SimpleNamespace(lines=[])
    demo.populate(db.session, world.cohort, report)
    db.session.commit()
    home = _home_of(jorge, at=now_utc())
    assert home.session.id == world.cohort.sessions[2].id
    assert 0 < home.readings_read < len(home.readings)
    assert len(home.commitments) == 1 and len(home.recent) == 1
    statuses = set(db.session.scalars(sa.select(Commitment.status)))
    assert statuses == set(CommitmentStatus)  # some open, some done, in progress and dropped
    rows = db.session.scalar(sa.select(sa.func.count()).select_from(ReadingProgress))
    commitment_rows = db.session.scalar(sa.select(sa.func.count()).select_from(Commitment))
    assert len(report.lines) == 2
    demo.populate(db.session, world.cohort, report)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReadingProgress)) == rows
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Commitment)) == commitment_rows


def test_home_gives_the_rooms_meeting_link_when_configured(app, make_running_cohort, make_rooms):
    world = make_running_cohort((3,), started_days_ago=3)
    make_rooms(world, size=3)
    member = world.groups[0].members[1]
    assert _home_of(member, at=now_utc()).room_url is None
    app.config["ROOM_MEETING_URL_TEMPLATE"] = "https://meet.example.org/plenary-{cohort_id}-{room_slug}"
    assert _home_of(member, at=now_utc()).room_url == f"https://meet.example.org/plenary-{world.cohort.id}-room-1"


def test_only_web_video_links_are_shown(make_running_cohort):
    world = make_running_cohort((3,), started_days_ago=3)
    world.cohort.video_url = "javascript:alert(1)"
    db.session.commit()
    assert _home_of(world.groups[0].members[1], at=world.cohort.sessions[1].starts_at).video_url is None


def test_home_and_reading_pages_agree_with_readings_due_for_every_session(make_running_cohort):
    """The home page and the reading page each ask the database their own way which readings are due when
    (to avoid loading every reading's text); both must give what readings_due, the rule, gives."""
    world = make_running_cohort((3,))
    cohort = world.cohort
    in_first = {r.slug for r in cohort.sessions[0].course_session.readings}
    next(r for r in cohort.course.readings if r.slug not in in_first).is_pre_meeting = True
    db.session.commit()
    member = world.groups[0].members[1]
    for cohort_session in cohort.sessions:
        home = _home_of(member, at=cohort_session.starts_at - timedelta(hours=1))
        expected = [r.slug for r in service.readings_due(cohort, cohort_session)]
        assert [item.reading.slug for item in home.readings] == expected, cohort_session.title
    for reading in cohort.course.readings:
        page = readings.reading_page(db.session, member, cohort.id, reading.slug)
        rule = next((s for s in cohort.sessions if reading in service.readings_due(cohort, s)), None)
        assert page.due_before == rule, reading.slug
