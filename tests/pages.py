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

    def handle_starttag(self, tag, attrs):
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


class ServedForm:
    """One <form> of a page, with every control's value as a browser would submit it."""

    def __init__(self, attrs: dict[str, str | None]) -> None:
        self.action = attrs.get("action") or ""
        self.method = (attrs.get("method") or "get").lower()
        #: (name, value) pairs in document order, as the browser sends them.
        self.fields: list[tuple[str, str]] = []
        #: The submit buttons' (name, value) pairs: only the one pressed is sent.
        self.buttons: list[tuple[str, str]] = []

    def names(self) -> set[str]:
        """The names of the form's controls."""
        return {name for name, _ in self.fields} | {name for name, _ in self.buttons}

    def submission(self, button: str | None = None) -> list[tuple[str, str]]:
        """What pressing the submit button named `button` sends (the first one when None)."""
        pressed = [pair for pair in self.buttons if button is None or pair[0] == button]
        if button is not None and not pressed:
            raise AssertionError(f"no submit button named {button!r}")
        return self.fields + pressed[:1]


class _Forms(HTMLParser):
    """Collects forms and their controls, following the HTML form submission rules."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[ServedForm] = []
        self._form: ServedForm | None = None
        self._select: tuple[str, bool, list[tuple[str, bool]]] | None = None
        self._option: dict | None = None
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = ServedForm(attrs)
            self.forms.append(self._form)
            return
        if self._form is None or "disabled" in attrs or not attrs.get("name"):
            if tag == "option" and self._select is not None:
                self._start_option(attrs)
            return
        name = attrs["name"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._form.fields.append((name, attrs.get("value") or "on"))
            elif kind in ("submit", "image"):
                self._form.buttons.append((name, attrs.get("value") or ""))
            elif kind not in ("button", "reset", "file"):
                # Browsers drop line breaks from single-line inputs.
                value = (attrs.get("value") or "").replace("\r", "").replace("\n", "")
                self._form.fields.append((name, value))
        elif tag == "button" and (attrs.get("type") or "submit").lower() == "submit":
            self._form.buttons.append((name, attrs.get("value") or ""))
        elif tag == "select":
            self._select = (name, "multiple" in attrs, [])
        elif tag == "textarea":
            self._textarea = (name, [])

    def _start_option(self, attrs: dict) -> None:
        self._option = {"value": attrs.get("value"), "selected": "selected" in attrs, "text": []}

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)
        elif self._option is not None:
            self._option["text"].append(data)

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None and self._select is not None:
            option = self._option
            value = option["value"]
            if value is None:
                value = " ".join("".join(option["text"]).split())
            self._select[2].append((value, option["selected"]))
            self._option = None
        elif tag == "select" and self._select is not None:
            name, multiple, options = self._select
            chosen = [value for value, selected in options if selected]
            if not multiple:
                # A single select always sends one option: the last selected, else the first.
                chosen = chosen[-1:] or [value for value, _ in options[:1]]
            self._form.fields.extend((name, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, parts = self._textarea
            text = "".join(parts)
            # The parser drops one line break right after <textarea>; browsers send CRLF.
            text = text.removeprefix("\r\n") if text.startswith("\r\n") else text
            text = text.removeprefix("\n")
            text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
            self._form.fields.append((name, text))
            self._textarea = None
        elif tag == "form":
            self._form = None

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


def served_forms(html: str) -> list[ServedForm]:
    """Every form on the page, with what a browser would submit from it untouched."""
    parser = _Forms()
    parser.feed(html)
    parser.close()
    return parser.forms


def served_form(html: str, *, containing: str) -> ServedForm:
    """The one form on the page that has a control named `containing`."""
    found = [form for form in served_forms(html) if containing in form.names()]
    assert len(found) == 1, f"{len(found)} forms with a control named {containing!r}"
    return found[0]
