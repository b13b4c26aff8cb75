"""An article's pictures as a reader, a search engine and a social card meet them: the lead
image in a figure with its caption and credit, the author's photo, og:image, twitter:card and
JSON-LD."""

from __future__ import annotations

import pytest

from blog.extensions import db
from blog.media.library import add_picture
from tests.articles.pictures import landscape, portrait
from tests.factories import make_article, make_author
from tests.pages import get_html, json_ld, meta, tags


@pytest.fixture
def pictured(app):
    """An article with a lead image (caption and credit) by an author with a photo."""
    app.config["MEDIA_STORE"] = "database"
    with app.app_context():
        author = make_author(name="Nadia Vance", bio="Nadia reports on rivers.")
        author.photo = add_picture(portrait(300))
        picture = add_picture(landscape(1800, 1200, 0.3))
        article = make_article(
            title="The river changes course",
            author=author,
            lead_image=picture,
            lead_image_alt="Floodwater over a meadow, a line of willows behind",
            lead_image_caption="The new channel, seen from the old bridge.",
            lead_image_credit="Photo: Ana Ruiz",
        )
        db.session.commit()
        return {
            "slug": article.slug,
            "author_slug": author.slug,
            "largest": str(picture.largest),
            "photo": str(author.photo.largest),
        }


def test_the_lead_image_shows_in_a_figure_with_its_caption_and_credit(client, pictured):
    html = get_html(client, f"/articles/{pictured['slug']}")
    figure = html.split('<figure class="lead-figure">', 1)[1].split("</figure>", 1)[0]
    (img,) = tags(figure, "img")
    assert img["alt"] == "Floodwater over a meadow, a line of willows behind"
    assert (img["width"], img["height"]) == ("1600", "1067")  # no shift as it loads
    assert img["fetchpriority"] == "high" and "loading" not in img  # above the fold
    assert "47.5rem" in img["sizes"] and "1600w" in img["srcset"]
    assert [s["type"] for s in tags(figure, "source")] == ["image/webp"]
    assert (
        '<figcaption><span class="caption">The new channel, seen from the old bridge.</span>'
        ' <span class="credit">Photo: Ana Ruiz</span>' in figure
    )
    # Under the headline and byline, before the body.
    assert html.index('class="byline"') < html.index("lead-figure") < html.index("article-body")


def test_a_picture_without_caption_or_credit_has_no_empty_figcaption(app, client):
    app.config["MEDIA_STORE"] = "database"
    with app.app_context():
        bare = make_article(lead_image=add_picture(landscape(640, 427)), lead_image_alt="A quay")
        plain = make_article()
        db.session.commit()
        bare_slug, plain_slug = bare.slug, plain.slug
    bare_html = get_html(client, f"/articles/{bare_slug}")
    assert "lead-figure" in bare_html and "<figcaption" not in bare_html
    assert "lead-figure" not in get_html(client, f"/articles/{plain_slug}")


def test_the_authors_photo_is_in_the_author_box_and_on_their_page(client, pictured):
    article = get_html(client, f"/articles/{pictured['slug']}")
    box = article.split('<aside class="author-box has-photo"', 1)[1].split("</aside>", 1)[0]
    (photo,) = tags(box, "img")
    # Their name is beside it: an alt repeating it would be read twice.
    assert photo["alt"] == "" and "Nadia Vance" in box
    assert photo["class"] == "author-photo" and photo["loading"] == "lazy"
    page = get_html(client, f"/authors/{pictured['author_slug']}")
    header = page.split('<header class="page-header author-header has-photo">', 1)[1]
    header = header.split("</header>", 1)[0]
    (photo,) = tags(header, "img")
    assert photo["alt"] == "" and "<h1" in header and "fetchpriority" in photo


def test_a_shared_link_shows_the_picture_as_a_large_card(client, pictured):
    html = get_html(client, f"/articles/{pictured['slug']}")
    url = f"http://localhost/media/{pictured['largest']}"
    assert meta(html, "og:image") == url
    assert meta(html, "og:image:type") == "image/jpeg"
    assert (meta(html, "og:image:width"), meta(html, "og:image:height")) == ("1600", "1067")
    assert meta(html, "og:image:alt") == "Floodwater over a meadow, a line of willows behind"
    assert meta(html, "twitter:card") == "summary_large_image"
    served = client.get(url.removeprefix("http://localhost"))
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    data = json_ld(html)
    assert data["image"] == [
        {
            "@type": "ImageObject",
            "url": url,
            "width": 1600,
            "height": 1067,
            "caption": "The new channel, seen from the old bridge.",
        }
    ]
    assert data["author"][0]["image"] == f"http://localhost/media/{pictured['photo']}"


def test_without_a_picture_the_card_is_a_summary_with_no_image(app, client):
    with app.app_context():
        slug = make_article().slug
        db.session.commit()
    html = get_html(client, f"/articles/{slug}")
    assert meta(html, "twitter:card") == "summary"
    assert meta(html, "og:image") is None and json_ld(html)["image"] is None


def test_pictures_cost_the_article_page_no_statement(client, count_queries, pictured):
    url = f"/articles/{pictured['slug']}"
    client.get(url)
    # The article with its author, photo, category, picture and comment count; its tags; its
    # threads: the same three as without pictures (tests/test_queries.py).
    assert count_queries(lambda: get_html(client, url)).count == 3
