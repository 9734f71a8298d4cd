"""Courses in several languages: `X.<lang>.md` beside `X.md`, checked by `flask courses check`, stored by the sync
and shown to a reader in their language, with a note where a text is not translated."""

from __future__ import annotations

import shutil

import sqlalchemy as sa

from app.courses.loader import load_library
from app.courses.models import ContentTranslation, Course
from app.courses.translation_files import source_hash
from app.extensions import db
from tests.conftest import COURSES_DIR
from tests.courses.helpers import write_course, write_file


def in_spanish(message: str) -> str:
    """The message as a Spanish reader sees it (the shipped catalogue's words)."""
    from flask_babel import force_locale, gettext

    with force_locale("es"):
        return gettext(message)


SESSION = {"title": "First", "plenary_minutes": 60, "breakout_minutes": 45, "readings": ["intro"]}
READING = {"title": "Intro", "estimated_minutes": 10, "attribution": "Test team"}
SPANISH_READING = "## Texto\n\nPalabras en español.\n\n## Preguntas para discutir\n\n1. ¿Por qué?\n"


def _course(tmp_path, **kwargs):
    library = tmp_path / "courses"
    folder = write_course(
        library,
        sessions={"01-first": SESSION},
        readings={"intro": READING, "other": {**READING, "title": "Other"}},
        **kwargs,
    )
    return library, folder


def _translate_reading(folder, slug="intro", language="es", **changes):
    source = folder / "readings" / f"{slug}.md"
    meta = {**READING, "title": "Introducción", "attribution": "Equipo de pruebas", "translation_of": None}
    meta["translation_of"] = source_hash(source)
    meta.update(changes)
    return write_file(folder / "readings" / f"{slug}.{language}.md", meta, SPANISH_READING)


def _check(runner, library):
    return runner.invoke(args=["courses", "check", "--path", str(library)])


def _sync(runner, library):
    result = runner.invoke(args=["courses", "sync", "--path", str(library)])
    assert result.exit_code == 0, result.output
    return result


# The checker ------------------------------------------------------------------------------------------------------


def test_check_reports_every_translation_problem_with_its_path_and_line(runner, tmp_path):
    library, folder = _course(tmp_path)
    session_hash = source_hash(folder / "sessions" / "01-first.md")
    write_file(
        folder / "sessions" / "01-first.es.md",
        {**SESSION, "title": "Primera", "plenary_minutes": 50, "translation_of": session_hash},
    )
    write_file(
        folder / "sessions" / "01-first.fr.md",
        {**SESSION, "title": "Première", "readings": ["other"], "translation_of": session_hash},
    )
    _translate_reading(folder, "intro", "de")
    write_file(folder / "readings" / "gone.es.md", {**READING, "translation_of": "0" * 12})
    write_file(folder / "readings" / "other.es.md", {**READING, "title": "Otra"})
    _translate_reading(folder, "intro", "pt_BR", translation_of="not-a-hash")
    _translate_reading(folder, "intro", "fr", colour="blue")
    write_file(folder / "course.es.md", {"title": "Curso", "level": "core", "translation_of": "0" * 12})
    write_file(folder / "readings" / "other.fr.md", "title: [unclosed\n")

    result = _check(runner, library)

    assert result.exit_code == 1
    lines = result.output.splitlines()
    expected = [
        "courses/sample/sessions/01-first.es.md:3: plenary_minutes differs from the source 01-first.md: 50, not 60",
        "courses/sample/sessions/01-first.fr.md:5: readings differs from the source 01-first.md: ['other'], not "
        "['intro']",
        "courses/sample/readings/intro.de.md:1: unknown language code 'de' (known: es, pt_BR, fr)",
        "courses/sample/readings/gone.es.md:1: translation without a source: there is no gone.md",
        "courses/sample/readings/other.es.md:1: missing key 'translation_of': add 'translation_of: "
        f"{source_hash(folder / 'readings' / 'other.md')}' as the last key",
        "courses/sample/readings/intro.pt_BR.md:5: translation_of must be 12 hex digits, not 'not-a-hash'",
        "courses/sample/readings/intro.fr.md:6: key 'colour' is not in the source intro.md",
        "courses/sample/course.es.md:1: summary must be a non-empty text (the translated summary)",
        "courses/sample/course.es.md:1: missing key 'min_group_size': copy it from course.md (3)",
        "courses/sample/readings/other.fr.md:3: front matter is not valid YAML: did not find expected ',' or ']'",
    ]
    for line in expected:
        assert line in lines, (line, lines)
    assert "10 problem(s) found." in result.output


