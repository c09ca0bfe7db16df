"""The only bridge between Django and arrow_client: builds a client from settings or credentials."""

from django.conf import settings as django_settings

from arrow_client import ArrowClient


def arrow_client_from_credentials(*, api_url: str, api_key: str, **options) -> ArrowClient:
    options.setdefault("timeout", django_settings.ARROW_HTTP_TIMEOUT)
    options.setdefault("max_retries", django_settings.ARROW_HTTP_MAX_RETRIES)
    return ArrowClient(api_url, api_key, **options)


def arrow_client_for(arrow_settings, **options) -> ArrowClient:
    """A client for a saved ArrowSettings row (decrypts the key in memory only)."""
    return arrow_client_from_credentials(api_url=arrow_settings.api_url, api_key=arrow_settings.api_key, **options)
