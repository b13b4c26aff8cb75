"""Safe defaults; everything here can be overridden (see create_app for the order)."""

from __future__ import annotations

#: The site's one public address, scheme and host only (e.g. "https://news.example.org"). Every
#: absolute URL that leaves a request (emails, feeds, sitemap, canonical links, JSON-LD, og:url)
#: is built on it, never on the request's Host header. Required when served through wsgi.py;
#: elsewhere None means http://127.0.0.1:5000 (flask run), or http://localhost under TESTING.
SITE_URL: str | None = None
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
#: Listing pages (home, author, category, tag) go this deep; older articles are reached through
#: the archive by month and the sitemaps, so no listing ever reads past this many rows.
MAX_LISTING_PAGES = 50
#: Articles on a month's archive page (a month of ten a day fits on two).
ARCHIVE_PER_PAGE = 200
#: Entries in the Atom feed.
FEED_LENGTH = 20

#: Search ranks up to this many matches by relevance; past it, the newest this many are ranked
#: and the page says "more than". Bounds the work of a word every article contains.
SEARCH_RANKED_MATCHES = 1000
#: A search running longer than this is stopped and answered with a styled 503.
SEARCH_TIMEOUT_SECONDS = 2.0

#: Requests larger than this are refused with 413.
MAX_CONTENT_LENGTH = 64 * 1024

# --- Pictures (blog.media) ---------------------------------------------------------------
#: Where pictures' files are kept: "files" (MEDIA_DIR, one machine; nginx can serve them) or
#: "database" (shared by every app server).
MEDIA_STORE = "files"
#: The files store's folder, relative to the instance folder.
MEDIA_DIR = "media"
#: The largest picture an editor may upload. Only the views that take an upload accept a request
#: this large (blog.media.uploads); deploy/nginx.conf allows it on those paths alone.
MEDIA_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: The most pixels a picture may have, checked before it is decoded (8000 x 6000 fits).
MEDIA_MAX_PIXELS = 50_000_000
#: How long browsers and caches keep a picture's file: its name changes with its content.
MEDIA_CACHE_SECONDS = 365 * 24 * 3600

#: CSRF is checked by blog.security, after the staff-area guard (so anonymous visitors to /admin
#: are sent to the login page, not shown a CSRF error).
WTF_CSRF_CHECK_DEFAULT = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Comments ---------------------------------------------------------------------------
#: Replies nest this deep (1 = no replies); deeper replies attach at the deepest level.
COMMENT_MAX_DEPTH = 3
#: Days a commenter's IP address and user agent are kept (for spam checks and bans by address);
#: `flask purge`, run daily by the worker, removes older ones, and importers never bring them in.
COMMENT_IP_RETENTION_DAYS = 30
#: Approve at once when the same email already has an approved comment (unless held).
COMMENT_AUTO_APPROVE_KNOWN = True
#: More links than this hold a comment for moderation.
COMMENT_MAX_LINKS = 2
#: Words that hold a comment for moderation, and words that mark it as spam.
COMMENT_HOLD_WORDS: list[str] = []
COMMENT_BLOCK_WORDS: list[str] = []
#: A form sent sooner than this after it was served counts as a bot (0 turns it off).
COMMENT_MIN_SECONDS = 3
#: A form older than this is refused and served again with a fresh stamp.
COMMENT_FORM_MAX_AGE_SECONDS = 2 * 24 * 3600
#: Close comments this many days after publication (None: never).
COMMENTS_CLOSE_AFTER_DAYS: int | None = None
#: Flask-Limiter limit on comment posts per client.
COMMENT_RATE_LIMIT = "5 per minute;50 per day"
#: How long the "save my name, email and website" cookie lasts.
COMMENT_AUTHOR_COOKIE_DAYS = 365
#: Reports by this many distinct readers (browsers on different networks) hide a comment until
#: a moderator decides (blog.comments.reports).
COMMENT_REPORT_HOLD = 3
#: Flask-Limiter limit on reports per client.
COMMENT_REPORT_RATE_LIMIT = "10 per hour;50 per day"
#: For this long after posting, the same browser may edit or delete its comment.
COMMENT_EDIT_MINUTES = 15
#: Top-level threads per page of comments under an article.
COMMENTS_PER_PAGE = 50
#: Entries in the comment feeds.
COMMENT_FEED_LENGTH = 30

