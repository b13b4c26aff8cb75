"""Resetting a forgotten password by a link sent to the account's email.

Whoever asks gets the same answer, whether the name or address belongs to an account or not;
only an active account with an email is sent anything. The link is signed (blog.signing) and
holds PASSWORD_RESET_MINUTES. It names the account and a digest of its password hash, so a new
password (by this link or any other way) retires every link sent before; setting the password
also spends it (single use) and ends every session of the account.

Asking is limited per client (PASSWORD_RESET_RATE_LIMIT, on the view), and an account gets at
most one reset email in each window of RESET_MAIL_INTERVAL: that allowance is itself a
single-use token, spent in the asking transaction, so every process of the site shares it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app, render_template

from blog.auth.accounts import EmailRefused, check_staff_email, normalize_username, set_password
from blog.extensions import db
from blog.models import Staff
from blog.outbox.messages import compose
from blog.outbox.queue import enqueue
from blog.signing import LinkProblem, is_spent, make_token, read_token, spend, use_once
from blog.siteurl import site_url_for

#: The purpose reset links are signed for.
PASSWORD_RESET = "password-reset"  # noqa: S105 (a name, not a password)
#: An account is sent at most one reset email in each window this long.
RESET_MAIL_INTERVAL = timedelta(minutes=5)


def password_digest(staff: Staff) -> str:
    """Names the account's current password without showing its hash (a token is readable)."""
    return hashlib.sha256(b"reset:" + staff.password_hash.encode()).hexdigest()[:32]


def reset_token(staff: Staff) -> str:
    """The signed token of a reset link for staff's current password."""
    return make_token(PASSWORD_RESET, [staff.id, password_digest(staff)])


def account_to_reset(token: str) -> Staff | LinkProblem:
    """The active account a reset link is for, or why it cannot be used: forged, used (or the
    password changed since it was sent), or older than PASSWORD_RESET_MINUTES."""
    payload = read_token(PASSWORD_RESET, token)
    if not (
        isinstance(payload, list)
        and len(payload) == 2
        and isinstance(payload[0], int)
        and isinstance(payload[1], str)
    ):
        return LinkProblem.FORGED
    staff = db.session.get(Staff, payload[0])
    if staff is None or not staff.active:
        return LinkProblem.FORGED
    if is_spent(PASSWORD_RESET, token) or payload[1] != password_digest(staff):
        return LinkProblem.USED
    minutes = float(current_app.config["PASSWORD_RESET_MINUTES"])
    if read_token(PASSWORD_RESET, token, max_age=minutes * 60) is None:
        return LinkProblem.EXPIRED
    return staff


def accounts_named(name_or_email: str) -> list[Staff]:
    """The active accounts with an email whose username or email this is (any case)."""
    text = name_or_email.strip()
    if not text:
        return []
    return list(
        db.session.scalars(
            sa.select(Staff)
            .where(
                Staff.active.is_(True),
                Staff.email.isnot(None),
                sa.or_(
                    Staff.username == normalize_username(text),
                    sa.func.lower(Staff.email) == text.lower(),
                ),
            )
            .order_by(Staff.id)
        )
    )


def reset_message(staff: Staff, address: str) -> EmailMessage:
    """The email with the reset link."""
    site = current_app.config["SITE_NAME"]
    return compose(
        f"[{site}] Reset your password",
        [address],
        render_template(
            "auth/reset_email.txt",
            staff=staff,
            link=site_url_for("auth.reset_password", link=reset_token(staff)),
            minutes=current_app.config["PASSWORD_RESET_MINUTES"],
            site_name=site,
        ),
    )


def request_reset(name_or_email: str, now: datetime) -> int:
    """Put a reset email in the outbox for each account so named, unless it was sent one in
    this window (RESET_MAIL_INTERVAL); returns how many. The caller commits, and answers the
    same whatever this returns."""
    window = int(now.timestamp() // RESET_MAIL_INTERVAL.total_seconds())
    sent = 0
    for staff in accounts_named(name_or_email):
        try:
            address = check_staff_email(staff.email)
        except EmailRefused:
            address = None
        if address and use_once(f"password-reset-mail:{staff.id}:{window}"):
            enqueue(reset_message(staff, address), [address], kind="password-reset")
            sent += 1
    return sent


def reset_password(staff: Staff, token: str, hashed: str) -> bool:
    """Set the new password (hashed by new_password_hash) and end every session of the
    account, using the link up; False, changing nothing, when it was used meanwhile. The
    caller commits."""
    if not spend(PASSWORD_RESET, token):
        return False
    set_password(staff, "", hashed=hashed)
    return True
