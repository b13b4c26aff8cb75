"""Forms for writing articles and keeping authors, categories and tags in order."""

from __future__ import annotations

from flask_wtf import FlaskForm
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


class ArticleForm(FlaskForm):
    """An article, new or being edited. Choices for author and category are filled per request."""

    title = StringField("Title", validators=[DataRequired("Please give a title."), Length(max=300)])
    slug = StringField("Slug", validators=[Optional(), Length(max=200)])
    summary = TextAreaField("Summary (standfirst)", validators=[Optional(), Length(max=2000)])
    body = TextAreaField("Body (Markdown)", validators=[DataRequired("Please write the body.")])
    source_name = StringField("Source name", validators=[Optional(), Length(max=200)])
    source_url = StringField("Source URL", validators=[Optional(), Length(max=2000), web_address])
    author_id = SelectField("Author", coerce=int)
    category_id = SelectField("Category", coerce=int)
    tags = StringField("Tags (separated by commas)", validators=[Optional(), Length(max=1000)])
    status = SelectField(
        "Status", choices=[SelectChoice("draft", "Draft"), SelectChoice("published", "Published")]
    )
    published_at = DateTimeLocalField(
        "Publication time (UTC)", format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    comments_open = BooleanField("Comments open", default=True)


class AuthorForm(FlaskForm):
    """An author's name, slug and biography."""

    name = StringField("Name", validators=[DataRequired("Please give a name."), Length(max=120)])
    slug = StringField("Slug", validators=[Optional(), Length(max=140)])
    bio = TextAreaField("Biography", validators=[Optional(), Length(max=5000)])


class RenameForm(FlaskForm):
    """A new name (and optionally slug) for a category or tag."""

    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    slug = StringField("Slug", validators=[Optional(), Length(max=140)])
