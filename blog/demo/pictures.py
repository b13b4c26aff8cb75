"""The demo's pictures: a lead illustration for each demo article (with its alt text, caption
and credit) and a portrait for each demo author, drawn here (blog.demo.illustrations,
blog.demo.portraits) and stored as any upload is, through the media library's rules.

Only what has no picture yet is drawn, so loading the demo again adds nothing; the drawing is
deterministic, so the same demo gives the same files under the same names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified

from blog.demo import illustrations
from blog.demo.portraits import Sitter, portrait
from blog.extensions import db
from blog.media.library import add_picture
from blog.models import Article, Author

#: Who made them: the house's own art desk.
CREDIT = "Illustration: The Ledger"


@dataclass(frozen=True)
class LeadImage:
    """A demo article's lead illustration and the words that go with it."""

    draw: Callable[[], bytes]
    alt: str
    caption: str
    #: Leads the front page (the newest featured story does).
    featured: bool = False


LEAD_IMAGES: dict[str, LeadImage] = {
    "the-harbour-ferry-that-refused-to-retire": LeadImage(
        illustrations.harbour_ferry,
        "A small red and white ferry crossing the harbour at sunrise, gulls overhead and the "
        "wooden pier behind it",
        "The Wren on the east crossing, as its first passengers see it each morning.",
        featured=True,
    ),
    "a-library-that-opens-when-everything-else-closes": LeadImage(
        illustrations.night_library,
        "A columned library at night with lit windows full of books and a reader walking in "
        "through the open door",
        "The reading rooms stay lit until two in the morning.",
    ),
    "farmers-are-wiring-their-fields-and-the-data-is-surprising-them": LeadImage(
        illustrations.field_sensors,
        "Rows of crops running to the horizon with three soil sensors on posts sending out signals",
        "Each post reports the soil's moisture every quarter of an hour.",
    ),
    "counting-stars-from-the-car-park": LeadImage(
        illustrations.car_park_stars,
        "A person beside a telescope on a tripod in an empty car park under the Milky Way, a "
        "parked car nearby",
        "On a clear night the car park is darker than anywhere else in town.",
    ),
    "the-bakery-that-trains-its-own-competition": LeadImage(
        illustrations.bakery_window,
        "A bakery's window under a red and white awning, its shelves full of loaves, a baker "
        "at the door",
        "The bakery's window before the first customers arrive.",
    ),
    "at-the-repair-cafe-the-queue-starts-before-the-doors-open": LeadImage(
        illustrations.repair_bench,
        "A workbench with an old radio, a toaster and a desk lamp, tools hanging on a pegboard "
        "behind",
        "What came in on Saturday: a radio, a toaster and a lamp, all going home working.",
    ),
    "what-a-school-learned-from-a-year-of-growing-its-own-lunch": LeadImage(
        illustrations.school_garden,
        "Raised vegetable beds in a school yard, sunflowers along the fence and the brick "
        "school behind",
        "The beds behind the school grew a third of its lunches' vegetables this year.",
    ),
    "how-the-town-spends-its-money-line-by-line": LeadImage(
        illustrations.budget_chart,
        "A bar chart and a ring chart of spending in front of the town hall's dome, with a "
        "stack of coins",
        "Where the money goes, department by department.",
    ),
}

#: The demo authors, by name, and how each is drawn.
PORTRAITS: dict[str, Sitter] = {
    "Maren Holt": Sitter("#a9c8d6", "#f0c8a8", "#8a4b2a", "bob", "#2f4b6e", "#f3efe6"),
    "Tomasz Reyes": Sitter(
        "#d6c3a3", "#e2b08c", "#3b2a22", "crop", "#3f6f73", "#e9e2d2", glasses=True
    ),
    "Ines Okafor": Sitter("#e8b04a", "#8d5a3b", "#1f1a1a", "curls", "#b5443a", "#f3efe6"),
}


def load_demo_pictures() -> int:
    """Give each demo article without a lead image its illustration, and each demo author
    without a photo their portrait; returns how many pictures were drawn. The caller commits."""
    drawn = 0
    articles = db.session.scalars(sa.select(Article).where(Article.slug.in_(LEAD_IMAGES)))
    for article in articles:
        if article.lead_image_id is not None:
            continue
        lead = LEAD_IMAGES[article.slug]
        article.lead_image = add_picture(lead.draw(), f"{article.slug}.png")
        article.lead_image_alt = lead.alt
        article.lead_image_caption = lead.caption
        article.lead_image_credit = CREDIT
        article.featured = lead.featured
        # Published with its picture: not an update readers should be told of.
        flag_modified(article, "updated_at")
        drawn += 1
    for author in db.session.scalars(sa.select(Author).where(Author.name.in_(PORTRAITS))):
        if author.photo_id is None:
            author.photo = add_picture(portrait(PORTRAITS[author.name]), f"{author.slug}.png")
            drawn += 1
    return drawn
