"""A record written through the API that will not work as written is warned about once, when written."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from litestar.testing import TestClient
from web_support import CITY_ID, Tokens


def test_an_api_edit_that_will_not_work_as_written_is_logged_once_as_a_warning(
    api: TestClient[Any], tokens: Tokens, caplog: pytest.LogCaptureFixture
) -> None:
    """An unknown priority written through the API was stored without a word."""
    staff = tokens.of("staff")
    with caplog.at_level(logging.WARNING, logger="matchmaker.services.records"):
        r = api.patch(
            f"/api/v1/cities/{CITY_ID}", json={"priorities": ["mobility", "heritage"]}, headers=staff
        )
    assert r.status_code == 200, r.text
    assert r.json()["priorities"] == ["mobility", "heritage"]
    warned = [rec.getMessage() for rec in caplog.records if rec.levelno == logging.WARNING]
    assert warned == [
        f"city '{CITY_ID}': priorities: 'heritage' is no known domain; it is kept but matches nothing"
    ]
