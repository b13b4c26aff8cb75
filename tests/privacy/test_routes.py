"""The readers' pages through HTTP, as a person meets them: the form, the same answer for every
address, the email that goes out (read from the pickup folder, as the worker writes it), the
link's page, the download and the erasure; the limits, the origin checks, links that do not
work; and the address on no page and in no audit entry."""

from __future__ import annotations

import json
import re
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa

from blog.extensions import db
from blog.models import Comment, ModerationAction, OutboxMessage, SpentToken
from blog.outbox.pickup import pickup_dir
from blog.outbox.sender import send_due
from blog.privacy.links import data_token
from blog.privacy.records import address_digest
from tests.comments.test_notify import Inbox, free_port, smtp_server
from tests.conftest import app_of_its_own
from tests.pages import get_html
from tests.privacy.conftest import ADA, BO, make_site

SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}
CROSS_SITE = {"Sec-Fetch-Site": "cross-site"}
#: A link to the site in a message's text.
LINK = re.compile(r"http://localhost(/your-data/link/\S+)")


def ask(client, email: str, **environ: str):
    return client.post(
        "/your-data", data={"email": email}, headers=SAME_ORIGIN, environ_base=environ
    )


def audit_details(app) -> list[tuple[str, str, int | None]]:
    with app.app_context():
        rows = db.session.scalars(sa.select(ModerationAction).order_by(ModerationAction.id))
        return [(row.action, row.detail, row.staff_id) for row in rows]


def mailed_link(app, runner) -> str:
    """Send the outbox as the worker does (no MAIL_SERVER: into the pickup folder), read the
    newest file and return the link's path in it."""
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    [newest, *_] = sorted(pickup_dir(app).glob("*-your-data.eml"), reverse=True)
    message = message_from_bytes(newest.read_bytes(), policy=policy.default)
    assert message["To"] == ADA
    assert "Your data" in message["Subject"]
    [path] = LINK.findall(message.get_content())
    return path


def test_every_address_gets_the_same_answer_and_only_a_known_one_an_email(app, client):
    make_site(app)
    known, unknown = ask(client, ADA.upper()), ask(client, "stranger@example.com")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"] == "/your-data/sent"
    with app.app_context():
        mail = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "your-data"))
        assert [row.recipients for row in mail] == [
            ["ADA.LOVELACE@example.com"]
        ]  # as typed, normalized
        digests = address_digest(ADA), address_digest("stranger@example.com")
    assert audit_details(app) == [
        ("data-request", f"address {digests[0]}: link sent", None),
        ("data-request", f"address {digests[1]}: nothing held, no email", None),
    ]
    refused = ask(client, "not an address")
    assert refused.status_code == 422
    assert "Please enter a valid email address." in refused.get_data(as_text=True)

    # From another site's page: refused, and nothing logged.
    logged = len(audit_details(app))
    assert client.post("/your-data", data={"email": ADA}, headers=CROSS_SITE).status_code == 403
    with app.app_context():
        token = data_token(ADA)
    for action in ("download", "erase"):
        refused = client.post(f"/your-data/link/{token}/{action}", headers=CROSS_SITE)
        assert refused.status_code == 403, action
    assert len(audit_details(app)) == logged


