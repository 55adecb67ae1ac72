"""Co-drafting tests start with nothing held in memory (documents, presence, message budgets)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from civic.deliberation.drafting.live import workspace


@pytest.fixture(autouse=True)
def fresh_workspace(app: Flask) -> Iterator[None]:
    workspace(app).reset()
    yield
    workspace(app).reset()
