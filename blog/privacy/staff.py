"""Readers' data in the staff area, admins only: for any address, what the site holds, a
download of it as JSON and its erasure, as WordPress's Tools → Export / Erase Personal Data.

A nested blueprint of the staff area's (URLs under /admin/readers-data, endpoints
admin.readers_data.*), so its login guard, CSRF tokens and no-store headers are the staff
area's own. The address travels in POST bodies only, never in a URL. Each download and erasure
is in the audit log with the admin who did it and the address's keyed digest (records.py).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from blog.database import reads_before_writing
from blog.privacy import requests
from blog.privacy.forms import StaffAddressForm
from blog.privacy.holdings import holdings_of
from blog.privacy.routes import attachment

bp = Blueprint("readers_data", __name__, url_prefix="/readers-data")


@bp.before_request
def admins_only() -> None:
    """Admins only; moderators get a 403 (the staff area's guard has checked the login)."""
    if not current_user.is_admin:
        abort(403)


def page(form: StaffAddressForm, status: int = 200, held: object = None) -> ResponseReturnValue:
    return render_template("admin/readers_data.html", form=form, held=held), status


@bp.get("/")
def start() -> ResponseReturnValue:
    """The address form."""
    return page(StaffAddressForm(formdata=None))


@bp.post("/")
def look() -> ResponseReturnValue:
    """What the site holds for the address (a POST: the address stays out of the URL)."""
    form = StaffAddressForm()
    if not form.validate():
        return page(form, 422)
    return page(form, held=holdings_of(form.email.data))


@bp.post("/download")
def download() -> ResponseReturnValue:
    """Everything held about the address, as a JSON file; in the audit log."""
    form = StaffAddressForm()
    if not form.validate():
        return page(form, 422)
    document = requests.download(form.email.data, staff_id=current_user.id)
    return attachment(document, current_app.config["SITE_NAME"])


@bp.post("/erase")
@reads_before_writing  # erase_address takes the write lock itself
def erase() -> ResponseReturnValue:
    """Erase what is held for the address (bans kept); in the audit log."""
    form = StaffAddressForm()
    if not form.validate():
        return page(form, 422)
    done = requests.erase_address(
        form.email.data, delete_text=form.delete_text.data, staff_id=current_user.id
    )
    flash(f"Erased: {done.summary()}.")
    return redirect(url_for(".start"), 303)
