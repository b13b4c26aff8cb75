"""The Leave a Reply form. Its field names (name, email, website, body) are a public contract."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

#: Control characters have no business in a comment (tab and newlines are fine in the body).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_OR_NEWLINE = re.compile(r"[\x00-\x1f\x7f]")

NAME_MAX = 80
EMAIL_MAX = 254
WEBSITE_MAX = 200
BODY_MAX = 5000


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def no_control_characters(form: FlaskForm, field: Field) -> None:
    """Refuse NUL and other control characters; single-line fields refuse newlines too."""
    pattern = _CONTROL if isinstance(field, TextAreaField) else _CONTROL_OR_NEWLINE
    if field.data and pattern.search(field.data):
        raise ValidationError("This contains characters that are not allowed.")


def not_blank(form: FlaskForm, field: Field) -> None:
    """Whitespace alone is not a comment."""
    if field.data is not None and not field.data.strip():
        raise ValidationError("Please write a comment.")


def normalized_email(form: FlaskForm, field: Field) -> None:
    """Check the address's form (no network look-up) and keep its normalized spelling."""
    try:
        checked = validate_email(field.data, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationError("Please enter a valid email address.") from None
    field.data = checked.normalized


def web_address(form: FlaskForm, field: Field) -> None:
    """Only plain http and https addresses, so no javascript:, data: or the like."""
    if not field.data:
        return
    if any(ch.isspace() for ch in field.data) or _CONTROL_OR_NEWLINE.search(field.data):
        raise ValidationError("A web address cannot contain spaces.")
    parts = urlsplit(field.data)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValidationError("Please enter a web address starting with http:// or https://.")


class CommentForm(FlaskForm):
    """A comment or a reply. stamp and url are the spam traps; people never touch them."""

    name = StringField(
        "Name",
        filters=[_strip],
        validators=[
            DataRequired("Please enter your name."),
            Length(min=1, max=NAME_MAX, message=f"Please keep your name to {NAME_MAX} characters."),
            no_control_characters,
        ],
    )
    email = StringField(
        "Email",
        filters=[_strip],
        validators=[
            DataRequired("Please enter your email address."),
            Length(max=EMAIL_MAX, message=f"An email address has {EMAIL_MAX} characters at most."),
            no_control_characters,
            normalized_email,
        ],
    )
    website = StringField(
        "Website",
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=WEBSITE_MAX, message=f"Please keep it to {WEBSITE_MAX} characters."),
            web_address,
        ],
    )
    body = TextAreaField(
        "Comment",
        validators=[
            InputRequired("Please write a comment."),
            Length(max=BODY_MAX, message=f"Please keep your comment to {BODY_MAX:,} characters."),
            not_blank,
            no_control_characters,
        ],
    )
    remember = BooleanField(
        "Save my name, email, and website in this browser for the next time I comment."
    )
    parent_id = HiddenField()
    #: A signed time of serving, to spot forms filled faster than a person can.
    stamp = HiddenField()
    #: The honeypot: hidden from people and screen readers, irresistible to bots.
    url = StringField("Leave this field empty")

    @property
    def reply_to_id(self) -> int | None:
        """The comment being replied to, if the parent_id field holds a number."""
        value = (self.parent_id.data or "").strip()
        return int(value) if value.isdigit() else None
