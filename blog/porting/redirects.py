"""Placeholder, replaced by the old addresses' redirects."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing yet."""
