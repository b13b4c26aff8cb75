"""The factory's wiring: importing a module registers nothing; create_app wires it all."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from blog import pagecache, search
from blog.extensions import login_manager
from blog.models import Article

#: Imports every module that used to register hooks when imported, then reports what is hooked.
_IMPORT_ONLY = textwrap.dedent(
    """
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    import blog.auth.routes, blog.comments.routes, blog.pagecache, blog.search
    from blog.extensions import login_manager
    from blog.models import Article

    hooked = [
        sa.event.contains(Session, "after_commit", blog.pagecache._bump),
        sa.event.contains(Article.__table__, "after_create", blog.search._install_with_the_table),
        login_manager._user_callback is not None,
    ]
    print(any(hooked))
    """
)


def test_importing_the_modules_registers_nothing():
    # A fresh interpreter: the test session has built apps already.
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_ONLY], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_create_app_registers_the_orm_and_login_hooks(app):
    assert sa.event.contains(Session, "after_flush", pagecache._collect)
    assert sa.event.contains(Session, "after_commit", pagecache._bump)
    assert sa.event.contains(Article.__table__, "after_create", search._install_with_the_table)
    assert login_manager.login_view == "auth.login"


def middleware(app: Flask) -> list[str]:
    """The WSGI layers around Flask's own wsgi_app, innermost first."""
    names = []
    layer = app.wsgi_app
    while not inspect.ismethod(layer):  # Flask's own wsgi_app is a bound method
        names.append(type(layer).__name__)
        layer = getattr(layer, "wsgi_app", None) or layer.app  # ProxyFix calls it app
    return names[::-1]


def test_middleware_is_installed_in_its_documented_order(app):
    assert middleware(app) == [
        "KeptPages",
        "SecureCookiesOverHTTPS",
        "PrivateWhenSettingCookies",
        "HttpsRedirect",
        "RequestIds",
    ]


def test_the_proxy_fix_is_outermost(tmp_path):
    from tests.conftest import build_app

    database = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'proxied.sqlite3'}"}
    proxied = build_app(database, PROXY_HOPS=1)
    assert middleware(proxied)[-2:] == ["RequestIds", "ProxyFix"]


def test_the_error_pages_import_no_feature():
    # The comments feature hands its expired-form answer to blog.errors, never the reverse.
    code = "import sys, blog.errors; print(sorted(m for m in sys.modules if m.startswith('blog.')))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "blog.comments" not in result.stdout
    assert "blog.articles" not in result.stdout