def test_a_broken_translation_never_breaks_the_english_course(runner, tmp_path):
    library, folder = _course(tmp_path)
    _translate_reading(folder, estimated_minutes=99)  # structure differs: this translation is skipped

    assert _check(runner, library).exit_code == 1
    result = _sync(runner, library)

    assert "created sample" in result.output
    assert "readings/intro.es.md:3: estimated_minutes differs" in result.output
    assert "(this translation was skipped)" in result.output
    assert db.session.scalar(sa.select(Course.title)) == "Sample course"
    assert db.session.scalars(sa.select(ContentTranslation)).all() == []


def test_a_translation_file_is_never_taken_for_a_reading_or_a_session(tmp_path):
    library, folder = _course(tmp_path)
    _translate_reading(folder)
    write_file(folder / "sessions" / "01-first.es.md", {**SESSION, "translation_of": "0" * 12})

    loaded = load_library(library)

    assert loaded.ok, loaded.formatted_problems()
    course = loaded.courses[0]
    assert [r.slug for r in course.readings] == ["intro", "other"]
    assert [s.slug for s in course.sessions] == ["first"]
    assert {(t.kind, t.slug, t.language) for t in course.translations} == {
        ("reading", "intro", "es"),
        ("session", "first", "es"),
    }


def test_a_translation_older_than_its_source_is_a_warning_and_still_used(runner, tmp_path):
    library, folder = _course(tmp_path)
    old_hash = source_hash(folder / "readings" / "intro.md")
    _translate_reading(folder)
    write_file(folder / "readings" / "intro.md", READING, "## Text\n\nNew words.\n")

    result = _check(runner, library)

    assert result.exit_code == 0, result.output
    current = source_hash(folder / "readings" / "intro.md")
    assert (
        f"courses/sample/readings/intro.es.md:5: translation is older than its source: intro.md changed since "
        f"{old_hash} (now {current}) (warning)"
    ) in result.output.splitlines()
    _sync(runner, library)
    row = db.session.scalar(sa.select(ContentTranslation))
    assert (row.title, row.source_hash, row.is_current) == ("Introducción", old_hash, False)


def test_check_summarises_the_files_each_language_lacks(runner, tmp_path):
    library, folder = _course(tmp_path)
    _translate_reading(folder)

    result = _check(runner, library)

    assert result.exit_code == 0
    lines = result.output.splitlines()
    # course.md, one session, two readings: Spanish lacks three, the others all four.
    assert "Translations (es): not yet translated: sample: 3 file(s)." in lines
    assert "Translations (fr): not yet translated: sample: 4 file(s)." in lines
    assert "Translations (pt_BR): not yet translated: sample: 4 file(s)." in lines


def test_translation_stub_copies_the_front_matter_and_names_the_sources_hash(runner, tmp_path):
    library, folder = _course(tmp_path)
    source = folder / "readings" / "intro.md"

    result = runner.invoke(args=["courses", "translation-stub", str(source), "es"])

    assert result.exit_code == 0, result.output
    stub = (folder / "readings" / "intro.es.md").read_text(encoding="utf-8")
    assert stub.startswith("---\ntitle: Intro\nestimated_minutes: 10\nattribution: Test team\n")
    assert f"translation_of: {source_hash(source)}\n---\n" in stub
    assert "Words." in stub
    assert _check(runner, library).exit_code == 0
    assert load_library(library).courses[0].translations[0].is_current
    again = runner.invoke(args=["courses", "translation-stub", str(source), "es"])
    assert again.exit_code != 0 and "already exists" in again.output
    unknown = runner.invoke(args=["courses", "translation-stub", str(source), "xx"])
    assert unknown.exit_code != 0 and "unknown language code 'xx'" in unknown.output


