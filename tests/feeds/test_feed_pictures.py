"""The feed carries each entry's lead image: an Atom enclosure (with its type and length) and
the picture at the head of the entry's content, as a feed reader reads them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from blog.extensions import db
from blog.media.library import add_picture
from tests.articles.pictures import landscape
from tests.factories import make_article

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client) -> dict[str, ET.Element]:
    """The feed's entries by title, read as a feed reader would (an XML parser)."""
    response = client.get("/feed.atom")
    assert response.status_code == 200
    feed = ET.fromstring(response.data)
    return {entry.findtext(f"{ATOM}title"): entry for entry in feed.iter(f"{ATOM}entry")}


@pytest.mark.parametrize("store", ["database", "files"])
def test_an_entry_carries_its_lead_image_as_an_enclosure_of_the_served_file(
    app, client, tmp_path, store
):
    app.config.update(MEDIA_STORE=store, MEDIA_DIR=str(tmp_path / "media"))
    with app.app_context():
        picture = add_picture(landscape(1800, 1200, 0.7))
        make_article(
            title="With a picture",
            lead_image=picture,
            lead_image_alt='Gulls over the "old" pier',
            lead_image_caption="Low tide.",
            lead_image_credit="Photo: Ana Ruiz",
        )
        make_article(title="Without one")
        db.session.commit()
        largest = str(picture.largest)
    found = entries(client)
    (enclosure,) = [
        link
        for link in found["With a picture"].iter(f"{ATOM}link")
        if link.get("rel") == "enclosure"
    ]
    assert enclosure.get("href") == f"http://localhost/media/{largest}"
    assert enclosure.get("type") == "image/jpeg"
    with client.get(f"/media/{largest}") as served:
        assert served.status_code == 200 and int(enclosure.get("length")) == len(served.data)
    content = found["With a picture"].findtext(f"{ATOM}content")  # the HTML, as a reader gets it
    assert content.startswith(
        f'<figure><img src="http://localhost/media/{largest}" width="1600" height="1067"'
        ' alt="Gulls over the &#34;old&#34; pier"><figcaption>Low tide. Photo: Ana Ruiz'
    )
    assert "<p>Body paragraph" in content  # the body follows, escaped once as before
    links = [link.get("rel") for link in found["Without one"].iter(f"{ATOM}link")]
    assert links == ["alternate"]


def test_the_feed_costs_the_same_with_pictures(app, client, count_queries):
    app.config["MEDIA_STORE"] = "database"

    def cost() -> int:
        client.get("/feed.atom")
        return count_queries(lambda: client.get("/feed.atom")).count

    with app.app_context():
        make_article(lead_image=add_picture(landscape(640, 427, 0.1)), lead_image_alt="x")
        db.session.commit()
    one = cost()
    with app.app_context():
        for n in range(6):
            make_article(lead_image=add_picture(landscape(640, 427, n / 6)), lead_image_alt="x")
        db.session.commit()
    # The entries (pictures joined), and the lengths of all their files at once.
    assert cost() == one == 2
