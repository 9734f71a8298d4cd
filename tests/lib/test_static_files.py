"""Stylesheets and scripts are linked with a content version and kept by browsers for a year."""

import re


def test_pages_link_versioned_assets_that_browsers_keep(client):
    html = client.get("/").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert links, "the page links no stylesheet or script"
    for link in links:
        assert re.search(r"\?v=[0-9a-f]{12}$", link), link
        response = client.get(link)
        assert response.status_code == 200
        assert response.cache_control.max_age == 365 * 24 * 3600
        assert response.cache_control.immutable
        response.close()


def test_a_changed_file_gets_a_new_address(app, tmp_path):
    import os

    from flask import url_for

    app.static_folder = str(tmp_path)
    (tmp_path / "site.css").write_text("body { color: black }")
    with app.test_request_context():
        first = url_for("static", filename="site.css")
    (tmp_path / "site.css").write_text("body { color: navy }")
    os.utime(tmp_path / "site.css", (1, 1))  # a different modification time, as an edit or a deploy gives
    with app.test_request_context():
        second = url_for("static", filename="site.css")
    assert first != second


def test_an_address_without_a_version_is_revalidated_as_usual(client):
    html = client.get("/").get_data(as_text=True)
    link = re.search(r'href="(/static/[^"?]+)\?v=', html).group(1)
    response = client.get(link)
    assert response.status_code == 200
    assert response.cache_control.max_age is None
    assert not response.cache_control.immutable
    response.close()
