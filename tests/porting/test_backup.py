"""Export and restore (blog.porting.backup): the round trip gives the same document on each
database and across them, the restored site works, and what cannot be restored is refused."""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from PIL import Image

from bench import backup as bench_backup
from blog.admin.actions import ACTIONS, edit_comment, moderate, staff_reply
from blog.admin.bans import place_ban
from blog.auth.accounts import authenticate, new_password_hash
from blog.auth.reset import account_to_reset, request_reset, reset_password, reset_token
from blog.comments.reports import Reporter, report_comment
from blog.comments.submission import submit_comment
from blog.editorial.publishing import move_to_slug
from blog.extensions import db
from blog.media.library import add_picture
from blog.media.store import store_for
from blog.models import (
    Article,
    ArticleStatus,
    Author,
    Comment,
    CommentStatus,
    Media,
    MediaFile,
    OutboxMessage,
    Redirect,
    ReplyTarget,
    Staff,
    Subscriber,
    utcnow,
)
from blog.porting import keys
from blog.porting.backup import write_export
from blog.porting.backup_format import (
    HEADER,
    LEFT_OUT_COLUMNS,
    LEFT_OUT_TABLES,
    SECTIONS,
    VERSION,
)
from blog.porting.backup_restore import restore as restore_document
from blog.subscriptions.followers import confirm
from tests.conftest import SERVER_DATABASE_URL, app_of_its_own
from tests.factories import (
    COMMENT_RULES,
    STAFF_PASSWORD,
    comment_input,
    make_article,
    make_author,
    make_category,
    make_comment,
    make_reply_chain,
    make_staff,
    make_tag,
)

#: Import keys whose order differs by collation ("Z" < "a" < "é" by code point only).
KEY_IDS = ("éclair", "apple", "Zed")


@pytest.fixture(autouse=True)
def media_of_its_own(empty_app: Flask, tmp_path: Path) -> None:
    """The test app's pictures in a folder of the test's own (not the instance folder's)."""
    empty_app.config["MEDIA_DIR"] = str(tmp_path / "media")


@contextmanager
def site_of_its_own(directory: Path, **config: object) -> Iterator[Flask]:
    """app_of_its_own, its pictures (when MEDIA_STORE is "files") in directory too."""
    with app_of_its_own(directory, MEDIA_DIR=str(directory / "media"), **config) as app:
        yield app


