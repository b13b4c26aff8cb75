"""The rules of readers' data without HTTP: what an address finds, the export, the erasure."""

from __future__ import annotations

import sqlalchemy as sa

from blog.extensions import db
from blog.models import (
    Article,
    Ban,
    Comment,
    CommentRevision,
    FollowUpNotice,
    ModerationAction,
    Subscriber,
    Subscription,
)
from blog.outbox.messages import compose
from blog.outbox.pickup import pickup_dir
from blog.outbox.queue import enqueue
from blog.privacy.holdings import (
    ANONYMOUS,
    erase,
    export_of,
    holdings_of,
    outbox_rows_of,
    remove_files,
)
from blog.rendering import DELETED_COMMENT_HTML
from tests.privacy.conftest import ADA, ADA_CAPITALISED, BO, make_site, outbox_recipients


def test_the_export_holds_everything_about_the_address_and_nothing_else(app):
    site = make_site(app)
    with app.app_context():
        held = holdings_of(ADA.upper())
        nobody = holdings_of("nobody@example.com")
        document = export_of(ADA)
        db.session.execute(sa.update(Article).values(status="draft"))
        db.session.commit()
        taken_down = export_of(ADA)["comments"][0]
    assert (held.comments, held.subscriptions, held.subscribed) == (2, 2, True)
    assert (held.mail, held.mail_files, held.emails, held.bans) == (1, 1, 1, 1)  # one message
    assert held.anything and not nobody.anything
    assert (taken_down["article"]["title"], taken_down["url"]) == (None, None)
    assert document["format"] == "blog-your-data/1"
    assert document["address"] == ADA
    first, second = document["comments"]
    assert first["id"] == site.answered_id
    assert first["article"] == {
        "title": "The harbour ferry",
        "url": f"http://localhost/articles/{site.slug}",
    }
    assert first["url"] == f"http://localhost/comments/{site.answered_id}"
    assert (first["status"], first["name"], first["email"]) == ("approved", "Ada Lovelace", ADA)
    assert first["website"] == "https://ada.example"
    assert first["ip_address"] == "198.51.100.23"
    assert first["user_agent"] == "Mozilla/5.0 (Ada's laptop)"
    assert first["text"] == "The ferry should stay."
    assert first["posted_at"].startswith("20")
    assert [v["text"] for v in first["earlier_versions"]] == ["The ferry must stay!"]
    assert (second["email"], second["status"], second["url"]) == (ADA_CAPITALISED, "pending", None)
    follow_ups = document["follow_ups"]
    assert follow_ups["confirmed_at"] is not None
    assert sorted(s["kind"] for s in follow_ups["subscriptions"]) == ["article", "replies"]
    assert [(m["kind"], m["subject"]) for m in document["mail"]] == [("reply", "A reply")]
    assert len(document["mail_files"]) == 1
    assert [b["kind"] for b in document["bans"]] == ["email"]
    text = str(document)
    assert "Bo Writer" not in text and BO not in text and "Why?" not in text


def test_erasing_anonymises_keeps_the_text_and_the_replies_and_keeps_bans(app):
    site = make_site(app)
    with app.app_context():
        done = erase(ADA, delete_text=False)
        db.session.commit()
        assert remove_files(done.files) == 1
        comments = {c.id: c for c in db.session.scalars(sa.select(Comment))}
        for comment_id in (site.answered_id, site.alone_id):
            comment = comments[comment_id]
            assert comment.author_name == ANONYMOUS
            assert comment.author_email == ""
            assert (comment.author_website, comment.ip_address, comment.user_agent) == (
                None,
                None,
                None,
            )
        assert comments[site.answered_id].body == "The ferry should stay."
        assert comments[site.reply_id].author_name == "Bo Writer"
        assert comments[site.reply_id].parent_id == site.answered_id
        assert comments[site.other_id].author_email == BO
        assert db.session.scalar(sa.select(sa.func.count(CommentRevision.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(Subscriber.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(Subscription.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(Ban.id))) == 1
        assert not any(pickup_dir(app).iterdir())
        after = holdings_of(ADA)
    assert outbox_recipients(app) == [[BO]]
    assert (done.comments_anonymised, done.comments_deleted, done.bans_kept) == (2, 0, 1)
    assert (done.revisions, done.subscriptions, done.mail) == (1, 2, 1)
    assert not (after.comments or after.subscribed or after.mail or after.mail_files)
    assert after.bans == 1  # said on the page, never erased
    assert ADA not in done.summary()


def test_deleting_the_text_deletes_a_lone_comment_and_empties_an_answered_one(app):
    site = make_site(app)
    with app.app_context():
        subscriber_id = db.session.scalar(sa.select(Subscriber.id))
        db.session.add(
            FollowUpNotice(
                subscriber_id=subscriber_id,
                comment_id=site.other_id,
                article_id=site.article_id,
                kind="digest",
            )
        )
        db.session.commit()
        done = erase(ADA, delete_text=True)
        db.session.commit()
        answered = db.session.get(Comment, site.answered_id)
        assert db.session.get(Comment, site.alone_id) is None
        assert (answered.body, answered.body_html) == ("", DELETED_COMMENT_HTML)
        assert answered.author_name == ANONYMOUS
        assert db.session.get(Comment, site.reply_id).body == "Why?"
        assert db.session.scalar(sa.select(sa.func.count(FollowUpNotice.subscriber_id))) == 0
    assert (done.texts_deleted, done.comments_deleted, done.comments_anonymised) == (1, 1, 1)


def test_another_spelling_of_the_inbox_is_not_the_address(app):
    """Many mail servers deliver ada+x@… to someone other than ada@…: what a link opens follows
    the address as typed (any letter case), never the inbox it might reach."""
    make_site(app)
    with app.app_context():
        tagged = holdings_of("ada.lovelace+x@example.com")
        capitalised = holdings_of("ADA.LOVELACE@EXAMPLE.COM")
    assert not tagged.anything
    assert (capitalised.comments, capitalised.subscriptions) == (2, 2)


def test_mail_to_an_address_with_a_capital_letter_beyond_ascii_is_found(app):
    address = "Ärger@example.org"
    with app.app_context():
        enqueue(compose("Hello", [address], "Text."), [address], kind="reply")
        db.session.commit()
        assert len(outbox_rows_of({address})) == 1
        assert len(outbox_rows_of({"ärger@example.org"})) == 1
        assert outbox_rows_of({"other@example.org"}) == []


def test_erasing_names_a_lifted_ban_in_the_audit_log_by_digest_and_keeps_one_in_force(app):
    make_site(app)
    with app.app_context():
        entries = [
            ModerationAction(action="ban", detail=ADA),
            ModerationAction(action="unban", detail=ADA_CAPITALISED),
            ModerationAction(action="ban", detail=BO),
        ]
        db.session.add_all(entries)
        db.session.commit()
        erase(ADA, delete_text=False)  # her ban is in force: the entries keep the address
        db.session.commit()
        assert [e.detail for e in entries] == [ADA, ADA_CAPITALISED, BO]
        db.session.execute(sa.delete(Ban))
        db.session.commit()
        erase(ADA, delete_text=False)
        db.session.commit()
        details = [db.session.get(ModerationAction, e.id).detail for e in entries]
    assert details[0] == details[1] != ADA
    assert details[0].startswith("an erased address (") and details[2] == BO
