"""The front page, laid out like a newspaper's: one story leads, large with its picture; the
next stories follow with thumbnails; then a block per section (category) with its latest
headlines. A category's own first page has the same lead and stories, without the blocks.

The rule for the lead is choose_lead (no database, no HTTP). What it costs is fixed: the
newest LEAD_WINDOW ids with the two facts the rule reads (one statement on the listing's own
index), the section blocks' ids (one statement, an index seek of SECTION_HEADLINES per
category), then every article shown by primary key (Article.listed). However many articles and
categories the site has, page 1 is the same four statements (test_queries).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from blog.articles.pagination import ListingPage, in_order
from blog.extensions import db
from blog.models import Article, Category

#: The lead is chosen among this many newest stories: a story an editor features leads while
#: it is this recent, and no older one is ever read for it (the statement stays one index range).
LEAD_WINDOW = 50
#: Headlines in each section's block on the front page.
SECTION_HEADLINES = 4
#: Places in the listing page 1 takes: the lead and six stories (two rows of three on a wide
#: screen), so that the sections below have stories of their own on a small site too. Page 2
#: starts after them (paginate_articles' first_page).
FRONT_POSITIONS = 7


class LeadCandidate(Protocol):
    """What the rule reads of a story: an Article, or a row of its id and these two columns."""

    id: int
    featured: bool
    lead_image_id: int | None


def choose_lead(newest_first: Sequence[LeadCandidate]) -> LeadCandidate | None:
    """The story that leads: the newest featured one; else the newest with a picture; else
    the newest. None when there is no story."""
    for wanted in (lambda s: s.featured, lambda s: s.lead_image_id is not None):
        for story in newest_first:
            if wanted(story):
                return story
    return newest_first[0] if newest_first else None


def stories_after(newest_first: Sequence[LeadCandidate], lead_id: int, count: int) -> list[int]:
    """The ids of the first `count` stories of the listing, less the lead: what follows it.

    The listing's page 2 starts after its first `count`, so nothing is left out between them
    (a lead from further down shows at its own place on a later page as well)."""
    return [story.id for story in newest_first[:count] if story.id != lead_id]


@dataclass
class Section:
    """A category's block: its latest headlines not already higher on the page."""

    category: Category
    headlines: list[Article]


@dataclass
class FrontPage:
    """Page 1 of the front page or of a category's page."""

    lead: Article | None
    #: The page as a listing (its items the stories after the lead), for the pagination links.
    page: ListingPage
    sections: list[Section] = field(default_factory=list)

    @property
    def stories(self) -> list[Article]:
        return self.page.items


def newest_candidates(where: sa.ColumnElement[bool] | None, limit: int) -> list[sa.Row]:
    """The newest visible stories (meeting `where`): id, featured and lead_image_id only."""
    stmt = Article.published().with_only_columns(
        Article.id, Article.featured, Article.lead_image_id
    )
    if where is not None:
        stmt = stmt.where(where)
    return list(db.session.execute(stmt.limit(limit)))


def section_headline_ids(shown: list[int], per_section: int) -> list[tuple[int, int]]:
    """(category id, article id) of each category's newest visible stories not in `shown`,
    at most per_section each; one statement, an index seek per category."""
    story = aliased(Article)
    newest = (
        sa.select(story.id)
        .where(story.category_id == Category.id, story.is_visible, story.id.not_in(shown))
        .order_by(story.published_at.desc(), story.id.desc())
        .limit(per_section)
        .correlate(Category)
    )
    stmt = sa.select(Category.id, Article.id).join(Article, Article.id.in_(newest))
    return [(category_id, article_id) for category_id, article_id in db.session.execute(stmt)]


def sections_of(pairs: list[tuple[int, int]], articles: dict[int, Article]) -> list[Section]:
    """The blocks, each with its headlines newest first; the block whose newest headline is
    the most recent first (the liveliest section leads), ties by name."""
    by_category: dict[int, list[Article]] = {}
    for category_id, article_id in pairs:
        by_category.setdefault(category_id, []).append(articles[article_id])
    sections = []
    for headlines in by_category.values():
        headlines.sort(key=lambda a: (a.published_at, a.id), reverse=True)
        sections.append(Section(headlines[0].category, headlines))
    sections.sort(key=lambda s: s.category.name)
    sections.sort(key=lambda s: s.headlines[0].published_at, reverse=True)
    return sections


def front_page(where: sa.ColumnElement[bool] | None = None, *, sections: bool) -> FrontPage:
    """Page 1 of a listing as a front page: the lead, the stories after it and, with
    `sections`, a block per category."""
    config = current_app.config
    newest = newest_candidates(where, max(LEAD_WINDOW, FRONT_POSITIONS + 1))
    lead = choose_lead(newest)
    following = stories_after(newest, lead.id, FRONT_POSITIONS) if lead else []
    shown = ([lead.id] if lead else []) + following
    pairs = section_headline_ids(shown, SECTION_HEADLINES) if sections and shown else []
    wanted = shown + [article_id for _, article_id in pairs]
    articles = {a.id: a for a in db.session.scalars(Article.listed(wanted))} if wanted else {}
    page = ListingPage(
        in_order(following, articles.values()),
        1,
        has_next=len(newest) > FRONT_POSITIONS,
        max_pages=config["MAX_LISTING_PAGES"],
    )
    return FrontPage(
        lead=articles.get(lead.id) if lead else None,
        page=page,
        sections=sections_of(pairs, articles),
    )
