"""Encryption of portal credentials at rest with the Fernet key in settings.CREDENTIALS_KEY."""
import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _fernet():
    try:
        return Fernet(settings.CREDENTIALS_KEY)
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            "CREDENTIALS_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes). Generate one with: "
            'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        ) from error


def encrypt_credentials(credentials):
    """Encrypt a dict of credentials into a token string."""
    return _fernet().encrypt(json.dumps(credentials, sort_keys=True).encode()).decode()


def decrypt_credentials(token):
    """Decrypt a token string into the dict of credentials; an empty token gives an empty dict."""
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "Stored portal credentials cannot be decrypted with the current CREDENTIALS_KEY. "
            "Restore the key they were written with, or enter the credentials again."
        ) from error
