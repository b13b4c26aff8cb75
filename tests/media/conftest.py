"""The media tests' editor, logged in. (Their pictures go to the test's own folder: every test
app's MEDIA_DIR is under its tmp_path, tests.conftest.fresh_database.)"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from blog.extensions import db
from tests.factories import make_staff
from tests.pages import log_in


@pytest.fixture
def writer(app: Flask, client: FlaskClient) -> FlaskClient:
    """A client logged in as an editor, Wren Writer."""
    with app.app_context():
        make_staff("writer", role="editor", display_name="Wren Writer")
        db.session.commit()
    log_in(client, "writer")
    return client