def picture(size: tuple[int, int], fmt: str, colour: str) -> bytes:
    """An upload: a picture of this size and colour, with a stripe so no two are alike."""
    image = Image.new("RGB", size, colour)
    image.paste("white", (0, size[1] // 3, size[0], size[1] // 2))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def stored(app: Flask) -> dict[str, bytes]:
    """Every file of the app's store, by name."""
    with app.app_context():
        store = store_for(app)
        return {name: store.get(name) for name in store.names()}


def populate(app: Flask) -> None:
    """A row in every exported table, written by the site's own rules where it has them."""
    with app.test_request_context():  # (the mail it writes has links)
        config = {**app.config, **COMMENT_RULES}
        chief = make_staff("chief", role="admin", email="chief@example.com", display_name="Ed")
        moderator = make_staff("warden", role="moderator", display_name="Night Desk")
        author = make_author("Zoë Ångström")
        author.photo = add_picture(picture((400, 400), "PNG", "teal"), "zoe.png", chief.id)
        lead = add_picture(picture((1200, 675), "JPEG", "navy"), "lighthouse.jpg", chief.id)
        inside = add_picture(picture((640, 480), "WEBP", "olive"), "logbook.webp")
        logbook = f"![The open logbook](/media/{inside.largest})"
        harbour, ferries = make_tag("harbour"), make_tag("ferries")
        article = make_article(
            title="The lighthouse keeper",
            slug="lighthouse",
            author=author,
            category=make_category("Coast"),
            body_markdown="The **lighthouse** keeper kept a *logbook*.\n\n## Storms\n\nMany."
            f"\n\n{logbook}",
        )
        article.tags = [ferries, harbour]
        article.lead_image = lead
        article.lead_image_alt = "The lighthouse at dusk, its lamp lit"
        article.lead_image_caption = "The light still turns every night."
        article.lead_image_credit = "Photo: Ed"
        article.featured = True
        imported = make_article(
            title="From the old site",
            slug="from-the-old-site",
            body_format="html",
            body_markdown="<h1>Old heading</h1><p>An <b>imported</b> body.</p>",
        )
        make_article(title="Not yet", status=ArticleStatus.DRAFT, published_at=None)
        make_article(title="Tomorrow", published_at=utcnow() + timedelta(days=1))
        db.session.flush()
        move_to_slug(article, "the-lighthouse-keeper")
        db.session.add(Redirect(path="/2014/01/lighthouse", article_id=article.id))
        keys.remember("wordpress:https://old.example.org", "post", "17", imported.id)
        for source_id in KEY_IDS:
            keys.remember("disqus:harbour", "thread", source_id, None)
        db.session.commit()

        first = submit_comment(
            article,
            comment_input(
                body="First!",
                notify_replies=True,
                notify_article=True,
                ip_address="192.0.2.1",
                user_agent="Firefox",
            ),
            config,
        )
        confirm(db.session.scalars(sa.select(Subscriber)).one())
        moderate(first, ACTIONS["approve"], chief)
        db.session.commit()
        staff_reply(first, chief, "Thanks, Ada.", config)  # Ada is told of it
        chain = make_reply_chain(article, COMMENT_RULES["COMMENT_MAX_DEPTH"])
        db.session.commit()
        deep = comment_input(email="bo@example.com", body="Deep.", parent_id=chain[-1].id)
        submit_comment(article, deep, config)  # placed beside the deepest, answering it
        edit_comment(first, "First! (edited)", moderator)
        reporter = Reporter.of("session-1", "198.51.100.7", app.config["SECRET_KEY"])
        report_comment(first, reporter, "off-topic", "Not about ships", hold_at=3)
        place_ban("email", "spam@example.com", reason="Spam", expires_at=None, staff=chief)
        db.session.commit()
        submit_comment(article, comment_input(email="spam@example.com", body="Buy"), config)
        make_comment(imported, status=CommentStatus.TRASH, author_name="Ünal")
        early = make_comment(imported, body="A reply stored before the comment it answers.")
        db.session.flush()
        answered = make_comment(imported, body="Answered.")
        db.session.flush()
        early.parent_id, early.depth = answered.id, 2
        db.session.commit()


def export(app: Flask, path: Path, *options: str) -> str:
    """Run `flask export` and return the document."""
    result = app.test_cli_runner().invoke(args=["export", str(path), *options])
    assert result.exit_code == 0, result.output
    return path.read_text(encoding="utf-8")


def restore(app: Flask, path: Path) -> None:
    result = app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Restored ")


def without_time(document: str) -> dict:
    """The document as data, without exported_at (the one member that may differ)."""
    data = json.loads(document)
    del data["exported_at"]
    return data


def row_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def test_every_table_and_column_is_in_the_format_or_left_out_on_purpose():
    """A migration that adds a table or column must add it to the format (a new version) or
    say why it is left out."""
    sections = {section.name: section for section in SECTIONS}
    for table in db.metadata.sorted_tables:
        if table.name in LEFT_OUT_TABLES:
            assert table.name not in sections
            continue
        fields = set(sections[table.name].fields)
        for column in table.columns:
            assert (column.name in fields) != ((table.name, column.name) in LEFT_OUT_COLUMNS)
        assert fields <= set(table.columns.keys())


def test_export_restore_export_gives_the_same_document(app, tmp_path):
    populate(app)
    before = export(app, tmp_path / "site.json")
    data = without_time(before)
    assert [key for key in data if key not in HEADER] == [s.name for s in SECTIONS]
    assert all(data[section.name] for section in SECTIONS), "a table left empty"
    assert data["format"] == "blog-export" and data["version"] == VERSION == 2
    assert [row["source_id"] for row in data["import_keys"][:3]] == ["Zed", "apple", "éclair"]
    assert {row["password_hash"] for row in data["staff"]} == {None}
    assert "body_html" not in data["articles"][0]
    assert data["articles"][0]["published_at"].endswith("Z")
    assert any((row["parent_id"] or 0) > row["id"] for row in data["comments"])

    streamed = app.test_cli_runner().invoke(args=["export", "-"])
    assert streamed.stdout.split("\n", 1)[1] == before.split("\n", 1)[1]
    assert streamed.stderr.startswith("Exported ")

    with site_of_its_own(tmp_path / "copy") as copy:
        result = copy.test_cli_runner().invoke(args=["restore", "-"], input=streamed.stdout_bytes)
        assert result.exit_code == 0, result.output
        after = export(copy, tmp_path / "again.json")
    assert without_time(after) == data
    assert after.split("\n", 1)[1] == before.split("\n", 1)[1]  # the same bytes, past line one


def test_pictures_go_from_the_folder_to_the_database_and_back_unchanged(app, tmp_path):
    """The same document and the same files whichever store keeps them; /media/ serves them
    after the restore."""
    populate(app)
    files = stored(app)
    with app.app_context():
        pictures = db.session.scalars(sa.select(Media).order_by(Media.id)).all()
        assert len(pictures) == 3
        assert sorted(files) == sorted(str(n) for m in pictures for n in m.all_files())
    first = without_time(export(app, tmp_path / "from-folder.json"))
    assert [row["name"] for row in first["media_files"]] == [
        str(name) for m in pictures for name in m.all_files()
    ]
    assert {row["name"]: base64.b64decode(row["content"]) for row in first["media_files"]} == files
    in_twos = io.StringIO()  # pictures read two at a time: the same files, in the same order
    with app.app_context():
        write_export(in_twos, batch=2)
    assert without_time(in_twos.getvalue()) == first
    [lighthouse] = [row for row in first["articles"] if row["slug"] == "the-lighthouse-keeper"]
    assert lighthouse["featured"] is True and lighthouse["lead_image_credit"] == "Photo: Ed"
    assert lighthouse["lead_image_id"] == pictures[1].id

    with site_of_its_own(tmp_path / "database", MEDIA_STORE="database") as database:
        restore(database, tmp_path / "from-folder.json")
        with database.app_context():
            rows = db.session.scalars(sa.select(MediaFile)).all()
            assert {row.name: row.media_id for row in rows} == {
                str(name): m.id for m in pictures for name in m.all_files()
            }
        assert stored(database) == files
        assert not (tmp_path / "database" / "media").exists()  # nothing written beside it
        client = database.test_client()
        for name, content in files.items():
            response = client.get(f"/media/{name}")
            assert response.status_code == 200 and response.data == content
        page = client.get("/articles/the-lighthouse-keeper").text
        assert f'srcset="{pictures[2].srcset()}"' in page  # the body's picture, made responsive
        second = without_time(export(database, tmp_path / "from-database.json"))
    assert second == first

    with site_of_its_own(tmp_path / "folder") as folder:
        restore(folder, tmp_path / "from-database.json")
        assert stored(folder) == files
        assert sorted(p.name for p in (tmp_path / "folder" / "media").iterdir()) == sorted(files)
        with folder.app_context():
            assert not db.session.scalar(sa.select(sa.func.count()).select_from(MediaFile))
            author = db.session.scalars(sa.select(Author).where(Author.photo_id.is_not(None)))
            assert author.one().photo.digest == pictures[0].digest
        with folder.test_client().get(f"/media/{pictures[1].largest}") as response:
            assert response.data == files[str(pictures[1].largest)]
            assert "immutable" in response.headers["Cache-Control"]
        assert without_time(export(folder, tmp_path / "again.json")) == first


def test_an_export_names_a_picture_file_the_store_has_lost(app, tmp_path):
    populate(app)
    lost = min(stored(app))
    (tmp_path / "media" / lost).unlink()
    result = app.test_cli_runner().invoke(args=["export", str(tmp_path / "site.json")])
    assert result.exit_code == 0
    assert "1 of the pictures' files was not in the store" in result.output
    assert lost in result.output
    names = [row["name"] for row in json.loads((tmp_path / "site.json").read_text())["media_files"]]
    assert lost not in names and len(names) == len(stored(app))


#: A document as version 1 of the site wrote it (before pictures): the arrays in its order.
VERSION_1 = """{"format": "blog-export", "version": 1, "exported_at": "2026-12-01T10:00:00.000000Z",
 "staff_secrets": false,
"authors": [
{"id": 1, "name": "Ada Byline", "slug": "ada-byline", "bio": "Writes."}
],
"categories": [], "tags": [], "staff": [],
"articles": [
{"id": 1, "title": "Before pictures", "slug": "before-pictures", "summary": "Old.",
 "body_format": "markdown", "body_markdown": "Plain *text*.", "source_name": null,
 "source_url": null, "author_id": 1, "category_id": null, "status": "published",
 "published_at": "2026-11-30T09:00:00.000000Z", "created_at": "2026-11-30T09:00:00.000000Z",
 "updated_at": "2026-11-30T09:00:00.000000Z", "comments_open": true}
],
"article_tags": [], "article_slugs": [], "redirects": [],
"comments": [
{"id": 1, "article_id": 1, "parent_id": null, "depth": 1, "status": "approved",
 "hold_reason": null, "author_name": "Bo", "author_email": "bo@example.com",
 "author_website": null, "body": "Still here.", "created_at": "2026-11-30T10:00:00.000000Z",
 "edited_at": null, "ip_address": null, "user_agent": null, "staff_id": null}
],
"reply_targets": [], "comment_revisions": [], "comment_reports": [], "bans": [],
"subscribers": [], "subscriptions": [], "follow_up_notices": [], "import_keys": [],
"moderation_actions": []}
"""


def test_a_version_1_document_still_restores_without_pictures(app, tmp_path):
    (tmp_path / "v1.json").write_text(VERSION_1, encoding="utf-8")
    restore(app, tmp_path / "v1.json")
    page = app.test_client().get("/articles/before-pictures")
    assert page.status_code == 200 and "<em>text</em>" in page.text and "Still here." in page.text
    document = without_time(export(app, tmp_path / "v2.json"))
    assert document["version"] == 2 and document["media"] == document["media_files"] == []
    assert document["authors"][0]["photo_id"] is None
    article = document["articles"][0]
    assert article["lead_image_id"] is None and article["featured"] is False
    assert article["lead_image_alt"] == article["lead_image_credit"] == ""


def test_with_staff_secrets_the_staff_log_in_as_before(app, tmp_path):
    """(Restored from the document laid out anew, as a tool such as jq would write it.)"""
    populate(app)
    document = without_time(export(app, tmp_path / "site.json", "--with-staff-secrets"))
    assert all(row["password_hash"] and row["session_token"] for row in document["staff"])
    reindented = tmp_path / "reindented.json"
    reindented.write_text(json.dumps(json.loads((tmp_path / "site.json").read_text()), indent=2))
    with site_of_its_own(tmp_path / "copy") as copy:
        restore(copy, reindented)
        assert without_time(export(copy, tmp_path / "again.json", "--with-staff-secrets")) == (
            document
        )
        with copy.app_context():
            assert authenticate("chief", STAFF_PASSWORD) is not None


def test_the_restored_site_serves_finds_and_archives_its_articles(app, tmp_path):
    populate(app)
    document = json.loads(export(app, tmp_path / "site.json"))
    month = document["articles"][0]["published_at"][:7].replace("-", "/")
    harbour = next(tag["slug"] for tag in document["tags"] if tag["name"] == "harbour")
    with app.app_context():
        highest = db.session.scalar(sa.select(sa.func.max(Comment.id)))
    with site_of_its_own(tmp_path / "copy") as copy:
        restore(copy, tmp_path / "site.json")
        client = copy.test_client()
        page = client.get("/articles/the-lighthouse-keeper")
        assert page.status_code == 200
        assert "<strong>lighthouse</strong>" in page.text
        assert "First! (edited)" in page.text
        imported = client.get("/articles/from-the-old-site")
        assert "<h2>Old heading</h2>" in imported.text  # rendered again, by the site's rule
        old = client.get("/articles/lighthouse")
        assert old.status_code == 301
        assert old.headers["Location"].endswith("/articles/the-lighthouse-keeper")
        assert "The lighthouse keeper" in client.get("/search?q=logbook").text
        unseen = client.get("/search?q=paragraph").text  # the draft's and the scheduled one's
        assert "Not yet" not in unseen and "Tomorrow" not in unseen
        assert "The lighthouse keeper" in client.get(f"/archive/{month}/").text
        assert "The lighthouse keeper" in client.get(f"/tag/{harbour}").text
        with copy.test_request_context():
            assert not db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
            article = db.session.scalar(sa.select(Article).where(Article.title.like("The light%")))
            comment = submit_comment(
                article,
                comment_input(email="new@example.com", body="After."),
                {**copy.config, **COMMENT_RULES},
            )
            assert comment.id > highest  # the ids go on past the restored ones
            assert db.session.scalar(sa.select(sa.func.count()).select_from(ReplyTarget)) == 1


def test_staff_restored_without_secrets_cannot_log_in_but_can_reset(app, tmp_path):
    populate(app)
    export(app, tmp_path / "site.json")
    with site_of_its_own(tmp_path / "copy") as copy:
        restore(copy, tmp_path / "site.json")
        with copy.test_request_context():
            assert authenticate("chief", STAFF_PASSWORD) is None
            assert request_reset("chief", utcnow()) == 1
            db.session.commit()
            staff = db.session.scalars(sa.select(Staff).where(Staff.username == "chief")).one()
            token = reset_token(staff)
            assert account_to_reset(token) == staff
            assert reset_password(staff, token, new_password_hash("a new long password"))
            db.session.commit()
            assert authenticate("chief", "a new long password") == staff


def test_restore_refuses_a_database_that_is_not_empty(app, tmp_path):
    populate(app)
    export(app, tmp_path / "site.json")
    counts = row_counts(app)
    result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "site.json")])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "not empty" in result.output
    assert row_counts(app) == counts