# --- Rate limiting (Flask-Limiter) ------------------------------------------------------
RATELIMIT_ENABLED = True
#: memory:// on one machine; redis://host:6379 to share limits across workers and machines.
RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_HEADERS_ENABLED = True
#: If the shared storage (Redis) fails, each process counts on its own (the same limits) until
#: it answers again; never no limit.
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True

# --- Staff and login --------------------------------------------------------------------
#: Failed logins allowed per client, and per account (browsers new to it share one count).
LOGIN_RATE_LIMIT_CLIENT = "5 per minute;50 per hour"
LOGIN_RATE_LIMIT_ACCOUNT = "5 per minute;100 per hour"
#: The device cookie (blog.auth.devices): a browser that logged in to an account is counted on
#: its own against LOGIN_RATE_LIMIT_ACCOUNT, so guesses from elsewhere never lock its owner out.
#: HttpOnly, SameSite=Lax, sent to the login page only; Secure over HTTPS.
DEVICE_COOKIE_NAME = "login_device"
DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600
#: Staff passwords shorter than this are refused.
PASSWORD_MIN_LENGTH = 12
#: Flask-Login's remember-me cookie; Secure is added whenever a request comes over HTTPS.
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_DURATION = 30 * 24 * 3600

# --- Hosts and proxies ------------------------------------------------------------------
#: Host names the site answers to; any other Host header gets a 400. None: SITE_URL's host,
#: plus localhost and 127.0.0.1 outside production. Example: ["news.example.org"].
TRUSTED_HOSTS: list[str] | None = None
#: How many proxies in front of the app set X-Forwarded-For/-Proto/-Host and X-Request-ID
#: (nginx alone: 1). 0 believes none of those headers, as is right with nothing in front.
PROXY_HOPS = 0

# --- Mail (blog.outbox: a durable outbox, sent over SMTP) ----------------------------------
#: Set MAIL_SERVER (and MAIL_PORT, MAIL_USERNAME, ...) to email staff about held comments.
MAIL_SERVER: str | None = None
MAIL_DEFAULT_SENDER = "blog@localhost"
MAIL_PORT = 25
#: STARTTLS on MAIL_PORT (the server's certificate is verified), or TLS from the start.
MAIL_USE_TLS = False
MAIL_USE_SSL = False
#: Log in to the mail server when both are set.
MAIL_USERNAME: str | None = None
MAIL_PASSWORD: str | None = None
#: How long any one step of talking to the mail server (connecting, each command) may take.
MAIL_TIMEOUT_SECONDS = 10.0
#: Each app process sends due mail on a thread of its own, to MAIL_SERVER or with none into
#: MAIL_PICKUP_DIR (started by its first request or the first email it writes). False leaves
#: sending to `flask worker`.
OUTBOX_SENDER_THREAD = True
#: How often that thread looks for mail whose retry has come (it wakes at once for new mail).
OUTBOX_POLL_SECONDS = 5.0
#: A message that failed is tried again after this long, doubling each time up to the maximum.
OUTBOX_RETRY_SECONDS = 10.0
OUTBOX_RETRY_MAX_SECONDS = 15 * 60.0
#: How long a sender holds a message it is sending; past it, another sender may send it again
#: (so at least once, never lost). Longer than a send can take with MAIL_TIMEOUT_SECONDS.
OUTBOX_LEASE_SECONDS = 120.0
#: After this many failed attempts (about a day and a half with the retries above) the senders
#: give a message up; the staff's outbox page shows it and can send it again.
OUTBOX_MAX_ATTEMPTS = 150
#: Sent messages are deleted from the outbox after this many days.
OUTBOX_KEEP_DAYS = 30
#: With no MAIL_SERVER, mail is not sent but written here as .eml files (relative paths are in
#: the instance folder) and listed on the staff's outbox page.
MAIL_PICKUP_DIR = "mail"

