"""A commenter's email never reaches a public page, feed, error page or log line."""

from __future__ import annotations

import hashlib
import logging
import re
import xml.etree.ElementTree as ET

import sqlalchemy as sa

from blog.extensions import db
from blog.models import Comment
from tests.factories import make_article
from tests.pages import post_comment

EMAIL = "Zephyrine.Quillfeather-7731@mailbox.example"
LOCAL_PART = "Zephyrine.Quillfeather-7731"


def fingerprints(email: str) -> set[str]:
    """The email, its local part, and the plain hashes others publish (Gravatar and the like)."""
    found = {email.lower(), LOCAL_PART.lower()}
    for variant in {email, email.lower(), email.strip().lower()}:
        for algorithm in ("md5", "sha1", "sha256"):
            found.add(hashlib.new(algorithm, variant.encode()).hexdigest())
    return found


def crawl(client, start: list[str]) -> dict[str, str]:
    """Every same-site URL reachable from start (pages, feeds, sitemap), with its body."""
    seen: dict[str, str] = {}
    queue = list(start)
    while queue:
        url = queue.pop()
        if url in seen or len(seen) > 400:
            continue
        with client.get(url) as response:
            # Images (the favicon) are read too, as whatever text their bytes make.
            body = response.get_data().decode("utf-8", errors="replace")
        seen[url] = body
        links = re.findall(r'(?:href|src)="([^"#]+)', body)
        links += [loc.text for loc in _xml_locs(body)]
        for link in links:
            link = link.replace("http://localhost", "").replace("&amp;", "&")
            if link.startswith("/") and not link.startswith("//") and link not in seen:
                queue.append(link)
    return seen


def _xml_locs(body: str):
    if not body.startswith("<?xml"):
        return []
    root = ET.fromstring(body)
    return [el for el in root.iter() if el.tag.endswith("loc") and el.text]


def test_an_approved_comments_email_appears_on_no_public_url(app, client, caplog):
    with app.app_context():
        slug = make_article(title="Privacy matters").slug
        db.session.commit()
    caplog.set_level(logging.INFO)
    response = post_comment(
        client,
        slug,
        email=EMAIL,
        website="https://quill.example",
        body="Reply to me, but never show my address.",
        remember="y",
    )
    assert response.status_code == 303
    with app.app_context():
        db.session.execute(sa.update(Comment).values(status="approved"))
        db.session.commit()

    reader = app.test_client()
    pages = crawl(
        reader,
        [
            "/",
            "/sitemap.xml",
            "/robots.txt",
            "/feed.atom",
            "/comments/feed.atom",
            f"/articles/{slug}/comments.atom",
            "/no-such-page",
            f"/articles/{slug}?replytocom=1",
        ],
    )
    assert f"/articles/{slug}" in pages and f"/articles/{slug}/comments.atom" in pages
    assert "Reply to me, but never show my address." in pages[f"/articles/{slug}"]
    secrets = fingerprints(EMAIL)
    for url, body in pages.items():
        lowered = body.lower()
        for secret in secrets:
            assert secret not in lowered, f"{secret} leaked on {url}"

    log_text = "\n".join(record.getMessage() for record in caplog.records).lower()
    for secret in secrets:
        assert secret not in log_text


def test_database_errors_do_not_carry_parameters_into_messages(app):
    with app.app_context():
        assert db.engine.hide_parameters is True
