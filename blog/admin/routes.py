"""Views of the staff area. Every /admin URL needs a logged-in, active staff account.

Over 400 lines on purpose: it is sixteen thin views (the queue and its actions, bans, accounts,
the audit log), each a form, a call to a rule in actions.py, bans.py, audit.py or
auth.accounts, and a redirect. Split by screen they would share the blueprint, its guard and
the back-to-the-queue rule across files for no reader's gain.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user

from blog.admin import audit, outbox, queries
from blog.admin.actions import (
    ACTIONS,
    done_message,
    edit_comment,
    moderate,
    moderate_many,
    staff_reply,
)
from blog.admin.bans import (
    ban_impact,
    ban_state,
    default_end_date,
    end_of,
    find_ban,
    lift_ban,
    parse_ban,
    place_ban,
)
from blog.admin.forms import (
    AccountForm,
    BanConfirmForm,
    BanForm,
    EditCommentForm,
    ReplyForm,
    StaffForm,
)
from blog.admin.navigation import staff_navigation
from blog.admin.paging import NoSuchPage, parse_cursor
from blog.admin.timebound import bound_statement_time
from blog.auth.accounts import (
    PasswordRefused,
    authenticate,
    create_or_update_staff,
    new_password_hash,
    set_password,
    update_account,
)
from blog.auth.forms import PasswordForm
from blog.comments.reports import dismiss_reports, report_summaries
from blog.database import begin_write, reads_before_writing
from blog.extensions import db
from blog.inputs import parse_id, query_text
from blog.models import Article, Ban, Comment, CommentRevision, CommentStatus, Staff, utcnow
from blog.privacy import staff as readers_data
from blog.refusals import Refused
from blog.security import no_store, safe_next

bp = Blueprint("admin", __name__, url_prefix="/admin")

#: The buttons on each of the dashboard's waiting comments (the queue has them all).
DASHBOARD_ACTIONS = ("approve", "spam", "trash")

TABS = [
    (CommentStatus.PENDING, "Pending"),
    (CommentStatus.APPROVED, "Approved"),
    (CommentStatus.SPAM, "Spam"),
    (CommentStatus.TRASH, "Trash"),
    (queries.REPORTED, "Reported"),
]


@bp.after_request
def staff_pages_are_not_stored(response: Response) -> Response:
    """Staff screens hold emails and addresses: keep them out of every cache."""
    return no_store(response)


bp.context_processor(staff_navigation)
bound_statement_time(bp)
bp.register_blueprint(outbox.bp)
bp.register_blueprint(readers_data.bp)  # export or erase one address's data (blog.privacy)


def admin_required(view: Callable) -> Callable:
    """Admins only; moderators get a 403."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def staff_area_path(target: str | None) -> str | None:
    """target if it is a safe path inside the staff area, else None."""
    target = safe_next(target)
    return target if target and target.startswith("/admin/") else None


def back_to_queue(default_status: str = CommentStatus.PENDING) -> Response:
    """Back to the page the editor acted from (the queue's tab and page, or the dashboard)."""
    target = staff_area_path(request.form.get("next"))
    return redirect(target or url_for(".comments", status=default_status), 303)


def get_comment_or_404(comment_id: int) -> Comment:
    return db.get_or_404(Comment, comment_id)


# --- Dashboard and queue ---------------------------------------------------------------------


@bp.get("/")
def dashboard() -> str:
    """Counts per status and the newest pending comments."""
    return render_template(
        "admin/dashboard.html",
        counts=queries.status_counts(),
        newest=queries.newest_pending(5),
        actions=[ACTIONS[name] for name in DASHBOARD_ACTIONS],
    )


