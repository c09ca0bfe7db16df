"""Celery tasks of the Arrow integration: thin wrappers that call one service each."""

from arrow_integration.tasks import billing, consumption  # noqa: F401
