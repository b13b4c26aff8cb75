"""Every page type is valid HTML, as the Nu Html Checker (vnu.jar) reads it.

The pages are made by the app as a reader, a commenter and a staff member meet them; the checker
runs once over all of them (Java starts in about a second; once per page would take a minute).
It comes from the npm registry (tests/validators, pinned in the lock file) and runs on Debian's
default-jre-headless. Without either, the test is skipped with that hint, except under CI=true.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from blog.auth.reset import reset_token
from blog.comments.notify import moderation_token
from blog.extensions import db
from blog.media.library import add_picture
from blog.models import Comment, CommentStatus, Staff, utcnow
from blog.privacy.links import data_token
from tests.articles.pictures import landscape, portrait
from tests.factories import (
    make_article,
    make_author,
    make_category,
    make_comment,
    make_staff,
    make_tag,
)
from tests.pages import csrf_token, form_values, get_html, log_in, served_form

VNU_JAR = Path(__file__).parent / "validators/node_modules/vnu-jar/build/dist/vnu.jar"


def _checker() -> list[str]:
    """The command that runs the checker, or a skip (a failure under CI) saying what is missing."""
    java = shutil.which("java")
    missing = []
    if java is None:
        missing.append("Java (apt-get install -y --no-install-recommends default-jre-headless)")
    if not VNU_JAR.exists():
        missing.append("vnu.jar (npm ci --prefix tests/validators)")
    if missing:
        message = "the Nu Html Checker needs " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return [java, "-Xss2m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json"]


def _site(app) -> dict[str, int | str]:
    """An article with a lead image (caption and credit) and a thread (one reply, one comment
    edited), its author with a photo, a category, tags, staff; and a front page with a lead
    story, stories with and without thumbnails and a block per section."""
    app.config["MEDIA_STORE"] = "database"
    with app.app_context():
        make_staff("desk", role="admin", display_name="The Desk")
        category = make_category("City")
        tags = [make_tag("harbour"), make_tag("budgets")]
        author = make_author("Priya Castell", bio="Priya covers the coast.")
        author.photo = add_picture(portrait(200))
        for n in range(12):
            make_article(
                title=f"Story {n}",
                category=make_category(f"Section {n % 3}") if n < 3 else None,
                lead_image=add_picture(landscape(480, 320, n / 12)) if n % 2 else None,
                lead_image_alt=f"Picture {n}",
            )
        article = make_article(
            author=author,
            published_at=utcnow(),
            featured=True,
            lead_image=add_picture(landscape(960, 640, 0.6)),
            lead_image_alt="The ferry at the west quay",
            lead_image_caption="Early morning, the first crossing.",
            lead_image_credit="Photo: The Ledger",
            title="The harbour ferry that refused to retire",
            body_markdown="Opening.\n\n## What changed\n\nText.\n\n### Detail\n\n- one\n- two",
            source_name="Harbour Authority",
            source_url="https://example.org/report",
            category=category,
            tags=tags,
        )
        db.session.flush()
        first = make_comment(
            article, author_name="Ada Reader", author_website="https://ada.example"
        )
        db.session.flush()
        make_comment(article, parent=first, depth=2, author_name="Bo Writer")
        pending = make_comment(article, status=CommentStatus.PENDING, author_name="New Voice")
        imported = make_article(
            title="Quay café reopens",
            body_format="html",
            body_markdown="<p>Opening.</p><h2>What is new</h2><ul><li>A terrace</li></ul>",
        )
        db.session.commit()
        return {
            "imported_id": imported.id,
            "slug": article.slug,
            "article_id": article.id,
            "author_id": article.author_id,
            "author_slug": article.author.slug,
            "category_slug": category.slug,
            "tag_slug": tags[0].slug,
            "comment_id": first.id,
            "pending_id": pending.id,
            "month": f"{article.published_at:%Y/%m}",
        }


def _reader_pages(client, site) -> dict[str, str]:
    slug = site["slug"]
    pages = {
        "home": get_html(client, "/"),
        "home, page 2": get_html(client, "/?page=2"),
        "article": get_html(client, f"/articles/{slug}"),
        "article, reply form open": get_html(
            client, f"/articles/{slug}?replytocom={site['comment_id']}"
        ),
        "author": get_html(client, f"/authors/{site['author_slug']}"),
        "authors": get_html(client, "/authors/"),
        "category": get_html(client, f"/category/{site['category_slug']}"),
        "tag": get_html(client, f"/tag/{site['tag_slug']}"),
        "search": get_html(client, "/search?q=harbour"),
        "search, nothing found": get_html(client, "/search?q=zebra"),
        "archive": get_html(client, "/archive/"),
        "archive, a year": get_html(client, f"/archive/{site['month'][:4]}/"),
        "archive, a month": get_html(client, f"/archive/{site['month']}/"),
        "login": get_html(client, "/login"),
        "forgotten password": get_html(client, "/login/forgot"),
        "404": get_html(client, "/no-such-page", status=404),
    }
    data = form_values(pages["article"])
    data.update({"name": "", "email": "not an email", "body": ""})
    refused = client.post(f"/articles/{slug}/comments", data=data)
    assert refused.status_code == 422
    pages["refused comment"] = refused.get_data(as_text=True)
    data = form_values(pages["article"])
    data.update({"name": "Own Words", "email": "own@example.com", "body": "Mine to edit."})
    posted = client.post(f"/articles/{slug}/comments", data=data)
    assert posted.status_code == 303
    own = posted.headers["Location"].rsplit("#comment-", 1)[1]
    pages["edit your comment"] = get_html(client, f"/comments/{own}/edit")
    report = f"/comments/{site['comment_id']}/report"
    pages["report a comment"] = get_html(client, report)
    refused_report = client.post(report, data={"note": "No reason chosen."})
    assert refused_report.status_code == 422
    pages["refused report"] = refused_report.get_data(as_text=True)
    assert client.post(report, data={"reason": "abuse", "note": "Rude."}).status_code == 303
    pages.update(_your_data_pages(client))
    return pages


def _your_data_pages(client) -> dict[str, str]:
    """The privacy page, "Your data" and the pages behind its emailed link."""
    with client.application.app_context():
        link = f"/your-data/link/{data_token('own@example.com')}"
    refused = client.post("/your-data", data={"email": "not an email"})
    assert refused.status_code == 422
    return {
        "privacy": get_html(client, "/privacy"),
        "your data": get_html(client, "/your-data"),
        "your data, refused": refused.get_data(as_text=True),
        "your data, sent": get_html(client, "/your-data/sent"),
        "your data, the link's page": get_html(client, link),
        "your data, a link that does not work": get_html(client, "/your-data/link/x", status=404),
        "your data, erased": get_html(client, "/your-data/erased"),
    }


def _staff_pages(client, site) -> dict[str, str]:
    assert log_in(client, "desk").status_code in (302, 303)
    urls = {
        "dashboard": "/admin/",
        "queue": "/admin/comments",
        "queue, pending": "/admin/comments?status=pending",
        "queue, reported": "/admin/comments?status=reported",
        "comment edit": f"/admin/comments/{site['comment_id']}/edit",
        "bans": "/admin/bans",
        "password": "/admin/password",
        "account": "/admin/account",
        "staff": "/admin/staff",
        "audit log": "/admin/audit",
        "audit log, filtered": "/admin/audit?action=trash&from=2026-01-01&to=2099-12-31",
        "audit log, a date it cannot read": "/admin/audit?from=yesterday",
        "articles": "/admin/articles",
        "new article": "/admin/articles/new",
        "article edit": f"/admin/articles/{site['article_id']}/edit",
        "article edit, an imported HTML body": f"/admin/articles/{site['imported_id']}/edit",
        "authors (staff)": "/admin/authors",
        "new author": "/admin/authors/new",
        "author edit": f"/admin/authors/{site['author_id']}/edit",
        "categories": "/admin/categories",
        "tags": "/admin/tags",
        "outbox": "/admin/outbox/",
        "outbox, failed": "/admin/outbox/?tab=failed",
        "outbox, sent": "/admin/outbox/?tab=sent",
        "outbox, mail folder": "/admin/outbox/folder",
        "readers' data": "/admin/readers-data/",
    }
    with client.application.test_request_context():
        pending = db.session.get(Comment, site["pending_id"])
        urls["decide from a notice's link"] = (
            f"/admin/inbox?link={moderation_token(pending, 'spam')}"
        )
        desk = db.session.scalar(sa.select(Staff).filter_by(username="desk"))
        reset = f"/login/reset?link={reset_token(desk)}"
    pages = {name: get_html(client, url) for name, url in urls.items()}
    pages["new password from a reset link"] = get_html(client, reset)
    token = csrf_token(client)
    looked = client.post("/admin/readers-data/", data={"csrf_token": token, "email": "a@b.example"})
    assert looked.status_code == 200
    pages["readers' data, looked up"] = looked.get_data(as_text=True)
    confirm = client.post(f"/admin/comments/{site['pending_id']}/trash", data={"csrf_token": token})
    assert confirm.status_code in (302, 303)
    delete = client.post(f"/admin/comments/{site['pending_id']}/delete", data={"csrf_token": token})
    article_delete = client.post(
        f"/admin/articles/{site['article_id']}/delete", data={"csrf_token": token}
    )
    ban = client.post(
        "/admin/bans", data={"csrf_token": token, "kind": "ip", "value": "203.0.113.0/24"}
    )
    editor = pages["article edit"]
    preview = client.post(
        f"/admin/articles/{site['article_id']}/edit",
        data=MultiDict(served_form(editor, containing="title").submission("preview")),
    )
    refused = served_form(editor, containing="title").submission()
    refused = [(name, "" if name == "title" else value) for name, value in refused]
    refused = client.post(f"/admin/articles/{site['article_id']}/edit", data=MultiDict(refused))
    assert refused.status_code == 422
    pages["article edit, refused"] = refused.get_data(as_text=True)
    assert "editor-preview" in preview.get_data(as_text=True)
    for name, response in (
        ("delete comment", delete),
        ("delete article", article_delete),
        ("ban", ban),
        ("article preview", preview),
    ):
        assert response.status_code == 200, name
        pages[f"{name}: confirm or preview"] = response.get_data(as_text=True)
    return pages


def _errors(arguments: list[str], name_of: dict[str, str] | None = None) -> list[str]:
    """Run the checker over files and return its errors, one readable line each."""
    result = subprocess.run(
        [*_checker(), *arguments], capture_output=True, text=True, timeout=300, check=False
    )
    report = json.loads(result.stderr or result.stdout)
    name_of = name_of or {}
    return [
        f"{name_of.get(Path(m.get('url', '')).name, m.get('url'))}: line {m.get('lastLine')}:"
        f" {m['message']}\n    {m.get('extract', '').strip()}"
        for m in report["messages"]
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]


def test_every_page_type_is_valid_html(app, client, tmp_path):
    _checker()  # skips before building the site when the checker is missing
    site = _site(app)
    pages = {**_reader_pages(client, site), **_staff_pages(client, site)}
    files = {}
    for number, (name, html) in enumerate(pages.items()):
        assert "<!doctype html>" in html[:100].lower(), name
        path = tmp_path / f"page-{number:02}.html"
        path.write_text(html, encoding="utf-8")
        files[path.name] = name
    errors = _errors([str(tmp_path / file) for file in files], files)
    assert not errors, f"{len(errors)} errors in {len(pages)} pages:\n" + "\n".join(errors)


def test_the_stylesheet_is_valid_css():
    """One rule left open hid the staff styles from wide screens; the checker reads CSS too."""
    stylesheet = Path(__file__).parents[1] / "blog/static/style.css"
    errors = _errors(["--css", str(stylesheet)])
    assert not errors, "\n".join(errors)
