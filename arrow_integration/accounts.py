"""What identifies an Arrow account: the key that scopes an Arrow line's identity.

An Arrow billing line is the same line whichever settings row or customer mapping reads it when
it comes from the same Arrow account (SPEC 6.9). The account is the partner reference that
`whoami` reports (every save through the API or the demo fills it); a settings row without one
falls back to its API URL, compared in a normal form (scheme and host in lower case, default port
left out, one trailing slash), so that two spellings of one URL are one account.

Pure functions, no database access: models, migrations and services share them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def api_url_normalised(url: str) -> str:
    """``url`` in the form two settings rows are compared by ("HTTPS://Host:443/api" → "https://host/api/")."""
    parts = urlsplit((url or "").strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # not a number: keep the text as written, only in lower case
        host, port = parts.netloc.lower(), None
    else:
        host = parts.hostname or ""
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") + "/"
    return f"{scheme}://{host}{path}"


def arrow_account_key(*, partner_reference: str, api_url: str) -> str:
    """The account of a settings row: its partner reference (upper case), else its normalised API URL."""
    reference = (partner_reference or "").strip().upper()
    return reference or api_url_normalised(api_url)
