"""Whatever anyone sends, no route answers 5xx: property-based, over every route of the app.

The routes come from app.url_map, so a new route is covered without touching this file. GET
routes get generated path segments and query strings; POST routes (the comment form, login,
and every staff form, sent by a logged-in admin) get generated field values: integers of any
size, NUL and other controls, lone surrogates, bytes that are not UTF-8, file parts under each
field's name, and values longer than the request limit. Examples are derandomized, so CI sees
the same ones every run, and few enough to take well under a minute per database.
"""

from __future__ import annotations

import re
from urllib.parse import quote_from_bytes

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule
from wtforms.fields.core import UnboundField

from blog.extensions import db
from blog.inputs import TextForm
from blog.models import Comment
from tests.factories import (
    make_article,
    make_author,
    make_category,
    make_comment,
    make_staff,
    make_tag,
)
from tests.pages import csrf_token, form_values, get_html, log_in, served_forms

#: Field names the views read without a form class.
LOOSE_FIELDS = ("next", "confirmed", "action", "ids", "target_id", "preview", "kind", "value")
#: Query parameters the views read.
QUERY_NAMES = (
    "page",
    "comments",
    "replytocom",
    "q",
    "status",
    "article",
    "author",
    "category",
    "state",
    "staff",
    "action",
    "from",
    "to",
    "next",
)
#: Examples per property test: together with the sweeps, well under a minute per database.
EXAMPLES = {"get": 300, "post": 300}

#: Kinds of hostile value, as bytes: what arrives on the wire, before anything decodes it. One
#: kind per request, so that one refusal (a NUL in the query is a 400) does not hide another.
KINDS = {
    "integer": st.integers().map(lambda n: str(n).encode()),
    "huge integer": st.integers(min_value=2**31 - 2, max_value=2**80).map(
        lambda n: str(n).encode()
    ),
    "thousands of digits": st.integers(4000, 6000).map(lambda n: b"9" * n),
    "controls": st.text(alphabet=st.characters(max_codepoint=0x40), min_size=1).map(str.encode),
    "any text": st.text(min_size=1).map(str.encode),
    "invisible or surrogate": st.text(
        alphabet=st.characters(categories=["Cs", "Cf", "Zs", "Mn"]), min_size=1
    ).map(lambda s: s.encode("utf-8", "surrogatepass")),
    "bytes": st.binary(min_size=1, max_size=20),
    "over-long": st.integers(300, 70_000).map(lambda n: b"a" * n),
    "date": st.dates().map(lambda d: d.isoformat().encode()),
    "time": st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M").encode()),
}
#: One plain example of each kind, sent to every route and field by the sweeps.
CANONICAL = {
    "huge integer": b"99999999999999999999",
    "thousands of digits": b"9" * 5000,
    "NUL": b"a\x00b",
    "controls": b"\x01\x1b\x7f",
    "lone surrogate": "\ud800".encode("utf-8", "surrogatepass"),
    "invalid UTF-8": b"caf\xc3\x28\xff",
    "zero-width": "\u200b\u200b".encode(),
    "superscript digit": "\u00b2".encode(),
    "over-long": b"a" * 70_000,
    "the last day": b"9999-12-31",
    "the last minute": b"9999-12-31T23:59",
    "the first day": b"0001-01-01",
}


def form_field_names() -> list[str]:
    """Every field name of every form in the app, and the names views read by hand."""
    names: set[str] = set(LOOSE_FIELDS)
    pending = [TextForm]
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        names.update(n for n in dir(form) if isinstance(getattr(form, n, None), UnboundField))
    return sorted(names)


def routes(app: Flask, method: str) -> list[Rule]:
    """The app's rules that answer method (static files aside: nothing of ours runs there)."""
    return sorted(
        (r for r in app.url_map.iter_rules() if method in r.methods and r.endpoint != "static"),
        key=lambda r: r.rule,
    )


