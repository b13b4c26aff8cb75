"""The front page as a newspaper's: the rule that picks the lead story, the stories after it,
the sections' blocks, and a cost that does not grow with the site."""

from __future__ import annotations

from datetime import timedelta
from html import unescape
from types import SimpleNamespace

import pytest

from blog.articles import front
from blog.articles.front import choose_lead, stories_after
from blog.extensions import db
from blog.media.library import add_picture
from blog.models import ArticleStatus, utcnow
from tests.articles.pictures import landscape
from tests.factories import make_article, make_category
from tests.pages import elements, get_html, tags


def story(id_: int, *, featured: bool = False, picture: bool = False) -> SimpleNamespace:
    """A candidate as the rule reads one: its id, featured, and whether it has a lead image."""
    return SimpleNamespace(id=id_, featured=featured, lead_image_id=100 + id_ if picture else None)


# --- the rule, without a database --------------------------------------------------------


def test_the_newest_featured_story_leads_even_over_newer_ones_with_pictures():
    newest_first = [story(1, picture=True), story(2), story(3, featured=True)]
    newest_first.append(story(4, featured=True))
    assert choose_lead(newest_first).id == 3


def test_without_a_featured_story_the_newest_with_a_picture_leads():
    newest_first = [story(1), story(2), story(3, picture=True), story(4, picture=True)]
    assert choose_lead(newest_first).id == 3


def test_without_pictures_or_features_the_newest_leads():
    assert choose_lead([story(7), story(8)]).id == 7
    assert choose_lead([]) is None


def test_the_stories_after_the_lead_are_the_listings_first_page_without_it():
    newest_first = [story(n) for n in range(1, 8)]
    assert stories_after(newest_first, lead_id=2, count=4) == [1, 3, 4]
    # A lead from further down: the first page's stories all stay, none is skipped.
    assert stories_after(newest_first, lead_id=6, count=4) == [1, 2, 3, 4]


# --- the page ----------------------------------------------------------------------------


@pytest.fixture
def pictures(app):
    """Pictures kept in the database (no folder to clean up); add(hue) makes one."""
    app.config["MEDIA_STORE"] = "database"

    def add(hue: float = 0.5):
        return add_picture(landscape(640, 427, hue))

    return add


def hours_ago(hours: float):
    return utcnow() - timedelta(hours=hours)


def lead_title(html: str) -> str:
    title = html.split('id="lead-story-title">', 1)[1].split("</a>", 1)[0].rsplit(">", 1)[1]
    return unescape(title)


def test_the_front_page_leads_with_the_featured_story_large_and_its_picture_first(
    app, client, pictures
):
    with app.app_context():
        make_article(
            title="Newest, with a picture",
            published_at=hours_ago(1),
            lead_image=pictures(0.1),
            lead_image_alt="A quay at dawn",
        )
        make_article(
            title="The editor's pick",
            published_at=hours_ago(5),
            featured=True,
            lead_image=pictures(0.2),
            lead_image_alt="Ferry in fog",
        )
        make_article(
            title="A featured draft",
            published_at=hours_ago(2),
            featured=True,
            status=ArticleStatus.DRAFT,
        )
        make_article(title="Featured, scheduled", published_at=hours_ago(-3), featured=True)
        db.session.commit()
    html = get_html(client, "/")
    assert lead_title(html) == "The editor's pick"
    lead, rest = html.split('<section class="latest"', 1)
    lead_img = tags(lead, "img")
    assert [img["alt"] for img in lead_img] == ["Ferry in fog"]
    assert lead_img[0]["fetchpriority"] == "high" and "loading" not in lead_img[0]
    assert lead_img[0]["width"] and lead_img[0]["height"]
    # The next stories have thumbnails, loaded as they come near the screen.
    assert [(img["alt"], img["loading"]) for img in tags(rest, "img")] == [
        ("A quay at dawn", "lazy")
    ]
    assert "Newest, with a picture" in rest
    assert "A featured draft" not in html and "Featured, scheduled" not in html


def test_without_a_picture_the_newest_leads_set_in_type_alone(app, client):
    with app.app_context():
        make_article(title="Older words", published_at=hours_ago(3))
        make_article(title="Newest words", published_at=hours_ago(1))
        db.session.commit()
    html = get_html(client, "/")
    assert lead_title(html) == "Newest words"
    assert '<article class="lead-story no-picture"' in html
    assert "<picture>" not in html  # no empty boxes where pictures would be


def test_a_featured_story_older_than_the_window_gives_way(app, client, pictures, monkeypatch):
    monkeypatch.setattr(front, "LEAD_WINDOW", 3)  # (at least the front page's places)
    with app.app_context():
        make_article(title="Long ago featured", published_at=hours_ago(50), featured=True)
        for n in range(front.FRONT_POSITIONS + 1):
            make_article(title=f"Recent {n}", published_at=hours_ago(n + 1))
        db.session.commit()
    assert lead_title(get_html(client, "/")) == "Recent 0"


