"""The media library, /admin/media/: every picture uploaded, newest first, with the line to
paste into an article's body for each, and a form to upload one. Admins and editors, as the
editorial views."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import FileField

from blog.admin.navigation import staff_navigation
from blog.admin.paging import Keyset, NoSuchPage, Segment, parse_cursor
from blog.admin.timebound import bound_statement_time
from blog.editorial.forms import PictureForm
from blog.editorial.pictures import ALT_PLACEHOLDER, keep_upload, markdown_for
from blog.errors import render_error
from blog.extensions import db
from blog.media.uploads import accepts_upload, takes_upload
from blog.models import Media, Staff
from blog.refusals import Refused
from blog.security import no_store
from blog.templating import human_datetime

bp = Blueprint("media_library", __name__, url_prefix="/admin/media")
bp.context_processor(staff_navigation)
bound_statement_time(bp)
bp.after_request(no_store)

#: Newest first: ids grow with time.
NEWEST_FIRST = [Segment(sa.true(), (Media.id,))]


def upload_too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """The styled 413 of a view that takes a picture, saying how large one may be (the body
    was never read, so nothing typed beside it can be handed back). Any other view's 413 is
    the usual one."""
    if not takes_upload():
        return render_error(error)
    most = current_app.config["MEDIA_MAX_UPLOAD_BYTES"] // (1024 * 1024)
    return render_error(
        RequestEntityTooLarge(
            f"That picture is too large to upload: at most {most} MB. Nothing was saved. "
            "Please go back and choose a smaller file (or export it smaller)."
        )
    )


bp.register_error_handler(RequestEntityTooLarge, upload_too_large)


class UploadForm(PictureForm):
    """One picture for the library."""

    picture_fields = ("picture",)
    picture = FileField("Picture")


@bp.before_request
def writers_only() -> None:
    """Admins and editors upload; moderators do not."""
    if not current_user.can_write:
        abort(403)


@bp.route("/", methods=["GET", "POST"])
@accepts_upload
def index() -> ResponseReturnValue:
    """The library's pictures, a page at a time (?before=), and the upload form above them."""
    form = UploadForm()
    if request.method == "POST" and form.validate():
        upload = form.uploaded("picture")
        try:
            if upload is None:
                raise Refused("Please choose a picture to upload.", "picture")
            newest_before = db.session.scalar(sa.select(sa.func.max(Media.id))) or 0
            media = keep_upload(upload, current_user.id)
        except Refused as exc:
            db.session.rollback()
            form.picture.errors = [str(exc)]
        else:
            flash(uploaded_message(media, is_new=media.id > newest_before))
            return redirect(url_for(".index"), 303)
    before = parse_cursor(request.args.get("before"))
    listing = Keyset(sa.select(Media), Media.id, [], NEWEST_FIRST)
    try:
        page = listing.page(before, current_app.config["ADMIN_COMMENTS_PER_PAGE"])
    except NoSuchPage:
        return redirect(url_for(".index"), 302)
    status = 422 if form.errors else 200
    return render_template(
        "media/library.html",
        form=form,
        page=page,
        uploaders=uploader_names(page.items),
        markdown=lambda media: markdown_for(media, ALT_PLACEHOLDER),
    ), status


def uploaded_message(media: Media, *, is_new: bool) -> str:
    """What the library says after an upload: where the picture is (the same file uploaded
    again is the picture already kept)."""
    name = media.original_name or "The picture"
    if is_new:
        return f"{name} is in the library, at the top."
    when = human_datetime(media.created_at)
    return (
        f"That picture was already in the library, as {name} (uploaded {when}): its line is below."
    )


def uploader_names(pictures: list[Media]) -> dict[int, str]:
    """The name of each picture's uploader, by staff id (one query for the page)."""
    ids = {media.uploaded_by_id for media in pictures if media.uploaded_by_id}
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Staff.id, Staff.display_name).where(Staff.id.in_(ids)))
    return {staff_id: name for staff_id, name in rows}
