"""Login and password forms."""

from __future__ import annotations

from wtforms import BooleanField, Field, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from blog.auth.accounts import PasswordRefused, new_password_hash
from blog.inputs import TextForm, no_control_characters


class LoginForm(TextForm):
    """Fields named exactly username, password and remember."""

    username = StringField(
        "Username",
        validators=[
            DataRequired("Please enter your username."),
            Length(max=80, message="A username has 80 characters at most."),
            no_control_characters,
        ],
    )
    password = PasswordField("Password", validators=[DataRequired("Please enter your password.")])
    remember = BooleanField("Remember me")


class NewPasswordForm(TextForm):
    """Choose a new password, twice (from a reset link)."""

    new = PasswordField("New password", validators=[DataRequired("Please enter a new password.")])
    confirm = PasswordField(
        "New password again",
        validators=[
            DataRequired("Please enter it again."),
            EqualTo("new", "The passwords differ."),
        ],
    )


class PasswordForm(NewPasswordForm):
    """Change one's own password; every other session of the account ends."""

    current = PasswordField(
        "Current password", validators=[DataRequired("Please enter your current password.")]
    )


class ForgotPasswordForm(TextForm):
    """Ask for a reset link by username or email."""

    name = StringField(
        "Username or email",
        validators=[
            DataRequired("Please enter your username or email."),
            Length(max=254, message="That is longer than any username or email."),
            no_control_characters,
        ],
    )


def hashed_new_password(field: Field) -> str | None:
    """The hash of the new password in field (scrypt: slow, so before the write lock), or None
    with the rule it breaks as the field's error."""
    try:
        return new_password_hash(field.data)
    except PasswordRefused as exc:
        field.errors = [str(exc)]
        return None
