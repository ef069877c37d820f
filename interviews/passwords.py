"""Password hashing (argon2id, with the older scrypt hashes still verified) and the password policy.

Hashes from before argon2 (``scrypt$salt$digest``) verify as before; :func:`verify` then says the hash needs
replacing, and the caller stores :func:`hash_password`'s argon2 hash in its place.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from interviews.errors import Invalid

MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # longer input is refused before hashing: hashing megabytes would cost the server
COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "common_passwords.txt"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_HASHER = PasswordHasher()  # argon2id with the library's recommended cost (RFC 9106 low-memory profile)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def check_password_policy(password: str, *, name: str = "") -> None:
    """Raise :class:`Invalid` with a plain reason when ``password`` may not be used for a new password."""
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"Choose a password of at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise Invalid(f"Choose a password of at most {MAX_PASSWORD} characters.")
    lowered = password.casefold()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        raise Invalid("That password is too common and easy to guess: choose another one.")
    if name and lowered == " ".join(name.casefold().split()):
        raise Invalid("Your password must not be your name.")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def scrypt_hash(password: str, *, salt: bytes) -> str:
    """The hash format of the studio's first version (kept to verify old hashes and to build test fixtures)."""
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify(password: str, stored: str) -> tuple[bool, bool]:
    """(matches, needs_rehash): whether ``password`` matches ``stored``, and whether to store a fresh hash."""
    if len(password) > MAX_PASSWORD:
        return False, False
    if stored.startswith("scrypt$"):
        try:
            _, salt_hex, digest_hex = stored.split("$")
            expected = scrypt_hash(password, salt=bytes.fromhex(salt_hex)).split("$")[2]
        except ValueError:
            return False, False
        ok = hmac.compare_digest(expected, digest_hex)
        return ok, ok
    try:
        _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, False
    return True, _HASHER.check_needs_rehash(stored)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _HASHER.hash("a password nobody has")


def burn_time(password: str) -> None:
    """Spend what a real verification costs, so that an unknown name answers as slowly as a known one."""
    verify(password, _dummy_hash())
