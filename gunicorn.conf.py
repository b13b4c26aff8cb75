"""Read by gunicorn from the directory it starts in: checks that need to know the whole server.

Only the master knows how many workers there are, and a hook here runs once, in the master,
however many workers follow (a check in wsgi.py would run, and warn, in each of them).
"""

from blog import read_config
from blog.production import ConfigurationError, shared_limits_warning


def when_ready(server) -> None:  # noqa: ANN001 - gunicorn's Arbiter
    """Warn once at startup when each worker would count rate limits on its own."""
    try:
        config = read_config()
    except ConfigurationError:
        return  # the workers refuse to start, each with the one line that says why
    warning = shared_limits_warning(config, server.cfg.workers)
    if warning:
        server.log.warning(warning)