@bp.get("/comments")
def comments() -> ResponseReturnValue:
    """The moderation queue: one tab per status, filter by article, search; pages named by
    the comment above them (?before=), see paging.py."""
    status = request.args.get("status", CommentStatus.PENDING)
    if status not in dict(TABS):
        abort(404)
    article_id = parse_id(request.args.get("article"))
    article = db.get_or_404(Article, article_id) if article_id else None
    search = query_text("q")
    before = parse_cursor(request.args.get("before"))

    def address(before: int | None = None, **changes: Any) -> str:
        """This tab, filter and search; the page after `before`."""
        fields = {"status": status, "article": article_id, "q": search or None, **changes}
        return url_for(".comments", **fields, before=before)

    if "page" in request.args:  # numbered pages are gone: the queue begins again
        return redirect(address(), 302)
    queue = queries.queue(status, article_id=article_id, search=search)
    try:
        page = queue.listing.page(before, current_app.config["ADMIN_COMMENTS_PER_PAGE"])
    except NoSuchPage:  # its comment was moderated meanwhile, or nothing follows it
        return redirect(address(), 302)
    return render_template(
        "admin/comments.html",
        page=page,
        address=address,
        status=status,
        tabs=TABS,
        counts=queries.status_counts(),
        article=article,
        search=search,
        searched_newest=queue.searched_newest,
        history=queries.commenter_history({c.author_email for c in page.items}),
        latest=queries.latest_actions([c.id for c in page.items]),
        caught=queries.catching_bans(page.items),
        reports=report_summaries(c.id for c in page.items),
        actions=ACTIONS,
        reply_form=ReplyForm(formdata=None),
        here=request.full_path,
    )


@bp.post("/comments/<int:comment_id>/<action_name>")
def act(comment_id: int, action_name: str) -> Response | str:
    """One action on one comment; deleting for good asks for confirmation first."""
    action = ACTIONS.get(action_name)
    if action is None:
        abort(404)
    comment = get_comment_or_404(comment_id)
    if action.name == "delete" and request.form.get("confirmed") != "yes":
        return render_template(
            "admin/confirm_delete.html",
            comments=[comment],
            next=staff_area_path(request.form.get("next")),
        )
    if moderate(comment, action, current_user):
        db.session.commit()
        flash(done_message(action))
    else:
        flash(f"That comment is {comment.status}: it cannot be {action.done}.")
    return back_to_queue(comment.status if action.name != "delete" else CommentStatus.TRASH)


@bp.post("/comments/<int:comment_id>/dismiss-reports")
def dismiss(comment_id: int) -> Response:
    """The readers' reports were unfounded: closed, and the comment back if they hid it."""
    comment = get_comment_or_404(comment_id)
    closed = dismiss_reports(comment, current_user)
    db.session.commit()
    flash("Reports dismissed." if closed else "That comment has no open reports.")
    return back_to_queue(queries.REPORTED)


@bp.post("/comments/bulk")
def bulk() -> Response | str:
    """The Apply menu: one action on every ticked comment."""
    action = ACTIONS.get(request.form.get("action", ""))
    ids = [i for i in map(parse_id, request.form.getlist("ids")) if i is not None]
    if action is None or not ids:
        flash("Tick some comments and choose an action.")
        return back_to_queue()
    if action.name == "delete" and request.form.get("confirmed") != "yes":
        found = db.session.scalars(sa.select(Comment).where(Comment.id.in_(ids))).all()
        return render_template(
            "admin/confirm_delete.html",
            comments=found,
            next=staff_area_path(request.form.get("next")),
        )
    changed = moderate_many(ids, action, current_user)
    flash(done_message(action, changed) if changed else "No comment was changed.")
    return back_to_queue()


@bp.post("/comments/<int:comment_id>/reply")
def reply(comment_id: int) -> Response:
    """Approve a comment and publish a staff reply under it."""
    comment = get_comment_or_404(comment_id)
    form = ReplyForm()
    if not form.validate():
        flash("The reply was empty, so nothing was published.")
        return back_to_queue()
    staff_reply(comment, current_user, form.body.data, current_app.config)
    flash("Comment approved and reply published.")
    return back_to_queue()


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
def edit(comment_id: int) -> Response | str:
    """Correct a comment's text; the previous text is kept as a revision."""
    comment = get_comment_or_404(comment_id)
    form = EditCommentForm(obj=comment) if request.method == "GET" else EditCommentForm()
    if form.validate_on_submit():
        changed = edit_comment(comment, form.body.data, current_user)
        flash("Comment updated." if changed else "Nothing was changed.")
        return back_to_queue(comment.status)
    revisions = db.session.scalars(
        sa.select(CommentRevision)
        .where(CommentRevision.comment_id == comment.id)
        .order_by(CommentRevision.created_at.desc(), CommentRevision.id.desc())
    ).all()
    status = 422 if request.method == "POST" else 200
    return render_template(
        "admin/edit.html",
        comment=comment,
        form=form,
        revisions=revisions,
        next=request.values.get("next", ""),
    ), status