@pytest.fixture
def site(app) -> dict:
    """One of everything a URL can name, and an admin to send the staff forms."""
    with app.app_context():
        author, category, tag = make_author(), make_category(), make_tag()
        article = make_article(author=author, category=category)
        article.tags.append(tag)
        comment = make_comment(article)
        make_staff("chief", role="admin")
        db.session.commit()
        return {
            "slug": article.slug,
            "author_slug": author.slug,
            "category_slug": category.slug,
            "tag_slug": tag.slug,
            "id": comment.id,
            "article_id": article.id,
        }


def good_value(rule: Rule, argument: str, site: dict) -> bytes:
    """A value for argument that names something that exists, so the view itself runs."""
    converter = rule._converters[argument]
    if hasattr(converter, "items"):  # any(categories, tags)
        return sorted(converter.items)[0].encode()
    if argument.endswith("_id") or argument == "id":
        return str(site["article_id"] if "article" in argument else site["id"]).encode()
    if rule.rule.startswith("/authors"):
        return site["author_slug"].encode()
    if rule.rule.startswith("/category"):
        return site["category_slug"].encode()
    if rule.rule.startswith("/tag"):
        return site["tag_slug"].encode()
    if argument == "action_name":
        return b"approve"
    if argument == "key":
        return b"0123456789abcdef"
    return site["slug"].encode()


def raw_path(rule: Rule, values: dict[str, bytes]) -> bytes:
    """The rule's path with these raw segment values (not percent-encoded: as WSGI gives it)."""
    return re.sub(rb"<(?:[^>]*:)?(\w+)>", lambda m: values[m[1].decode()], rule.rule.encode())


@st.composite
def path_for(draw, rule: Rule, site: dict, kind: st.SearchStrategy[bytes]) -> bytes:
    """A path for rule: each segment either a value that exists or one of kind."""
    values = {}
    for argument in sorted(rule.arguments):
        hostile = draw(st.booleans())
        values[argument] = draw(kind) if hostile else good_value(rule, argument, site)
    return raw_path(rule, values)


def query_string(pairs: list[tuple[str, bytes]]) -> str:
    return "&".join(f"{name}={quote_from_bytes(value, safe='')}" for name, value in pairs)


def send(client, method: str, path: bytes, query: str = "", **kwargs):
    """A request whose path reaches the app byte for byte (the test client would decode it).

    Returns the status; the response is closed (a file it serves would stay open otherwise).
    """
    response = client.open(
        "/",
        method=method,
        query_string=query,
        environ_overrides={"PATH_INFO": path.decode("latin-1")},
        **kwargs,
    )
    response.close()
    return response.status_code


