"""Views for the author list and each author's page."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template

from blog.articles.pagination import paginate_articles
from blog.extensions import db
from blog.keptpages import kept_page
from blog.models import Article, Author
from blog.security import query_parameters

bp = Blueprint("authors", __name__, url_prefix="/authors")


@bp.get("/")
@kept_page()
def index() -> str:
    """Every author with at least one published article (one index seek per author)."""
    authors = db.session.scalars(
        sa.select(Author)
        .where(Article.any_visible(Article.author_id == Author.id))
        .order_by(Author.name)
    ).all()
    return render_template("authors/index.html", authors=authors)


@bp.get("/<slug>")
@query_parameters("page")
@kept_page("page")
def detail(slug: str) -> str:
    """An author's biography and their published articles, newest first."""
    author = db.first_or_404(sa.select(Author).where(Author.slug == slug))
    page = paginate_articles(Article.listing().where(Article.author_id == author.id))
    return render_template("authors/detail.html", author=author, page=page)
