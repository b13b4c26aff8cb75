"""The cookies the login views write besides the session: deleting the remember-me cookie, and
the device cookie that lets a known browser past the per-account login lock (see devices.py).
"""

from __future__ import annotations

import flask_login
from flask import Response, current_app, request, url_for

from blog.auth.devices import issue_device_cookie, login_limit_key


def forget_remember_cookie(response: Response) -> Response:
    """Tell the browser to drop Flask-Login's remember-me cookie, wherever it was set.

    Flask-Login deletes the cookie only when a flag it keeps in the session is still there at
    the end of the request; logout clears the whole session, flag included, so the deletion is
    made here instead, from the same settings Flask-Login sets the cookie with (a deletion with
    another path or domain would not reach it).
    """
    config = current_app.config
    response.delete_cookie(
        config.get("REMEMBER_COOKIE_NAME", flask_login.COOKIE_NAME),
        path=config.get("REMEMBER_COOKIE_PATH", "/"),
        domain=config.get("REMEMBER_COOKIE_DOMAIN"),
        secure=config.get("REMEMBER_COOKIE_SECURE", flask_login.COOKIE_SECURE),
        httponly=config.get("REMEMBER_COOKIE_HTTPONLY", flask_login.COOKIE_HTTPONLY),
        samesite=config.get("REMEMBER_COOKIE_SAMESITE"),
    )
    return response


def give_device_cookie(response: Response, username: str) -> Response:
    """Mark this browser as one that has logged in to the account (a new cookie each login).

    Sent back to the login page only: no other page has any use for it.
    """
    config = current_app.config
    max_age = config["DEVICE_COOKIE_MAX_AGE"]
    response.set_cookie(
        config["DEVICE_COOKIE_NAME"],
        issue_device_cookie(username, current_app.secret_key, max_age),
        max_age=max_age,
        path=url_for("auth.login"),
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )
    return response


def login_limit_key_for_request(username: str) -> str:
    """The per-account login limit's key for this request (see devices.login_limit_key)."""
    cookie = request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"])
    return login_limit_key(username, cookie, current_app.secret_key)
