"""Page numbers in addresses: each page has one address, so no cache keeps a page twice.

Listings (?page=, paginate_articles) and an article's pages of threads (?comments=) read their
page number here. Page 1 has no parameter; any other way of writing a number (?page=1, ?page=02,
?page=+2, the parameter twice) is sent on to the one address with a 301; what is not a page
number is a 404.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import abort, current_app, redirect, request, url_for
from sqlalchemy.sql import Select

from blog.extensions import db
from blog.models import Article

#: What could be meant as a page number; only the digits without a sign or a leading 0 are its
#: address. Nine digits at most: no page number is longer, and int() has nothing large to do.
_PAGE_NUMBER = re.compile(r"\+?[0-9]{1,9}")


def requested_page(name: str) -> int:
    """The page ?name= asks for, 1 when absent; other spellings are redirected, nonsense 404s."""
    values = request.args.getlist(name)
    if not values:
        return 1
    if _PAGE_NUMBER.fullmatch(values[0]) is None or int(values[0]) < 1:
        abort(404)
    number = int(values[0])
    if len(values) > 1 or values[0] != str(number) or number == 1:
        abort(redirect(page_address(name, number), 301))
    return number


def page_address(name: str, number: int) -> str:
    """This address showing page `number` (no ?name= for page 1), other parameters kept."""
    query = [(key, value) for key, value in request.args.items(multi=True) if key != name]
    if number > 1:
        query.append((name, str(number)))
    address = url_for(request.endpoint, **request.view_args)
    return f"{address}?{urlencode(query)}" if query else address


@dataclass
class ListingPage:
    """One page of a listing: its articles, and whether there are newer and older pages.

    No total: counting a listing reads every row it filters, so it grows with the archive.
    """

    items: list[Article]
    page: int
    has_next: bool
    #: The deepest page the listing goes to; older articles are in the archive.
    max_pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    @property
    def continues_in_archive(self) -> bool:
        """The listing stops here, with older articles only in the archive."""
        return self.page == self.max_pages and self.has_next


def paginate_articles(
    stmt: Select,
    *,
    ids: Select | None = None,
    rows: Callable[[list[int]], Select] = Article.listed,
    per_page: int | None = None,
    max_pages: int | None = None,
    first_page: int | None = None,
) -> ListingPage:
    """One page of a listing at its one address (requested_page); past the end, 404.

    The page's ids are read first, from an index that matches the listing's filter and order
    (see Article.__table_args__), then their rows by primary key (`rows`, Article.listed): so a
    page costs the same however many articles the listing holds, and at most max_pages
    (MAX_LISTING_PAGES) deep. A page past the end or past that depth is not found rather than
    redirected: no address of a page that is not there answers 200. `ids` is the listing's ids
    in its order, where stmt's own are not the cheapest way to them (a tag's page).
    `first_page` is how many the listing's page 1 holds, when it is laid out differently from
    the others (a front page, blog.articles.front); page 2 starts after them.
    """
    config = current_app.config
    per_page = per_page or config["ARTICLES_PER_PAGE"]
    max_pages = max_pages or config["MAX_LISTING_PAGES"]
    number = requested_page("page")
    if number > max_pages:
        abort(404)
    if ids is None:
        ids = stmt.with_only_columns(Article.id)
    offset = (number - 1) * per_page
    if first_page is not None and number > 1:
        offset = first_page + (number - 2) * per_page
    found = list(db.session.scalars(ids.limit(per_page + 1).offset(offset)))
    if not found and number > 1:
        abort(404)
    shown = found[:per_page]
    items = in_order(shown, db.session.scalars(rows(shown))) if shown else []
    return ListingPage(items, number, has_next=len(found) > per_page, max_pages=max_pages)


def in_order(ids: list[int], articles: Iterable[Article]) -> list[Article]:
    """The articles in the order of ids."""
    by_id = {article.id: article for article in articles}
    return [by_id[id_] for id_ in ids if id_ in by_id]