def test_the_round_trip_request_email_link_download_erase(app, client, runner):
    """As a person goes: the form, the email, its link, download, erase; and the address is on
    no page, in no link and in no audit entry."""
    site = make_site(app)
    pages = [get_html(client, "/your-data")]
    answer = ask(client, ADA)
    assert answer.status_code == 303
    pages.append(get_html(client, answer.headers["Location"]))
    path = mailed_link(app, runner)
    assert "lovelace" not in path.lower()
    with app.app_context():
        rows_before = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))

    page = client.get(path)  # a mail scanner, or the person: nothing happens yet
    html = page.get_data(as_text=True)
    pages.append(html)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "2 comments you wrote" in html
    assert "ban on your address" in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(SpentToken.digest))) == 0
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == rows_before

    download = client.post(f"{path}/download", headers=SAME_ORIGIN)
    assert download.status_code == 200
    assert download.mimetype == "application/json"
    assert download.headers["Content-Disposition"].startswith("attachment; filename=")
    document = json.loads(download.get_data(as_text=True))
    assert [c["id"] for c in document["comments"]] == [site.answered_id, site.alone_id]
    assert client.post(f"{path}/download", headers=SAME_ORIGIN).status_code == 200  # again

    erased = client.post(f"{path}/erase", data={"delete_text": "y"}, headers=SAME_ORIGIN)
    assert erased.status_code == 303 and erased.headers["Location"] == "/your-data/erased"
    pages.append(get_html(client, "/your-data/erased"))
    assert "Done: your data is erased" in pages[-1]
    with app.app_context():
        answered = db.session.get(Comment, site.answered_id)
        assert (answered.author_name, answered.author_email, answered.body) == ("Anonymous", "", "")
        assert db.session.get(Comment, site.alone_id) is None
        assert db.session.get(Comment, site.reply_id).author_email == BO
        left = db.session.scalars(sa.select(OutboxMessage)).all()
        assert all(ADA not in row.recipients for row in left)
    assert not list(pickup_dir(app).glob("*your-data.eml"))

    for again in (client.get(path), client.post(f"{path}/erase", headers=SAME_ORIGIN)):
        assert again.status_code == 410
        pages.append(again.get_data(as_text=True))
        assert "This link has been used" in pages[-1]
    assert client.post(f"{path}/download", headers=SAME_ORIGIN).status_code == 410
    actions = [(action, staff) for action, _, staff in audit_details(app)]
    assert actions == [
        ("data-request", None),
        ("data-export", None),
        ("data-export", None),
        ("data-erase", None),
    ]
    for html in pages:
        assert ADA not in html and "Lovelace" not in html
    details = " ".join(detail for _, detail, _ in audit_details(app))
    assert "lovelace" not in details.lower()
    with app.app_context():
        assert details.count(address_digest(ADA)) == 4


def test_forged_and_expired_links_get_the_styled_page(app, client):
    make_site(app)
    forged = client.get("/your-data/link/not-a-token")
    assert forged.status_code == 404
    assert "This link does not work" in forged.get_data(as_text=True)
    with app.app_context():
        token = data_token(ADA)
    app.config["YOUR_DATA_LINK_HOURS"] = -1
    for response in (
        client.get(f"/your-data/link/{token}"),
        client.post(f"/your-data/link/{token}/erase", headers=SAME_ORIGIN),
    ):
        assert response.status_code == 410
        assert "This link has expired" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 4


def test_an_erasure_refreshes_the_kept_article_page(tmp_path):
    with app_of_its_own(tmp_path, CACHE_TYPE="SimpleCache") as app:
        site = make_site(app)
        client = app.test_client()
        article = f"/articles/{site.slug}"
        assert "Ada Lovelace" in get_html(client, article)
        assert "Ada Lovelace" in get_html(client, article)  # served from the kept page
        with app.app_context():
            token = data_token(ADA)
        client.post(f"/your-data/link/{token}/erase", headers=SAME_ORIGIN)
        html = get_html(client, article)
    assert "Ada Lovelace" not in html and "Anonymous" in html
    assert "The ferry should stay." in html


@pytest.fixture
def limited(tmp_path):
    """An app with the limits on: 2 requests per address, 3 per client."""
    limits = {
        "YOUR_DATA_RATE_LIMIT_ADDRESS": "2 per hour",
        "YOUR_DATA_RATE_LIMIT_CLIENT": "3 per hour",
    }
    with app_of_its_own(tmp_path, RATELIMIT_ENABLED=True, **limits) as app:
        yield app


