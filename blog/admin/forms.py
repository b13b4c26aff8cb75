"""Forms of the staff area."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from blog.auth.accounts import DISPLAY_NAME_MAX, DisplayNameRefused, check_display_name
from blog.comments.forms import BODY_MAX, no_control_characters, normalized_email

NAME_TOO_LONG = f"The name must be at most {DISPLAY_NAME_MAX} characters long."


def public_name(field: StringField, username: str) -> None:
    """The display-name rule (blog.auth.accounts.check_display_name) as a form check, so that
    its message shows next to the field with every other message at once."""
    try:
        field.data = check_display_name(field.data, username)
    except DisplayNameRefused as exc:
        raise ValidationError(str(exc)) from None


class ReplyForm(FlaskForm):
    """A staff reply, published at once."""

    body = TextAreaField("Reply", validators=[DataRequired("Write a reply."), Length(max=BODY_MAX)])


class EditCommentForm(FlaskForm):
    """A moderator's correction of a comment; the old text is kept."""

    body = TextAreaField(
        "Comment", validators=[DataRequired("A comment cannot be empty."), Length(max=BODY_MAX)]
    )


class BanForm(FlaskForm):
    """Ban an email address or an IP address or network."""

    kind = SelectField(
        "Ban",
        choices=[SelectChoice("email", "Email address"), SelectChoice("ip", "IP address or range")],
    )
    value = StringField("Value", validators=[DataRequired("Enter what to ban.")])
    reason = StringField("Reason", validators=[Optional(), Length(max=200)])


class StaffForm(FlaskForm):
    """A new staff account (admins only)."""

    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    display_name = StringField(
        "Display name",
        description="Readers see it on replies; it must not contain the username.",
        validators=[
            DataRequired(),
            Length(max=DISPLAY_NAME_MAX, message=NAME_TOO_LONG),
            no_control_characters,
        ],
    )
    email = StringField("Email", validators=[Optional(), Length(max=254), normalized_email])
    role = SelectField(
        "Role",
        choices=[
            SelectChoice("moderator", "Moderator"),
            SelectChoice("editor", "Editor"),
            SelectChoice("admin", "Admin"),
        ],
    )
    password = PasswordField("Password", validators=[DataRequired()])

    def validate_display_name(self, field: StringField) -> None:
        """Not the username, nor containing it."""
        public_name(field, self.username.data or "")


class AccountForm(FlaskForm):
    """A person's own public name and notification email (the username stays as it is)."""

    display_name = StringField(
        "Display name",
        description="Readers see it on your replies and with the Staff badge. "
        "It must not contain your username.",
        validators=[
            DataRequired("Enter the name readers will see."),
            Length(max=DISPLAY_NAME_MAX, message=NAME_TOO_LONG),
            no_control_characters,
        ],
    )
    email = StringField(
        "Email for notifications",
        description="Where notices of comments awaiting moderation go; never shown to readers. "
        "Leave it empty for none.",
        validators=[
            Optional(),
            Length(max=254, message="An email address has 254 characters at most."),
            normalized_email,
        ],
    )

    def __init__(self, *args: object, login: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        #: The account's username, which the display name must not show.
        self.login = login

    def validate_display_name(self, field: StringField) -> None:
        """Not the username, nor containing it."""
        public_name(field, self.login)
