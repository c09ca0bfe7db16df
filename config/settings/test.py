"""Settings for the test suite: the base settings, with tasks run in-process."""

from .base import *  # noqa: F401,F403
from .base import env_bool

CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
FIELD_ENCRYPTION_KEY = "x0iwIOBx7o1wrJ0nzMqXQ6PT2ml8e0L1gG8vHlc6i0A="
ARROW_API_URL_ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ARROW_HTTP_TIMEOUT = 5.0
