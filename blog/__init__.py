"""The blog application: create_app() reads like a table of contents."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Config, Flask

from blog import inputs
from blog.extensions import cache, csrf, db, limiter, login_manager, migrate
from blog.production import ConfigurationError, check_production_config
from blog.sharedcache import client_options, guarded_storage_uri
from blog.siteurl import configured_site_url, default_trusted_hosts


def create_app(test_config: Mapping[str, Any] | None = None, *, production: bool = False) -> Flask:
    """Build the app: config, extensions, blueprints, compression, guards, middleware, error
    pages, commands.

    production=True (wsgi.py) refuses settings that are only safe on a developer's machine
    (blog.production), raising ConfigurationError.
    """
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, test_config, production=production)
    inputs.init_app(app)  # before any route or hook: bounded URL converters, encoding checks
    register_extensions(app)
    register_blueprints(app)
    register_compression(app)
    register_guards(app)
    register_middleware(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def read_config() -> Config:
    """The settings create_app would use, without building the app (for gunicorn.conf.py)."""
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, None)
    return app.config


def load_config(
    app: Flask, test_config: Mapping[str, Any] | None, *, production: bool = False
) -> None:
    """Defaults, then instance/config.py, then FLASK_* environment variables, then test_config;
    then what follows from them (database, cache, secret key, site address and hosts)."""
    app.config.from_object("blog.config")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    if test_config is not None:
        app.config.from_mapping(test_config)

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'blog.sqlite3'}"
    if not app.config.get("CACHE_TYPE"):
        if app.config.get("CACHE_REDIS_URL"):
            app.config["CACHE_TYPE"] = "blog.sharedcache.GuardedRedisCache"
        else:
            app.config["CACHE_TYPE"] = "FileSystemCache"
            app.config.setdefault("CACHE_DIR", str(instance / "cache"))
            app.config.setdefault("CACHE_THRESHOLD", 5000)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(instance / "secret_key")
    limits_uri = guarded_storage_uri(str(app.config.get("RATELIMIT_STORAGE_URI") or ""))
    if limits_uri.startswith("guarded+"):
        # The limits' Redis behind the cache's breaker, with its short timeouts and no retries.
        app.config["RATELIMIT_STORAGE_URI"] = limits_uri
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            **client_options(app.config["CACHE_REDIS_TIMEOUT_SECONDS"]),
            "retry_seconds": app.config["CACHE_RETRY_SECONDS"],
            **(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {}),
        }
    if production:
        check_production_config(app.config)
    configure_site_address(app.config, production=production)


def configure_site_address(config: Config, *, production: bool) -> None:
    """SITE_URL normalised (or its development default), and TRUSTED_HOSTS from it when unset."""
    try:
        config["SITE_URL"] = configured_site_url(config)
    except ValueError as error:
        raise ConfigurationError(str(error)) from None
    if config.get("TRUSTED_HOSTS") is None:
        config["TRUSTED_HOSTS"] = default_trusted_hosts(config["SITE_URL"], production=production)


def instance_secret_key(path: Path) -> str:
    """Read the key kept at path, creating it (mode 600) the first time.

    O_EXCL makes the creation atomic, so several workers starting at once agree on one key.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text().strip()
        if key:
            return key
        raise RuntimeError(f"{path} is empty; delete it to have a new key generated") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def register_extensions(app: Flask) -> None:
    """Bind the extensions, tune the database connection, and hook the ORM and the login."""
    from blog import database, pagecache, search
    from blog.articles import archive
    from blog.auth import routes as auth
    from blog.outbox import sender as outbox_sender

    # Never let SQL parameters (comment emails among them) reach a log line or an error page.
    engine_options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    engine_options.setdefault("hide_parameters", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options

    db.init_app(app)
    migrate.init_app(app, db)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    cache.init_app(app)
    auth.init_app(app)  # how Flask-Login loads staff, where it sends those who must log in
    pagecache.init_app(app)  # every commit invalidates the pages it changed
    search.init_app(app)  # db.create_all() installs the search index too
    archive.init_app(app)  # every flush marks the archive months its articles changed
    outbox_sender.init_app(app)  # a sender per process, started lazily, woken by committed mail

    with app.app_context():
        database.configure_engine(db.engine)


def register_blueprints(app: Flask) -> None:
    """One blueprint per thing a reader does."""
    from blog import media, porting, privacy, subscriptions
    from blog.admin.inbox import bp as inbox_bp
    from blog.admin.routes import bp as admin_bp
    from blog.articles.routes import bp as articles_bp
    from blog.auth.routes import bp as auth_bp
    from blog.authors.routes import bp as authors_bp
    from blog.comments.routes import bp as comments_bp
    from blog.editorial.routes import bp as editorial_bp
    from blog.feeds.routes import bp as feeds_bp

    app.register_blueprint(articles_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(inbox_bp)  # the staff notice's Approve / Spam / Trash links
    app.register_blueprint(editorial_bp)
    app.register_blueprint(authors_bp)
    app.register_blueprint(comments_bp)
    app.register_blueprint(feeds_bp)
    subscriptions.init_app(app)  # follow-ups by email: its pages, and the digests' composer
    privacy.init_app(app)  # the privacy page, "Your data" (export or erase), the daily purge
    porting.init_app(app)  # import from WordPress and Disqus, their old addresses; export, restore
    media.init_app(app)  # pictures: /media/ files, and the larger request bound of upload views


def register_compression(app: Flask) -> None:
    """Pages built for one request gzipped when accepted. Registered before every other
    after_request hook, so it runs after them all, on the body they leave."""
    from blog import keptpages

    app.after_request(keptpages.compress_built_page)


def register_guards(app: Flask) -> None:
    """The hooks that guard every request: the staff area, CSRF, security headers."""
    from blog import security

    security.init_app(app)


def register_middleware(app: Flask) -> None:
    """The WSGI layers around Flask, innermost first; each one wraps all that come before it.

    1. the fast path answers a kept page to a reader without the site's cookies before Flask;
    2. its cookies and Flask's are marked Secure over HTTPS;
    3. a response that sets a cookie is made private, no-store (the fast path's too);
    4. a plain-HTTP request is redirected to SITE_URL's https address before any of the above;
    5. every response, the redirect's included, carries its request id;
    6. outermost, the proxy fix (PROXY_HOPS > 0), so every layer inside sees the client's
       scheme and address.
    """
    from blog import fastpath, requestid, security

    fastpath.init_app(app)
    app.wsgi_app = security.SecureCookiesOverHTTPS(app.wsgi_app)
    app.wsgi_app = security.PrivateWhenSettingCookies(app.wsgi_app)
    app.wsgi_app = security.HttpsRedirect(app.wsgi_app, app.config["SITE_URL"])
    requestid.init_app(app)
    security.trust_proxies(app)


def register_errorhandlers(app: Flask) -> None:
    """Styled error pages for every HTTP error, and a rolled-back session after a crash."""
    from blog import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    """flask import-article, flask load-demo."""
    from blog import cli

    cli.init_app(app)


def register_template_helpers(app: Flask) -> None:
    """Filters and globals the templates share; static files compressed when accepted."""
    from blog import assets, keptpages, templating

    templating.init_app(app)
    assets.init_app(app)
    keptpages.init_app(app)  # slot() and form_stamp(): where a kept page is a visitor's own
