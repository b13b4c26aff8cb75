"""Forms for writing articles and keeping authors, categories and tags in order."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from blog.comments.forms import web_address
from blog.inputs import TextForm, VisibleText, no_control_characters
from blog.models import Article

#: NUL and other control characters are refused (PostgreSQL cannot even store NUL).
plain = no_control_characters
#: A name or title of zero-width or blank characters alone would show as nothing.
shows = VisibleText("It needs at least one visible character.")


def as_typed(text: str | None) -> str | None:
    """A textarea's text with the line breaks it was written with.

    Browsers send every line break in a textarea as CRLF; stored text uses LF, so saving an
    untouched form must not turn one into the other.
    """
    return text.replace("\r\n", "\n").replace("\r", "\n") if text else text


class ArticleForm(TextForm):
    """An article, new or being edited. Choices for author and category are filled per request."""

    title = StringField(
        "Title", validators=[DataRequired("Please give a title."), Length(max=300), plain, shows]
    )
    slug = StringField("Slug", validators=[Optional(), Length(max=200), plain])
    summary = TextAreaField(
        "Summary (standfirst)", filters=[as_typed], validators=[Optional(), Length(max=2000), plain]
    )
    body = TextAreaField(
        "Body (Markdown)",
        filters=[as_typed],
        validators=[DataRequired("Please write the body."), plain],
    )
    source_name = StringField("Source name", validators=[Optional(), Length(max=200), plain])
    source_url = StringField(
        "Source URL", validators=[Optional(), Length(max=2000), web_address, plain]
    )
    author_id = SelectField("Author", coerce=int)
    category_id = SelectField("Category", coerce=int)
    tags = StringField(
        "Tags (separated by commas)", validators=[Optional(), Length(max=1000), plain]
    )
    status = SelectField(
        "Status", choices=[SelectChoice("draft", "Draft"), SelectChoice("published", "Published")]
    )
    published_at = DateTimeLocalField(
        "Publication time (UTC)", format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    comments_open = BooleanField("Comments open", default=True)


def article_form_data(article: Article) -> dict[str, Any]:
    """What the editor shows for a saved article, field by field.

    Spelled out rather than read from the article with obj=: the form's names and the
    article's attributes differ (tags are objects there, text here), and WTForms prefers the
    object's attribute to any value passed beside it.
    """
    return {
        "title": article.title,
        "slug": article.slug,
        "summary": article.summary,
        "body": article.body_markdown,
        "source_name": article.source_name,
        "source_url": article.source_url,
        "author_id": article.author_id,
        "category_id": article.category_id or 0,
        "tags": ", ".join(tag.name for tag in article.tags),
        "status": article.status,
        "published_at": form_time(article.published_at),
        "comments_open": article.comments_open,
    }


def form_time(value: datetime | None) -> datetime | None:
    """A UTC datetime as the naive value an <input type=datetime-local> shows."""
    return value.astimezone(UTC).replace(tzinfo=None) if value else None


class AuthorForm(TextForm):
    """An author's name, slug and biography."""

    name = StringField(
        "Name", validators=[DataRequired("Please give a name."), Length(max=120), plain, shows]
    )
    slug = StringField("Slug", validators=[Optional(), Length(max=140), plain])
    bio = TextAreaField(
        "Biography", filters=[as_typed], validators=[Optional(), Length(max=5000), plain]
    )


class RenameForm(TextForm):
    """A new name (and optionally slug) for a category or tag."""

    name = StringField(
        "Name", validators=[DataRequired("A name is needed."), Length(max=120), plain, shows]
    )
    slug = StringField("Slug", validators=[Optional(), Length(max=140), plain])
