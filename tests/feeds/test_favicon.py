"""The site's icon: at /favicon.ico where browsers look, and as SVG from every page's head."""

from __future__ import annotations

from tests.pages import get_html, tags


def test_favicon_ico_is_our_icon_and_cacheable(client):
    with client.get("/favicon.ico") as response:  # a file: closed when read
        assert response.status_code == 200
        assert response.mimetype == "image/vnd.microsoft.icon"
        assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
        assert response.cache_control.public and response.cache_control.max_age >= 24 * 3600


def test_every_page_links_the_icon_and_it_is_served(app, client):
    for path in ("/", "/authors/", "/login", "/search?q=x", "/no-such-page"):
        html = client.get(path).get_data(as_text=True)
        icons = {a["href"].split("?")[0]: a for a in tags(html, "link") if a.get("rel") == "icon"}
        assert set(icons) == {"/favicon.ico", "/static/favicon.svg"}, path
        assert icons["/static/favicon.svg"]["type"] == "image/svg+xml"
    svg_url = [a["href"] for a in tags(get_html(client, "/"), "link") if a.get("rel") == "icon"][1]
    with client.get(svg_url) as svg:
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
        assert b"<svg" in svg.data and svg.cache_control.immutable
