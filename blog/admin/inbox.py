"""Moderation from the inbox: the pages behind a staff notice's Approve / Spam / Trash links.

A link opens a page in the staff area (after the login, which comes back to it) showing the
comment, its article and its status, with one button. Opening it changes nothing: mail
scanners open links. The button's POST (CSRF-guarded like every staff form) spends the link and
moderates the comment in one transaction, so a link works once. A link that was used, has
expired or was never ours gets a page saying which; a comment someone decided on since the
notice was written is left as it is, and the page says who did what.

Its own small blueprint at /admin/inbox?link=<token>, so the staff-area guard (blog.security) sends
anonymous visitors to the login first.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from blog.admin.actions import ACTIONS, done_message, moderate
from blog.admin.navigation import staff_navigation
from blog.admin.queries import latest_actions
from blog.comments.notify import MODERATION_LINK, ModerationLink, read_moderation_token
from blog.extensions import db
from blog.models import Comment
from blog.security import no_store
from blog.signing import LINK_PROBLEM_STATUS, LinkProblem, spend

bp = Blueprint("inbox", __name__, url_prefix="/admin/inbox")
bp.context_processor(staff_navigation)


@bp.after_request
def links_are_not_stored(response: Response) -> Response:
    """The page holds a working link and a commenter's email: no cache keeps it."""
    response.headers["Referrer-Policy"] = "no-referrer"  # nor does the next site see the link
    return no_store(response)


class Unusable(Exception):
    """The link cannot be acted on; the page saying why is the answer."""

    def __init__(self, page: tuple[str, int]) -> None:
        super().__init__(page[1])
        self.page = page


@bp.errorhandler(Unusable)
def unusable(error: Unusable) -> tuple[str, int]:
    """Answer with the page the link's check made."""
    return error.page


def problem_page(problem: LinkProblem) -> tuple[str, int]:
    """The page saying why this link cannot be used, with a way to the queue."""
    page = render_template("admin/inbox_problem.html", problem=problem)
    return page, LINK_PROBLEM_STATUS[problem]


def linked_comment(token: str, *, acting: bool) -> tuple[ModerationLink, Comment]:
    """What the link asks and its comment, still as it was when the notice was written;
    raises Unusable when the link is forged, used or expired, the comment gone, or decided
    on since. Acting, the comment's row is locked until the commit (PostgreSQL; SQLite's
    write lock is held already), so a decision made by another link at the same moment waits
    and then finds it decided."""
    link = read_moderation_token(token)
    if isinstance(link, LinkProblem):
        raise Unusable(problem_page(link))
    comment = db.session.get(Comment, link.comment_id, with_for_update=acting)
    if comment is None:
        raise Unusable((render_template("admin/inbox_gone.html"), 404))
    if comment.status != link.status:
        record = latest_actions([comment.id]).get(comment.id)
        page = render_template("admin/inbox_decided.html", comment=comment, record=record)
        raise Unusable((page, 409 if acting else 200))
    return link, comment


@bp.get("")
def decide() -> str:
    """The comment and one button for the link's action; opening it changes nothing."""
    link, comment = linked_comment(request.args.get("link", ""), acting=False)
    return render_template("admin/inbox.html", comment=comment, action=ACTIONS[link.action])


@bp.post("")
def act() -> Response:
    """Use the link up and apply its action, in one transaction: once only."""
    token = request.args.get("link", "")
    link, comment = linked_comment(token, acting=True)
    if not spend(MODERATION_LINK, token):  # spent by a concurrent POST a moment ago
        raise Unusable(problem_page(LinkProblem.USED))
    action = ACTIONS[link.action]
    moderate(comment, action, current_user)
    db.session.commit()
    flash(done_message(action))
    row = url_for("admin.comments", status=comment.status, _anchor=f"row-{comment.id}")
    return redirect(row, 303)
