"""The WSGI entry point, `gunicorn wsgi:app`: serving through it is production.

create_app(production=True) refuses to start on settings only safe on a developer's machine
(blog.production). The refusal is raised as gunicorn's AppImportError, which gunicorn prints as
the one line it is and answers by stopping ("App failed to load"); any other exception would
print a traceback, and a worker that merely exited would be started again, forever.
"""

from gunicorn.errors import AppImportError

from blog import create_app
from blog.production import ConfigurationError

try:
    app = create_app(production=True)
except ConfigurationError as problem:
    raise AppImportError(f"blog cannot start: {problem}") from None
