"""The course loader: every validation error is reported with its file and line."""

from pathlib import Path

import pytest

from app.courses.front_matter import read_document
from app.courses.loader import load_library
from tests.conftest import COURSES_DIR
from tests.courses.helpers import write_course, write_file


def problems_of(root: Path) -> list[str]:
    library = load_library(root)
    return library.formatted_problems()


def test_the_shipped_library_is_valid_and_complete():
    library = load_library(COURSES_DIR)
    assert library.problems == []
    courses = {c.slug: c for c in library.courses}
    assert set(courses) == {"organizing-fundamentals", "power-and-participation"}
    core, advanced = courses["organizing-fundamentals"], courses["power-and-participation"]
    assert core.level == "core" and core.prerequisites == []
    assert advanced.level == "advanced"
    assert advanced.min_group_size == 10
    assert advanced.prerequisites == ["organizing-fundamentals"]
    assert advanced.accepts_equivalent_experience is True
    assert advanced.pre_meeting_reading == "preface-and-introduction"
    assert len(advanced.sessions) == 3
    for session in advanced.sessions:
        assert (session.plenary_minutes, session.breakout_minutes) == (60, 60)
        assert session.reading_slugs, f"session {session.slug} has no readings"
    for reading in advanced.readings + core.readings:
        assert "## Discussion questions" in reading.body, reading.slug


def test_a_valid_course_loads_with_its_sessions_and_readings(tmp_path):
    write_course(tmp_path)
    library = load_library(tmp_path)
    assert library.ok
    (course,) = library.courses
    assert course.slug == "sample"
    assert [s.slug for s in course.sessions] == ["first"]
    assert course.sessions[0].reading_slugs == ["intro"]
    assert len(course.content_hash) == 64


def test_front_matter_key_lines_are_counted_from_the_top_of_the_file(tmp_path):
    path = write_file(tmp_path / "x.md", "title: T\nlevel: core\nsummary: S\n")
    doc = read_document(path)
    assert doc.line_of("title") == 2
    assert doc.line_of("summary") == 4


def test_missing_required_key_is_reported(tmp_path):
    write_course(tmp_path, course={"title": "T", "level": "core", "summary": "S"})
    assert problems_of(tmp_path) == [f"{tmp_path.name}/sample/course.md:1: missing required key 'min_group_size'"]


def test_unknown_key_is_reported_on_its_line(tmp_path):
    write_course(
        tmp_path, sessions={"01-first": "title: First\nplenary_minute: 60\nplenary_minutes: 60\nbreakout_minutes: 45\n"}
    )
    assert problems_of(tmp_path) == [
        f"{tmp_path.name}/sample/sessions/01-first.md:3: unknown key 'plenary_minute' "
        "(known keys: breakout_minutes, plenary_minutes, readings, title)"
    ]


@pytest.mark.parametrize("bad", ["-5", "61.5", "'sixty'", "601", "true"])
def test_bad_minutes_are_reported_on_their_line(tmp_path, bad):
    write_course(tmp_path, sessions={"01-first": f"title: First\nplenary_minutes: 60\nbreakout_minutes: {bad}\n"})
    (problem,) = problems_of(tmp_path)
    assert problem.startswith(f"{tmp_path.name}/sample/sessions/01-first.md:4: breakout_minutes must be a whole number")


def test_a_session_of_zero_minutes_is_refused(tmp_path):
    write_course(tmp_path, sessions={"01-first": {"title": "F", "plenary_minutes": 0, "breakout_minutes": 0}})
    assert problems_of(tmp_path) == [
        f"{tmp_path.name}/sample/sessions/01-first.md:3: a session needs a plenary or a breakout longer than 0 minutes"
    ]


def test_missing_reading_file_is_reported(tmp_path):
    write_course(
        tmp_path,
        sessions={"01-first": "title: F\nplenary_minutes: 60\nbreakout_minutes: 60\nreadings: [intro, ghost-text]\n"},
    )
    assert problems_of(tmp_path) == [
        f"{tmp_path.name}/sample/sessions/01-first.md:5: reading 'ghost-text' has no file readings/ghost-text.md"
    ]


