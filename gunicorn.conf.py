"""Read by gunicorn from the directory it starts in: checks that need to know the whole server.

Only the master knows how many workers there are, and a hook here runs once, in the master,
however many workers follow (a check in wsgi.py would run, and warn, in each of them).
"""

from blog import read_config
from blog.production import ConfigurationError, startup_warnings


def when_ready(server) -> None:
    """Warn once at startup about settings that work, but not as meant with this server:
    rate limits each worker would count on its own, an https SITE_URL with no proxy believed."""
    try:
        config = read_config()
    except ConfigurationError:
        return  # the workers refuse to start, each with the one line that says why
    for warning in startup_warnings(
        config, workers=server.cfg.workers, serves_tls=server.cfg.is_ssl
    ):
        server.log.warning(warning)
