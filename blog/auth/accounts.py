"""The account rules, as plain functions: passwords, login checks, sessions that can be ended.

Flask-Login keeps `<id>:<session token>` in the session and the remember-me cookie. A new token
(at logout or a password change) makes every copy of the old cookies worthless, even a copy
replayed by someone who stole it.
"""

from __future__ import annotations

import hmac
import re
import secrets
from functools import cache

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app, g
from werkzeug.security import check_password_hash, generate_password_hash

from blog.extensions import db
from blog.inputs import has_visible_text
from blog.models import Comment, Staff, StaffRole, utcnow

#: The longest public name the staff table holds.
DISPLAY_NAME_MAX = 120


class PasswordRefused(ValueError):
    """A password that does not meet the rules; the message says why."""


class DisplayNameRefused(ValueError):
    """A public name that cannot be used; the message says why."""


class EmailRefused(ValueError):
    """A notification email that is not a valid address; the message says why."""


def new_session_token() -> str:
    """A fresh, unguessable session token."""
    return secrets.token_hex(32)


def check_password_rules(password: str, min_length: int) -> None:
    """Refuse passwords that are too short (length is what matters most)."""
    if len(password) < min_length:
        raise PasswordRefused(f"The password must be at least {min_length} characters long.")


def new_password_hash(password: str) -> str:
    """Check a new password against the rules and hash it (scrypt: slow, so a view does this
    before it takes the write lock)."""
    check_password_rules(password, current_app.config["PASSWORD_MIN_LENGTH"])
    return generate_password_hash(password)


def set_password(staff: Staff, password: str, *, hashed: str | None = None) -> None:
    """Store a new password (or its hash, made by new_password_hash) and end every session
    the account had."""
    staff.password_hash = hashed or new_password_hash(password)
    staff.session_token = new_session_token()


@cache
def _dummy_hash() -> str:
    """A hash to check when the username is unknown, so both failures cost the same."""
    return generate_password_hash(secrets.token_hex(16))


def authenticate(username: str, password: str) -> Staff | None:
    """The active account with this username and password, or None; same cost either way."""
    staff = db.session.scalar(sa.select(Staff).where(Staff.username == username.strip().lower()))
    if staff is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(staff.password_hash, password) or not staff.active:
        return None
    return staff


def load_staff(user_id: str) -> Staff | None:
    """Flask-Login's user loader: the account, if the token in the cookie is still current.

    None while the request's answer is the page saying the database cannot be reached: its
    template asks who is logged in (Flask-Login's context processor), and asking the database
    again would turn the 503 into a 500.
    """
    if g.get("database_unreachable"):
        return None
    row_id, _, token = user_id.partition(":")
    if not row_id.isdigit() or not token:
        return None
    staff = db.session.get(Staff, int(row_id))
    if staff is None or not staff.active:
        return None
    if not hmac.compare_digest(staff.session_token.encode(), token.encode()):
        return None
    return staff


def record_login(staff: Staff) -> None:
    """Note the time of a successful login; the caller commits."""
    staff.last_login_at = utcnow()


def end_all_sessions(staff: Staff) -> None:
    """Make every session and remember-me cookie of this account invalid; the caller commits."""
    staff.session_token = new_session_token()


def normalize_username(username: str) -> str:
    """Usernames are compared and stored trimmed and in lower case."""
    return username.strip().lower()


def shows_username(display_name: str, username: str) -> bool:
    """Whether the username appears in the display name as a word of its own, in any case."""
    login = normalize_username(username)
    return bool(login and re.search(rf"(?<!\w){re.escape(login)}(?!\w)", display_name.casefold()))


def check_display_name(display_name: str, username: str) -> str:
    """The public name, trimmed; refused when empty, too long, or when it shows the username.

    The username is half of what logs in, and the display name is printed on every staff reply
    and in the feeds, so it must not give the username away: not as the whole name, and not as
    a word of it ("Maren Holt" for the login "maren"), whatever the case.
    """
    name = " ".join(display_name.split())
    if not has_visible_text(name):  # (zero-width characters alone would sign replies blank)
        raise DisplayNameRefused("Enter the name readers will see.")
    if len(name) > DISPLAY_NAME_MAX:
        raise DisplayNameRefused(f"The name must be at most {DISPLAY_NAME_MAX} characters long.")
    if shows_username(name, username):
        raise DisplayNameRefused(
            "Readers would see your username in this name; choose one that does not contain it."
        )
    return name


def rename_staff(staff: Staff, display_name: str) -> int:
    """Give an account a new public name, and sign its existing replies with it too.

    Returns how many replies were re-signed; the caller commits. The name is checked first
    (see check_display_name), so a refused name changes nothing.
    """
    name = check_display_name(display_name, staff.username)
    if name == staff.display_name:
        return 0
    staff.display_name = name
    result = db.session.execute(
        sa.update(Comment)
        .where(Comment.staff_id == staff.id, Comment.author_name != name)
        .values(author_name=name)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def check_staff_email(email: str | None) -> str | None:
    """A notification email in its normalized spelling, or None for none; refused unless it is
    one valid address (its form only, no network look-up).

    The address goes into the To header of every moderation notice: a line break in it would
    forge headers, and the whole message would be refused.
    """
    email = (email or "").strip()
    if not email:
        return None
    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise EmailRefused(f"Not a valid email address: {exc}") from None


def update_account(staff: Staff, *, display_name: str, email: str | None) -> bool:
    """A person's own account details: public name (replies follow) and notification email.

    Returns whether anything changed; the caller commits. A refused name or email changes
    nothing.
    """
    email = check_staff_email(email)
    before = (staff.display_name, staff.email)
    rename_staff(staff, display_name)
    staff.email = email
    return (staff.display_name, staff.email) != before


def create_or_update_staff(
    username: str,
    password: str,
    *,
    role: str = StaffRole.ADMIN,
    display_name: str | None = None,
    email: str | None = None,
    hashed: str | None = None,
) -> tuple[Staff, bool]:
    """Create an account, or set a new password on an existing one. Returns (staff, created).

    A new account needs a display name other than its username (see check_display_name); an
    existing one keeps its own unless a new one is given, and its replies follow a new one. An
    email must be a valid address (see check_staff_email).
    """
    username = normalize_username(username)
    email = check_staff_email(email)
    staff = db.session.scalar(sa.select(Staff).where(Staff.username == username))
    created = staff is None
    if created:
        if display_name is None:
            raise DisplayNameRefused("A new account needs a display name: the name readers see.")
        staff = Staff(
            username=username,
            display_name=check_display_name(display_name, username),
            role=role,
            email=email,
            active=True,
        )
        db.session.add(staff)
    else:
        if display_name is not None:
            rename_staff(staff, display_name)
        if email:
            staff.email = email
    set_password(staff, password, hashed=hashed)
    return staff, created