# Storage ----------------------------------------------------------------------------------------------------------


def test_sync_stores_translations_rendered_and_resync_replaces_and_removes_them(runner, tmp_path):
    library, folder = _course(tmp_path)
    translation = _translate_reading(folder)
    _sync(runner, library)
    row = db.session.scalar(sa.select(ContentTranslation))
    assert row.language == "es" and row.reading_id is not None and row.course_session_id is None
    assert "<p>Palabras en español.</p>" in row.body_html
    assert row.items == ["¿Por qué?"]  # under the heading where the source has its discussion questions
    assert row.is_current

    write_file(translation, {**READING, "title": "Introducción breve", "translation_of": row.source_hash})
    _sync(runner, library)
    db.session.expire_all()
    assert db.session.scalars(sa.select(ContentTranslation.title)).all() == ["Introducción breve"]

    translation.unlink()
    _sync(runner, library)
    assert db.session.scalars(sa.select(ContentTranslation)).all() == []


# What readers see -------------------------------------------------------------------------------------------------


def _spanish(client):
    client.set_cookie("lang", "es")
    return client


def test_a_spanish_reader_sees_the_spanish_reading_with_a_link_to_the_original(client, runner, tmp_path):
    library, folder = _course(tmp_path)
    _translate_reading(folder)
    _sync(runner, library)
    page = _spanish(client).get("/courses/sample/readings/intro").get_data(as_text=True)

    assert '<h1 lang="es">Introducción</h1>' in page
    assert "Palabras en español." in page and "Words." not in page
    assert '<div class="prose" lang="es">' in page
    assert 'href="/courses/sample/readings/intro?original=1"' in page
    assert in_spanish("Not yet translated — shown in English") not in page

    original = client.get("/courses/sample/readings/intro?original=1").get_data(as_text=True)
    assert '<h1 lang="en">Intro</h1>' in original and "Words." in original
    assert "Palabras" not in original


def test_a_spanish_reader_is_told_when_a_reading_is_not_translated(client, runner, tmp_path):
    library, folder = _course(tmp_path)
    _translate_reading(folder)
    _sync(runner, library)

    page = _spanish(client).get("/courses/sample/readings/other").get_data(as_text=True)

    assert '<h1 lang="en">Other</h1>' in page
    assert in_spanish("Not yet translated — shown in English") in page
    assert "?original=1" not in page


def test_an_english_reader_sees_no_translation_note(client, runner, tmp_path):
    library, folder = _course(tmp_path)
    _translate_reading(folder)
    _sync(runner, library)

    page = client.get("/courses/sample/readings/intro").get_data(as_text=True)

    assert (
        "Words." in page
        and in_spanish("Not yet translated — shown in English") not in page
        and "original=1" not in page
    )


def test_a_translation_older_than_its_source_says_the_original_changed(client, runner, tmp_path):
    library, folder = _course(tmp_path)
    _translate_reading(folder)
    write_file(folder / "readings" / "intro.md", READING, "## Text\n\nNew words.\n")
    _sync(runner, library)

    page = _spanish(client).get("/courses/sample/readings/intro").get_data(as_text=True)

    assert "Palabras en español." in page
    assert in_spanish("The original has changed since this translation was made.") in page


def test_the_course_page_shows_translated_sessions_and_notes_the_untranslated(client, runner, tmp_path):
    library, folder = _course(tmp_path)
    _translate_reading(folder)
    course_hash = source_hash(folder / "course.md")
    write_file(
        folder / "course.es.md",
        {
            "title": "Curso de muestra",
            "level": "core",
            "summary": "Un curso.",
            "min_group_size": 3,
            "translation_of": course_hash,
        },
        "Una descripción.\n",
    )
    _sync(runner, library)

    page = _spanish(client).get("/courses/sample").get_data(as_text=True)

    assert '<h1 lang="es">Curso de muestra</h1>' in page and "Una descripción." in page
    assert '<h3 lang="en">First</h3>' in page  # the session has no translation
    assert page.count(in_spanish("Not yet translated — shown in English")) == 1
    assert 'lang="es">Introducción</a>' in page


