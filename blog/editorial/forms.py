"""Forms for writing articles and keeping authors, categories and tags in order."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from flask import request
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FileField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from blog.comments.forms import web_address
from blog.editorial.publishing import check_alt_text
from blog.inputs import FieldRefused, TextForm, ValidId, VisibleText, no_control_characters
from blog.models import Article, Author
from blog.refusals import Refused

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


class PictureForm(TextForm):
    """A form of typed text with fields that take a picture file.

    Its picture fields get no form data: the view reads their files (uploaded) and hands them
    to the media library. Every other field still refuses a file, as TextForm's do.
    """

    #: The names of the fields that take a file.
    picture_fields: ClassVar[tuple[str, ...]] = ()

    class Meta(TextForm.Meta):
        def wrap_formdata(self, form: TextForm, formdata: Any) -> Any:
            """TextForm's text parts; a file sent to a picture field is not a refusal."""
            wrapped = super().wrap_formdata(form, formdata)
            form.sent_files = set(form.sent_files) - set(form.picture_fields)
            return wrapped

    def uploaded(self, name: str) -> FileStorage | None:
        """The file chosen in a picture field, or None when none was."""
        if name not in self.picture_fields or request.method != "POST":
            return None
        storage = request.files.get(name)
        return storage if storage is not None and storage.filename else None


#: A picture the form keeps between requests: a media library id, hidden.
picture_id = ValidId("That picture is not in the media library.")


class ArticleForm(PictureForm):
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
    featured = BooleanField("Feature on the front page")

    picture_fields = ("lead_image", "body_image")
    lead_image = FileField("Lead image")
    #: The lead image chosen (the article's own, or one just uploaded): a media library id.
    lead_image_id = HiddenField("Lead image", validators=[picture_id])
    lead_image_alt = StringField(
        "Alt text: what the picture shows", validators=[Optional(), Length(max=300), plain]
    )
    lead_image_caption = StringField("Caption", validators=[Optional(), Length(max=500), plain])
    lead_image_credit = StringField(
        "Credit (for example: Photo: A. Person)", validators=[Optional(), Length(max=200), plain]
    )
    remove_lead_image = BooleanField("Remove the lead image")
    body_image = FileField("Add a picture to the body")
    #: A body picture uploaded but not yet put in the body (its alt text was missing).
    body_image_id = HiddenField("Picture for the body", validators=[picture_id])
    body_image_alt = StringField(
        "Its alt text: what the picture shows", validators=[Optional(), Length(max=300), plain]
    )

    def has_lead_image(self) -> bool:
        """Whether the article is to have a lead image once saved."""
        return bool((self.lead_image_id.data or "").strip()) and not self.remove_lead_image.data

    def validate_lead_image_alt(self, field: StringField) -> None:
        """A lead image needs its alt text (the rule, publishing.check_alt_text), said with the
        form's other messages rather than after them."""
        if self.has_lead_image():
            try:
                check_alt_text(field.data)
            except Refused as exc:
                raise FieldRefused(str(exc)) from None


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
        "featured": article.featured,
        "lead_image_id": str(article.lead_image_id or ""),
        "lead_image_alt": article.lead_image_alt,
        "lead_image_caption": article.lead_image_caption,
        "lead_image_credit": article.lead_image_credit,
    }


def form_time(value: datetime | None) -> datetime | None:
    """A UTC datetime as the naive value an <input type=datetime-local> shows."""
    return value.astimezone(UTC).replace(tzinfo=None) if value else None


class AuthorForm(PictureForm):
    """An author's name, slug, biography and photo."""

    name = StringField(
        "Name", validators=[DataRequired("Please give a name."), Length(max=120), plain, shows]
    )
    slug = StringField("Slug", validators=[Optional(), Length(max=140), plain])
    bio = TextAreaField(
        "Biography", filters=[as_typed], validators=[Optional(), Length(max=5000), plain]
    )

    picture_fields = ("photo",)
    photo = FileField("Photo")
    #: The photo chosen (the author's own, or one just uploaded): a media library id.
    photo_id = HiddenField("Photo", validators=[picture_id])
    remove_photo = BooleanField("Remove the photo")


def author_form_data(author: Author) -> dict[str, Any]:
    """What the author form shows for a saved author."""
    return {
        "name": author.name,
        "slug": author.slug,
        "bio": author.bio,
        "photo_id": str(author.photo_id or ""),
    }


class RenameForm(TextForm):
    """A new name (and optionally slug) for a category or tag."""

    name = StringField(
        "Name", validators=[DataRequired("A name is needed."), Length(max=120), plain, shows]
    )
    slug = StringField("Slug", validators=[Optional(), Length(max=140), plain])
