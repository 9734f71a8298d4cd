"""`flask courses sync` and `flask courses check`: idempotent loading, updates in place, archiving."""

import shutil

import sqlalchemy as sa

from app.cohorts.models import Cohort
from app.courses.models import Course, CourseSession, Reading
from app.extensions import db
from tests.conftest import COURSES_DIR
from tests.courses.helpers import write_course, write_file


def course(slug):
    return db.session.scalar(sa.select(Course).where(Course.slug == slug))


def test_sync_loads_both_courses_then_changes_nothing(runner):
    first = runner.invoke(args=["courses", "sync"])
    assert first.exit_code == 0, first.output
    assert "created organizing-fundamentals" in first.output
    assert "created power-and-participation" in first.output
    advanced = course("power-and-participation")
    assert [p.slug for p in advanced.prerequisites] == ["organizing-fundamentals"]
    assert advanced.pre_meeting_reading.slug == "preface-and-introduction"
    ids = sorted(db.session.scalars(sa.select(Reading.id)))

    second = runner.invoke(args=["courses", "sync"])
    assert second.exit_code == 0
    assert second.output.strip() == "No changes: 2 course(s) already up to date."
    assert sorted(db.session.scalars(sa.select(Reading.id))) == ids


def test_a_changed_file_updates_its_course_and_keeps_row_identities(runner, tmp_path):
    library = tmp_path / "courses"
    write_course(library)
    assert runner.invoke(args=["courses", "sync", "--path", str(library)]).exit_code == 0
    session_id = db.session.scalar(sa.select(CourseSession.id))
    reading_id = db.session.scalar(sa.select(Reading.id))

    write_file(
        library / "sample" / "sessions" / "01-first.md",
        {"title": "First, renamed", "plenary_minutes": 50, "breakout_minutes": 40, "readings": ["intro"]},
    )
    result = runner.invoke(args=["courses", "sync", "--path", str(library)])
    assert result.output.strip() == "updated sample"
    db.session.expire_all()
    updated = db.session.get(CourseSession, session_id)
    assert (updated.title, updated.plenary_minutes, updated.breakout_minutes) == ("First, renamed", 50, 40)
    assert db.session.scalar(sa.select(Reading.id)) == reading_id


def test_sessions_can_be_reordered_and_removed(runner, tmp_path):
    library = tmp_path / "courses"
    s = {"title": "S", "plenary_minutes": 30, "breakout_minutes": 30}
    write_course(library, sessions={"01-a": s, "02-b": s, "03-c": s})
    runner.invoke(args=["courses", "sync", "--path", str(library)])
    for name in ("01-a", "02-b", "03-c"):
        (library / "sample" / "sessions" / f"{name}.md").unlink()
    write_course(library, sessions={"01-c": s, "02-a": s})
    result = runner.invoke(args=["courses", "sync", "--path", str(library)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert [x.slug for x in course("sample").sessions] == ["c", "a"]


def test_a_removed_course_is_archived_not_deleted_while_cohorts_use_it(runner, tmp_path, make_cohort):
    cohort = make_cohort("organizing-fundamentals")
    library = tmp_path / "courses"
    shutil.copytree(COURSES_DIR / "power-and-participation", library / "power-and-participation")
    shutil.copytree(COURSES_DIR / "organizing-fundamentals", library / "organizing-fundamentals")
    shutil.rmtree(library / "power-and-participation")
    # The advanced course named the core one as a prerequisite; removing the core one instead would fail the check.
    result = runner.invoke(args=["courses", "sync", "--path", str(library)])
    assert result.exit_code == 0, result.output
    assert "archived power-and-participation" in result.output
    db.session.expire_all()
    archived = course("power-and-participation")
    assert archived is not None and archived.is_archived
    assert db.session.get(Cohort, cohort.id) is not None

    shutil.copytree(COURSES_DIR / "power-and-participation", library / "power-and-participation")
    result = runner.invoke(args=["courses", "sync", "--path", str(library)])
    assert "restored power-and-participation" in result.output
    db.session.expire_all()
    assert not course("power-and-participation").is_archived


def test_archived_courses_leave_the_catalogue(client, runner, tmp_path, synced_courses):
    library = tmp_path / "courses"
    shutil.copytree(COURSES_DIR / "organizing-fundamentals", library / "organizing-fundamentals")
    runner.invoke(args=["courses", "sync", "--path", str(library)])
    page = client.get("/").get_data(as_text=True)
    assert "Organizing Fundamentals" in page
    assert "Power and Participation" not in page
    assert client.get("/courses/power-and-participation").status_code == 404


def test_sync_refuses_a_broken_library_and_writes_nothing(runner, tmp_path):
    library = tmp_path / "courses"
    write_course(library, sessions={"01-first": {"title": "F", "plenary_minutes": "an hour", "breakout_minutes": 5}})
    result = runner.invoke(args=["courses", "sync", "--path", str(library)])
    assert result.exit_code == 1
    assert "01-first.md:3: plenary_minutes must be a whole number" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Course.id))) == 0


def test_check_command_prints_path_line_message_and_exits_1(runner, tmp_path):
    library = tmp_path / "courses"
    write_course(library, course="title: T\nlevel: core\nsummary: S\nmin_group_size: 3\ncolour: red\n")
    result = runner.invoke(args=["courses", "check", "--path", str(library)])
    assert result.exit_code == 1
    assert "courses/sample/course.md:6: unknown key 'colour'" in result.output


def test_check_command_passes_on_the_shipped_courses(runner):
    result = runner.invoke(args=["courses", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: 2 course(s)")
