"""The one exception for a request a rule turns down, with a message for a field of the form.

A rule (posting a comment, placing a ban, saving an article) raises Refused; the view puts the
message next to the field it names, or at the top of the form when it names none, and serves
the form again with everything typed.
"""

from __future__ import annotations


class Refused(ValueError):
    """What was asked will not be done; the message says why, to the person who asked."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        #: The form field the message belongs next to, if any.
        self.field = field