# --- Email to commenters and staff (blog.subscriptions, signed links) --------------------
#: Followers of an article get at most one email of its new comments this often.
NOTIFY_DIGEST_MINUTES = 60
#: An address that has not confirmed gets at most one confirmation this often, however many
#: comments name it.
NOTIFY_CONFIRMATION_HOURS = 24
#: How many confirmation emails one client may cause (a limits string, per client address).
NOTIFY_CONFIRMATION_RATE_LIMIT = "5 per hour;20 per day"
#: How long the Approve / Spam / Trash links of a staff notice hold (each is used up by its POST).
MODERATION_LINK_DAYS = 3
#: How long a password-reset link holds (it is used up by setting the password).
PASSWORD_RESET_MINUTES = 60
#: How many password-reset emails one client may ask for (a limits string, per client address).
PASSWORD_RESET_RATE_LIMIT = "5 per hour"  # noqa: S105 (a rate, not a password)

# --- Readers' data (blog.privacy) --------------------------------------------------------
#: How long the link of a "Your data" email holds (download any number of times; erase once).
YOUR_DATA_LINK_HOURS = 24
#: "Your data" requests allowed per address (all its spellings: blog.subscriptions.followers
#: .mailbox_of) and per client (an IPv4 address, an IPv6 /64); a limits string each.
YOUR_DATA_RATE_LIMIT_ADDRESS = "3 per hour;10 per day"
YOUR_DATA_RATE_LIMIT_CLIENT = "10 per hour;30 per day"
#: How long the web server's access log (nginx: client address, time, request) is kept, as the
#: privacy page states it: the site cannot see it, so set it to what your log rotation keeps
#: (Debian's logrotate for nginx: 14 days). None leaves the page saying no number.
SERVER_LOG_DAYS: int | None = 14

#: Items per page in the moderation queue.
ADMIN_COMMENTS_PER_PAGE = 20
#: Staff screens count rows up to this many and then show "1,000+" (tabs, badge, histories).
ADMIN_COUNT_CAP = 1000
#: A search in the queue reads only this many of the tab's newest comments (it says so).
ADMIN_SEARCH_WINDOW = 5000
#: A title search in the article list reads only this many of the list's newest articles
#: (about a month of a busy newsroom's work; an author or category filter reaches back further).
ADMIN_ARTICLE_SEARCH_WINDOW = 1000
#: A statement of a staff screen still running after this long is cancelled (a 503).
ADMIN_STATEMENT_TIMEOUT_MS = 3000

# --- A slow database (PostgreSQL) -------------------------------------------------------
#: A statement run for a reader's request still running after this long is cancelled, and the
#: reader gets the styled 503 with Retry-After instead of a worker held for minutes.
READER_STATEMENT_TIMEOUT_MS = 5000
#: The same bound for a staff member's writes (saving an article, moderating), which may touch
#: more rows. Commands (migrations, imports) are not bounded.
STAFF_WRITE_STATEMENT_TIMEOUT_MS = 30000

# --- Page cache (Flask-Caching) ---------------------------------------------------------
#: None: a directory in the instance folder, shared by every worker on this machine;
#: Redis when CACHE_REDIS_URL is set (blog.sharedcache, several machines); "NullCache" turns it off.
CACHE_TYPE: str | None = None
CACHE_REDIS_URL: str | None = None
#: Connect and socket timeout for every call to Redis (page cache and rate limits): a paused or
#: unreachable Redis costs a request at most this long.
CACHE_REDIS_TIMEOUT_SECONDS = 0.25
#: After a failed call, a worker leaves Redis alone this long (pages are built without the
#: cache meanwhile), then tries again; the log says so once per interval.
CACHE_RETRY_SECONDS = 5
#: How long Redis may vouch that no change went unrecorded while it was away: at least this
#: often one page read asks the database (blog.pagecache, cache debts).
CACHE_TRUST_SECONDS = 2
CACHE_DEFAULT_TIMEOUT = 24 * 3600
#: How long a shared cache in front (nginx, a CDN) may keep a public page (s-maxage), and serve
#: it stale for while it fetches a fresh one (stale-while-revalidate). Browsers check every time.
#: A page with the comment form is kept less than COMMENT_MIN_SECONDS (blog.keptpages).
CACHE_SHARED_SECONDS = 10
CACHE_STALE_SECONDS = 30
CACHE_KEY_PREFIX = "blog:"
