"""A record's fields beyond the known ones (its ``extra``, kept from the corpus file) are shown on its
page, as a small table of name and value, to whoever may see them.

Fields whose name marks them internal (``internal…``, ``private…``, ``confidential…``, ``_…``) are
staff only: staff see them on the page, marked so; a city, a provider, even the record's own users,
never get them in a page's bytes (not shown, and not scrubbed from it either, which would mean a leak).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable

import pytest
from console_support import CITY_ID, DEMO_DIR, PROVIDER_ID, Client, app_services

from services_support import add_user

CASE_ID = "case-tuzla-led"
OTHER_CITY_ID = "kosovo-polje"
OTHER_PROVIDER_ID = "prov-kentiz-ulasim"

PUBLIC = {
    "city": {"budget_model": "No capital expenditure", "twin_towns": ["Prizren", "Kukës Lake"]},
    "provider": {"founded": 2009, "certifications": ["ISO 50001", "ISO 9001"]},
    "case": {"budget_eur": 1200000, "lead_office": "Municipal energy office"},
}
INTERNAL = {
    "city": {"internal_notes": "Mayor wants an ESCO deal before the vote"},
    "provider": {"private_rating": "References could not be checked"},
    "case": {"confidential_lessons": "The contractor nearly defaulted in year two"},
}
FILES = {"city": "cities.jsonl", "provider": "providers.jsonl", "case": "cases.jsonl"}
PAGES = {"city": f"/cities/{CITY_ID}", "provider": f"/providers/{PROVIDER_ID}", "case": f"/cases/{CASE_ID}"}


def _demo_record(file_name: str, record_id: str) -> dict[str, object]:
    for line in (DEMO_DIR / file_name).read_text(encoding="utf-8").splitlines():
        record: dict[str, object] = json.loads(line)
        if record["id"] == record_id:
            return record
    raise AssertionError(f"{record_id} is not in the demo {file_name}")


def _upload_with_other_fields(client: Client, sign_in: Callable[[str], str]) -> None:
    """Staff upload the demo city, provider and case study again, each with fields beyond the known
    ones at the top level: some public, one marked internal."""
    sign_in("staff")
    for kind, record_id in (("city", CITY_ID), ("provider", PROVIDER_ID), ("case", CASE_ID)):
        record = _demo_record(FILES[kind], record_id) | PUBLIC[kind] | INTERNAL[kind]
        body = (json.dumps(record, ensure_ascii=False) + "\n").encode()
        shown = client.post("/upload", files={"file": (FILES[kind], body, "application/jsonl")})
        assert "<strong>1</strong> accepted, <strong>0</strong> rejected." in shown.text, shown.text


def _sign_in_as(client: Client, role: str, subject: str | None) -> None:
    token = add_user(app_services(client), role, subject).token
    client.cookies.clear()
    assert client.post("/signin", data={"token": token}, follow_redirects=False).status_code == 303


def _other_fields(text: str) -> str:
    """The page's table of other fields (empty when it has none)."""
    start = text.find('id="other-fields"')
    return text[start : text.find("</table>", start)] if start >= 0 else ""


@pytest.mark.parametrize("where", ["record page", "edit form"])
@pytest.mark.parametrize("kind", ["city", "provider", "case"])
def test_staff_see_every_other_field_the_internal_ones_marked(
    client: Client, sign_in: Callable[[str], str], kind: str, where: str
) -> None:
    _upload_with_other_fields(client, sign_in)
    page = client.get(PAGES[kind] if where == "record page" else f"{PAGES[kind]}/edit")
    assert page.status_code == 200
    table = html.unescape(_other_fields(page.text))
    for key in (*PUBLIC[kind], *INTERNAL[kind]):
        assert f">{key}" in table, key
    (internal_key,) = INTERNAL[kind]
    assert INTERNAL[kind][internal_key] in table
    assert "staff only" in table
    if kind == "city":
        assert "Prizren, Kukës Lake" in table  # a list of plain values, joined
    if kind == "provider":
        assert ">2009<" in table


# Who may open which page, and whether it is their own record.
VIEWERS = [
    ("city", CITY_ID, "city"),  # its own city
    ("city", OTHER_CITY_ID, "city"),
    ("provider", PROVIDER_ID, "city"),
    ("city", CITY_ID, "provider"),
    ("provider", PROVIDER_ID, "provider"),  # its own profile
    ("city", CITY_ID, "case"),
]


@pytest.mark.parametrize(("role", "subject", "kind"), VIEWERS)
def test_other_roles_see_the_public_other_fields_and_never_the_internal_ones(
    client: Client, sign_in: Callable[[str], str], role: str, subject: str, kind: str
) -> None:
    _upload_with_other_fields(client, sign_in)
    _sign_in_as(client, role, subject)
    page = client.get(PAGES[kind])
    assert page.status_code == 200
    table = html.unescape(_other_fields(page.text))
    for key in PUBLIC[kind]:
        assert f">{key}" in table, key
    body = html.unescape(page.text)
    for key, value in INTERNAL[kind].items():
        assert key not in body
        assert value not in body
    assert "[redacted]" not in body, "an internal field reached the page and was scrubbed: a leak"
    assert "staff only" not in table


@pytest.mark.parametrize(
    ("role", "subject", "kind"), [("city", CITY_ID, "city"), ("provider", PROVIDER_ID, "provider")]
)
def test_my_profile_shows_the_public_other_fields_read_only_and_never_the_internal_ones(
    client: Client, sign_in: Callable[[str], str], role: str, subject: str, kind: str
) -> None:
    _upload_with_other_fields(client, sign_in)
    _sign_in_as(client, role, subject)
    page = client.get("/me/profile")
    assert page.status_code == 200
    table = html.unescape(_other_fields(page.text))
    for key in PUBLIC[kind]:
        assert f">{key}" in table, key
    body = html.unescape(page.text)
    for key, value in INTERNAL[kind].items():
        assert key not in body
        assert value not in body
    assert "[redacted]" not in body


def test_a_record_without_other_fields_shows_no_table(client: Client, sign_in: Callable[[str], str]) -> None:
    sign_in("staff")
    assert _other_fields(client.get(f"/cities/{OTHER_CITY_ID}").text) == ""


@pytest.mark.parametrize("kind", ["city", "provider", "case"])
def test_the_edit_form_shows_the_other_fields_read_only_as_fields_it_does_not_edit(
    client: Client, sign_in: Callable[[str], str], kind: str
) -> None:
    _upload_with_other_fields(client, sign_in)
    page = client.get(f"{PAGES[kind]}/edit")
    assert "this form does not edit them" in html.unescape(page.text)
    form = page.text[page.text.find('id="record-edit"') : page.text.find("</form>")]
    assert 'id="other-fields"' not in form, "the other fields are shown, not posted with the form"
