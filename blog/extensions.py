"""The Flask extensions, created unbound here and bound to the app in create_app."""

from __future__ import annotations

from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from blog.auth.session_protection import StaffLoginManager


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


#: Strong session protection for logged-in sessions only (see blog.auth.session_protection).
login_manager = StaffLoginManager()
#: Sends moderation notices when MAIL_SERVER is configured.
mail = Mail()
#: Rendered article pages for anonymous readers (see blog.pagecache).
cache = Cache()
