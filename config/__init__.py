"""The Django project: settings, URL routing, the Celery app and the command-line entry point."""

from .celery import app as celery_app

__all__ = ("celery_app",)
