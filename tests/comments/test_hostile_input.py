"""Hostile input in every field is refused or shown inertly, never a 500; bodies survive exactly."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from blog.extensions import db
from blog.models import Comment
from tests.factories import make_article
from tests.pages import form_values, get_html, post_comment, tags

PROBES = [
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "x onmouseover=alert(1)",
    "{{7*7}}",
    "nul\x00byte",
    "\u202eevil\u202c",
    "zero\u200bwidth\u200d",
    "'; DROP TABLE comments; --",
]
BAD_SCHEMES = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    " javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "DATA:text/html,x",
    "vbscript:msgbox(1)",
    "VbScRiPt:msgbox(1)",
    "jav&#x09;ascript:alert(1)",
    "//evil.example",
    "http://",
]


@pytest.fixture
def slug(app):
    with app.app_context():
        slug = make_article().slug
        db.session.commit()
        return slug


def assert_inert(html: str) -> None:
    """No element or attribute that the probes could have planted."""
    for tag in ("script", "svg"):
        for attrs in tags(html.split('id="comments"')[1], tag):
            assert attrs.get("class") == "avatar", (tag, attrs)
    assert "onload=alert" not in html.replace("onload=alert(1)&gt;", "")
    assert 'onmouseover="' not in html and "onmouseover=alert(1)>" not in html


@pytest.mark.parametrize("field", ["name", "email", "website", "body"])
@pytest.mark.parametrize("probe", PROBES)
def test_probes_in_every_field_never_break_the_page(app, client, slug, field, probe):
    response = post_comment(
        client,
        slug,
        **{field: probe, "body": f"{probe} in {field}"} if field != "body" else {"body": probe},
    )
    assert response.status_code in (303, 422), response.status_code
    html = get_html(client, f"/articles/{slug}")
    assert_inert(html)
    if response.status_code == 422:
        assert_inert(response.get_data(as_text=True))
    with app.app_context():
        for comment in db.session.scalars(sa.select(Comment)):
            assert "\x00" not in comment.body + comment.author_name


@pytest.mark.parametrize("website", BAD_SCHEMES)
def test_only_http_and_https_websites_are_accepted(app, client, slug, website):
    response = post_comment(client, slug, website=website)
    assert response.status_code == 422
    assert '<span class="field-error" id="website-error">' in response.get_data(as_text=True)


def test_invalid_utf8_is_not_a_crash(app, client, slug):
    values = form_values(get_html(client, f"/articles/{slug}"))
    raw = "&".join(f"{k}={v}" for k, v in values.items() if k in ("csrf_token", "stamp"))
    body = raw.encode() + b"&name=Bad%FF%FEname&email=a%40example.com&body=caf%C3%A9+%FF%FE"
    response = client.post(
        f"/articles/{slug}/comments",
        data=body,
        content_type="application/x-www-form-urlencoded",
    )
    # Refused whole: Werkzeug would have stored U+FFFD for each bad byte (blog.inputs).
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0


def test_a_body_at_the_limit_ending_in_an_emoji_comes_back_byte_identical(app, client, slug):
    body = "a" * 4999 + "\U0001f600"
    assert len(body) == 5000
    response = post_comment(client, slug, body=body)
    assert response.status_code == 303
    with app.app_context():
        stored = db.session.scalar(sa.select(Comment.body))
    assert stored.encode("utf-8") == body.encode("utf-8")
    assert body in get_html(client, f"/articles/{slug}")
    one_more = post_comment(client, slug, body=body + "b")
    assert one_more.status_code == 422
