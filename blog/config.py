"""Safe defaults; everything here can be overridden (see create_app for the order)."""

from __future__ import annotations

#: Shown in the header of every page and in the feed.
SITE_NAME = "The Ledger"
#: One line under the site name.
SITE_TAGLINE = "Independent reporting, open to your replies"

#: None means SQLite in the instance folder (filled in by create_app).
SQLALCHEMY_DATABASE_URI: str | None = None
SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

#: None means a key generated once and kept in the instance folder.
SECRET_KEY: str | None = None

#: Articles on the home, author, category and tag pages.
ARTICLES_PER_PAGE = 10
#: Entries in the Atom feed.
FEED_LENGTH = 20

#: Requests larger than this are refused with 413.
MAX_CONTENT_LENGTH = 64 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
