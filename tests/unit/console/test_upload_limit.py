"""The console upload stops reading at the size limit, whatever the body's size or framing."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from matchmaker.settings import Settings
from matchmaker.web import create_app
from services_support import add_user

BOUNDARY = "xyzzy"
CHUNK = 64 * 1024
TOTAL_CHUNKS = 256


def test_an_oversized_chunked_upload_gets_the_413_page(settings: Settings) -> None:
    small = settings.model_copy(update={"max_upload_bytes": 10_000})
    token = add_user(small, "staff").token

    sent = 0

    def body() -> Any:
        nonlocal sent
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="cities.jsonl"\r\n\r\n'
        ).encode()
        for _ in range(TOTAL_CHUNKS):
            sent += 1
            yield b"x" * CHUNK

    app = create_app(small)
    with TestClient(app) as client:
        client.post("/signin", data={"token": token}, follow_redirects=False)
        response = client.post(
            "/upload",
            content=body(),
            headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
    assert response.status_code == 413
    assert "limit" in response.text
    assert "the limit of 10 KB" in response.text or "the limit is 10 KB" in response.text, response.text
    assert response.headers["content-type"].startswith("text/html")
