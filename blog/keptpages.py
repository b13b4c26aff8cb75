"""Every public reader page rendered once, kept, and served to every reader until it changes.

A view marked @kept_page renders its page as a reader with nothing of their own gets it. The
places where a visitor's own parts go are slots, marked while the page is built: the flashes,
the staff links, the comment flash and the comment form (`{{ slot("respond") }}` in a
template), and inside the form its anti-spam time stamp. The kept page (KeptPage) is the page cut
at those marks: unchanging runs, each compressed once (blog.compression), and the marks between.

Served to a reader with nothing of their own (most readers: no cookie at all) it is the runs
with a fresh time stamp, public, with an ETag (a 304 when they have it) and gzip when accepted;
blog.fastpath does that before Flask. A reader with something of their own (a flash, a staff
login, remembered comment details, a reply link) gets the same runs with their slots rendered
for them, private. Only a reader with a pending comment on this very article gets the page built
for them, as it shows them their own comment among the threads.

What a page shows, and when that changes, is blog.pagecache's part (stamps and invalidation).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    g,
    make_response,
    render_template,
    request,
    session,
)
from markupsafe import Markup, escape
from werkzeug.http import is_resource_modified, parse_date

from blog import pagecache
from blog.compression import Run, accepts_gzip, gzip_of
from blog.extensions import holds_flashes, may_be_logged_in
from blog.inputs import parse_id
from blog.security import PRIVATE

#: The slots a page may have, and the template each is rendered from (alone, for a visitor).
SLOTS = {
    "flashes": "_flashes.html",
    "staff-links": "_staff_links.html",
    "comment-flash": "comments/_flash.html",
    "respond": "comments/_respond.html",
}
#: Marks in a page being kept; the random part keeps any text a reader wrote from forging one.
_NONCE = secrets.token_hex(8)
_MARK = re.compile(f"\ue000{_NONCE}:(stamp|open|close|value):?([a-z-]*)\ue001")
STAMP = "stamp"
VALUE = "value"
#: What a kept page varies on besides its address: shared caches key on these too.
VARY = "Accept-Encoding, Cookie"


def _mark(kind: str, name: str = "") -> str:
    return f"\ue000{_NONCE}:{kind}:{name}\ue001"


# --- the rules: how long a shared cache may keep a page ----------------------------------


def shared_lifetime(config: Any, *, carries_form: bool) -> tuple[int, int]:
    """(s-maxage, stale-while-revalidate) for a page with nothing per visitor.

    CACHE_SHARED_SECONDS and CACHE_STALE_SECONDS, except for a page that carries the comment
    form: its time stamp is in the bytes a shared cache keeps, so the page may be kept only so
    long that the stamp is younger than COMMENT_MIN_SECONDS when served. A bot posting at once
    is then still caught; a bot that waits for the time the check asks for passes it either way.
    """
    shared, stale = config["CACHE_SHARED_SECONDS"], config["CACHE_STALE_SECONDS"]
    least = config["COMMENT_MIN_SECONDS"]
    if carries_form and least:
        budget = max(int(-(-least // 1)) - 1, 0)  # whole seconds strictly below the minimum
        shared = min(shared, budget)
        stale = min(stale, budget - shared)
    return shared, stale


def public_cache_control(shared: int, stale: int) -> str:
    """A browser checks every time (max-age=0, with the ETag); a shared cache keeps it shared
    seconds and may serve it stale for stale more while it fetches a fresh one."""
    if shared <= 0:
        return "public, no-cache"
    return f"public, max-age=0, s-maxage={shared}, stale-while-revalidate={stale}"


# --- the kept page -----------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleFacts:
    """What rendering an article page's comment form for a visitor needs, kept with the page."""

    article_id: int
    slug: str
    comments_open: bool
    published_at: Any


@dataclass
class KeptPage:
    """A page cut where per-visitor parts go, its runs compressed once."""

    stamps: dict[str, str]
    #: Epoch seconds from which the page is stale (a scheduled article, comments closing).
    until: float | None
    content_type: str
    cache_control: str
    etag: str
    last_modified: str | None
    #: The page as a reader with nothing of their own gets it: runs, a fresh stamp between each.
    anonymous: list[Run]
    #: The page with its slots: runs, and ("stamp", ""), ("open", name), ("close", name).
    tokens: list[Run | tuple[str, str]]
    article: ArticleFacts | None = None


