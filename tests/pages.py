"""Helpers for reading pages in request tests."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urlencode


def get_html(client, url: str, status: int = 200) -> str:
    """GET url, check the status, and return the body as text."""
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every element a browser would build from html, with its attributes."""
    parser = _Tags()
    parser.feed(html)
    return parser.found


def tags(html: str, name: str) -> list[dict[str, str | None]]:
    """The attributes of every <name> element in html."""
    return [attrs for tag, attrs in elements(html) if tag == name]


def meta(html: str, key: str) -> str | None:
    """The content of <meta name=key> or <meta property=key>."""
    for attrs in tags(html, "meta"):
        if key in (attrs.get("name"), attrs.get("property")):
            return attrs.get("content")
    return None


def link_href(html: str, rel: str) -> str | None:
    """The href of the first <link rel=rel>."""
    return next((a.get("href") for a in tags(html, "link") if a.get("rel") == rel), None)


def json_ld(html: str) -> dict:
    """The page's JSON-LD block, parsed."""
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD block"
    return json.loads(match.group(1))


def form_values(html: str) -> dict[str, str]:
    """The values of the comment form's inputs, hidden ones included, as a browser would send."""
    values = {}
    for attrs in tags(html, "input"):
        if attrs.get("name") and attrs.get("type") not in ("checkbox", "submit"):
            values[attrs["name"]] = attrs.get("value") or ""
    return values


def post_comment(client, slug: str, *, query: str = "", **fields: str):
    """Open the article like a reader, fill the form, and send it (tokens and traps as served)."""
    html = get_html(client, f"/articles/{slug}{query}")
    data = form_values(html)
    data.update({"name": "Ada Reader", "email": "ada@example.com", "body": "A thoughtful comment."})
    data.update(fields)
    data = {name: value for name, value in data.items() if value is not None}
    return client.post(f"/articles/{slug}/comments", data=data)


def log_in(
    client,
    username: str = "editor",
    password: str | None = None,
    *,
    next_url: str | None = None,
    remember: bool = False,
):
    """Log in through the form, as a person would; returns the response."""
    from tests.factories import STAFF_PASSWORD

    html = get_html(client, "/login")
    data = {
        "csrf_token": form_values(html)["csrf_token"],
        "username": username,
        "password": STAFF_PASSWORD if password is None else password,
    }
    if remember:
        data["remember"] = "y"
    query = f"?{urlencode({'next': next_url})}" if next_url is not None else ""
    return client.post("/login" + query, data=data)


def csrf_token(client) -> str:
    """A CSRF token for this client's session (from the login page or any form)."""
    import re

    html = get_html(client, "/admin/password")
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
