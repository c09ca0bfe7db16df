"""Celery beat entries of the Arrow integration, in one place."""
