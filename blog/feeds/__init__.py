"""What machines read: the Atom feed, the sitemap and robots.txt."""

from flask import Blueprint

bp = Blueprint("feeds", __name__)

from blog.feeds import routes  # noqa: E402, F401  (routes attach themselves to bp)
