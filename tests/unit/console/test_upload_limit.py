"""The console upload stops reading at the size limit, whatever the body's size or framing, and
refuses a file name longer than a file can be saved under, naming the limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from console_support import Client, app_services
from litestar.testing import TestClient

from form_support import MULTIPART, many_headers, many_parts
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


def test_a_file_name_too_long_to_save_is_named_on_the_upload_page(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    sign_in("staff")
    services = app_services(client)
    before = services.corpus.last_ingest()
    body = b'{"id": "long-name", "name": "X", "country": "KG", "summary": "s"}\n'
    for name, measured in (
        ("a" * 300 + "-cities.jsonl", " (313 characters)"),
        ("ü" * 200 + "-cities.jsonl", " (213 characters, 413 bytes)"),
        ("a" * 5000 + "-cities.jsonl", ""),  # longer than the form reader takes a part's header
    ):
        shown = client.post("/upload", files={"file": (name, body, "application/jsonl")})
        assert shown.status_code == 422, shown.text
        assert "Upload corpus" in shown.text, "the upload form is shown again"
        assert f"The file name is too long{measured}; the limit is 255 bytes" in shown.text
        assert "rename the file" in shown.text
    after = services.corpus.last_ingest()
    assert (after and after.id) == (before and before.id), "nothing was ingested"


MANY_PARTS = many_parts(1001)
MANY_HEADERS = many_headers(9, field="file")


def test_a_form_over_the_form_readers_bounds_is_named_on_the_upload_page(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    sign_in("staff")
    for body, said in (
        (MANY_PARTS, "The form has more than 1,000 parts (fields and files); the limit is 1,000"),
        (MANY_HEADERS, "A part of the form has more than 8 headers; the limit is 8"),
    ):
        shown = client.post("/upload", content=body, headers=MULTIPART)
        assert shown.status_code == 413, shown.text
        assert "Upload corpus" in shown.text, "the upload form is shown again"
        assert said in shown.text
        assert "Entity" not in shown.text


def test_any_console_form_over_the_form_readers_bounds_says_which_bound(client: Client) -> None:
    for body, said in (
        (MANY_PARTS, "he form has more than 1,000 parts (fields and files); the limit is 1,000"),
        (MANY_HEADERS, "part of the form has more than 8 headers; the limit is 8"),
    ):
        shown = client.post("/signin", content=body, headers=MULTIPART)
        assert shown.status_code == 413, shown.text
        assert shown.headers["content-type"].startswith("text/html")
        assert said in shown.text
        assert "Entity" not in shown.text


URL_ENCODED = {"content-type": "application/x-www-form-urlencoded"}


def test_a_url_encoded_form_of_more_fields_than_a_multipart_form_may_have_is_refused_in_the_same_words(
    client: Client,
) -> None:
    many = "&".join(f"note{k}=x" for k in range(1001)).encode()
    shown = client.post("/signin", content=many, headers=URL_ENCODED)
    assert shown.status_code == 413, shown.text
    assert shown.headers["content-type"].startswith("text/html")
    assert "he form has more than 1,000 parts (fields and files); the limit is 1,000" in shown.text
    # Up to the bound the form is read as before (an empty piece between two '&' is no field).
    enough = "&&".join(f"note{k}=x" for k in range(1000)).encode()
    read = client.post("/signin", content=enough, headers=URL_ENCODED)
    assert read.status_code != 413
    assert "1,000 parts" not in read.text
