"""The media tests' app keeps its picture files in the test's own folder, not instance/."""

from __future__ import annotations

import pytest
from flask import Flask


@pytest.fixture
def app(app: Flask, tmp_path) -> Flask:
    """The suite's app, its files store in tmp_path/media."""
    app.config["MEDIA_DIR"] = str(tmp_path / "media")
    return app
