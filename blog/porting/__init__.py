"""Data in and out: importers from WordPress and Disqus, the old addresses they leave behind,
and the site's whole export and restore.

Each importer reads its file twice: once to check it (nothing is written from a file that is
not an export, or is cut short), then to write it in small committed batches. What it brought
in is keyed by the source's ids (blog.porting.keys), so importing again changes nothing.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the commands and the old addresses' redirects."""
    from blog.porting import backup, disqus, redirects, wordpress

    app.cli.add_command(wordpress.import_wordpress_command)
    app.cli.add_command(disqus.import_disqus_command)
    app.cli.add_command(backup.export_command)
    app.cli.add_command(backup.restore_command)
    redirects.init_app(app)
