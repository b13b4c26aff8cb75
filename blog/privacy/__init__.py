"""Readers' data: what the site keeps about readers, and each person's say over their own.

- routes.py: the privacy page (/privacy, from the settings), "Your data" (/your-data: an address
  in, the same answer out, a signed link by email when the site holds anything for it) and the
  link's pages (what is held, Download as JSON, Erase);
- staff.py: the same two actions for any address, admins only (/admin/readers-data);
- holdings.py: the rules (what an address finds, the export, the erasure), without HTTP;
- requests.py: the use cases, each one transaction with its audit entry (records.py: never the
  address, a keyed digest of it); links.py: the link and its email;
- purge.py: `flask purge`, run daily by the sending rounds: IP addresses and user agents past
  COMMENT_IP_RETENTION_DAYS, and what derives from them.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the reader's pages (with the settings they state: routes.publish_settings),
    `flask purge` and its daily run. (The staff pages are a nested blueprint of the staff
    area, registered with it: blog.admin.routes.)"""
    from blog.outbox.sender import add_composer
    from blog.privacy.purge import purge_command, purge_daily
    from blog.privacy.routes import bp, publish_settings

    app.register_blueprint(bp)
    publish_settings(app)  # kept pages stating other settings are not served
    app.cli.add_command(purge_command)
    add_composer(app, purge_daily)
