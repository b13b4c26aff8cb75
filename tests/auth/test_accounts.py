"""The account rules, without HTTP: public names and the replies signed with them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from blog.auth.accounts import (
    DisplayNameRefused,
    EmailRefused,
    check_display_name,
    check_staff_email,
    create_or_update_staff,
    rename_staff,
    update_account,
)
from blog.extensions import db
from blog.models import Comment, Staff
from tests.factories import make_article, make_comment, make_staff


@pytest.mark.parametrize(
    ("name", "kept"),
    [("Maren Holt", "Maren Holt"), ("  Maren   Holt ", "Maren Holt"), ("Marenholt", "Marenholt")],
)
def test_a_name_without_the_username_is_kept_tidy(name, kept):
    assert check_display_name(name, "mholt") == kept


@pytest.mark.parametrize(
    "name", ["mholt", "MHOLT", " MHolt ", "M. mholt", "mholt (desk)", "The Mholt"]
)
def test_a_name_that_shows_the_username_is_refused(name):
    with pytest.raises(DisplayNameRefused, match="Readers would see your username"):
        check_display_name(name, " MHolt ")


@pytest.mark.parametrize(
    ("name", "message"),
    [("   ", "Enter the name"), ("\u200b\u3164\u200d", "Enter the name"), ("x" * 121, "at most")],
)
def test_empty_and_overlong_names_are_refused(name, message):
    with pytest.raises(DisplayNameRefused, match=message):
        check_display_name(name, "mholt")


def test_a_new_account_needs_a_display_name(app):
    with app.app_context(), pytest.raises(DisplayNameRefused):
        create_or_update_staff("mholt", "a long enough secret")


@pytest.fixture
def staff_with_replies(app):
    """An account with two replies, and a reader's comment under the same name."""
    with app.app_context():
        staff = make_staff("mholt", display_name="Old Name")
        article = make_article()
        db.session.flush()
        for _ in range(2):
            make_comment(article, author_name="Old Name", staff_id=staff.id)
        make_comment(article, author_name="Old Name")  # a reader who happens to share it
        db.session.commit()
        return staff.id


def names_by_author(app) -> list[tuple[int | None, str]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Comment.staff_id, Comment.author_name).order_by(Comment.id)
        )
        return [tuple(row) for row in rows]


def test_renaming_re_signs_that_persons_replies_and_nobody_elses(app, staff_with_replies):
    with app.app_context():
        staff = db.session.get(Staff, staff_with_replies)
        assert rename_staff(staff, "Maren Holt") == 2
        db.session.commit()
    assert names_by_author(app) == [
        (staff_with_replies, "Maren Holt"),
        (staff_with_replies, "Maren Holt"),
        (None, "Old Name"),
    ]


def test_a_refused_name_changes_nothing(app, staff_with_replies):
    with app.app_context():
        staff = db.session.get(Staff, staff_with_replies)
        with pytest.raises(DisplayNameRefused):
            rename_staff(staff, "MHolt")
        db.session.commit()
        assert db.session.get(Staff, staff_with_replies).display_name == "Old Name"
    assert {name for _, name in names_by_author(app)} == {"Old Name"}


def test_update_account_sets_name_and_email_and_says_whether_anything_changed(
    app, staff_with_replies
):
    with app.app_context():
        staff = db.session.get(Staff, staff_with_replies)
        assert not update_account(staff, display_name="Old Name", email="")
        assert update_account(staff, display_name="Old Name", email=" desk@example.com ")
        assert staff.email == "desk@example.com"
        assert not update_account(staff, display_name=" Old  Name ", email="desk@example.com")
        assert update_account(staff, display_name="Maren Holt", email=None)
        db.session.commit()
        assert (staff.display_name, staff.email) == ("Maren Holt", None)


@pytest.mark.parametrize(
    ("email", "kept"),
    [(None, None), ("", None), ("  ", None), (" desk@NEWSROOM.example ", "desk@newsroom.example")],
)
def test_a_staff_email_is_kept_normalized_or_none(email, kept):
    assert check_staff_email(email) == kept


@pytest.mark.parametrize(
    "email",
    [
        "desk@example.com\r\nBcc: victim@example.com",
        "desk@exa\nmple.com",
        "Desk <desk@example.com>",
    ],
)
def test_a_staff_email_that_could_break_a_header_is_refused(app, email):
    with pytest.raises(EmailRefused, match="Not a valid email address"):
        check_staff_email(email)
    with app.app_context():
        staff = make_staff("mholt", display_name="Maren Holt", email="old@example.com")
        db.session.commit()
        with pytest.raises(EmailRefused):
            update_account(staff, display_name="Maren Holt", email=email)
        with pytest.raises(EmailRefused):
            create_or_update_staff("newbie", "a long enough secret", display_name="N", email=email)
        db.session.rollback()
        assert db.session.get(Staff, staff.id).email == "old@example.com"
