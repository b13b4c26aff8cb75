"""The reader's pages: the privacy page, "Your data" (ask for a link), and the pages behind the
link (what is held, with Download and Erase).

The privacy page, the request form and the answers are the same for every reader and kept like
the other public pages (blog.keptpages): the form carries no token, and its POST is checked by
origin (blog.security.checked_by_origin), as the comment form's is. The request is limited per
address (YOUR_DATA_RATE_LIMIT_ADDRESS, counted under the address's keyed digest, never the
address) and per client (YOUR_DATA_RATE_LIMIT_CLIENT); a refused one gets the styled 429 page.
Whatever the address, the answer is the same page.

The link's pages are one person's: no cache keeps them, and no other site learns their address
from the Referer. Opening the link changes nothing (mail scanners open links); Download and
Erase are POSTs checked by origin, the signed link being their key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import date
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address

from blog import pagecache
from blog.database import reads_before_writing
from blog.extensions import limiter
from blog.keptpages import building, kept_page
from blog.privacy import requests
from blog.privacy.forms import AddressForm, EraseForm
from blog.privacy.holdings import holdings_of
from blog.privacy.links import address_in
from blog.privacy.records import address_digest
from blog.security import checked_by_origin, no_store
from blog.signing import LINK_PROBLEM_STATUS, LinkProblem
from blog.subscriptions.followers import client_of

bp = Blueprint("privacy", __name__)

#: The settings these pages state. A kept page carries their values' digest as a stamp, and
#: each app process puts its own digest in the page cache's version store as it starts
#: (publish_settings), so after a restart with other values no page kept before is served:
#: the privacy page never states a retention that is no longer the one in force.
STATED_SETTINGS = (
    "COMMENT_IP_RETENTION_DAYS",
    "COMMENT_AUTHOR_COOKIE_DAYS",
    "OUTBOX_KEEP_DAYS",
    "MAIL_SERVER",
    "SERVER_LOG_DAYS",
    "YOUR_DATA_LINK_HOURS",
)
SETTINGS_KEY = "privacy-settings"


def settings_digest(config: Mapping[str, Any]) -> str:
    """A short digest of the stated settings' values."""
    values = json.dumps([config.get(name) for name in STATED_SETTINGS], default=str)
    return hashlib.sha256(values.encode()).hexdigest()[:16]


def publish_settings(app: Flask) -> None:
    """Put this process's stated settings in the version store (when pages are kept)."""
    with app.app_context():
        if pagecache.enabled():
            pagecache.version_store(app).set(SETTINGS_KEY, settings_digest(app.config), timeout=0)


def stamp_settings() -> None:
    """Stamp the page being kept with the stated settings (and put them in the store if it
    lost them)."""
    built = building()
    if built is None:
        return
    digest = settings_digest(current_app.config)
    pagecache.version_store().add(SETTINGS_KEY, digest, timeout=0)
    built.stamps[SETTINGS_KEY] = digest


def kept_stating_settings(view: Callable[[], str]) -> Callable[[], Any]:
    """A page kept for every reader (blog.keptpages) that states settings (stamp_settings)."""

    @wraps(view)
    def stamped() -> str:
        stamp_settings()
        return view()

    return kept_page()(stamped)


def behind_link(view: Callable[[str, str], ResponseReturnValue]) -> Callable[[str], Any]:
    """A view of the link's pages, given the address its token names; the styled page saying
    why instead when the link is forged, used or expired."""

    @wraps(view)
    def with_address(token: str) -> ResponseReturnValue:
        address = address_in(token)
        if isinstance(address, LinkProblem):
            return link_problem(address)
        return view(token, address)

    return with_address


def private_page(template: str, status: int = 200, **context: object) -> Response:
    """A page for the link's holder alone: no cache, no Referer."""
    response = no_store(make_response(render_template(f"privacy/{template}", **context), status))
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def link_problem(problem: LinkProblem) -> Response:
    """The styled page saying why a link cannot be used (404 forged, 410 used or expired)."""
    return private_page("link_problem.html", LINK_PROBLEM_STATUS[problem], problem=problem)


def attachment(document: dict, site_name: str) -> Response:
    """The document as a JSON file to save, never kept by a cache."""
    body = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    response = no_store(Response(body, mimetype="application/json"))
    stem = "".join(c if c.isalnum() else "-" for c in site_name.lower()).strip("-") or "site"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{stem}-your-data-{date.today().isoformat()}.json"'
    )
    return response


@bp.get("/privacy")
@kept_stating_settings
def privacy() -> str:
    """What the site keeps about readers, where and for how long, from the settings now."""
    return render_template("privacy/privacy.html")


@bp.get("/your-data")
@kept_stating_settings
def your_data() -> str:
    """The form: an email address, and what happens next."""
    return render_template("privacy/your_data.html", form=AddressForm(formdata=None))


def address_limit_key() -> str:
    """The per-address limit's key: the keyed digest of the inbox the address reaches (every
    spelling counts as one; the limiter's storage never holds an address)."""
    return "address:" + address_digest(request.form.get("email", "").strip())


def client_limit_key() -> str:
    """The per-client limit's key: an IPv4 address, an IPv6 /64."""
    return "client:" + client_of(get_remote_address())


@bp.post("/your-data")
@checked_by_origin  # a reader has no session: checked by where the form was sent from
@reads_before_writing  # the pickup folder is read before the write lock is taken
@limiter.limit(
    lambda: current_app.config["YOUR_DATA_RATE_LIMIT_CLIENT"],
    key_func=client_limit_key,
    scope="your-data-client",
)
@limiter.limit(
    lambda: current_app.config["YOUR_DATA_RATE_LIMIT_ADDRESS"],
    key_func=address_limit_key,
    scope="your-data-address",
)
def ask() -> ResponseReturnValue:
    """Send a link to the address if the site holds anything for it; the answer is the same."""
    form = AddressForm()
    if not form.validate():
        return render_template("privacy/your_data.html", form=form), 422
    requests.ask_for_link(form.email.data)
    return redirect(url_for(".sent"), 303)


@bp.get("/your-data/sent")
@kept_stating_settings
def sent() -> str:
    """What everyone who asked is told, whatever the address."""
    return render_template("privacy/sent.html")


@bp.get("/your-data/erased")
@kept_page()
def erased() -> str:
    """Where an erasure ends."""
    return render_template("privacy/erased.html")


@bp.get("/your-data/link/<token>")
@behind_link
def link_page(token: str, address: str) -> ResponseReturnValue:
    """What the site holds for the link's address, with Download and Erase. Changes nothing."""
    return private_page(
        "link.html", token=token, held=holdings_of(address), form=EraseForm(formdata=None)
    )


@bp.post("/your-data/link/<token>/download")
@checked_by_origin  # a reader has no session; the signed link is the key
@behind_link
def download(token: str, address: str) -> ResponseReturnValue:
    """Everything held about the link's address, as a JSON file."""
    return attachment(requests.download(address), current_app.config["SITE_NAME"])


@bp.post("/your-data/link/<token>/erase")
@checked_by_origin
@reads_before_writing  # erase_address takes the write lock itself, then spends the link
@behind_link
def erase(token: str, address: str) -> ResponseReturnValue:
    """Erase what is held for the link's address, and use the link up."""
    form = EraseForm()
    form.validate()
    done = requests.erase_address(address, delete_text=form.delete_text.data, token=token)
    if done is None:
        return link_problem(LinkProblem.USED)
    return redirect(url_for(".erased"), 303)
