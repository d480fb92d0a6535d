"""Password hashing: bcrypt over a SHA-256 pre-hash, so every byte counts."""

import base64
import hashlib

import bcrypt


def _prehash(password):
    # bcrypt reads at most 72 bytes (bcrypt 5 refuses more). A base64 SHA-256 digest
    # is 44 bytes without NULs, and keeps every byte of a long password significant.
    digest = hashlib.sha256(password.encode("utf-8")).digest()
    return base64.b64encode(digest)


def hash_password(password, rounds):
    """A bcrypt hash (as text) of `password` at cost `rounds`."""
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds)).decode("ascii")


def check_password(password, hashed):
    """True when `password` matches the stored hash."""
    try:
        return bcrypt.checkpw(_prehash(password), hashed.encode("ascii"))
    except ValueError:
        return False
