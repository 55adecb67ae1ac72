"""Password hashing with Argon2id; the cost comes from settings so tests can use a cheap one."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask

_hasher = PasswordHasher()


def init_app(app: Flask) -> None:
    global _hasher
    _hasher = PasswordHasher(
        time_cost=app.config.get("ARGON2_TIME_COST", 3),
        memory_cost=app.config.get("ARGON2_MEMORY_COST", 65536),
        parallelism=app.config.get("ARGON2_PARALLELISM", 4),
    )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