def test_requests_are_limited_per_address_in_any_spelling_and_per_client(limited):
    client = limited.test_client()
    assert ask(client, ADA, REMOTE_ADDR="198.51.100.1").status_code == 303
    assert ask(client, ADA.upper(), REMOTE_ADDR="198.51.100.2").status_code == 303
    third = ask(client, "ada.lovelace+x@example.com", REMOTE_ADDR="198.51.100.3")
    assert third.status_code == 429
    assert "Please wait an hour" in third.get_data(as_text=True)
    assert ask(client, "other@example.com", REMOTE_ADDR="198.51.100.3").status_code == 303
    for n in range(3):
        assert ask(client, f"n{n}@example.com", REMOTE_ADDR="2001:db8::1").status_code == 303
    same_network = ask(client, "n9@example.com", REMOTE_ADDR="2001:db8::2")  # the same /64
    assert same_network.status_code == 429
    assert limited.test_client().get("/your-data").status_code == 200  # reading is not limited


def test_the_public_pages_are_kept_for_every_reader_and_say_the_settings(app, client):
    site = make_site(app)
    for path in ("/your-data", "/your-data/sent", "/your-data/erased", "/privacy"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"].startswith("public"), path
        assert "Set-Cookie" not in response.headers, path
    form = get_html(client, "/your-data")
    assert 'action="/your-data"' in form and 'name="csrf_token"' not in form

    app.config.update(COMMENT_IP_RETENTION_DAYS=12, OUTBOX_KEEP_DAYS=9, SERVER_LOG_DAYS=7)
    html = get_html(client, "/privacy")
    assert "We delete both after 12 days" in html
    assert "kept there 9 days after sending" in html
    assert "kept 7 days" in html
    assert "kept instead as a file on its server" in html  # no MAIL_SERVER
    app.config["MAIL_SERVER"] = "smtp.example.org"
    assert "kept instead as a file" not in get_html(client, "/privacy")

    article = get_html(client, f"/articles/{site.slug}")
    assert 'href="/privacy"' in article and 'href="/your-data"' in article  # the footer
    notice = (
        '<p id="email-notes" class="comment-notes">Your email address will not be published. '
        'Required fields are marked <span class="required">*</span></p>'
    )
    after = article[article.index(notice) + len(notice) :]
    assert after.lstrip().startswith('<p class="form-note comment-privacy"><a href="/privacy">')


def test_a_kept_privacy_page_is_not_served_after_a_restart_with_other_settings(tmp_path):
    cache = {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(tmp_path / "cache")}
    with app_of_its_own(tmp_path / "first", **cache) as first:
        assert "after 30 days" in get_html(first.test_client(), "/privacy")
        first.config["COMMENT_IP_RETENTION_DAYS"] = 99  # not a restart: the kept page stands
        assert "after 30 days" in get_html(first.test_client(), "/privacy")
    with app_of_its_own(tmp_path / "second", COMMENT_IP_RETENTION_DAYS=12, **cache) as second:
        assert "after 12 days" in get_html(second.test_client(), "/privacy")  # a restart


def test_the_link_arrives_through_a_real_mail_server_and_opens_the_page(tmp_path):
    """With MAIL_SERVER set, the email leaves by SMTP (aiosmtpd here): it reaches the address
    and no one else, and its link opens the page of what is held."""
    inbox = Inbox()
    with (
        smtp_server(inbox, free_port()) as port,
        app_of_its_own(
            tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, OUTBOX_SENDER_THREAD=False
        ) as app,
    ):
        make_site(app)
        client = app.test_client()
        assert ask(client, ADA).status_code == 303
        with app.app_context():
            assert send_due().sent >= 1  # each message handed to the server before it returns
        [(recipients, message)] = [
            (rcpt, m) for rcpt, m in inbox.messages if "Your data" in m["Subject"]
        ]
        assert recipients == [ADA] and message["To"] == ADA
        [path] = LINK.findall(message.get_content())
        page = client.get(path)
        assert page.status_code == 200
        assert "Download my data" in page.get_data(as_text=True)
        assert "lovelace" not in path.lower()
