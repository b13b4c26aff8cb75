"""Author pages: who writes here, and what they wrote."""

from flask import Blueprint

bp = Blueprint("authors", __name__, url_prefix="/authors")

from blog.authors import routes  # noqa: E402, F401  (routes attach themselves to bp)
