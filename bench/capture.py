"""What a row's ceiling sends: the blog's own answer, captured, and checked equal before a run.

For each row the bench fetches the page from the blog with the row's request headers (a
browser's `Accept-Encoding: gzip`, and its cookies if it has any), keeps the body and headers
as files in the run's work directory, and the ceiling (bench/ceiling.py) sends them back from
memory at /page/<key>. Before the row is measured, the blog and the ceiling are asked again with
the same headers and their answers must match: the same status, Content-Type and
Content-Encoding, and the same bytes. A run stops with a SameBytesError otherwise.

Article pages carry the comment form, whose anti-spam stamp (and, on sites that still have
one, a CSRF token) is a signed value of about 40 bytes made anew every second. Their bytes can
differ from one request to the next by that value alone, so when the raw bytes differ the check
compares the decompressed bodies with those values masked (STAMPED_INPUTS), and says so.
"""

from __future__ import annotations

import gzip
import html as html_module
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

#: Request headers every reader row sends, as a browser does.
READER_HEADERS = {"Accept-Encoding": "gzip"}
#: Response headers the ceiling does not send back: its server makes its own (Date, Server,
#: Content-Length, hop-by-hop), and it hands out no cookie (Set-Cookie is the blog's work).
NOT_REPLAYED = frozenset(
    {"date", "server", "content-length", "connection", "transfer-encoding", "set-cookie"}
)
#: Hidden inputs whose value is signed anew every second (the form's stamp, a CSRF token).
STAMPED_INPUTS = ("stamp", "csrf_token")
_STAMPED = re.compile(
    rb'<input\b[^>]*\bname="(?:' + "|".join(STAMPED_INPUTS).encode() + rb')"[^>]*>'
)
_VALUE = re.compile(rb'value="[^"]*"')
_KEY = re.compile(r"[^a-z0-9]+")


class SameBytesError(AssertionError):
    """A ceiling would not send what the blog sends: the pairing is void."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


@dataclass
class Answer:
    """An HTTP answer as it came over the wire: status, headers in order, body undecoded."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    url: str = ""

    def header(self, name: str) -> str:
        """The first value of a header, or ''."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")

    @property
    def encoding(self) -> str:
        return self.header("Content-Encoding") or "identity"

    def text(self) -> str:
        """The body decompressed and decoded, for reading the page."""
        return decoded(self.body, self.encoding).decode("utf-8", "replace")


def fetch(url: str, headers: dict[str, str] | None = None, data: bytes | None = None) -> Answer:
    """One request with exactly these headers (no cookie jar, no redirect followed)."""
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
    try:
        response = _OPENER.open(request, timeout=30)
    except urllib.error.HTTPError as error:  # 3xx, 4xx and 5xx: an answer all the same
        response = error
    with response:
        return Answer(response.status, list(response.headers.items()), response.read(), url=url)


def row_key(name: str) -> str:
    """A row's name as the ceiling's path segment: lower-case letters, digits, dashes."""
    return _KEY.sub("-", name.lower()).strip("-")


def keep(directory: Path, key: str, answer: Answer) -> None:
    """Write the answer for the ceiling to send at /page/<key>."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{key}.body").write_bytes(answer.body)
    headers = [(k, v) for k, v in answer.headers if k.lower() not in NOT_REPLAYED]
    (directory / f"{key}.json").write_text(
        json.dumps({"status": answer.status, "headers": headers})
    )


def decoded(body: bytes, encoding: str) -> bytes:
    """The body with its Content-Encoding undone (gzip or deflate; identity as it is)."""
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    return body


def masked(body: bytes) -> bytes:
    """The page with the values of its stamped inputs replaced by '*'."""
    return _STAMPED.sub(lambda m: _VALUE.sub(b'value="*"', m.group(0)), body)


def same_bytes(name: str, blog: Answer, ceiling: Answer) -> str:
    """How the two answers are equal: "exact", "stamp masked" or "same once decompressed";
    SameBytesError if they are not.

    Status, Content-Type and Content-Encoding must be the same; then the bytes as sent, or, for
    a page whose only difference is its per-second stamp, the decompressed bytes with it masked.
    """
    for what, a, b in (
        ("status", blog.status, ceiling.status),
        ("Content-Type", blog.header("Content-Type"), ceiling.header("Content-Type")),
        ("Content-Encoding", blog.encoding, ceiling.encoding),
    ):
        if a != b:
            raise SameBytesError(f"{name}: the ceiling's {what} is {b!r}, the blog's {a!r}")
    if blog.body == ceiling.body:
        return "exact"
    page = decoded(blog.body, blog.encoding)
    ours, theirs = masked(page), masked(decoded(ceiling.body, ceiling.encoding))
    if ours == theirs:
        # Compressed anew per request (gzip's header holds the time): the same page all the same.
        return "stamp masked" if ours != page else "same once decompressed"
    raise SameBytesError(
        f"{name}: the ceiling's body ({len(ceiling.body):,} bytes, {ceiling.encoding}) is not "
        f"the blog's ({len(blog.body):,} bytes, {blog.encoding}), even with stamps masked; "
        f"first difference at byte {first_difference(ours, theirs):,} of the decoded page"
    )


