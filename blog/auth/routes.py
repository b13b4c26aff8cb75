"""Views: log in, log out."""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user

from blog.auth.accounts import (
    authenticate,
    end_all_sessions,
    load_staff,
    normalize_username,
    record_login,
)
from blog.auth.cookies import (
    forget_remember_cookie,
    give_device_cookie,
    login_limit_key_for_request,
)
from blog.auth.forms import LoginForm
from blog.database import begin_write, reads_before_writing
from blog.extensions import db, limiter, login_manager
from blog.security import no_store, safe_next

bp = Blueprint("auth", __name__)

INVALID_LOGIN = "Invalid username or password."


def login_failed(response: Response) -> bool:
    """Only failed attempts count towards the login limits."""
    return response.status_code == 422


def login_account_key() -> str:
    """The per-account limit's key: the username tried, shared by every browser that has not
    logged in to it before; a browser with its device cookie has a count of its own."""
    return login_limit_key_for_request(normalize_username(request.form.get("username", "")))


@bp.route("/login", methods=["GET", "POST"])
@reads_before_writing  # checking a password is slow: no write lock is held meanwhile
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_CLIENT"],
    methods=["POST"],
    deduct_when=login_failed,
    scope="login-client",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_ACCOUNT"],
    methods=["POST"],
    deduct_when=login_failed,
    key_func=login_account_key,
    scope="login-account",
)
def login() -> ResponseReturnValue:
    """Staff log in; `next` is followed only to a path on this site."""
    target = safe_next(request.args.get("next")) or url_for("admin.dashboard")
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    if form.validate_on_submit():
        staff = authenticate(form.username.data, form.password.data)
        if staff is not None:
            session.clear()  # a new session at login: nothing carried over from before
            begin_write(db.session)
            login_user(staff, remember=form.remember.data)
            record_login(staff)
            db.session.commit()
            return give_device_cookie(redirect(target), staff.username)
        form.form_errors.append(INVALID_LOGIN)
    status = 422 if request.method == "POST" else 200
    return no_store(
        current_app.make_response((render_template("auth/login.html", form=form), status))
    )


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End this session and every other session of the account."""
    if current_user.is_authenticated:
        end_all_sessions(current_user)
        db.session.commit()
    logout_user()
    session.clear()
    flash("You have logged out.")
    return forget_remember_cookie(redirect(url_for("articles.index"), 303))


def init_app(app: Flask) -> None:
    """Tell Flask-Login how to load staff and where to send visitors who must log in."""
    login_manager.user_loader(load_staff)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.session_protection = "strong"
