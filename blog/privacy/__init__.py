"""Placeholder, replaced by readers' data: the privacy page, "Your data", the purge."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing yet."""
