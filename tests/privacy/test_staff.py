"""Readers' data in the staff area: admins look up, download and erase any address (with a
CSRF token); moderators cannot; the audit log names and filters each action, with who did it
and never the address."""

from __future__ import annotations

import json

import sqlalchemy as sa

from blog.extensions import db
from blog.models import Comment, ModerationAction, Staff
from blog.privacy.records import address_digest
from tests.factories import make_staff
from tests.pages import csrf_token, get_html, log_in
from tests.privacy.conftest import ADA, make_site


def staff(app, username: str, role: str):
    with app.app_context():
        make_staff(username, role=role, display_name=f"{username.title()} Desk")
        db.session.commit()
    client = app.test_client()
    assert log_in(client, username).status_code in (302, 303)
    return client


def test_an_admin_looks_up_downloads_and_erases_an_address(app, client):
    site = make_site(app)
    client.post("/your-data", data={"email": ADA}, headers={"Sec-Fetch-Site": "same-origin"})
    admin = staff(app, "maren", "admin")
    start = get_html(admin, "/admin/")
    assert 'href="/admin/readers-data/"' in start  # in the staff navigation
    token = csrf_token(admin)
    look = admin.post("/admin/readers-data/", data={"csrf_token": token, "email": ADA})
    assert look.status_code == 200
    assert "2 comments" in look.get_data(as_text=True)
    assert look.headers["Cache-Control"] == "private, no-store"
    download = admin.post("/admin/readers-data/download", data={"csrf_token": token, "email": ADA})
    assert download.mimetype == "application/json"
    assert len(json.loads(download.get_data(as_text=True))["comments"]) == 2
    erase = admin.post("/admin/readers-data/erase", data={"csrf_token": token, "email": ADA})
    assert erase.status_code == 303
    assert "Erased: 2 comments anonymised" in get_html(admin, erase.headers["Location"])
    with app.app_context():
        assert db.session.get(Comment, site.answered_id).author_name == "Anonymous"
        maren = db.session.scalar(sa.select(Staff.id).where(Staff.username == "maren"))
        entries = db.session.scalars(sa.select(ModerationAction).order_by(ModerationAction.id))
        logged = [(e.action, e.staff_id, e.detail.split(":")[0]) for e in entries]
        digest = address_digest(ADA)
    assert logged == [
        ("data-request", None, f"address {digest}"),
        ("data-export", maren, f"address {digest}"),
        ("data-erase", maren, f"address {digest}"),
    ]
    log = get_html(admin, "/admin/audit")
    assert "Maren Desk" in log and "erased the data of" in log and digest in log
    assert ADA not in log
    filtered = get_html(admin, "/admin/audit?action=data-export")
    assert "downloaded the data of" in filtered and "erased the data of" not in filtered
    requests = get_html(admin, "/admin/audit?action=data-request")
    assert "A reader" in requests and "asked for a link to the data of" in requests
    assert "link sent" in requests


def test_moderators_cannot_and_a_post_without_its_token_is_refused(app):
    make_site(app)
    moderator = staff(app, "pat", "moderator")
    assert moderator.get("/admin/readers-data/").status_code == 403
    assert 'href="/admin/readers-data/"' not in get_html(moderator, "/admin/")
    admin = staff(app, "maren", "admin")
    refused = admin.post("/admin/readers-data/erase", data={"email": ADA})
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ModerationAction.id))) == 0
    anonymous = app.test_client().get("/admin/readers-data/")
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["Location"]
