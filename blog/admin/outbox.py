"""The staff's outbox page, admins only (reset links travel through the outbox): what waits,
what the senders gave up on and why, what went, with a Send again button; and the pickup
folder's messages, read as text, when no MAIL_SERVER is set.

A nested blueprint of the staff area's (URLs under /admin/outbox, endpoints admin.outbox.*), so
its guards and no-store headers are the staff area's own. Addresses are never listed, only how
many; a message's text is shown only while mail goes to the pickup folder, and never that of a
password reset, whose link would let whoever reads it into the account.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from blog.admin.paging import Count, capped_count
from blog.extensions import db
from blog.inputs import page_number
from blog.models import OutboxMessage, utcnow
from blog.outbox.pickup import file_kind, list_files, pickup_dir, read_file
from blog.outbox.queue import send_again

bp = Blueprint("outbox", __name__, url_prefix="/outbox")

#: The kind whose text no page shows.
SECRET_KINDS = frozenset({"password-reset"})
#: How many of the pickup folder's newest files the page lists.
FILES_LISTED = 100

WAITING, FAILED, SENT = "waiting", "failed", "sent"
TABS = [(WAITING, "Waiting"), (FAILED, "Failed"), (SENT, "Sent")]

#: Each tab's rows, in the order the page lists them.
TAB_ROWS = {
    WAITING: sa.select(OutboxMessage)
    .where(OutboxMessage.sent_at.is_(None), OutboxMessage.gave_up_at.is_(None))
    .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id),
    FAILED: sa.select(OutboxMessage)
    .where(OutboxMessage.sent_at.is_(None), OutboxMessage.gave_up_at.isnot(None))
    .order_by(OutboxMessage.gave_up_at.desc(), OutboxMessage.id.desc()),
    SENT: sa.select(OutboxMessage)
    .where(OutboxMessage.sent_at.isnot(None))
    .order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc()),
}


@bp.before_request
def admins_only() -> None:
    """Admins only; moderators get a 403 (the staff area's guard has checked the login)."""
    if not current_user.is_admin:
        abort(403)


def tab_counts() -> dict[str, Count]:
    """How many messages each tab holds, each counted up to the cap (one statement)."""
    cap = current_app.config["ADMIN_COUNT_CAP"]
    columns = [capped_count(rows, cap).label(tab) for tab, rows in TAB_ROWS.items()]
    row = db.session.execute(sa.select(*columns)).one()
    return {tab: Count(row._mapping[tab], cap) for tab in TAB_ROWS}


def failed_count() -> Count:
    """For the badge in the staff navigation: messages the senders gave up on."""
    cap = current_app.config["ADMIN_COUNT_CAP"]
    return Count(db.session.scalar(sa.select(capped_count(TAB_ROWS[FAILED], cap))) or 0, cap)


def picking_up() -> bool:
    """Whether mail goes to the pickup folder rather than a mail server."""
    return not current_app.config.get("MAIL_SERVER")


def shows_text(kind: str | None) -> bool:
    """Whether the page may show a message's text (see the module's docstring)."""
    return picking_up() and kind not in SECRET_KINDS


@dataclass(frozen=True)
class Reading:
    """A message as the page shows it: its headers, and its text unless withheld."""

    headers: list[tuple[str, str]]
    text: str | None


#: The headers the page shows, in this order (To only in the pickup folder's files).
SHOWN_HEADERS = ("Subject", "From", "To", "Date", "Message-ID", "List-Unsubscribe")


def reading(raw: bytes, *, with_text: bool, with_to: bool) -> Reading:
    """raw parsed for the page; the text only when with_text, To only when with_to."""
    message: EmailMessage = message_from_bytes(raw, policy=policy.default)
    headers = [
        (name, str(message[name]))
        for name in SHOWN_HEADERS
        if message[name] is not None and (with_to or name != "To")
    ]
    text = None
    if with_text:
        body = message.get_body(preferencelist=("plain",))
        try:
            text = body.get_content() if body is not None else ""
        except (LookupError, ValueError):  # a file dropped into the folder by hand
            text = "(This message's text cannot be decoded.)"
    return Reading(headers, text)


@bp.get("/")
def messages() -> str:
    """One tab of the outbox, longest waiting or newest first."""
    tab = request.args.get("tab", WAITING)
    if tab not in TAB_ROWS:
        abort(404)
    page = db.paginate(
        TAB_ROWS[tab],
        page=page_number(request.args.get("page")),
        per_page=current_app.config["ADMIN_COMMENTS_PER_PAGE"],
        max_per_page=current_app.config["ADMIN_COMMENTS_PER_PAGE"],
        error_out=False,
    )
    return render_template(
        "admin/outbox.html",
        tab=tab,
        tabs=TABS,
        counts=tab_counts(),
        page=page,
        now=utcnow(),
        picking_up=picking_up(),
    )


@bp.get("/<int:message_id>")
def message(message_id: int) -> str:
    """One message: its state, its headers, and its text when the page may show it."""
    row = db.get_or_404(OutboxMessage, message_id)
    return render_template(
        "admin/outbox_message.html",
        row=row,
        reading=reading(row.message, with_text=shows_text(row.kind), with_to=False),
        withheld=row.kind in SECRET_KINDS,
        picking_up=picking_up(),
        now=utcnow(),
    )


@bp.post("/<int:message_id>/send-again")
def send_message_again(message_id: int) -> Response:
    """Make a message that was not sent (given up, or waiting its retry) due now."""
    if send_again(message_id, utcnow()):
        db.session.commit()
        flash(f"Message {message_id} will be sent again now.")
    else:
        db.session.rollback()
        flash(f"Message {message_id} was already sent, or is gone: nothing to send again.")
    tab = request.form.get("tab")
    return redirect(url_for(".messages", tab=tab if tab in TAB_ROWS else WAITING), 303)


@bp.get("/folder")
def folder() -> str:
    """The pickup folder's newest messages (name, size, time)."""
    files, total = list_files(pickup_dir(current_app), FILES_LISTED)
    return render_template(
        "admin/outbox_folder.html",
        files=files,
        total=total,
        folder=pickup_dir(current_app),
        picking_up=picking_up(),
        tabs=TABS,
        counts=tab_counts(),
    )


@bp.get("/folder/<name>")
def folder_file(name: str) -> str:
    """One message of the pickup folder, read as text (a password reset's text withheld)."""
    raw = read_file(pickup_dir(current_app), name)
    if raw is None:
        abort(404)
    kind = file_kind(name)
    return render_template(
        "admin/outbox_file.html",
        name=name,
        reading=reading(raw, with_text=kind not in SECRET_KINDS, with_to=True),
        withheld=kind in SECRET_KINDS,
        folder=pickup_dir(current_app),
    )
