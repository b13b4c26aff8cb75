"""The create-admin command: passwords, the public display name, and every role."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from blog.auth import accounts
from blog.extensions import db
from blog.models import Comment, Staff, StaffRole
from tests.factories import make_article, make_comment, make_staff

SECRET = "a long enough secret"


def create_admin(runner, *args: str, input: str = SECRET + "\n"):
    return runner.invoke(args=["create-admin", *args], input=input)


def only_account(app) -> Staff:
    with app.app_context():
        return db.session.scalar(sa.select(Staff))


def test_create_admin_reads_a_password_from_stdin(app, runner):
    result = create_admin(runner, "Chief", "--password-stdin", "--display-name", "Maren Holt")
    assert result.exit_code == 0, result.output
    assert "Created admin account 'chief'; readers see 'Maren Holt'." in result.output
    staff = only_account(app)
    assert staff.role == "admin" and staff.password_hash.startswith("scrypt:")
    assert staff.display_name == "Maren Holt"


def test_create_admin_asks_for_the_name_and_twice_for_the_password(app, runner):
    result = create_admin(runner, "chief", input=f"Maren Holt\n{SECRET}\n{SECRET}\n")
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output  # not echoed
    assert "Display name" in result.output
    assert "Password:" in result.output and "Repeat for confirmation:" in result.output
    assert only_account(app).display_name == "Maren Holt"


def test_with_password_stdin_a_new_account_without_a_display_name_is_refused(app, runner):
    result = create_admin(runner, "chief", "--password-stdin")
    assert result.exit_code == 2
    assert "A new account needs --display-name" in result.output
    assert only_account(app) is None


@pytest.mark.parametrize("name", ["chief", "CHIEF", "  Chief ", "Chief Editor", "the chief."])
def test_a_display_name_that_shows_the_username_is_refused(app, runner, name):
    result = create_admin(runner, "Chief", "--password-stdin", "--display-name", name)
    assert result.exit_code == 1
    assert "Readers would see your username" in result.output
    assert only_account(app) is None


def test_the_prompt_refuses_the_username_too(app, runner):
    result = create_admin(runner, "chief", input=f"Chief\n{SECRET}\n{SECRET}\n")
    assert result.exit_code == 1
    assert "Readers would see your username" in result.output
    assert only_account(app) is None


def test_create_admin_refuses_short_passwords(app, runner):
    result = create_admin(
        runner, "chief", "--password-stdin", "--display-name", "Maren", input="short\n"
    )
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output
    assert only_account(app) is None


def test_create_admin_again_sets_a_new_password_and_keeps_the_name(app, runner):
    create_admin(
        runner, "chief", "--password-stdin", "--display-name", "Maren", input="first long secret\n"
    )
    result = create_admin(runner, "chief", "--password-stdin", input="second long secret\n")
    assert result.exit_code == 0, result.output
    assert "Password updated for 'chief'" in result.output
    with app.app_context():
        assert accounts.authenticate("chief", "second long secret") is not None
        assert accounts.authenticate("chief", "first long secret") is None
    assert only_account(app).display_name == "Maren"


def test_create_admin_with_a_new_name_for_an_existing_account_re_signs_its_replies(app, runner):
    with app.app_context():
        staff = make_staff("chief", role="admin", display_name="chief")
        db.session.flush()
        make_comment(make_article(), author_name="chief", staff_id=staff.id)
        db.session.commit()
    result = create_admin(runner, "chief", "--password-stdin", "--display-name", "Maren Holt")
    assert result.exit_code == 0, result.output
    assert "Readers see 'Maren Holt'." in result.output
    with app.app_context():
        assert db.session.scalars(sa.select(Comment.author_name)).all() == ["Maren Holt"]


def test_an_older_account_signed_with_its_username_is_told_to_choose_a_name(app, runner):
    with app.app_context():
        make_staff("chief", role="admin", display_name="Chief")
        db.session.commit()
    result = create_admin(runner, "chief", "--password-stdin")
    assert result.exit_code == 0, result.output
    assert "Readers see the username on this account's replies ('Chief')" in result.output


@pytest.mark.parametrize("role", [role.value for role in StaffRole])
def test_create_admin_accepts_every_role_the_staff_area_knows(app, runner, role):
    result = create_admin(
        runner, "someone", "--password-stdin", "--display-name", "Sam Writer", "--role", role
    )
    assert result.exit_code == 0, result.output
    assert only_account(app).role == role


def test_create_admin_help_lists_every_role(runner):
    output = runner.invoke(args=["create-admin", "--help"]).output
    for role in StaffRole:
        assert role.value in output


def test_staff_hint_explains_how_to_create_the_first_account(app, runner):
    assert "create-admin" in runner.invoke(args=["staff-hint"]).output
    create_admin(runner, "chief", "--password-stdin", "--display-name", "Maren")
    assert runner.invoke(args=["staff-hint"]).output == ""


@pytest.mark.parametrize(
    "email", ["desk@example.com\r\nBcc: victim@example.com", "desk@exa\nmple.com", "not an address"]
)
def test_create_admin_refuses_an_email_that_is_not_one_address(app, runner, email):
    result = create_admin(
        runner, "chief", "--password-stdin", "--display-name", "Maren Holt", "--email", email
    )
    assert result.exit_code == 1
    assert "Not a valid email address" in result.output
    assert only_account(app) is None


def test_create_admin_keeps_an_email_in_its_normalized_spelling(app, runner):
    result = create_admin(
        runner,
        "chief",
        "--password-stdin",
        "--display-name",
        "Maren Holt",
        "--email",
        " Desk@NEWSROOM.example ",
    )
    assert result.exit_code == 0, result.output
    assert only_account(app).email == "Desk@newsroom.example"
