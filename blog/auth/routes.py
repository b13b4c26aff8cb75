"""Views: log in, log out, reset a forgotten password by email."""

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

from blog.auth import reset
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
from blog.auth.forms import (
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    hashed_new_password,
)
from blog.database import begin_write, reads_before_writing
from blog.extensions import db, limiter, login_manager
from blog.models import utcnow
from blog.security import no_store, safe_next
from blog.signing import LINK_PROBLEM_STATUS, LinkProblem

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


def private_page(body: str, status: int = 200) -> Response:
    """A page for this visitor alone (a form with its token, a link's page): no cache keeps it,
    and no other site learns its address from the Referer."""
    response = no_store(current_app.make_response((body, status)))
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/login/forgot", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"],
    methods=["POST"],
    scope="password-reset-client",
)
def forgot_password() -> ResponseReturnValue:
    """Ask for a reset link; the answer is the same whether the account exists or not."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        reset.request_reset(form.name.data, utcnow())
        db.session.commit()
        return redirect(url_for(".reset_sent"), 303)
    status = 422 if request.method == "POST" else 200
    return private_page(render_template("auth/forgot.html", form=form), status)


@bp.get("/login/forgot/sent")
def reset_sent() -> ResponseReturnValue:
    """What everyone who asked for a reset link is told."""
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    return private_page(render_template("auth/reset_sent.html", minutes=minutes))


@bp.route("/login/reset", methods=["GET", "POST"])
@reads_before_writing  # scrypt: no write lock is held meanwhile
def reset_password() -> ResponseReturnValue:
    """The new-password form behind a reset link (GET changes nothing); its POST sets the
    password, uses the link up and ends every session of the account, then asks for a login."""
    token = request.args.get("link", "")
    staff = reset.account_to_reset(token)
    if isinstance(staff, LinkProblem):
        return reset_problem(staff)
    form = NewPasswordForm()
    if form.validate_on_submit() and (hashed := hashed_new_password(form.new)) is not None:
        begin_write(db.session)
        staff = reset.account_to_reset(token)  # again, now that no one else can write
        if isinstance(staff, LinkProblem) or not reset.reset_password(staff, token, hashed):
            return reset_problem(LinkProblem.USED)
        db.session.commit()
        logout_user()
        session.clear()
        flash("Your password has been changed and every session of the account has ended.")
        return forget_remember_cookie(redirect(url_for(".login"), 303))
    status = 422 if request.method == "POST" else 200
    return private_page(render_template("auth/reset.html", form=form, staff=staff), status)


def reset_problem(problem: LinkProblem) -> Response:
    """The page saying why a reset link cannot be used, with a way to ask for another."""
    page = render_template("auth/reset_problem.html", problem=problem)
    return private_page(page, LINK_PROBLEM_STATUS[problem])


def init_app(app: Flask) -> None:
    """Tell Flask-Login how to load staff and where to send visitors who must log in."""
    login_manager.user_loader(load_staff)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.session_protection = "strong"