# --- Bans ------------------------------------------------------------------------------------


@bp.get("/bans")
def bans() -> str:
    """Banned emails and networks, each with its end, and the form to ban another."""
    return _bans_page(BanForm(formdata=None))


def _bans_page(form: BanForm, status: int = 200) -> tuple[str, int]:
    listed = db.session.scalars(sa.select(Ban).order_by(Ban.created_at.desc(), Ban.id.desc()))
    return render_template(
        "admin/bans.html", form=form, bans=listed.all(), ban_state=ban_state, now=utcnow()
    ), status


@bp.post("/bans")
def add_ban() -> Response | tuple[str, int]:
    """Ban an email or a network, once the moderator has seen what it would catch.

    Without confirmed=yes (the queue's Ban buttons, the form on the bans page) this only shows
    the confirmation page; nothing is saved until it is sent back confirmed.
    """
    form = BanConfirmForm()
    kind = form.kind.data or ""
    try:
        value = parse_ban(kind, form.value.data)
    except Refused as exc:
        entry = BanForm(formdata=None, kind=kind, value=form.value.data)
        entry[exc.field].errors = [str(exc)]
        return _bans_page(entry, 422)
    next_url = staff_area_path(form.next.data)
    existing = find_ban(kind, value)
    if request.form.get("confirmed") != "yes":
        form = BanConfirmForm(
            formdata=None,
            kind=kind,
            value=value,
            reason=form.reason.data or (existing.reason if existing else ""),
            ends_on=_proposed_end(kind, existing),
            next=next_url or "",
        )
        return _ban_confirmation(form, kind, value, existing, 200)
    if not form.validate():
        return _ban_confirmation(form, kind, value, existing, 422)
    ban = place_ban(
        kind,
        value,
        reason=form.reason.data or "",
        expires_at=end_of(form.ends_on.data),
        staff=current_user,
    )
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        # Another moderator banned the same value a moment ago (PostgreSQL; SQLite's write
        # lock makes the two wait for each other): theirs stands, and is listed.
        db.session.rollback()
        flash(f"{value} was banned by someone else a moment ago: check its end below.")
        return redirect(url_for(".bans"), 303)
    flash(f"Banned {value} ({ban_state(ban, utcnow())}).")
    return redirect(url_for(".bans", _anchor=f"ban-{ban.id}"), 303)


def _proposed_end(kind: str, existing: Ban | None) -> date | None:
    """The end date the confirmation offers: the running ban's, else the default for kind."""
    today = utcnow().date()
    if existing and existing.expires_at and existing.expires_at.date() > today:
        return existing.expires_at.date()
    if existing and existing.expires_at is None:
        return None
    return default_end_date(kind, today)


def _ban_confirmation(
    form: BanConfirmForm, kind: str, value: str, existing: Ban | None, status: int
) -> tuple[str, int]:
    return render_template(
        "admin/ban_confirm.html",
        form=form,
        kind=kind,
        value=value,
        existing=existing,
        existing_state=ban_state(existing, utcnow()) if existing else None,
        impact=ban_impact(kind, value),
        cancel_url=staff_area_path(form.next.data) or url_for(".bans"),
    ), status


@bp.post("/bans/<int:ban_id>/delete")
def remove_ban(ban_id: int) -> Response:
    """Lift a ban; the audit log keeps what it was."""
    ban = db.get_or_404(Ban, ban_id)
    value = ban.value
    lift_ban(ban, current_user)
    db.session.commit()
    flash(f"Ban on {value} lifted.")
    return redirect(url_for(".bans"), 303)


# --- Accounts --------------------------------------------------------------------------------


