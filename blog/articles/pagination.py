"""Page numbers in addresses: each page has one address, so no cache keeps a page twice.

Listings (?page=) and an article's pages of threads (?comments=) read their page number here.
Page 1 has no parameter; any other way of writing a number (?page=1, ?page=02, ?page=+2, the
parameter twice) is sent on to the one address with a 301; what is not a page number is a 404.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import abort, redirect, request, url_for

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
