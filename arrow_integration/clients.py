"""The only bridge between Django and arrow_client: builds a client from settings or credentials.

Every client is built right after its URL passed the `api_url` guard (`url_guard`), so a
URL stored by any path (an older release, the ORM, SQL) is checked again before each use; and a
stored key is only sent to the origin it was entered for (`ArrowSettings.api_key_origin`).
Refusals raise `ArrowUrlRefused`, an `ArrowError`: runs record it as their failure and the API
answers it with a 400, as for any other Arrow error. A host that does not resolve raises
`ArrowUnavailable` with the client's neutral "could not be reached" message (a task retries it).
"""

from django.conf import settings as django_settings

from arrow_client import UNREACHABLE_MESSAGE, ArrowClient, ArrowError, ArrowUnavailable
from arrow_integration.url_guard import UnresolvableHost, UnsafeApiUrl, api_url_origin, api_url_validate


class ArrowUrlRefused(ArrowError):
    """The API URL may not be called, or may not receive the stored key; nothing was sent."""


def api_url_check(api_url: str) -> str:
    """`api_url` if the guard admits it now; `ArrowUrlRefused` or `ArrowUnavailable` otherwise."""
    try:
        return api_url_validate(api_url)
    except UnresolvableHost:
        raise ArrowUnavailable(UNREACHABLE_MESSAGE) from None
    except UnsafeApiUrl as exc:
        raise ArrowUrlRefused(f"The Arrow API URL {api_url} is refused: {exc}") from None


def _client(api_url: str, api_key: str, options: dict) -> ArrowClient:
    options.setdefault("timeout", django_settings.ARROW_HTTP_TIMEOUT)
    options.setdefault("max_retries", django_settings.ARROW_HTTP_MAX_RETRIES)
    return ArrowClient(api_url, api_key, **options)


def arrow_client_from_credentials(*, api_url: str, api_key: str, **options) -> ArrowClient:
    """A client for a URL and key given together (credential checks, the demo seed)."""
    return _client(api_url_check(api_url), api_key, options)


def arrow_client_for(arrow_settings, **options) -> ArrowClient:
    """A client for a saved ArrowSettings row (decrypts the key in memory only).

    Refuses (`ArrowUrlRefused`) a URL the guard refuses and a URL whose origin is not the one the
    key was entered for.
    """
    api_url = api_url_check(arrow_settings.api_url)
    origin = api_url_origin(api_url)
    if origin != arrow_settings.api_key_origin:
        raise ArrowUrlRefused(
            f"The stored Arrow API key was entered for {arrow_settings.api_key_origin or 'another URL'}, "
            f"not for {origin}: enter the key again with this api_url."
        )
    return _client(api_url, arrow_settings.api_key, options)
