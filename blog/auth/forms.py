"""Login and password forms."""

from __future__ import annotations

from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

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


class PasswordForm(TextForm):
    """Change one's own password; every other session of the account ends."""

    current = PasswordField("Current password", validators=[DataRequired()])
    new = PasswordField("New password", validators=[DataRequired()])
    confirm = PasswordField(
        "New password again", validators=[DataRequired(), EqualTo("new", "The passwords differ.")]
    )