def cut(
    body: str,
    *,
    stamps: dict[str, str],
    until: float | None,
    content_type: str,
    last_modified: str | None,
    article: ArticleFacts | None,
    config: Any,
) -> KeptPage:
    """The kept page of a body rendered with marks (see slot and form_stamp)."""
    tokens: list[Run | tuple[str, str]] = []
    anonymous_text: list[str] = [""]
    position = 0
    for match in _MARK.finditer(body):
        text = body[position : match.start()]
        if text:
            tokens.append(Run.of(text.encode()))
        anonymous_text[-1] += text
        kind, name = match.groups()
        tokens.append((kind, name))
        if kind == STAMP:
            anonymous_text.append("")
        position = match.end()
    rest = body[position:]
    if rest:
        tokens.append(Run.of(rest.encode()))
    anonymous_text[-1] += rest
    anonymous = [Run.of(text.encode()) for text in anonymous_text]
    digest = hashlib.blake2b(digest_size=12)
    for run in anonymous:
        digest.update(run.raw)
        digest.update(b"\0")
    digest.update(content_type.encode())
    shared, stale = shared_lifetime(config, carries_form=len(anonymous) > 1)
    return KeptPage(
        stamps=stamps,
        until=until,
        content_type=content_type,
        cache_control=public_cache_control(shared, stale),
        etag=f'W/"{digest.hexdigest()}"',
        last_modified=last_modified,
        anonymous=anonymous,
        tokens=tokens,
        article=article,
    )


def strip_marks(body: str) -> str:
    """The body without marks (a page built with them but not kept, such as an error)."""
    return _MARK.sub("", body)


Served = tuple[str, list[tuple[str, str]], list[bytes]]


def serve_anonymous(page: KeptPage, environ: dict, stamp: str) -> Served:
    """(status, headers, body) of the kept page for a reader with nothing of their own."""
    headers = [
        ("Cache-Control", page.cache_control),
        ("ETag", page.etag),
        ("Vary", VARY),
    ]
    if page.last_modified:
        headers.append(("Last-Modified", page.last_modified))
    last_modified = parse_date(page.last_modified) if page.last_modified else None
    if not is_resource_modified(environ, etag=page.etag, last_modified=last_modified):
        return "304 Not Modified", headers, []
    stamp_bytes = stamp.encode()
    if accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING")):
        pieces: list[Run | bytes] = [page.anonymous[0]]
        for run in page.anonymous[1:]:
            pieces += [stamp_bytes, run]
        body = [gzip_of(pieces)]
        headers.append(("Content-Encoding", "gzip"))
    else:
        body = [page.anonymous[0].raw]
        for run in page.anonymous[1:]:
            body += [stamp_bytes, run.raw]
    return _with_length("200 OK", page.content_type, headers, body, environ)


def serve_filled(
    page: KeptPage,
    environ: dict,
    fills: dict[str, bytes],
    values: dict[str, str],
    stamp: str,
) -> Served:
    """(status, headers, body) of the kept page with this visitor's own slots rendered in, and
    their own values in the comment form (remembered details)."""
    pieces: list[Run | bytes] = []
    skipping = None
    for token in page.tokens:
        if isinstance(token, Run):
            if skipping is None:
                pieces.append(token)
            continue
        kind, name = token
        if skipping is not None:
            skipping = None if (kind, name) == ("close", skipping) else skipping
        elif kind == "open" and name in fills:
            pieces.append(fills[name])
            skipping = name
        elif kind == STAMP:
            pieces.append(stamp.encode())
        elif kind == VALUE and values.get(name):
            pieces.append(values[name].encode())
    headers = [("Cache-Control", PRIVATE), ("Vary", VARY)]
    if accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING")):
        headers.append(("Content-Encoding", "gzip"))
        body = [gzip_of(pieces)]
    else:
        body = [piece.raw if isinstance(piece, Run) else piece for piece in pieces]
    return _with_length("200 OK", page.content_type, headers, body, environ)


def _with_length(
    status: str, content_type: str, headers: list, body: list[bytes], environ: dict
) -> Served:
    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(sum(len(part) for part in body))),
        *headers,
    ]
    if environ.get("REQUEST_METHOD") == "HEAD":
        body = []
    return status, headers, body


# --- building pages in Flask -------------------------------------------------------------


@dataclass
class Building:
    """A page being built to be kept: the stamps read before it, what it adds while built."""

    stamps: dict[str, str]
    until: float | None
    article: ArticleFacts | None = None


def building() -> Building | None:
    """The page being built to be kept in this request, if any."""
    return g.get("kept_building")


def keep_article(facts: ArticleFacts, version: str, closes_at: float | None) -> None:
    """Say the page being built is this article's: it goes with its version, not with every
    comment on the site, and is stale when its comments close."""
    built = building()
    if built is None:
        return
    built.stamps.pop(pagecache.COMMENTS_KEY, None)
    built.stamps[pagecache.article_key(facts.article_id)] = version
    built.article = facts
    if closes_at is not None and (not built.until or closes_at < built.until):
        built.until = closes_at


