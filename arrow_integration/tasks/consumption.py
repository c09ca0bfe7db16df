"""Celery tasks: consumption."""