def test_the_page_has_one_h1_the_masthead_and_its_headings_in_order(app, client, pictures):
    with app.app_context():
        world = make_category("World")
        for n in range(14):
            make_article(title=f"Story {n}", category=world, published_at=hours_ago(n + 1))
        db.session.commit()
    html = get_html(client, "/")
    levels = [tag for tag, _ in elements(html) if tag in ("h1", "h2", "h3", "h4")]
    assert levels.count("h1") == 1 and levels[0] == "h1"
    assert '<h1 class="site-name">' in html
    steps = [int(b[1]) - int(a[1]) for a, b in zip(levels, levels[1:], strict=False)]
    assert max(steps) <= 1  # no level skipped
    later = get_html(client, "/?page=2")
    assert '<p class="site-name">' in later and '<h1 class="page-title">Latest</h1>' in later


def test_each_section_has_a_block_of_its_latest_headlines_not_shown_above(app, client, pictures):
    with app.app_context():
        sport, arts, empty = make_category("Sport"), make_category("Arts"), make_category("Empty")
        for n in range(12):
            pictured = n in (0, 7)  # the lead, and the first in Sport's block
            picture = {"lead_image": pictures(n / 12), "lead_image_alt": f"Rowers {n}"}
            picture = picture if pictured else {}
            make_article(
                title=f"Sport {n:02}", category=sport, published_at=hours_ago(n + 1), **picture
            )
        for n in range(2):
            make_article(title=f"Arts {n}", category=arts, published_at=hours_ago(n + 20))
        make_article(title="Arts draft", category=arts, status=ArticleStatus.DRAFT)
        db.session.commit()
        sport_slug, arts_slug, empty_slug = sport.slug, arts.slug, empty.slug
    html = get_html(client, "/")
    blocks = html.split('<div class="sections">', 1)[1]
    sport_block, arts_block = blocks.split('<section class="section-block"')[1:3]
    # Sport's block first (its newest headline is newer). Sport 00 leads, 01-06 follow it
    # above; the block has the next four.
    assert f'href="/category/{sport_slug}">Sport</a></h2>' in sport_block
    shown = [n for n in range(12) if f"Sport {n:02}" in sport_block]
    assert shown == [7, 8, 9, 10]
    assert f'href="/category/{sport_slug}">More in Sport' in sport_block
    # The block's first headline has its picture, loaded as it comes near the screen.
    assert [(img["alt"], img["loading"]) for img in tags(sport_block, "img")] == [
        ("Rowers 7", "lazy")
    ]
    assert tags(arts_block, "img") == []
    assert "Arts 0" in arts_block and "Arts 1" in arts_block and "Arts draft" not in html
    assert f'href="/category/{arts_slug}"' in arts_block
    assert f"/category/{empty_slug}" not in html  # no visible story: no block


def test_the_front_page_costs_the_same_for_a_small_and_a_large_site(
    app, client, count_queries, pictures
):
    def cost() -> int:
        client.get("/")  # warm up anything cached per process
        return count_queries(lambda: get_html(client, "/")).count

    with app.app_context():
        make_article(title="Only story", category=make_category())
        db.session.commit()
    small = cost()
    with app.app_context():
        categories = [make_category() for _ in range(9)]
        picture = pictures()
        for n in range(40):
            make_article(
                category=categories[n % 9],
                lead_image=picture if n % 2 else None,
                lead_image_alt="A picture",
                featured=n == 30,
            )
        db.session.commit()
    large = cost()
    html = get_html(client, "/")
    assert html.count('class="section-block"') == 9 and html.count("<picture>") >= 3
    # The newest ids with what picks the lead, the sections' headline ids, every article shown
    # (author, category, picture and the author's photo joined), their tags.
    assert small == large == 4


def test_a_categorys_first_page_leads_with_one_story_then_the_rest(app, client, pictures):
    with app.app_context():
        city = make_category("City")
        make_article(title="City plain", category=city, published_at=hours_ago(1))
        make_article(
            title="City pictured",
            category=city,
            published_at=hours_ago(2),
            lead_image=pictures(),
            lead_image_alt="Tram depot",
        )
        for n in range(8):
            make_article(title=f"City older {n}", category=city, published_at=hours_ago(3 + n))
        make_article(title="Elsewhere", lead_image=pictures(0.9), lead_image_alt="x")
        db.session.commit()
        slug = city.slug
    html = get_html(client, f"/category/{slug}")
    assert lead_title(html) == "City pictured"
    assert 'id="latest-title">More in City</h2>' in html
    assert "City plain" in html and "City older 0" in html and "Elsewhere" not in html
    assert 'class="section-block"' not in html
    assert f'class="kicker"><a href="/category/{slug}"' not in html  # every story is in it
    assert [tag for tag, _ in elements(html)].count("h1") == 1
    later = get_html(client, f"/category/{slug}?page=2")
    # Page 1 held seven (the lead and six): page 2 goes on from the eighth.
    assert "City older 5" in later and "City older 4" not in later and "lead-story" not in later