def test_missing_pre_meeting_reading_is_reported(tmp_path):
    write_course(
        tmp_path, course="title: T\nlevel: core\nsummary: S\nmin_group_size: 3\npre_meeting_reading: preface\n"
    )
    assert problems_of(tmp_path) == [
        f"{tmp_path.name}/sample/course.md:6: reading 'preface' has no file readings/preface.md"
    ]


def test_unknown_prerequisite_is_reported(tmp_path):
    write_course(
        tmp_path, course="title: T\nlevel: advanced\nsummary: S\nmin_group_size: 10\nprerequisites: [basics-101]\n"
    )
    assert problems_of(tmp_path) == [
        f"{tmp_path.name}/sample/course.md:6: prerequisite 'basics-101' is not a course in {tmp_path.name}/"
    ]


def test_known_prerequisite_is_accepted(tmp_path):
    write_course(tmp_path, "basics")
    write_course(
        tmp_path,
        "advanced",
        course={"title": "A", "level": "advanced", "summary": "S", "min_group_size": 10, "prerequisites": ["basics"]},
    )
    library = load_library(tmp_path)
    assert library.ok, library.formatted_problems()


def test_duplicate_course_slugs_are_reported(tmp_path):
    meta = {"title": "T", "level": "core", "summary": "S", "min_group_size": 3, "slug": "same-course"}
    write_course(tmp_path, "one", course=meta)
    write_course(tmp_path, "two", course=meta)
    assert problems_of(tmp_path) == [
        f"{tmp_path.name}/two/course.md:1: duplicate course slug 'same-course': also one/course.md"
    ]


def test_duplicate_session_numbers_are_reported(tmp_path):
    session = {"title": "F", "plenary_minutes": 60, "breakout_minutes": 45}
    write_course(tmp_path, sessions={"01-first": session, "01-second": session})
    assert problems_of(tmp_path) == [
        f"{tmp_path.name}/sample/sessions/01-second.md:1: two sessions are numbered 01: also 01-first.md"
    ]


def test_badly_named_session_file_is_reported(tmp_path):
    write_course(tmp_path, sessions={"first": {"title": "F", "plenary_minutes": 60, "breakout_minutes": 45}})
    problems = problems_of(tmp_path)
    assert (
        f"{tmp_path.name}/sample/sessions/first.md:1: session file names must look like NN-name.md, "
        "e.g. 01-mapping-power.md" in problems
    )


def test_invalid_yaml_is_reported_on_its_line(tmp_path):
    write_course(tmp_path, readings={"intro": "title: Intro\nestimated_minutes: 10\nattribution: [unclosed\n"})
    (problem,) = problems_of(tmp_path)
    assert problem.startswith(f"{tmp_path.name}/sample/readings/intro.md:")
    assert "front matter is not valid YAML" in problem
    assert int(problem.split(":")[1]) in (4, 5)


def test_file_without_front_matter_is_reported(tmp_path):
    folder = write_course(tmp_path)
    (folder / "readings" / "intro.md").write_text("# Just text\n")
    assert (
        f"{tmp_path.name}/sample/readings/intro.md:1: file must start with YAML front matter between two "
        "'---' lines" in problems_of(tmp_path)
    )


def test_folder_without_course_file_is_reported(tmp_path):
    (tmp_path / "empty-course").mkdir()
    assert problems_of(tmp_path) == [
        f"{tmp_path.name}/empty-course/course.md:1: a course folder needs a course.md file"
    ]


def test_wrong_level_and_group_size_are_both_reported(tmp_path):
    write_course(tmp_path, course="title: T\nlevel: expert\nsummary: S\nmin_group_size: 0\n")
    assert problems_of(tmp_path) == [
        f"{tmp_path.name}/sample/course.md:3: level must be one of core, advanced, not 'expert'",
        f"{tmp_path.name}/sample/course.md:5: min_group_size must be a whole number between 1 and 1000, not 0",
    ]


def test_completion_rule_cannot_ask_for_more_sessions_than_exist(tmp_path):
    write_course(tmp_path, course="title: T\nlevel: core\nsummary: S\nmin_group_size: 3\ncompletion_min_sessions: 4\n")
    assert problems_of(tmp_path) == [
        f"{tmp_path.name}/sample/course.md:6: completion_min_sessions is 4 but the course has only 1 sessions"
    ]
