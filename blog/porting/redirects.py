"""Old addresses keep working: a WordPress post's permalink (/2014/01/slug/) and its /?p=123
answer 301 to the article it became, the permalink's /feed/ to the article's comment feed,
WordPress's feed addresses to our feeds, and its archive of a category or tag (/category/news/)
to ours.

No request pays for this but those that would fail: an old address is looked up only where the
site would otherwise answer 404, and on the front page only when it carries WordPress's ?p=,
?page_id= or ?feed= (a kept front page is never served for those: blog.keptpages keeps a page
only at its own address). An article readers cannot see (a draft, one scheduled) is not
revealed: its old addresses answer 404 like any other.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, abort, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound

from blog.errors import render_error
from blog.extensions import db
from blog.inputs import CONTROL_CHARACTERS
from blog.models import Category, Tag
from blog.porting.links import redirect_path, redirect_target

bp = Blueprint("old_addresses", __name__)

#: The front page's query parameters that name a WordPress post or page.
POST_PARAMETERS = ("p", "page_id")
#: The longest path a Redirect row holds, and the most digits a WordPress id has.
MAX_PATH_LENGTH = 500
MAX_ID_LENGTH = 20
#: WordPress's ?feed= values, by the endpoint of our feed that replaces each.
FEED_PARAMETERS = {
    "rss2": "feeds.atom",
    "rss": "feeds.atom",
    "atom": "feeds.atom",
    "rdf": "feeds.atom",
    "comments-rss2": "comments.site_feed",
    "comments-atom": "comments.site_feed",
}


def permanently(endpoint: str, **values: str) -> Response:
    """A 301 to one of our pages, checked again by browsers (what it leads to can change)."""
    response = redirect(url_for(endpoint, **values), 301)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/feed/", strict_slashes=False)
@bp.get("/feed/rss2/", strict_slashes=False)
@bp.get("/feed/atom/", strict_slashes=False)
@bp.get("/feed/rdf/", strict_slashes=False)
def site_feed() -> Response:
    """WordPress's feed of posts: ours."""
    return permanently("feeds.atom")


@bp.get("/comments/feed/", strict_slashes=False)
@bp.get("/comments/feed/atom/", strict_slashes=False)
def comments_feed() -> Response:
    """WordPress's feed of comments: ours."""
    return permanently("comments.site_feed")


def to_article(path: str) -> Response | None:
    """A 301 to the visible article an old address moved to, or None."""
    article = redirect_target(path)
    if article is None or not article.is_visible:
        return None
    return permanently("articles.detail", slug=article.slug)


def _old_addresses() -> list[str]:
    """The forms this request's address may be kept in: its path, and with ?p= or ?page_id=;
    none for a path no old address can have (too long, or with control characters), so such a
    request never reaches the database."""
    if len(request.path) > MAX_PATH_LENGTH or CONTROL_CHARACTERS.search(request.path):
        return []
    path = quote(request.path)
    found = [redirect_path(path)]
    for name in POST_PARAMETERS:
        value = request.args.get(name, "")
        if value.isascii() and value.isdigit() and len(value) <= MAX_ID_LENGTH:
            found.append(redirect_path(f"{path}?{name}={value}"))
    return found


def front_page_redirect() -> Response | None:
    """For the front page: WordPress's /?p=123 (a 301 to its article, or a 404) and ?feed=
    (a 301 to our feed); None for any other front page request."""
    feed = FEED_PARAMETERS.get(request.args.get("feed", ""))
    if feed:
        return permanently(feed)
    if not any(name in request.args for name in POST_PARAMETERS):
        return None
    g.old_address_looked_up = True
    for path in _old_addresses()[1:]:  # the front page itself is no old address
        found = to_article(path)
        if found is not None:
            return found
    abort(404)


#: WordPress's archive of a category (its parents' slugs first) or of a tag: /category/a/b/.
_ARCHIVE = re.compile(r"/(category|tag)/(?:[^/]+/)*([^/]+)/?")
#: The name WordPress gives a post's comment feed, after the post's permalink.
FEED_SUFFIX = "/feed"


def to_archive(path: str) -> Response | None:
    """A 301 from WordPress's address of a category's or a tag's archive to ours, when we have
    that category or tag (same slug), or None."""
    match = _ARCHIVE.fullmatch(path)
    if match is None:
        return None
    endpoint, slug = f"articles.{match[1]}", match[2]
    if request.path == url_for(endpoint, slug=slug):
        return None  # our own address, not found for a reason of its own (a page past the end)
    model = Category if match[1] == "category" else Tag
    if db.session.scalar(sa.select(model.id).where(model.slug == slug)) is None:
        return None
    return permanently(endpoint, slug=slug)


def to_comment_feed(path: str) -> Response | None:
    """A 301 from a post's WordPress comment feed (its permalink and /feed/) to the comment
    feed of the visible article it became, or None."""
    if not path.endswith(FEED_SUFFIX):
        return None
    article = redirect_target(redirect_path(path.removesuffix(FEED_SUFFIX)))
    if article is None or not article.is_visible:
        return None
    return permanently("comments.article_feed", slug=article.slug)


def old_address_or_not_found(error: NotFound) -> ResponseReturnValue:
    """Before a 404: an old address of a visible article answers 301 to it, as do the comment
    feed of its permalink and WordPress's address of a category or tag we have."""
    if request.method in ("GET", "HEAD") and not g.pop("old_address_looked_up", False):
        try:
            addresses = _old_addresses()
            for path in addresses:
                found = to_article(path)
                if found is not None:
                    return found
            if addresses:
                found = to_comment_feed(addresses[0]) or to_archive(addresses[0])
                if found is not None:
                    return found
        except sa.exc.SQLAlchemyError:
            db.session.rollback()  # a 404 still, whatever the database is doing
    return render_error(error)


def init_app(app: Flask) -> None:
    """Answer WordPress's feed addresses, and old addresses where there would be a 404."""
    app.register_blueprint(bp)
    app.register_error_handler(404, old_address_or_not_found)
