"""The Leave a Reply form. Its field names (name, email, website, body) are a public contract."""

from __future__ import annotations

from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from blog.comments.reports import REASON_LABELS
from blog.inputs import (
    CONTROL_CHARACTERS,
    TextForm,
    ValidId,
    VisibleText,
    no_control_characters,
    parse_id,
)

NAME_MAX = 80
EMAIL_MAX = 254
WEBSITE_MAX = 200
BODY_MAX = 5000
#: The same words as the rule that finds the parent gone (submission.reply_placement).
PARENT_UNAVAILABLE = "The comment you are replying to is not available."


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


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
    if any(ch.isspace() for ch in field.data) or CONTROL_CHARACTERS.search(field.data):
        raise ValidationError("A web address cannot contain spaces.")
    parts = urlsplit(field.data)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValidationError("Please enter a web address starting with http:// or https://.")


class CommentForm(TextForm):
    """A comment or a reply. stamp and url are the spam traps; people never touch them.

    No CSRF token: a reader gets the form without a session (nothing is set by reading), and
    the post is checked by origin instead (blog.security.checked_by_origin).
    """

    class Meta(TextForm.Meta):
        csrf = False

    name = StringField(
        "Name",
        filters=[_strip],
        validators=[
            DataRequired("Please enter your name."),
            Length(min=1, max=NAME_MAX, message=f"Please keep your name to {NAME_MAX} characters."),
            no_control_characters,
            VisibleText("Your name needs at least one visible character."),
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
            VisibleText("Please write a comment."),
            no_control_characters,
        ],
    )
    remember = BooleanField(
        "Save my name, email, and website in this browser for the next time I comment."
    )
    #: Follow-ups by email (blog.subscriptions): nothing is sent but a confirmation until the
    #: address is confirmed.
    notify_replies = BooleanField("Notify me of follow-up comments by email")
    notify_article = BooleanField("Notify me of new comments on this article")
    parent_id = HiddenField(validators=[ValidId(PARENT_UNAVAILABLE)])
    #: A signed time of serving, to spot forms filled faster than a person can.
    stamp = HiddenField()
    #: The honeypot: hidden from people and screen readers, irresistible to bots.
    url = StringField("Leave this field empty")

    @property
    def reply_to_id(self) -> int | None:
        """The comment being replied to, if the parent_id field holds an id."""
        return parse_id(self.parent_id.data)


NOTE_MAX = 500


class ReportForm(TextForm):
    """Report a comment: why, and optionally a word more. Checked by origin, like the reply
    form (a reader may have no session yet)."""

    class Meta(TextForm.Meta):
        csrf = False

    reason = RadioField(
        "Why should a moderator look at this comment?",
        choices=[SelectChoice(value, label) for value, label in REASON_LABELS.items()],
        validators=[InputRequired("Please choose a reason.")],
    )
    note = TextAreaField(
        "Anything a moderator should know (optional)",
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=NOTE_MAX, message=f"Please keep it under {NOTE_MAX} characters."),
            no_control_characters,
        ],
    )


class OwnCommentForm(TextForm):
    """A commenter's edit of their own comment: the text alone, checked as when it was posted.
    It has a CSRF token: only a browser with a session (the one that posted it) gets here."""

    body = CommentForm.body
