"""Encryption of secrets at rest (the Arrow API key) with a Fernet key from the environment.

Never logs or returns plaintext; a missing or wrong key is a configuration error, not a silent
fallback to storing plaintext.
"""

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _fernet() -> Fernet:
    key = settings.FIELD_ENCRYPTION_KEY
    if not key:
        raise ImproperlyConfigured(
            "WALDUR_ARROW_ENCRYPTION_KEY is not set: it is needed to store Arrow API keys encrypted."
        )
    try:
        return Fernet(key.encode() if isinstance(key, str) else key)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("WALDUR_ARROW_ENCRYPTION_KEY is not a valid Fernet key.") from exc


def encrypt_secret(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt_secret(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("A stored Arrow API key cannot be decrypted with the configured key.") from exc
