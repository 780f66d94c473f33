"""Kiosk tokens: generated once, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32


def new_token() -> str:
    """A fresh bearer token: 32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """Hex SHA-256 of the token, the only form that is stored.

    A plain fast hash is enough here: the token carries 256 bits from the OS's random
    generator, so nobody can guess it from its hash by trying candidates; slow,
    salted hashes exist for low-entropy human passwords. A fast hash also lets each
    request find its kiosk with one indexed lookup.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def bearer_token(header: str | None) -> str | None:
    """The token from an ``Authorization: Bearer <token>`` header, or None."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value or len(value) > 256:
        return None
    return value