def test_a_page_looks_translations_up_in_one_query_however_many_there_are(app, client, runner, tmp_path, count_queries):
    app.config["PUBLIC_PAGE_CACHE"] = False  # count the page's own queries, not a cached copy
    library, folder = _course(tmp_path)
    _translate_reading(folder)
    _sync(runner, library)
    _spanish(client)
    client.get("/courses/sample")  # warm up what is loaded once per process
    with count_queries() as one:
        client.get("/courses/sample")

    _translate_reading(folder, "other")
    write_file(
        folder / "sessions" / "01-first.es.md",
        {**SESSION, "title": "Primera", "translation_of": source_hash(folder / "sessions" / "01-first.md")},
    )
    _sync(runner, library)
    with count_queries() as three:
        page = client.get("/courses/sample").get_data(as_text=True)

    assert "Primera" in page
    assert three.count == one.count
    assert sum("content_translations" in statement for statement in three.statements) == 1


def test_a_participant_reads_the_cohort_reading_in_their_language(client, auth, runner, make_running_cohort, tmp_path):
    world = make_running_cohort((3,), started_days_ago=3)
    library = tmp_path / "courses"
    shutil.copytree(COURSES_DIR, library)
    for shipped in library.rglob("*.es.md"):  # start from a course with no Spanish, then translate one reading
        shipped.unlink()
    folder = library / "organizing-fundamentals"
    source = folder / "readings" / "the-art-of-the-one-on-one.md"
    assert runner.invoke(args=["courses", "translation-stub", str(source), "es"]).exit_code == 0
    stub = source.with_name("the-art-of-the-one-on-one.es.md")
    head, _, _ = stub.read_text(encoding="utf-8").partition("\n---\n")
    head = head.replace("title: ", "title: El arte del uno a uno # ", 1)
    stub.write_text(f"{head}\n---\n\n## Texto\n\nEl texto traducido.\n", encoding="utf-8")
    _sync(runner, library)
    member = world.groups[0].members[1]
    member.locale = "es"
    db.session.commit()
    auth.login(member.email)

    url = f"/cohorts/{world.cohort.id}/readings/the-art-of-the-one-on-one"
    page = client.get(url).get_data(as_text=True)

    assert '<h1 lang="es">El arte del uno a uno</h1>' in page and "El texto traducido." in page
    assert f'href="{url}?original=1"' in page
    untranslated = client.get(f"/cohorts/{world.cohort.id}/readings/why-we-tell-our-stories").get_data(as_text=True)
    assert in_spanish("Not yet translated — shown in English") in untranslated


def test_the_public_page_cache_keeps_each_language_its_own_page(app, client, runner, tmp_path):
    app.config["PUBLIC_PAGE_CACHE"] = True
    library, folder = _course(tmp_path)
    _translate_reading(folder)
    _sync(runner, library)

    english = client.get("/courses/sample/readings/intro").get_data(as_text=True)
    spanish = _spanish(client).get("/courses/sample/readings/intro").get_data(as_text=True)
    client.set_cookie("lang", "en")
    english_again = client.get("/courses/sample/readings/intro").get_data(as_text=True)

    assert "Words." in english and "Palabras en español." in spanish
    assert "Words." in english_again and "Palabras" not in english_again


def test_a_fully_translated_course_is_in_the_catalogue_for_its_language(client, runner, tmp_path):
    library, folder = _course(tmp_path)
    _translate_reading(folder)
    _translate_reading(folder, "other")
    assert _check(runner, library).exit_code == 0
    _sync(runner, library)
    assert "Sample course" not in client.get("/?language=es").get_data(as_text=True)  # two files still lack it

    for source in (folder / "course.md", folder / "sessions" / "01-first.md"):
        assert runner.invoke(args=["courses", "translation-stub", str(source), "es"]).exit_code == 0
    _sync(runner, library)

    assert "Sample course" in client.get("/?language=es").get_data(as_text=True)
    assert "Sample course" not in client.get("/?language=fr").get_data(as_text=True)
