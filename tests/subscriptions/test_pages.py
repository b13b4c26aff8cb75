"""The follow-up pages are valid HTML (the Nu Html Checker, as tests/test_html_validity.py)."""

from __future__ import annotations

import sqlalchemy as sa

from blog.extensions import db
from blog.models import Subscriber
from blog.signing import make_token
from blog.subscriptions.followers import follow
from blog.subscriptions.mail import CONFIRM, MANAGE
from tests.factories import make_article, make_comment
from tests.pages import get_html
from tests.test_html_validity import _checker, _errors


def test_every_follow_up_page_is_valid_html(app, client, tmp_path):
    _checker()  # skips before building anything when the checker is missing
    with app.app_context():
        article = make_article(title="Harbour <ferry> & fares")
        comment = make_comment(article, status="pending", author_email="ada@example.com")
        db.session.flush()
        follow(comment, replies=True, article=True, client=None, config=app.config)
        db.session.commit()
        subscriber_id = db.session.scalar(sa.select(Subscriber.id))
        confirm, manage = make_token(CONFIRM, subscriber_id), make_token(MANAGE, subscriber_id)
    pages = {
        "confirm": get_html(client, f"/notifications/confirm/{confirm}"),
        "manage": get_html(client, f"/notifications/{manage}"),
        "link problem": get_html(client, "/notifications/nonsense", status=404),
    }
    one_click = client.post(f"/notifications/{manage}", data={"List-Unsubscribe": "One-Click"})
    pages["unsubscribed"] = one_click.get_data(as_text=True)
    pages["manage, nothing left"] = get_html(client, f"/notifications/{manage}")
    assert "Harbour &lt;ferry&gt; &amp; fares" in pages["manage"]  # escaped
    files = {}
    for number, (name, html) in enumerate(pages.items()):
        path = tmp_path / f"page-{number:02}.html"
        path.write_text(html, encoding="utf-8")
        files[path.name] = name
    errors = _errors([str(tmp_path / file) for file in files], files)
    assert not errors, "\n".join(errors)
