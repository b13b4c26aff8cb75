"""Reading articles: the home page, the article page, category and tag pages."""

from flask import Blueprint

bp = Blueprint("articles", __name__)

from blog.articles import routes  # noqa: E402, F401  (routes attach themselves to bp)
