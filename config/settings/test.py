"""Settings for the test suite: the base settings, with tasks run in-process."""

from .base import *  # noqa: F403
from .base import env_bool

CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
FIELD_ENCRYPTION_KEY = "x0iwIOBx7o1wrJ0nzMqXQ6PT2ml8e0L1gG8vHlc6i0A="
# A bare host: every port of 127.0.0.1. The suite's emulators, and the loopback servers that
# stand for other hosts, listen on ports picked at run time, here and in worker subprocesses,
# so no fixed host:port list can name them. (The demo allows its emulator's host:port only;
# the tests of the allow-list set their own.)
ARROW_API_URL_ALLOWED_HOSTS = ["127.0.0.1"]
ARROW_HTTP_TIMEOUT = 5.0
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    # The suite empties its database between transactional tests with TRUNCATE, which the
    # ledger's trigger refuses unless the session says it is maintenance (migration 0013).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c waldur_arrow.ledger_maintenance=on"  # noqa: F405
