"""Login and password forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo


class LoginForm(FlaskForm):
    """Fields named exactly username, password and remember."""

    username = StringField("Username", validators=[DataRequired("Please enter your username.")])
    password = PasswordField("Password", validators=[DataRequired("Please enter your password.")])
    remember = BooleanField("Remember me")


class PasswordForm(FlaskForm):
    """Change one's own password; every other session of the account ends."""

    current = PasswordField("Current password", validators=[DataRequired()])
    new = PasswordField("New password", validators=[DataRequired()])
    confirm = PasswordField(
        "New password again", validators=[DataRequired(), EqualTo("new", "The passwords differ.")]
    )
