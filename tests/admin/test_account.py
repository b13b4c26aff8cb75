"""Your account: a staff member's own public name and notification email."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from blog.extensions import db
from blog.models import Comment, Staff
from tests.factories import make_article, make_comment, make_staff
from tests.pages import form_values, get_html, log_in


@pytest.fixture
def person(app, client):
    """A logged-in moderator 'mholt', known to readers as Maren Holt, with one reply."""
    with app.app_context():
        staff = make_staff("mholt", display_name="Maren Holt", email="maren@example.com")
        db.session.flush()
        make_comment(make_article(), author_name="Maren Holt", staff_id=staff.id)
        db.session.commit()
        staff_id = staff.id
    log_in(client, "mholt")
    return staff_id


def account_row(app, staff_id) -> tuple[str, str | None, list[str]]:
    with app.app_context():
        staff = db.session.get(Staff, staff_id)
        names = db.session.scalars(
            sa.select(Comment.author_name).where(Comment.staff_id == staff_id)
        ).all()
        return staff.display_name, staff.email, names


def submit(client, **fields):
    """Open the page and send its form as served, with fields changed."""
    data = form_values(get_html(client, "/admin/account"))
    data.update(fields)
    return client.post("/admin/account", data=data)


def test_the_page_shows_the_name_and_email_with_labels(client, person):
    html = get_html(client, "/admin/account")
    assert '<label for="display_name">Display name' in html
    assert '<label for="email">Email for notifications' in html
    assert form_values(html)["display_name"] == "Maren Holt"
    assert form_values(html)["email"] == "maren@example.com"
    assert 'aria-describedby="display_name-hint"' in html
    assert "mholt" in html  # the person is told their username; only staff see this page


def test_submitting_the_form_exactly_as_served_changes_nothing(app, client, person):
    before = account_row(app, person)
    response = submit(client)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/account"
    assert "Nothing was changed." in get_html(client, "/admin/account")
    assert account_row(app, person) == before


def test_a_new_name_signs_the_existing_replies_too(app, client, person):
    response = submit(client, display_name="Maren H.", email="desk@example.com")
    assert response.status_code == 303
    assert "Your account is updated." in get_html(client, "/admin/account")
    assert account_row(app, person) == ("Maren H.", "desk@example.com", ["Maren H."])


def test_an_empty_email_means_no_notices(app, client, person):
    submit(client, email="")
    assert account_row(app, person)[1] is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"display_name": "MHolt"}, "display_name", "Readers would see your username"),
        ({"display_name": "   "}, "display_name", "Enter the name readers will see."),
        ({"display_name": "x" * 121}, "display_name", "at most 120 characters"),
        ({"email": "not an address"}, "email", "Please enter a valid email address."),
    ],
)
def test_a_refused_form_comes_back_with_what_was_typed_and_the_message_by_the_field(
    app, client, person, fields, field, message
):
    before = account_row(app, person)
    typed = {"display_name": "Typed Name", "email": "typed@example.com", **fields}
    response = submit(client, **typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(rf'<span class="field-error" id="{field}-error">([^<]*)</span>', html)
    assert error and message in error.group(1)
    assert f'aria-describedby="{field}-hint {field}-error"' in html
    values = form_values(html)
    for name, value in typed.items():
        if name != "display_name" or value.strip():
            assert values[name] == value
    assert account_row(app, person) == before


def test_a_get_never_changes_anything_and_a_post_needs_csrf(app, client, person):
    before = account_row(app, person)
    client.get("/admin/account?display_name=Other+Name&email=x@example.com")
    response = client.post("/admin/account", data={"display_name": "Other Name"})
    assert response.status_code == 400
    assert account_row(app, person) == before


def test_someone_whose_name_is_their_username_is_asked_to_choose_another(app, client):
    with app.app_context():
        make_staff("chief", display_name="Chief")
        db.session.commit()
    log_in(client, "chief")
    warning = "Readers see your username"
    assert warning in get_html(client, "/admin/")
    submit(client, display_name="Maren Holt")
    assert warning not in get_html(client, "/admin/")


def test_every_role_has_the_page_in_its_menu(app, client):
    with app.app_context():
        for role in ("moderator", "editor", "admin"):
            make_staff(role, role=role, display_name=f"The {role.title()} Person")
        db.session.commit()
    for role in ("moderator", "editor", "admin"):
        person = app.test_client()
        log_in(person, role)
        assert '<a href="/admin/account">Your account</a>' in get_html(person, "/admin/")


def test_every_refused_field_says_why_at_once(app, client, person):
    response = submit(client, display_name="mholt", email="not an address")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="display_name-error">Readers would see your username' in html
    assert 'id="email-error">Please enter a valid email address.' in html


def test_an_email_with_a_line_break_is_refused(app, client, person):
    before = account_row(app, person)
    response = submit(client, email="desk@example.com\r\nBcc: victim@example.com")
    assert response.status_code == 422
    assert 'id="email-error">Please enter a valid email address.' in response.get_data(as_text=True)
    assert account_row(app, person) == before