def multipart(pairs: list[tuple[str, bytes]], files: set[str]) -> tuple[bytes, str]:
    """A multipart/form-data body; the fields named in files are sent as file parts."""
    boundary = "hostile-boundary-7MA4YWxkTrZu0gW"
    parts = []
    for name, value in pairs:
        disposition = f'form-data; name="{name}"'
        if name in files:
            disposition += '; filename="notes.txt"\r\nContent-Type: text/plain'
        parts.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode())
        parts.append(value + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


#: Values a person would send, so that the one hostile field is what the view meets.
BASELINE_FIELDS = {
    "name": b"Ada Reader",
    "email": b"ada@example.com",
    "body": b"A thoughtful comment.",
    "username": b"chief",
    "password": b"not the password",
    "display_name": b"Chief Editor",
    "title": b"A headline",
    "kind": b"email",
    "value": b"spammer@example.com",
    "next": b"/admin/",
}


@pytest.fixture
def clients(app, site):
    """An anonymous client, and one logged in as an admin for the staff area; each with the
    CSRF token of its session, so that forms get past the token check to their fields."""
    admin, anonymous = app.test_client(), app.test_client()
    assert log_in(admin, "chief").status_code in (302, 303)
    return {
        "admin": (admin, csrf_token(admin).encode()),
        "anonymous": (anonymous, form_values(get_html(anonymous, "/login"))["csrf_token"].encode()),
    }


def client_for(rule: Rule, clients: dict) -> tuple:
    """The admin's client for the staff area, the anonymous one elsewhere."""
    return clients["admin"] if rule.rule.startswith("/admin") else clients["anonymous"]


def test_the_routes_and_fields_under_test_are_found(app):
    assert {"articles.detail", "articles.search", "comments.permalink", "admin.comments"} <= {
        r.endpoint for r in routes(app, "GET")
    }
    assert {"comments.create", "auth.login", "admin.add_staff", "editorial.new_article"} <= {
        r.endpoint for r in routes(app, "POST")
    }
    assert {"name", "email", "body", "parent_id", "username", "password", "website"} <= set(
        form_field_names()
    )


def settings_for(examples: int):
    """Fixed examples in a fixed order: CI sees the same requests every run."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def post(client, token: bytes, path: bytes, fields: dict[str, bytes], encoding: str) -> int:
    """Send fields (with the session's CSRF token) urlencoded, as multipart text parts, or
    with every field but the token as a file part; returns the status."""
    pairs = [("csrf_token", token), *fields.items()]
    if encoding == "urlencoded":
        body, content_type = query_string(pairs).encode(), "application/x-www-form-urlencoded"
    else:
        files = set(fields) if encoding == "files" else set()
        body, content_type = multipart(pairs, files)
    return send(client, "POST", path, data=body, content_type=content_type)


def post_with_files(
    client, token: bytes, path: bytes, text: dict[str, bytes], files: dict[str, bytes]
) -> int:
    """Send text fields as text parts and files as file parts (under fields' names)."""
    pairs = [("csrf_token", token), *((n, v) for n, v in text.items() if n not in files)]
    body, content_type = multipart([*pairs, *files.items()], set(files))
    return send(client, "POST", path, data=body, content_type=content_type)


def test_no_get_route_answers_5xx_to_hostile_paths_and_queries(app, site, clients):
    get_routes = routes(app, "GET")

    @settings_for(EXAMPLES["get"])
    @given(data=st.data())
    def check(data) -> None:
        rule = data.draw(st.sampled_from(get_routes), label="rule")
        kind = KINDS[data.draw(st.sampled_from(sorted(KINDS)), label="kind")]
        path = data.draw(path_for(rule, site, kind), label="path")
        names = data.draw(st.lists(st.sampled_from(QUERY_NAMES), unique=True), label="names")
        pairs = [(name, data.draw(kind, label=name)) for name in names]
        client, _ = client_for(rule, clients)
        status = send(client, "GET", path, query_string(pairs))
        assert status < 500, (rule.rule, path[:200], [(n, v[:100]) for n, v in pairs])

    check()


def test_no_form_answers_5xx_to_hostile_fields(app, site, clients):
    post_routes = routes(app, "POST")
    field_names = form_field_names()

    @settings_for(EXAMPLES["post"])
    @given(data=st.data())
    def check(data) -> None:
        rule = data.draw(st.sampled_from(post_routes), label="rule")
        kind = KINDS[data.draw(st.sampled_from(sorted(KINDS)), label="kind")]
        if data.draw(st.integers(0, 9), label="hostile path") == 0:
            path = data.draw(path_for(rule, site, kind), label="path")
        else:
            path = raw_path(rule, {a: good_value(rule, a, site) for a in rule.arguments})
        client, token = client_for(rule, clients)
        names = data.draw(st.lists(st.sampled_from(field_names), unique=True), label="names")
        fields = {**BASELINE_FIELDS, **{name: data.draw(kind, label=name) for name in names}}
        encoding = data.draw(st.sampled_from(["urlencoded", "multipart", "files"]), label="as")
        hostile = {name: fields.pop(name) for name in names}
        if encoding == "files":
            # Only the hostile fields go as files; the rest as text, as a form would send them.
            status = post_with_files(client, token, path, fields, hostile)
        else:
            status = post(client, token, path, {**fields, **hostile}, encoding)
        assert status < 500, (rule.rule, [(n, v[:100]) for n, v in hostile.items()], encoding)

    check()


def test_every_route_and_field_refuses_each_kind_of_hostile_value(app, site, clients):
    """The sweep: each kind's plain example in every path segment, query value and field of
    every route (the property tests above try random mixes of them)."""
    field_names = form_field_names()
    for kind, value in CANONICAL.items():
        for rule in routes(app, "GET"):
            client, _ = client_for(rule, clients)
            good = raw_path(rule, {a: good_value(rule, a, site) for a in rule.arguments})
            query = query_string([(name, value) for name in QUERY_NAMES])
            assert send(client, "GET", good, query) < 500, (kind, rule.rule, "query")
            if rule.arguments:
                bad = raw_path(rule, dict.fromkeys(rule.arguments, value))
                assert send(client, "GET", bad) < 500, (kind, rule.rule, "path")
        for rule in routes(app, "POST"):
            client, token = client_for(rule, clients)
            good = raw_path(rule, {a: good_value(rule, a, site) for a in rule.arguments})
            fields = dict.fromkeys(field_names, value)
            for encoding in ("urlencoded", "multipart"):
                status = post(client, token, good, fields, encoding)
                assert status < 500, (kind, rule.rule, encoding)
            status = post_with_files(client, token, good, BASELINE_FIELDS, fields)
            assert status < 500, (kind, rule.rule, "files")


# --- the visible-text rule and control characters in the staff's forms ----------------------

INVISIBLE = "\u200b\u3164\u200d"


VISIBLE = "needs at least one visible character."


@pytest.mark.parametrize(
    ("page", "action", "field", "extra", "message"),
    [
        (
            "/admin/account",
            "/admin/account",
            "display_name",
            {},
            "Enter the name readers will see.",
        ),
        (
            "/admin/staff",
            "/admin/staff",
            "display_name",
            {"username": "newbie", "password": "a long enough passphrase"},
            "Enter the name readers will see.",
        ),
        ("/admin/authors/new", "/admin/authors/new", "name", {}, VISIBLE),
        ("/admin/articles/new", "/admin/articles/new", "title", {"body": "Body."}, VISIBLE),
        ("/admin/categories", "/admin/categories", "name", {}, VISIBLE),
        ("/admin/categories", "rename", "name", {}, VISIBLE),
        ("/admin/comments/{id}/edit", "/admin/comments/{id}/edit", "body", {}, "cannot be empty"),
    ],
)
def test_staff_forms_refuse_invisible_names_next_to_the_field(
    app, site, clients, page, action, field, extra, message
):
    client, _ = clients["admin"]
    url = page.format(**site)
    forms = [f for f in served_forms(get_html(client, url)) if field in f.names()]
    form = next(f for f in forms if action.format(**site) in (f.action or url))
    data = dict(form.submission())
    data.update({**extra, field: INVISIBLE})
    response = client.post(form.action or url, data=data)
    text = response.get_data(as_text=True)
    assert response.status_code == 422, form.action
    errors = re.findall(r'<span class="field-error" id="[^"]*">([^<]*)</span>', text)
    assert any(message in error for error in errors), errors
    for name, value in extra.items():
        if name != "password":
            assert value in text, name  # what was typed is still there


def test_a_staff_reply_of_invisible_characters_is_not_published(app, site, clients):
    client, token = clients["admin"]
    response = client.post(
        f"/admin/comments/{site['id']}/reply", data={"csrf_token": token, "body": INVISIBLE}
    )
    assert response.status_code == 303
    assert "The reply was empty" in get_html(client, "/admin/comments")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 1


@pytest.mark.parametrize("username", ["chi\x00ef", "chief\n", "\x1b[2Jchief"])
def test_a_control_character_in_a_username_is_refused_next_to_it(app, site, username):
    client = app.test_client()
    token = form_values(get_html(client, "/login"))["csrf_token"]
    response = client.post(
        "/login", data={"csrf_token": token, "username": username, "password": "x" * 12}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<span class="field-error" id="username-error">' in html


@pytest.mark.parametrize("body", ["[1, 2]", '{"name": 5, "body": ["a"]}', '"text"', "7"])
def test_a_json_body_is_not_read_as_a_form(app, site, clients, body):
    client, token = clients["anonymous"]
    response = client.post(
        f"/articles/{site['slug']}/comments",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": token.decode()},
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 1