def test_restore_refuses_a_database_without_the_tables(empty_app, tmp_path):
    (tmp_path / "site.json").write_text('{"format": "blog-export", "version": 1}')
    result = empty_app.test_cli_runner().invoke(args=["restore", str(tmp_path / "site.json")])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "run `flask db upgrade` first" in result.output


def test_restore_refuses_a_document_it_cannot_read_and_writes_nothing(app, tmp_path):
    populate(app)
    document = export(app, tmp_path / "site.json")
    header = document.split("\n", 1)[0]
    cases = {
        "not JSON": ("<rss></rss>", "not a readable JSON"),
        "another format": ('{"format": "wordpress", "version": 1}', "not a blog export"),
        "a newer version": (header.replace('"version": 2', '"version": 3'), "version 3"),
        "cut short": (document[: len(document) * 2 // 3], "cut short"),
        "a table missing": (header.rstrip(",") + "}", "expected 'categories'"),
        "a reference to nothing": (
            re.sub(r'"author_id": \d+', '"author_id": 99999', document, count=1),
            "the database refused a row of articles",
        ),
        "a bad row": (
            document.replace('"depth": 1', '"depth": "one"', 1),
            "depth should be an integer",
        ),
        "a file not what its name says": (
            re.sub(
                r'("media_files": \[\n\{"name": "[^"]+", "content": ")[^"]+',
                lambda match: match[1] + base64.b64encode(b"<svg/>").decode(),
                document,
            ),
            "is not the picture its name says",
        ),
        "a file of no picture": (
            re.sub(r'("media_files": \[\n\{"name": ")[0-9a-f]{4}', r"\g<1>0000", document),
            "a file of no picture in the document",
        ),
        "a file not in base64": (
            document.replace('"content": "', '"content": "*', 1),
            "content is not base64",
        ),
    }
    assert len(set(text for text, _reason in cases.values())) == len(cases)  # each changed it
    with site_of_its_own(tmp_path / "copy") as copy:
        empty = row_counts(copy)
        for name, (text, reason) in cases.items():
            path = tmp_path / f"{name}.json"
            path.write_text(text, encoding="utf-8")
            result = copy.test_cli_runner().invoke(args=["restore", str(path)])
            assert result.exit_code == 1, name
            assert result.output.count("\n") == 1, name
            assert reason in result.output, (name, result.output)
            assert row_counts(copy) == empty, name
            assert not list((tmp_path / "copy" / "media").glob("*")), name  # files taken back


def test_a_generated_site_round_trips_across_batches(app, tmp_path):
    """bench/backup.py's document (the bench's, at a size no test builds) restores and exports
    to the same bytes; batches of 7 rows make every table cross batch boundaries."""
    generated = io.StringIO()
    bench_backup.write(generated, articles=12, comments=5)
    again = io.StringIO()
    with app.app_context():
        restore_document(io.BytesIO(generated.getvalue().encode()), batch=7)
        write_export(again, batch=7)
    assert again.getvalue().split("\n", 1)[1] == generated.getvalue().split("\n", 1)[1]


@pytest.mark.skipif(not SERVER_DATABASE_URL, reason="needs BLOG_TEST_DATABASE_URL")
def test_the_same_document_from_sqlite_to_postgresql_and_back(tmp_path):
    with site_of_its_own(tmp_path / "sqlite", server_url=None) as sqlite:
        populate(sqlite)
        first = without_time(export(sqlite, tmp_path / "from-sqlite.json"))
    with site_of_its_own(tmp_path / "server") as server:
        with server.app_context():
            assert db.engine.dialect.name == "postgresql"
        restore(server, tmp_path / "from-sqlite.json")
        assert without_time(export(server, tmp_path / "from-server.json")) == first
    with site_of_its_own(tmp_path / "sqlite-again", server_url=None) as sqlite:
        restore(sqlite, tmp_path / "from-server.json")
        assert without_time(export(sqlite, tmp_path / "again.json")) == first
