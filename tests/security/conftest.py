"""Page walks get fresh services (isolated settings and the fake encoder), as the page tests do."""

from __future__ import annotations

import pytest


@pytest.fixture
def fresh_services(isolated_settings, patched_encoder):
    from ui.services import get_services

    get_services.clear()
    yield
    get_services.clear()
