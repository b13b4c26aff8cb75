"""Rules for what may enter from a request, checked where it enters.

Anyone can send anything: numbers of a thousand digits, NUL bytes, lone surrogates, bytes that
are not UTF-8, a file where a name is expected. Each kind is refused here, at the edge, with a
4xx that says what was wrong, so that nothing malformed reaches the database (SQLite cannot bind
an integer past 64 bits, PostgreSQL cannot store NUL). There is deliberately no handler that
turns exceptions into 4xx: a real fault, such as the database being down, stays a 500 or 503.

- URL segments: <int:...> is bounded to the database's integer range and a plain segment
  (a slug) refuses control characters, so either is a 404 before any view runs.
- The raw path, query string and form body must be UTF-8 (Werkzeug would quietly replace bad
  bytes with U+FFFD, and the text would be stored like that), or the answer is 400.
- Numbers from the query string or a form go through page_number() and parse_id(), days
  through parse_day(); free text from the query string that reaches a SQL comparison, through
  query_text().
- Forms are TextForm: a file sent under a field's name is refused next to that field.
- Names, titles and comment bodies need a visible character (has_visible_text).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, abort, request
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter, Map, UnicodeConverter, ValidationError
from wtforms import Field, TextAreaField
from wtforms import ValidationError as FieldRefused

from blog.media.uploads import takes_upload

#: The largest id the database holds: PostgreSQL's INTEGER (SQLite's is 64 bits, wider).
MAX_ID = 2**31 - 1
#: Pages beyond this are past the end of anything the site lists, and still keep every
#: OFFSET and page * per_page computed in SQL well inside a 32-bit integer's range.
MAX_PAGE = 1_000_000
#: C0 controls and DEL, which no URL segment, query value or single-line field holds.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
#: The same but tab and line breaks, which a multi-line field (a textarea) may hold.
CONTROL_CHARACTERS_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Unicode categories that draw nothing by themselves: controls, formats (zero-width joiners,
#: direction marks), surrogates, separators (spaces), and marks that only decorate a letter.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})
#: Letters and symbols that are blank all the same (Hangul fillers, the Braille blank).
INVISIBLE_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
#: The last day a range of days may end on: it ends at the next midnight, which must exist.
LAST_DAY = date.max - timedelta(days=1)
#: Said next to a field that was sent a file.
FILE_REFUSED = "This field takes typed text, not a file."


class DatabaseIdConverter(IntegerConverter):
    """<int:...> that matches only ids the database can hold: a larger one is a 404.

    Without the bound, SQLite raises OverflowError binding a number past 64 bits, and Python
    refuses to read one of more than 4,300 digits at all.
    """

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = None, **kw: Any):
        kw.setdefault("max", MAX_ID)
        super().__init__(url_map, fixed_digits, min, **kw)

    def to_python(self, value: str) -> int:
        """The id, or no match for a number too long to be one."""
        if len(value) > len(str(self.max)):
            raise ValidationError()
        return super().to_python(value)


class SegmentConverter(UnicodeConverter):
    """A plain URL segment (a slug) that holds no control character: one with NUL is a 404
    without the database being asked (PostgreSQL would refuse the NUL with an error)."""

    def __init__(self, url_map: Map, minlength: int = 1, **kw: Any) -> None:
        super().__init__(url_map, minlength, **kw)
        # UnicodeConverter's pattern is [^/] with a repetition; keep the repetition.
        self.regex = self.regex.replace("[^/]", r"[^/\x00-\x1f\x7f]", 1)


def is_utf8(raw: bytes, *, percent_encoded: bool = True) -> bool:
    """Whether raw bytes decode as UTF-8; percent-encoded ones (a query string, a form body)
    once their %XX escapes are decoded."""
    try:
        (unquote_to_bytes(raw.replace(b"+", b" ")) if percent_encoded else raw).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def refuse_unreadable_request() -> None:
    """400 for a path, query string or form body that is not UTF-8. Runs before every other
    hook, so before anything parses the form."""
    path = request.environ.get("PATH_INFO", "").encode("latin-1", "replace")
    if not is_utf8(path, percent_encoded=False) or not is_utf8(request.query_string):
        abort(400, "The address is not valid UTF-8 text.")
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if request.mimetype == "multipart/form-data" and takes_upload():
            # A picture is bytes, not text, and may be larger than this request's bound until
            # blog.media.uploads raises it: its body is not read here. (Staff forms only.)
            return
        # Kept by get_data, so the form is parsed from these same bytes afterwards.
        body = request.get_data(cache=True)
        # Every part of every other form is text, so a multipart body is judged whole.
        if not is_utf8(body, percent_encoded=request.mimetype.endswith("urlencoded")):
            abort(400, "What was sent is not valid UTF-8 text.")


def page_number(text: str | None) -> int:
    """The page asked for, from 1 to MAX_PAGE: absent or nonsense is page 1, and a larger
    number is MAX_PAGE, which is past the end (what a page past the end answers is the
    listing's business)."""
    if not text or not (text.isascii() and text.isdigit()):
        return 1
    if len(text) > len(str(MAX_PAGE)):  # (and int() refuses strings of thousands of digits)
        return MAX_PAGE
    return min(max(int(text), 1), MAX_PAGE)


def parse_day(text: str | None) -> date | None:
    """A day written like 2026-11-28, up to LAST_DAY; else None."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        return None
    return day if day <= LAST_DAY else None


def query_text(name: str, max_length: int = 200) -> str:
    """A free-text query value (a staff search), stripped and cut to max_length; 400 when it
    holds a control character, which no one types into a search box (and PostgreSQL cannot
    compare NUL)."""
    text = request.args.get(name, "")
    if CONTROL_CHARACTERS.search(text):
        abort(400, "The search contains characters that are not allowed.")
    return text.strip()[:max_length]


def parse_id(text: str | None) -> int | None:
    """A row id from a query string or form (ASCII digits, 1 to MAX_ID), else None."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def has_visible_text(text: str | None) -> bool:
    """Whether text has at least one character that shows: not only spaces, zero-width or
    direction marks, controls, combining marks or blank letters."""
    return any(
        char not in INVISIBLE_CHARACTERS and unicodedata.category(char) not in INVISIBLE_CATEGORIES
        for char in text or ""
    )


def no_control_characters(form: FlaskForm, field: Field) -> None:
    """Form check: no NUL or other control character; single-line fields refuse newlines too."""
    pattern = (
        CONTROL_CHARACTERS_BUT_LINES if isinstance(field, TextAreaField) else CONTROL_CHARACTERS
    )
    if field.data and isinstance(field.data, str) and pattern.search(field.data):
        raise FieldRefused("This contains characters that are not allowed.")


class ValidId:
    """Form check: empty, or a row id (parse_id); anything else names nothing that exists."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if (field.data or "").strip() and parse_id(field.data) is None:
            raise FieldRefused(self.message)


class VisibleText:
    """Form check: the field, when filled in, shows at least one visible character."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if field.data and not has_visible_text(field.data):
            raise FieldRefused(self.message)


#: What Werkzeug puts in a text part for bytes that are not UTF-8.
REPLACED = "\ufffd"
NOT_UTF8 = "This text did not arrive as valid UTF-8: please type it again."


class TextForm(FlaskForm):
    """A form whose fields are all typed text.

    Flask-WTF would hand a field a FileStorage when a file part carries its name (and a JSON
    body's numbers and lists as they are), which text checks cannot read. Here fields read only
    the form's text parts; a field that was sent a file is refused with FILE_REFUSED.
    """

    class Meta:
        def wrap_formdata(self, form: FlaskForm, formdata: Any) -> Any:
            """The submitted text fields; files are noted on the form, not given to fields."""
            if formdata is None or hasattr(formdata, "getlist"):
                return formdata  # given by the view: a blank form, or data of its own
            if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
                return None
            form.sent_files = {name for name in request.files if name in form}
            return request.form

    #: Names of fields that were sent a file instead of text.
    sent_files: set[str] = set()

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' own checks; then a field that was sent a file says so, and, on a form
        that takes an upload (whose body refuse_unreadable_request leaves unread), a field whose
        text was not UTF-8 (Werkzeug put U+FFFD where its bytes were)."""
        valid = super().validate(extra_validators)
        for name in self.sent_files:
            self[name].errors = [FILE_REFUSED]
        unreadable = [
            field
            for field in self
            if takes_upload() and isinstance(field.data, str) and REPLACED in field.data
        ]
        for field in unreadable:
            field.errors = [*field.errors, NOT_UTF8]
        return valid and not self.sent_files and not unreadable


def init_app(app: Flask) -> None:
    """Bound the URL converters and check every request's encoding before any other hook.

    Call before any route is added (converters are looked up when a rule is added) and before
    the extensions (so this check runs before CSRF and rate limits parse the form).
    """
    app.url_map.converters["int"] = DatabaseIdConverter
    app.url_map.converters["default"] = SegmentConverter
    app.url_map.converters["string"] = SegmentConverter
    app.before_request(refuse_unreadable_request)


def same_lines(a: str, b: str) -> bool:
    """Equal but for line endings: a browser sends every textarea back with CRLF, so a form
    saved untouched must not count as a change of text stored with LF."""
    return a.replace("\r\n", "\n") == b.replace("\r\n", "\n")
