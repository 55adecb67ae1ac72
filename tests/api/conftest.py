"""API test helpers: a token for a person, and calls with it."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from civic.accounts.models import User
from civic.api import tokens


def token_for(user: User, scope: str = "read-write") -> str:
    _token, plaintext = tokens.create(user, "tests", scope)
    return plaintext


def call(client: FlaskClient, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.open(path, method=method, headers=headers, **kwargs)
