"""Restore keeps EXIF and XMP out of the store: a document whose picture file carries them
(made or edited by hand, or by another tool) is refused, since /media/ would publish them."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from PIL import ExifTags, Image

from blog.extensions import db
from blog.media.library import add_picture
from blog.models import Media, MediaFile
from tests.conftest import app_of_its_own
from tests.media.pictures import CAMERA, jpeg

XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'


def gps_exif() -> bytes:
    """A camera's EXIF: its make and where the photo was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 8.0)
    return exif.tobytes()


#: How a file is saved again before it goes back into the document.
RESAVED = {
    "with GPS EXIF": {"exif": gps_exif()},
    "with XMP": {"xmp": XMP},
    "plain": {},
}


def resaved(data: bytes, **options: object) -> bytes:
    """The same JPEG (same size, same pixels near enough) saved again with these options."""
    out = io.BytesIO()
    with Image.open(io.BytesIO(data)) as image:
        image.save(out, "JPEG", **options)
    return out.getvalue()


@pytest.fixture
def document(tmp_path: Path) -> tuple[str, str, bytes]:
    """An export of a site with one JPEG picture: (the document, a JPEG file's name, its bytes)."""
    with app_of_its_own(tmp_path / "source", MEDIA_DIR=str(tmp_path / "source" / "media")) as app:
        with app.app_context():
            add_picture(jpeg(1200, 800), "harbour.jpg")
            db.session.commit()
        path = tmp_path / "site.json"
        result = app.test_cli_runner().invoke(args=["export", str(path)])
        assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    rows = json.loads(text)["media_files"]
    row = next(row for row in rows if row["name"].endswith(".jpg"))
    return text, row["name"], base64.b64decode(row["content"])


def restore(app: Flask, text: str, path: Path) -> tuple[int, str]:
    """`flask restore` of this document: (exit code, output)."""
    path.write_text(text, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["restore", str(path)])
    return result.exit_code, result.output


@pytest.mark.parametrize("store", ["files", "database"])
@pytest.mark.parametrize("how", list(RESAVED))
def test_restore_refuses_a_picture_file_with_exif_or_xmp(document, tmp_path, store, how):
    text, name, data = document
    changed = resaved(data, **RESAVED[how])
    with Image.open(io.BytesIO(changed)) as image:  # the document now says what it should
        assert bool(image.getexif()) == (how == "with GPS EXIF")
        assert ("xmp" in image.info) == (how == "with XMP")
    edited = text.replace(base64.b64encode(data).decode(), base64.b64encode(changed).decode())
    assert edited != text
    folder = tmp_path / "copy"
    with app_of_its_own(folder, MEDIA_STORE=store, MEDIA_DIR=str(folder / "media")) as copy:
        code, output = restore(copy, edited, tmp_path / "edited.json")
        with copy.app_context():
            pictures = db.session.scalar(sa.select(sa.func.count()).select_from(Media))
            rows = db.session.scalar(sa.select(sa.func.count()).select_from(MediaFile))
        files = sorted(p.name for p in (folder / "media").glob("*"))
    if how == "plain":  # the same file without them restores: the refusal is for the metadata
        assert code == 0, output
        assert pictures == 1
        assert (rows if store == "database" else len(files)) == 6
        return
    assert code == 1
    assert output.count("\n") == 1
    assert name in output and "carries EXIF or XMP metadata" in output, output
    assert (pictures, rows, files) == (0, 0, [])
