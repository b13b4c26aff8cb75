"""Forms of the staff area."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from blog.auth.accounts import DISPLAY_NAME_MAX, DisplayNameRefused, check_display_name
from blog.comments.forms import BODY_MAX, normalized_email
from blog.inputs import TextForm, VisibleText, no_control_characters
from blog.models import utcnow

NAME_TOO_LONG = f"The name must be at most {DISPLAY_NAME_MAX} characters long."


def public_name(field: StringField, username: str) -> None:
    """The display-name rule (blog.auth.accounts.check_display_name) as a form check, so that
    its message shows next to the field with every other message at once."""
    try:
        field.data = check_display_name(field.data, username)
    except DisplayNameRefused as exc:
        raise ValidationError(str(exc)) from None


def comment_body(label: str, empty: str) -> TextAreaField:
    """A comment's text as staff write it: the same limits as a reader's comment."""
    return TextAreaField(
        label,
        validators=[
            DataRequired(empty),
            Length(max=BODY_MAX),
            VisibleText(empty),
            no_control_characters,
        ],
    )


class ReplyForm(TextForm):
    """A staff reply, published at once."""

    body = comment_body("Reply", "Write a reply.")


class EditCommentForm(TextForm):
    """A moderator's correction of a comment; the old text is kept."""

    body = comment_body("Comment", "A comment cannot be empty.")


class BanForm(TextForm):
    """What to ban: an email address, or an IP address or network. Confirmed on the next page."""

    kind = SelectField(
        "Ban",
        choices=[SelectChoice("email", "Email address"), SelectChoice("ip", "IP address or range")],
    )
    value = StringField(
        "Email, address or network",
        validators=[DataRequired("Enter what to ban."), no_control_characters],
    )


class EndDateField(DateField):
    """A day, or nothing; a malformed day is refused with a message a person can act on."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(
                "Enter a date such as 2027-01-03, or leave it empty for no end."
            ) from None


def after_today(form: FlaskForm, field: EndDateField) -> None:
    """A ban's end lies ahead: a ban that has already ended would catch nothing."""
    if field.data is not None and field.data <= utcnow().date():
        raise ValidationError("Choose a day after today, or leave it empty for no end.")


class BanConfirmForm(TextForm):
    """The confirmation of a ban: its value (fixed by now), why, and until when."""

    kind = HiddenField()
    value = HiddenField()
    reason = StringField(
        "Reason (staff only)",
        validators=[
            Optional(),
            Length(max=200, message="Keep it to 200 characters."),
            no_control_characters,
        ],
    )
    ends_on = EndDateField("Ends on", validators=[Optional(), after_today])
    next = HiddenField()


class StaffForm(TextForm):
    """A new staff account (admins only)."""

    username = StringField(
        "Username", validators=[DataRequired(), Length(max=80), no_control_characters]
    )
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


class AccountForm(TextForm):
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
