"""The session keys Flask and Flask-Login write, which a kept page reads without Flask.

blog.extensions names them (FLASK_FLASHES_KEY, FLASK_LOGIN_USER_KEY): these fail as soon as
either library writes its flashes or its login under another name.
"""

from __future__ import annotations

from flask import flash, session

from blog.extensions import FLASK_FLASHES_KEY, FLASK_LOGIN_USER_KEY, holds_flashes
from tests.factories import make_staff
from tests.pages import log_in


def test_flask_keeps_flashed_messages_under_the_named_key(app):
    with app.test_request_context():
        assert not holds_flashes(session)
        flash("Saved.")
        assert FLASK_FLASHES_KEY in session and holds_flashes(session)


def test_flask_login_keeps_the_user_under_the_named_key(app, client):
    from blog.extensions import db

    with app.app_context():
        make_staff("editor")
        db.session.commit()
    log_in(client)
    with client.session_transaction() as kept:
        assert FLASK_LOGIN_USER_KEY in kept
