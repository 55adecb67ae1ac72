"""Co-drafting tests start with nothing held in memory (documents, presence, message budgets)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from civic.deliberation.drafting.log.copies import copies
from civic.deliberation.drafting.sync.workspace import workspace


@pytest.fixture(autouse=True)
def fresh_workspace(app: Flask) -> Iterator[None]:
    copies(app).reset()
    workspace(app).reset()
    yield
    copies(app).reset()
    workspace(app).reset()
