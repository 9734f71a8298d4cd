"""Public catalogue, course and reading pages, rendered from the Markdown."""


def test_catalogue_lists_both_courses_core_first(client, synced_courses):
    page = client.get("/").get_data(as_text=True)
    core = page.index("Organizing Fundamentals")
    advanced = page.index("Power and Participation")
    assert core < advanced
    assert "10 or more" in page


def test_empty_catalogue_explains_itself(client):
    page = client.get("/").get_data(as_text=True)
    assert "No courses yet" in page


def test_course_page_shows_description_sessions_readings_prerequisites_and_group_size(client, synced_courses):
    response = client.get("/courses/power-and-participation")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    data = synced_courses["power-and-participation"]
    for session in data.sessions:
        assert session.title.replace("'", "&#39;") in page
    for reading in data.readings:
        assert f"/courses/power-and-participation/readings/{reading.slug}" in page
    assert 'href="/courses/organizing-fundamentals"' in page
    assert "or equivalent experience" in page
    assert "Groups of 10 people or more register together." in page
    assert "Plenary 1 h, then breakout groups 1 h" in page
    readings = page[page.index('id="readings-heading"') :]
    assert readings.index("Preface and introduction") < readings.index("What we mean by power")


def test_course_page_lists_upcoming_cohorts_in_the_viewers_zone(client, make_cohort):
    from datetime import datetime

    make_cohort(label="Spring cohort", tz="Europe/London", first=datetime(2031, 3, 1, 15, 0))
    client.set_cookie("tz", "Asia/Tokyo")
    page = client.get("/courses/power-and-participation").get_data(as_text=True)
    assert "Spring cohort" in page
    # 15:00 in London on 1 March (GMT) is midnight in Tokyo, on 2 March.
    assert "Sunday 2 March 2031, 00:00 (Asia/Tokyo)" in page


def test_reading_page_renders_markdown_tables_and_table_of_contents(client, synced_courses):
    response = client.get("/courses/power-and-participation/readings/preface-and-introduction")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h2" in page and "Discussion questions" in page


def test_unknown_course_and_reading_are_404_pages(client, synced_courses):
    assert client.get("/courses/no-such-course").status_code == 404
    response = client.get("/courses/power-and-participation/readings/no-such-reading")
    assert response.status_code == 404
    assert "no such reading" in response.get_data(as_text=True)
