"""Page numbers in addresses: each page has one address, so no cache keeps a page twice.

Listings (?page=, paginate_articles) and an article's pages of threads (?comments=) read their
page number here. Page 1 has no parameter; any other way of writing a number (?page=1, ?page=02,
?page=+2, the parameter twice) is sent on to the one address with a 301; what is not a page
number is a 404.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import abort, current_app, redirect, request, url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import defer
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


def paginate_articles(stmt: Select) -> Pagination:
    """One page of a listing at its one address (requested_page); past the end, 404.

    A listing's pages only exist while there are articles for them, so a page past the end is
    not found rather than redirected: no address of a page that is not there answers 200.
    """
    return db.paginate(
        stmt.options(defer(Article.body_html)),
        page=requested_page("page"),
        per_page=current_app.config["ARTICLES_PER_PAGE"],
        error_out=True,
    )
