"""Celery tasks: billing."""
