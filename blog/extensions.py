"""The Flask extensions, created unbound here and bound to the app in create_app."""

from __future__ import annotations

from typing import Any

from flask import session
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base whose constraints get stable names, so migrations can alter them."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
#: render_as_batch lets SQLite alter tables by copying them.
migrate = Migrate(render_as_batch=True, compare_type=True)
csrf = CSRFProtect()
#: Limits are declared on the views; storage comes from RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=get_remote_address)


class StaffLoginManager(LoginManager):
    """Flask-Login, with "strong" session protection applied to logged-in sessions only.

    The one place this codebase leans on a library's private API, and why: Flask-Login 0.6 has no
    public hook for session protection. Its public setting is the mode alone ("basic", "strong" or
    none), and it checks every session that holds anything, so a reader's session (a CSRF token,
    their pending comments), which holds no login to protect, would be rewritten and any remember
    cookie deleted on every request from a new address or browser. Doing the check ourselves with
    the mode off would need more of its private parts, not fewer: the identifier it stores at login
    (LoginManager._session_identifier_generator) and its session keys (_id, _remember). So the
    override stays, here alone, and tests/auth/test_session_protection.py fails as soon as
    Flask-Login changes what it relies on.
    """

    def _session_protection_failed(self) -> bool:
        if FLASK_LOGIN_USER_KEY not in session:
            return False
        return super()._session_protection_failed()


login_manager = StaffLoginManager()

#: The session keys Flask (flashed messages) and Flask-Login (the logged-in user) write: the
#: second place this codebase reads a library's private names. A kept page is served without
#: building a request in Flask (blog.fastpath), so whether a session holds a flash or a login
#: must be read from the session itself; neither library has a public way to ask without
#: changing the session (get_flashed_messages pops them). tests/test_session_keys.py fails as
#: soon as either library writes other keys.
FLASK_FLASHES_KEY = "_flashes"
FLASK_LOGIN_USER_KEY = "_user_id"


def holds_flashes(session_data: Any) -> bool:
    """Whether a session holds flashed messages not shown yet (read, never popped)."""
    return bool(session_data.get(FLASK_FLASHES_KEY))


def may_be_logged_in(session_data: Any, cookies: Any, config: Any) -> bool:
    """Whether the request may be a logged-in staff member's: a login in the session, or a
    remember-me cookie Flask-Login would log in from."""
    remember = config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return FLASK_LOGIN_USER_KEY in session_data or remember in cookies


#: Rendered article pages for anonymous readers (see blog.pagecache).
cache = Cache()
