"""The "Your data" link: it names its address without showing it, and says why it cannot be
used (forged, expired, used)."""

from __future__ import annotations

import base64

from blog.privacy.links import YOUR_DATA, address_in, data_token, seal, unseal
from blog.signing import LinkProblem, make_token, spend
from tests.privacy.conftest import ADA


def test_the_link_names_its_address_unreadably_and_says_why_it_cannot_be_used(app):
    with app.app_context():
        first, second = seal(ADA), seal(ADA)
        assert first != second
        assert unseal(first) == unseal(second) == ADA
        assert unseal("not sealed at all") is None
        token = data_token(ADA)
        assert address_in(token) == ADA

        altered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
        other_purpose = make_token("subscription-manage", seal(ADA))
        unsealable = make_token(YOUR_DATA, "plainly-not-sealed!")
        for bad in (altered, other_purpose, unsealable, "nonsense"):
            assert address_in(bad) == LinkProblem.FORGED, bad

        app.config["YOUR_DATA_LINK_HOURS"] = -1  # every link is older than that
        assert address_in(token) == LinkProblem.EXPIRED
        app.config["YOUR_DATA_LINK_HOURS"] = 24
        assert spend(YOUR_DATA, token)
        assert address_in(token) == LinkProblem.USED
    payload = token.split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert b"lovelace" not in decoded.lower() and "lovelace" not in token.lower()
