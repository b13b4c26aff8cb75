"""Placeholder, replaced by export and restore."""

from __future__ import annotations

import click


@click.command("export")
def export_command() -> None:
    """Not built yet."""
    raise click.ClickException("not built yet")


@click.command("restore")
def restore_command() -> None:
    """Not built yet."""
    raise click.ClickException("not built yet")