def first_difference(a: bytes, b: bytes) -> int:
    """The index of the first byte where a and b differ (the shorter length if one is a prefix)."""
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


# --- a browser's cookies -----------------------------------------------------------------------


class Browser:
    """What a browser carries between pages of one site: its cookie jar and its usual headers.

    Every answer's Set-Cookie lines update the jar (a cookie set to expire leaves it; a Secure
    cookie is not kept over plain HTTP); redirects are followed as a browser follows them (a
    POST answered 303 becomes a GET). Posts carry the headers a browser adds to a form sent from
    the site's own page: `Origin` and `Sec-Fetch-Site: same-origin`.
    """

    def __init__(self, base: str, headers: dict[str, str] | None = None) -> None:
        self.base = base
        self.headers = dict(READER_HEADERS if headers is None else headers)
        #: name -> value, in the order set
        self.jar: dict[str, str] = {}

    def cookie_header(self) -> str:
        """The Cookie header the browser sends now ('' with an empty jar)."""
        return "; ".join(f"{name}={value}" for name, value in self.jar.items())

    def request_headers(self) -> dict[str, str]:
        """The headers of a page request now: the usual ones, and the jar if it holds anything."""
        cookies = self.cookie_header()
        return {**self.headers, **({"Cookie": cookies} if cookies else {})}

    def get(self, path: str, follow: bool = True) -> Answer:
        return self._go(path, None, follow)

    def post(self, path: str, fields: dict[str, str], follow: bool = True) -> Answer:
        data = urllib.parse.urlencode(fields).encode()
        return self._go(path, data, follow)

    def _go(self, path: str, data: bytes | None, follow: bool) -> Answer:
        for _ in range(10):
            headers = self.request_headers()
            if data is not None:
                headers |= {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": self.base,
                    "Sec-Fetch-Site": "same-origin",
                }
            answer = fetch(urllib.parse.urljoin(self.base, path), headers, data)
            for name, value in answer.headers:
                if name.lower() == "set-cookie":
                    set_cookie(self.jar, value, secure_ok=self.base.startswith("https:"))
            location = answer.header("Location")
            if not (follow and answer.status in (301, 302, 303, 307, 308) and location):
                return answer
            path = urllib.parse.urljoin(answer.url, location)
            if answer.status in (301, 302, 303):
                data = None
        raise RuntimeError(f"more than 10 redirects from {path}")


def set_cookie(jar: dict[str, str], line: str, secure_ok: bool = False) -> None:
    """Apply one Set-Cookie line to the jar as a browser would (names and values only)."""
    pair, *attributes = (part.strip() for part in line.split(";"))
    name, _, value = pair.partition("=")
    attrs = {}
    for attribute in attributes:
        key, _, val = attribute.partition("=")
        attrs[key.strip().lower()] = val.strip()
    expired = attrs.get("max-age", "").lstrip("-").isdigit() and int(attrs["max-age"]) <= 0
    if "expires" in attrs and "max-age" not in attrs:
        try:
            expired = parsedate_to_datetime(attrs["expires"]) <= datetime.now(UTC)
        except (TypeError, ValueError):
            expired = False
    if expired or ("secure" in attrs and not secure_ok):
        jar.pop(name.strip(), None)
    else:
        jar[name.strip()] = value


def form_fields(html: str, marker: str) -> tuple[str, dict[str, str]]:
    """The action and the inputs with a value of the first form whose opening tag holds
    `marker`: what a browser would send (with every checkbox in it ticked)."""
    for match in re.finditer(r"<form\b([^>]*)>(.*?)</form>", html, re.S):
        if marker in match.group(1):
            action = re.search(r'action="([^"]*)"', match.group(1))
            inputs = re.findall(
                r'<input\b[^>]*?\bname="([^"]+)"[^>]*?\bvalue="([^"]*)"', match.group(2)
            )
            fields = {name: html_module.unescape(value) for name, value in inputs}
            return html_module.unescape(action.group(1) if action else ""), fields
    raise RuntimeError(f"no form with {marker!r} in the page")
