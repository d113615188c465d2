"""Encryption of stored secrets (API tokens, webhook secrets) with Fernet.

The key is ``settings.TEAMHUB_ENCRYPTION_KEY`` (a Fernet key), or one derived
from ``SECRET_KEY`` when that is unset. Secrets are never logged or returned by
the API; pages only say whether one is set.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    key = settings.TEAMHUB_ENCRYPTION_KEY
    if not key:
        digest = hashlib.sha256(f"teamhub-secrets:{settings.SECRET_KEY}".encode())
        key = base64.urlsafe_b64encode(digest.digest()).decode()
    return Fernet(key)


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted (the key changed): enter it again."""


def secret_encrypt(raw: str) -> str:
    return _fernet().encrypt(raw.encode()).decode()


def secret_decrypt(stored: str) -> str:
    if not stored:
        return ""
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadable(
            "A stored secret cannot be decrypted: the encryption key changed. "
            "Enter the token again."
        ) from error
