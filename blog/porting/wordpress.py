"""Placeholder, replaced by the wordpress importer."""

from __future__ import annotations

import click


@click.command("import-wordpress")
def import_wordpress_command() -> None:
    """Not built yet."""
    raise click.ClickException("not built yet")
