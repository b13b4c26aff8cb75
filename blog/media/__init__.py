"""Pictures: uploads checked and stored in several widths, served for a year.

- names.py: what every stored file is called, and the widths a picture has (no database);
- processing.py: the upload rules (content not name, bounds, upright, no EXIF) and the files
  made, without HTTP;
- store.py: the folder (one machine) or the database (several) the files are kept in;
- library.py: the use case, an upload becoming a picture (kept once per content);
- uploads.py: the larger request bound, for the views marked as taking an upload;
- markup.py: a picture as <picture> (srcset, sizes, width and height), for templates
  (the `picture` global) and for our pictures in an article's body;
- routes.py: /media/<name>;
- staff.py: the media library, /admin/media/ (upload, and the line to paste for each picture).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Serve /media/ and raise the request bound for upload views (before the guards)."""
    from blog.media import uploads
    from blog.media.markup import BODY_SIZES, media_picture
    from blog.media.routes import bp
    from blog.media.staff import bp as library_bp
    from blog.media.store import store_for

    store_for(app)  # a MEDIA_STORE the site does not know stops it at start, not on a request
    app.register_blueprint(bp)
    app.register_blueprint(library_bp)
    uploads.init_app(app)
    app.add_template_global(media_picture, "picture")  # {{ picture(media, alt, sizes) }}
    app.add_template_global(BODY_SIZES, "article_picture_sizes")  # the lead's, as the body's