def slot(name: str, **context: Any) -> Markup:
    """A visitor's own part of the page, rendered from SLOTS[name]; marked when kept."""
    html = render_template(SLOTS[name], **context)  # escaped by the template
    if building() is not None:
        html = _mark("open", name) + html + _mark("close", name)
    return Markup(html)  # noqa: S704 - rendered by our own template, marks are ours


def form_stamp(value: str | None) -> str:
    """The comment form's time stamp: marked when kept (each reader gets a fresh one)."""
    g.page_carries_form = True
    if building() is not None:
        return Markup(_mark(STAMP))  # noqa: S704 - our own mark
    return value or ""


def form_value(name: str, value: str | None) -> str:
    """A comment form's value (what a visitor asked us to remember): marked when kept, so each
    visitor's own can be put in; empty in the kept page."""
    if building() is not None:
        return Markup(_mark(VALUE, name))  # noqa: S704 - our own mark
    return escape(value or "")


@dataclass(frozen=True)
class Visitor:
    """What makes a page a visitor's own, read from their session and cookies alone (so the
    fast path can read it too, before Flask)."""

    flashes: bool = False
    staff: bool = False
    #: Their comments awaiting moderation or still theirs to edit, and the articles those are on
    #: (None: not noted).
    own_comments: bool = False
    own_articles: frozenset[int] | None = frozenset()
    #: The comment form's values they asked us to remember, escaped (display.remembered_values).
    remembered: dict[str, str] = field(default_factory=dict)
    reply_to: bool = False

    @classmethod
    def of(
        cls, session_data: Any, cookies: Any, args: Any, config: Any, secret_key: Any
    ) -> Visitor:
        from blog.comments.display import (
            AUTHOR_COOKIE,
            author_details,
            own_articles,
            own_pending_ids,
            remembered_values,
        )
        from blog.comments.editing import editable_now

        articles = own_articles(session_data)
        # Comments they may still edit are theirs on the page too (their Edit links).
        editable = editable_now(session_data, config["COMMENT_EDIT_MINUTES"])
        if articles is not None:
            articles = [*articles, *editable.values()]
        return cls(
            flashes=holds_flashes(session_data),
            staff=may_be_logged_in(session_data, cookies, config),
            own_comments=bool(own_pending_ids(session_data) or editable),
            own_articles=None if articles is None else frozenset(articles),
            remembered=remembered_values(author_details(cookies.get(AUTHOR_COOKIE), secret_key)),
            reply_to=parse_id(args.get("replytocom")) is not None,
        )

    @property
    def is_anyone(self) -> bool:
        """Nothing of their own anywhere: their page is the one every reader gets."""
        return not (
            self.flashes or self.staff or self.own_comments or self.remembered or self.reply_to
        )

    def slots(self, article: ArticleFacts | None) -> set[str] | None:
        """The slots to render for this visitor on a page; None when the page must be built
        for them (a comment of theirs on this article is among its threads)."""
        if (
            article is not None
            and self.own_comments
            and (self.own_articles is None or article.article_id in self.own_articles)
        ):
            return None
        names = set()
        if self.flashes:
            names |= {"flashes", "comment-flash"}
        if self.staff:
            names.add("staff-links")
        if article is not None and self.reply_to:
            names.add("respond")
        return names

    def values(self, slots: set[str]) -> dict[str, str]:
        """The form values to put in the kept page (none when the form is rendered for them)."""
        return {} if "respond" in slots else self.remembered


def current_visitor() -> Visitor:
    """This request's visitor (inside Flask)."""
    return Visitor.of(
        session, request.cookies, request.args, current_app.config, current_app.secret_key
    )


def serve_for(
    page: KeptPage,
    visitor: Visitor,
    environ: dict,
    stamp: str,
    render: Callable[[KeptPage, str], bytes] | None,
) -> Served | None:
    """The kept page for this visitor: as everyone gets it, or with their own parts in; None
    when it must be built for them, or when a slot must be rendered and render is None (the
    fast path, outside Flask)."""
    slots = visitor.slots(page.article)
    if slots is None or (slots and render is None):
        return None
    values = visitor.values(slots) if page.article is not None else {}
    if not slots and not values:
        return serve_anonymous(page, environ, stamp)
    fills = {name: render(page, name) for name in slots} if render else {}
    return serve_filled(page, environ, fills, values, stamp)


def render_slot(page: KeptPage, name: str) -> bytes:
    """One of this visitor's slots, rendered alone (inside Flask)."""
    from blog.comments.display import comment_form_context

    context = comment_form_context(page.article, None) if name == "respond" else {}
    return render_template(SLOTS[name], **context).encode()


def fresh_stamp() -> str:
    from blog.comments.spam import current_form_stamp

    return current_form_stamp(current_app.secret_key)


def flask_response(served: Served) -> Response:
    status, headers, body = served
    response = Response(body, status=int(status.split()[0]), headers=headers)
    response.direct_passthrough = True
    return response


