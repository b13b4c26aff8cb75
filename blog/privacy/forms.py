"""The forms of "Your data": the address a reader asks about, the erase button's one choice,
and the staff's address form (with its CSRF token, as every staff form)."""

from __future__ import annotations

from wtforms import BooleanField

from blog.comments.forms import CommentForm
from blog.inputs import TextForm

DELETE_TEXT_LABEL = "Also delete the text of my comments"


class AddressForm(TextForm):
    """The address a reader asks about. No CSRF token: the page is kept for every reader, and
    the post is checked by origin (blog.security.checked_by_origin), as the comment form is."""

    class Meta(TextForm.Meta):
        csrf = False

    #: The comment form's own field: the same checks, the address kept in the same spelling.
    email = CommentForm.email


class EraseForm(TextForm):
    """The erase button's form behind a link; checked by origin, the link is its key."""

    class Meta(TextForm.Meta):
        csrf = False

    delete_text = BooleanField(DELETE_TEXT_LABEL)


class StaffAddressForm(TextForm):
    """The staff page's address, for a look, a download or an erasure (with a CSRF token)."""

    email = CommentForm.email
    delete_text = BooleanField("Also delete the text of their comments")