@bp.route("/password", methods=["GET", "POST"])
@reads_before_writing  # two scrypt runs: no write lock is held meanwhile
def password() -> Response | tuple[str, int]:
    """Change one's own password; every other session of the account ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        if authenticate(current_user.username, form.current.data) is None:
            form.current.errors = ["That is not your current password."]
        else:
            try:
                hashed = new_password_hash(form.new.data)
            except PasswordRefused as exc:
                form.new.errors = [str(exc)]
            else:
                begin_write(db.session)
                staff = current_user._get_current_object()
                set_password(staff, form.new.data, hashed=hashed)
                db.session.commit()
                session.clear()
                login_user(staff)  # this session goes on with the new token; others end
                flash("Password changed. You have been logged out everywhere else.")
                return redirect(url_for(".dashboard"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("admin/password.html", form=form), status


@bp.route("/account", methods=["GET", "POST"])
def account() -> Response | tuple[str, int]:
    """One's own public name (one's replies follow it) and notification email."""
    staff = current_user._get_current_object()
    form = AccountForm(obj=staff if request.method == "GET" else None, login=staff.username)
    if form.validate_on_submit():
        changed = update_account(staff, display_name=form.display_name.data, email=form.email.data)
        db.session.commit()
        flash("Your account is updated." if changed else "Nothing was changed.")
        return redirect(url_for(".account"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("admin/account.html", form=form), status


@bp.get("/staff")
@admin_required
def staff() -> str:
    """Every staff account (admins only)."""
    return render_template("admin/staff.html", form=StaffForm(formdata=None), accounts=_accounts())


def _accounts() -> list[Staff]:
    return db.session.scalars(sa.select(Staff).order_by(Staff.username)).all()


@bp.post("/staff")
@reads_before_writing  # scrypt: no write lock is held meanwhile
@admin_required
def add_staff() -> Response | tuple[str, int]:
    """Create a staff account (admins only)."""
    form = StaffForm()
    if form.validate():
        try:
            hashed = new_password_hash(form.password.data)
        except PasswordRefused as exc:
            form.password.errors = [str(exc)]
            hashed = None
        username = form.username.data.strip().lower()
        begin_write(db.session)
        if db.session.scalar(sa.select(Staff.id).where(Staff.username == username)):
            form.username.errors = ["That username is taken."]
        elif hashed is not None:
            account, _ = create_or_update_staff(
                form.username.data,
                form.password.data,
                role=form.role.data,
                display_name=form.display_name.data,
                email=form.email.data or None,
                hashed=hashed,
            )
            db.session.commit()
            flash(f"Account {account.username} created.")
            return redirect(url_for(".staff"), 303)
    return render_template("admin/staff.html", form=form, accounts=_accounts()), 422


@bp.post("/staff/<int:staff_id>/active")
@admin_required
def toggle_active(staff_id: int) -> Response:
    """Deactivate an account (its sessions end at once) or activate it again."""
    account = db.get_or_404(Staff, staff_id)
    if account.id == current_user.id:
        flash("You cannot deactivate your own account.")
        return redirect(url_for(".staff"), 303)
    account.active = not account.active
    db.session.commit()
    flash(f"Account {account.username} {'activated' if account.active else 'deactivated'}.")
    return redirect(url_for(".staff"), 303)


# --- Audit log -------------------------------------------------------------------------------


@bp.get("/audit")
@admin_required
def audit_log() -> str:
    """Who did what to which comment, article or ban, and when; filtered, newest first."""
    filters = audit.parse_filters(request.args)
    page = db.paginate(
        audit.audit_entries(filters),
        page=audit.page_number(request.args.get("page")),
        per_page=current_app.config["ADMIN_COMMENTS_PER_PAGE"],
        error_out=False,
    )
    comments = audit.comments_named_in({e.comment_id for e in page.items if e.comment_id})
    return render_template(
        "admin/audit.html",
        page=page,
        lines=[audit.describe(entry, comments) for entry in page.items],
        filters=filters,
        staff_choices=audit.staff_choices(),
        action_choices=audit.ACTION_CHOICES,
        former=audit.FORMER_ACCOUNT,
    )
