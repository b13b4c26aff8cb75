"""The input rules (blog.inputs): each tested on its own, then where it is wired in."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.routing import Map, Rule

from blog.extensions import db
from blog.inputs import (
    MAX_ID,
    MAX_PAGE,
    DatabaseIdConverter,
    SegmentConverter,
    has_visible_text,
    is_utf8,
    page_number,
    parse_day,
    parse_id,
)
from tests.conftest import build_app, fresh_database
from tests.factories import make_article
from tests.pages import form_values, get_html


@pytest.mark.parametrize(
    ("text", "visible"),
    [
        ("Ada", True),
        ("  Ada  ", True),
        ("\u200bA\u200b", True),
        ("é", True),
        ("e\u0301", True),  # a letter with a combining accent
        ("李", True),
        ("\U0001f600", True),  # an emoji
        (".", True),
        ("", False),
        (None, False),
        ("   ", False),
        ("\t\n", False),
        ("\u00a0\u2003\u3000", False),  # no-break, em and ideographic spaces
        ("\u200b\u200b", False),  # zero-width spaces
        ("\u200c\u200d\u2060\ufeff", False),  # joiners, word joiner, BOM
        ("\u200e\u200f\u202e", False),  # direction marks and overrides
        ("\u0301\u0308", False),  # combining marks with nothing to sit on
        ("\ufe0f", False),  # a variation selector
        ("\U000e0041\U000e0042", False),  # tag characters
        ("\u3164\u115f\u1160\uffa0", False),  # Hangul fillers
        ("\u2800", False),  # the Braille blank
        ("\x00\x01", False),
    ],
)
def test_has_visible_text(text, visible):
    assert has_visible_text(text) is visible


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1", 1),
        (" 42 ", 42),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("99999999999999999999", None),
        ("9" * 5000, None),
        ("0", None),
        ("-1", None),
        ("+1", None),
        ("1.0", None),
        ("1e3", None),
        ("\u00b2", None),  # a superscript two: isdigit() says yes, int() says no
        ("\u0661\u0662", None),  # Arabic-Indic digits
        ("", None),
        (None, None),
        ("12\x00", None),
    ],
)
def test_parse_id(text, number):
    assert parse_id(text) == number


@pytest.mark.parametrize(
    ("text", "page"),
    [
        (None, 1),
        ("", 1),
        ("1", 1),
        ("7", 7),
        ("0", 1),
        ("-3", 1),
        ("abc", 1),
        ("\u00b2", 1),
        ("2\x00", 1),
        (str(MAX_PAGE), MAX_PAGE),
        (str(MAX_PAGE + 1), MAX_PAGE),
        ("99999999999999999999", MAX_PAGE),
        ("9" * 5000, MAX_PAGE),
    ],
)
def test_page_number(text, page):
    assert page_number(text) == page


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-11-28", date(2026, 11, 28)),
        ("0001-01-01", date(1, 1, 1)),
        ("9999-12-30", date(9999, 12, 30)),
        ("9999-12-31", None),  # its end, the next midnight, does not exist
        ("2026-02-30", None),
        ("tomorrow", None),
        ("2026-11-28\x00", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_day(text, day):
    assert parse_day(text) == day


@pytest.mark.parametrize(
    ("raw", "percent_encoded", "readable"),
    [
        (b"q=caf%C3%A9&page=2", True, True),
        (b"name=Ada+Reader", True, True),
        (b"q=%F0%9F%98%80", True, True),
        (b"q=caf%C3", True, False),  # a sequence cut short
        (b"q=%C3&x=%A9", True, False),  # one split across two values
        (b"q=%FF%FE", True, False),
        (b"q=%ED%A0%80", True, False),  # a lone surrogate
        (b"q=%C0%AF", True, False),  # an over-long "/"
        (b"q=\xff", True, False),  # a raw byte, not escaped
        (b"100%25", True, True),
        (b"/articles/caf\xc3\xa9", False, True),
        (b"/articles/%FF", False, True),  # a path as WSGI gives it: escapes already decoded
        (b"/articles/\xff", False, False),
    ],
)
def test_is_utf8(raw, percent_encoded, readable):
    assert is_utf8(raw, percent_encoded=percent_encoded) is readable


def test_the_id_converter_matches_only_ids_the_database_holds():
    url_map = Map([Rule("/c/<int:cid>", endpoint="c")], converters={"int": DatabaseIdConverter})
    urls = url_map.bind("localhost")
    assert urls.match("/c/7") == ("c", {"cid": 7})
    assert urls.match(f"/c/{MAX_ID}") == ("c", {"cid": MAX_ID})
    for too_big in (str(MAX_ID + 1), "9" * 30, "9" * 5000):
        with pytest.raises(Exception, match="404"):
            urls.match(f"/c/{too_big}")


def test_a_segment_never_holds_a_control_character():
    url_map = Map([Rule("/a/<slug>", endpoint="a")], converters={"default": SegmentConverter})
    urls = url_map.bind("localhost")
    assert urls.match("/a/caf\u00e9-2") == ("a", {"slug": "caf\u00e9-2"})
    for bad in ("a\x00b", "tab\there", "\x7f"):
        with pytest.raises(Exception, match="404"):
            urls.match(f"/a/{bad}")


# --- wired into the app ----------------------------------------------------------------------


@pytest.fixture
def slug(app):
    with app.app_context():
        slug = make_article().slug
        db.session.commit()
        return slug


@pytest.mark.parametrize(
    "url",
    [
        "/comments/99999999999999999999",
        "/comments/" + "9" * 5000,
        f"/comments/{MAX_ID + 1}",
    ],
)
def test_an_id_too_big_for_the_database_is_not_found(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url", ["/articles/a%00b", "/authors/a%00b", "/tag/a%01", "/category/%7F", "/articles/x%0a"]
)
def test_a_control_character_in_a_slug_is_not_found_without_asking_the_database(
    client, count_queries, url
):
    counted = count_queries(lambda: client.get(url).close())
    assert client.get(url).status_code == 404
    assert counted.count == 0


@pytest.mark.parametrize(
    "query",
    [
        "page=99999999999999999999",
        "page=" + "9" * 5000,
        "comments=99999999999999999999",
        "replytocom=99999999999999999999",
        "replytocom=%C2%B2",
    ],
)
def test_numbers_out_of_range_in_the_query_are_not_a_crash(client, slug, query):
    response = client.get(f"/articles/{slug}?{query}")
    assert response.status_code < 500
    assert client.get(f"/?{query}").status_code in (200, 404)


@pytest.mark.parametrize("query", ["q=%FF", "page=%C3", "q=caf%C3%A9%ED%A0%80"])
def test_a_query_string_that_is_not_utf8_is_a_400(client, slug, query):
    for path in ("/", f"/articles/{slug}", "/search", "/no-such-page"):
        assert client.get(f"{path}?{query}").status_code == 400, path


def test_a_path_that_is_not_utf8_is_a_400(client, slug):
    response = client.get("/", environ_overrides={"PATH_INFO": f"/articles/{slug}\xff"})
    assert response.status_code == 400


def test_a_form_that_is_not_utf8_is_a_400_before_anything_reads_it(app, client, slug):
    """Checked before the CSRF check and the rate limits parse the form, with CSRF on."""
    values = form_values(get_html(client, f"/articles/{slug}"))
    raw = "&".join(f"{k}={v}" for k, v in values.items() if k in ("csrf_token", "stamp"))
    for bad in (b"name=Bad%FF%FEname", b"name=\xff", b"body=%ED%A0%80"):
        body = raw.encode() + b"&email=a%40example.com&body=Fine&" + bad
        response = client.post(
            f"/articles/{slug}/comments",
            data=body,
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 400, bad
        assert "not valid UTF-8" in response.get_data(as_text=True)


def test_the_database_being_down_is_still_a_503_not_a_refusal(tmp_path):
    """The input checks refuse what was sent; a fault on our side must not pass for one."""
    unreachable = {
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:9/nowhere",
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
    }
    app = build_app(unreachable)
    client = app.test_client()
    urls = ["/", "/?page=2", "/articles/harbour", "/comments/5", "/search?q=harbour", "/tag/x"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 503, url
        assert response.headers["Retry-After"]
    with app.app_context():
        db.engine.dispose()


def test_a_comment_with_an_expired_token_while_the_database_is_down_is_a_503(tmp_path):
    """The expired-token page looks the article up to hand the comment back; with the database
    gone that lookup fails inside the error handler, which must still answer the 503 page."""
    unreachable = {
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:9/nowhere",
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
        "WTF_CSRF_ENABLED": True,
    }
    app = build_app(unreachable)
    response = app.test_client().post(
        "/articles/harbour/comments",
        data={"csrf_token": "stale", "name": "Ada", "email": "ada@example.com", "body": "Hi"},
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "cannot reach its database" in response.get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()


def test_a_healthy_database_answers_the_same_urls(tmp_path):
    """(The control for the test above: the URLs themselves are fine.)"""
    with fresh_database(tmp_path) as database:
        app = build_app(database)
        with app.app_context():
            db.create_all()
            make_article(slug="harbour")
            db.session.commit()
            count = db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("articles")))
        assert count == 1
        client = app.test_client()
        assert client.get("/articles/harbour").status_code == 200
        assert client.get("/search?q=harbour").status_code == 200
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
