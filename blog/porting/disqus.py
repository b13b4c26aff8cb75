"""Placeholder, replaced by the disqus importer."""

from __future__ import annotations

import click


@click.command("import-disqus")
def import_disqus_command() -> None:
    """Not built yet."""
    raise click.ClickException("not built yet")
