"""The Flask extensions, created unbound here and bound to the app in create_app."""

from __future__ import annotations

from flask import session
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
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
        if "_user_id" not in session:
            return False
        return super()._session_protection_failed()


login_manager = StaffLoginManager()
#: Sends moderation notices when MAIL_SERVER is configured.
mail = Mail()
#: Rendered article pages for anonymous readers (see blog.pagecache).
cache = Cache()
