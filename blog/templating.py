"""Filters and template globals shared by every page."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import Flask, current_app, request

from blog.inputs import page_number
from blog.siteurl import site_url_for

#: Characters XML 1.0 forbids even when escaped.
_XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str | None) -> str:
    """Drop the characters that would make an XML document ill-formed."""
    return _XML_INVALID.sub("", text or "")


#: English month names, whatever the server's locale (strftime's %B follows the locale).
MONTHS = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def human_date(value: datetime) -> str:
    """28 November 2026."""
    return f"{value.day} {MONTHS[value.month]} {value.year}"


def month_name(number: int) -> str:
    """11 -> November."""
    return MONTHS[number]


def human_datetime(value: datetime) -> str:
    """28 November 2026 at 09:30 (UTC)."""
    return f"{value.day} {MONTHS[value.month]} {value.year} at {value.hour:02d}:{value.minute:02d}"


#: How the audit log's actions read in a sentence ("Approved by editor, 5 minutes ago").
ACTION_VERBS = {
    "approve": "Approved",
    "unapprove": "Unapproved",
    "spam": "Marked as spam",
    "not-spam": "Marked as not spam",
    "trash": "Trashed",
    "restore": "Restored",
    "reply": "Replied",
    "edit": "Edited",
    "hidden-by-reports": "Hidden after readers' reports",
    "reports-dismissed": "Reports dismissed",
}


def action_verb(action: str) -> str:
    """'approve' -> 'Approved'."""
    return ACTION_VERBS.get(action, action.capitalize())


def time_ago(value: datetime, now: datetime | None = None) -> str:
    """'just now', '5 minutes ago', '3 hours ago', '2 days ago', or the date."""
    seconds = int(((now or datetime.now(value.tzinfo)) - value).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            if unit == "day" and count > 30:
                return human_date(value)
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"


def iso_datetime(value: datetime) -> str:
    """RFC 3339 in UTC, as feeds, sitemaps and <time datetime> want it."""
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def canonical_url() -> str | None:
    """This page's one true address on SITE_URL: its route with only a page number (past 1)."""
    if request.endpoint is None or request.url_rule is None or request.routing_exception:
        return None
    args = dict(request.view_args or {})
    page = page_number(request.args.get("page"))
    if page > 1:
        args["page"] = page
    return site_url_for(request.endpoint, **args)


def site_context() -> dict[str, Any]:
    """The site's name and tagline, from configuration."""
    return {
        "site_name": current_app.config["SITE_NAME"],
        "site_tagline": current_app.config["SITE_TAGLINE"],
        "canonical_url": canonical_url,
    }


def init_app(app: Flask) -> None:
    """Register the filters, site_url_for and the context processor."""
    app.add_template_filter(xml_safe)
    app.add_template_filter(human_date)
    app.add_template_filter(month_name)
    app.add_template_filter(human_datetime)
    app.add_template_filter(iso_datetime)
    app.add_template_filter(time_ago)
    app.add_template_filter(action_verb)
    app.add_template_global(site_url_for)
    app.context_processor(site_context)
