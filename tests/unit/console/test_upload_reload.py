"""An upload ingested at once leads to its report (post/redirect/get): reloading shows the report
again and never sends the file again."""

from __future__ import annotations

import json
from collections.abc import Callable

from console_support import Client, app_services


def _cities(*records: dict[str, str]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def test_an_upload_leads_to_its_report_and_reloading_it_ingests_nothing_again(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    services = app_services(client)
    sign_in("staff")
    body = _cities(
        {"id": "prg-city", "name": "Kara-Balta", "country": "KG", "summary": "Street lighting."},
        {"id": "bad city", "name": "X", "country": "KG", "summary": "y"},
    )
    posted = client.post(
        "/upload",
        files={"file": ("cities.jsonl", body, "application/jsonl")},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    location = posted.headers["location"]
    assert location.startswith("/upload?")
    run = services.corpus.last_ingest()
    assert run is not None

    shown = client.get(location)
    assert shown.status_code == 200
    assert "<strong>1</strong> accepted, <strong>1</strong> rejected." in shown.text
    assert "<dd>cities.jsonl</dd>" in shown.text
    assert "<code>cities.jsonl:2:" in shown.text, "the uploaded file's name, not where it was saved"
    assert "uploads/" not in shown.text

    reloaded = client.get(location)  # what the browser's reload does now
    assert "<strong>1</strong> accepted, <strong>1</strong> rejected." in reloaded.text
    again = services.corpus.last_ingest()
    assert again is not None
    assert again.id == run.id, "reloading the report ingested nothing"


def test_the_report_keeps_the_warnings_about_probable_duplicates(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    sign_in("staff")
    body = _cities({"id": "kukes-2", "name": "Kukës", "country": "AL", "summary": "Water supply."})
    shown = client.post("/upload", files={"file": ("cities.jsonl", body, "application/jsonl")})
    assert shown.url.path == "/upload"
    assert "<strong>1</strong> accepted, <strong>0</strong> rejected." in shown.text
    assert "probable duplicate city: " in shown.text
    assert "kukes-2 (Kukës)" in shown.text


def test_an_earlier_upload_keeps_its_report_after_other_ingests(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    sign_in("staff")
    first = _cities(
        {"id": "prg-one", "name": "One", "country": "KG", "summary": "Floods."},
        {"id": "bad one", "name": "X", "country": "KG", "summary": "y"},
    )
    second = _cities({"id": "prg-two", "name": "Two", "country": "KG", "summary": "Waste."})
    earlier = client.post(
        "/upload", files={"file": ("first_cities.jsonl", first, "application/jsonl")}, follow_redirects=False
    ).headers["location"]
    client.post("/upload", files={"file": ("second_cities.jsonl", second, "application/jsonl")})
    page = client.get(earlier)
    assert page.status_code == 200
    assert 'id="upload-report"' in page.text
    assert "<dd>first_cities.jsonl</dd>" in page.text
    assert "<strong>1</strong> accepted, <strong>1</strong> rejected." in page.text
    assert "<code>first_cities.jsonl:2:" in page.text, "its rejected line, after another upload"

    unknown = client.get("/upload?ingest=999999")
    assert unknown.status_code == 200
    assert "There is no record of that upload" in unknown.text


def test_an_upload_number_past_any_stored_one_is_a_bad_address_not_a_server_error(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    sign_in("staff")
    page = client.get("/upload?ingest=99999999999999999999")
    assert page.status_code == 400
    assert "ingest: must be 2147483647 or less (got 99999999999999999999)" in page.text


def test_the_dashboard_names_an_upload_by_its_files_never_where_the_server_saved_them(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    services = app_services(client)
    sign_in("staff")
    body = _cities(
        {"id": "dash-city", "name": "Talas", "country": "KG", "summary": "Water meters."},
        {"id": "bad city", "name": "X", "country": "KG", "summary": "y"},
    )
    client.post("/upload", files={"file": ("cities.jsonl", body, "application/jsonl")})
    run = services.corpus.last_ingest()
    assert run is not None
    assert run.files == ["cities.jsonl"]
    assert run.rejections[0].startswith("cities.jsonl:2:")
    dashboard = client.get("/")
    assert "cities.jsonl" in dashboard.text
    assert "uploads/" not in dashboard.text
    assert str(services.settings.home) not in dashboard.text


def test_the_report_names_an_uploaded_file_as_it_was_called_letters_with_accents_included(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    sign_in("staff")
    body = _cities(
        {"id": "bihac-t", "name": "Bihać", "country": "BA", "summary": "Javna rasvjeta."},
        {"id": "osh-t", "name": "Ош", "country": "KGZ", "summary": "Уличное освещение."},
    )
    shown = client.post("/upload", files={"file": ("Kuke\u0308s Ош-cities.jsonl", body, "application/jsonl")})
    assert shown.status_code == 200
    assert "<dd>Kukës_Ош-cities.jsonl</dd>" in shown.text
    assert "<code>Kukës_Ош-cities.jsonl:2:" in shown.text
    assert "Kuk_s" not in shown.text
    unsafe = client.post(
        "/upload", files={"file": ("../../Kukës/../x-cities.jsonl", body, "application/jsonl")}
    )
    assert "<dd>x-cities.jsonl</dd>" in unsafe.text


def test_a_line_that_is_not_json_says_what_is_wrong_in_plain_words(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    sign_in("staff")
    body = _cities({"id": "bihac-t", "name": "Bihać", "country": "BA", "summary": "Javna rasvjeta."})
    body += b'{"id": "kukes-t", "name": "Kuk\\u00ebs\n{"id": "osh-t", "name": "Osh\tKG"}\n'
    shown = client.post("/upload", files={"file": ("cities.jsonl", body, "application/jsonl")})
    assert "<code>cities.jsonl:2: not valid JSON: Invalid control character at column 38</code>" in shown.text
    assert "<code>cities.jsonl:3: not valid JSON: Invalid control character at column 29</code>" in shown.text
    assert " at at " not in shown.text