def serve_anyone(page: KeptPage) -> Response:
    """The kept page as everyone gets it, as a Flask response."""
    return flask_response(serve_anonymous(page, request.environ, fresh_stamp()))


def address(names: Iterable[str], lookup: frozenset[str] = frozenset()) -> str | None:
    """This request's kept-page address, or None when it is not at one.

    A page is kept at its one address: the query holds only the parameters that name the page,
    in the form the site's own links write them (so a made-up query never adds an entry). With
    one of lookup (parameters that make the page the visitor's own), the address is the page's
    without them.
    """
    query = "&".join(f"{key}={request.args[key]}" for key in names if key in request.args)
    if lookup & request.args.keys():
        if not request.args.keys() <= {*names, *lookup}:
            return None
    elif request.query_string.decode("latin-1") != query:
        return None
    return request.host_url + request.path.lstrip("/") + (f"?{query}" if query else "")


def kept_page(*names: str, lookup_with: Iterable[str] = ()) -> Callable:
    """Keep a view's page; names are the query parameters that name a page of it.

    lookup_with: other parameters the view reads that make the page the visitor's own
    (?replytocom= fills the comment form's slot); a request with them is served from the kept
    page at the address without them.
    """
    lookup = frozenset(lookup_with)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            if request.method not in ("GET", "HEAD") or not pagecache.enabled():
                return _public_if_anyone(make_response(view(**kwargs)), current_visitor())
            here = address(names, lookup)
            page = pagecache.get_page(here) if here else None
            visitor = current_visitor()
            if page is not None:
                served = serve_for(page, visitor, request.environ, fresh_stamp(), render_slot)
                if served is not None:
                    return flask_response(served)
            at_its_address = here is not None and not lookup & request.args.keys()
            if not at_its_address or not visitor.is_anyone:
                return _public_if_anyone(make_response(view(**kwargs)), visitor)
            stamps = pagecache.site_stamps()
            until = pagecache.next_publication(stamps[pagecache.GENERATION_KEY])
            g.kept_building = Building(stamps, until or None)
            try:
                response = make_response(view(**kwargs))
            finally:
                built = g.pop("kept_building")
            return _keep(here, built, response)

        return wrapper

    return decorate


def _keep(here: str, built: Building, response: Response) -> Response:
    if response.status_code != 200 or response.direct_passthrough:
        if not response.direct_passthrough and not response.is_streamed:
            response.set_data(strip_marks(response.get_data(as_text=True)))
        return response
    last_modified = response.headers.get("Last-Modified")
    page = cut(
        response.get_data(as_text=True),
        stamps=built.stamps,
        until=built.until,
        content_type=response.headers["Content-Type"],
        last_modified=last_modified,
        article=built.article,
        config=current_app.config,
    )
    pagecache.put_page(here, page)
    return serve_anyone(page)


def _public_if_anyone(response: Response, visitor: Visitor) -> Response:
    """A page built for this request: public for a reader with nothing of their own (with an
    ETag, conditional), else private."""
    if response.status_code != 200 or request.method not in ("GET", "HEAD"):
        return response
    if not visitor.is_anyone:
        response.headers["Cache-Control"] = PRIVATE
        return response
    carries_form = g.get("page_carries_form", False)
    shared, stale = shared_lifetime(current_app.config, carries_form=carries_form)
    response.headers["Cache-Control"] = public_cache_control(shared, stale)
    response.vary.update(("Accept-Encoding", "Cookie"))
    response.add_etag(weak=True)
    return response.make_conditional(request)


#: Bodies shorter than this are sent as they are: gzip would save less than its own headers.
COMPRESS_FROM_BYTES = 1024
COMPRESSIBLE = frozenset({"text/html", "application/atom+xml", "application/xml", "text/plain"})


def compress_built_page(response: Response) -> Response:
    """A page built for this request alone (a search, a staff screen, an error), gzipped for a
    browser that accepts it. Kept pages come compressed already."""
    response.vary.add("Accept-Encoding")
    if (
        response.direct_passthrough
        or response.is_streamed
        or "Content-Encoding" in response.headers
        or response.mimetype not in COMPRESSIBLE
        or not accepts_gzip(request.headers.get("Accept-Encoding"))
    ):
        return response
    body = response.get_data()
    if len(body) >= COMPRESS_FROM_BYTES:
        response.set_data(gzip_of([Run.of(body)]))
        response.headers["Content-Encoding"] = "gzip"  # a weak ETag holds for both encodings
    return response


def init_app(app: Flask) -> None:
    """The template globals that mark a kept page's slots and its form's time stamp."""
    app.add_template_global(slot)
    app.add_template_global(form_stamp)
    app.add_template_global(form_value)
