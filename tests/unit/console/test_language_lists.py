"""Working languages typed as "tr, en" (or with another common separator) are the two languages, in the
console's form as through the API; a list given as one text says that a list is expected."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from console_support import PROVIDER_ID, Client, app_services
from test_record_edit import changed, form_of, post_form


def _languages(client: Client) -> list[str]:
    services = app_services(client)
    with services.database.unit_of_work() as session:
        provider = services.records(session).get_in_full("provider", PROVIDER_ID)
    return list(provider.languages)  # type: ignore[union-attr]


@pytest.mark.parametrize("typed", ["tr, en", "tr,en", "tr en", "tr / en", "TR; en"])
def test_staff_type_languages_with_a_common_separator(
    client: Client, sign_in: Callable[[str], str], typed: str
) -> None:
    sign_in("staff")
    values = form_of(client, f"/providers/{PROVIDER_ID}/edit")
    saved = post_form(client, f"/providers/{PROVIDER_ID}/edit", changed(values, languages=typed))
    assert saved.status_code == 303, saved.text
    assert _languages(client) == ["tr", "en"]


def test_the_api_takes_languages_in_one_entry_and_says_a_list_is_expected(
    client: Client, sign_in: Callable[[str], str]
) -> None:
    staff = {"Authorization": f"Bearer {sign_in('staff')}"}
    r = client.patch(f"/api/v1/providers/{PROVIDER_ID}", json={"languages": ["sq, en"]}, headers=staff)
    assert r.status_code == 200, r.text
    assert r.json()["languages"] == ["sq", "en"]
    r = client.patch(f"/api/v1/providers/{PROVIDER_ID}", json={"languages": "tr, en"}, headers=staff)
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == 'languages: must be a list of values (a JSON array such as ["a", "b"])'
    r = client.patch(f"/api/v1/providers/{PROVIDER_ID}", json={"languages": ["tr, xx"]}, headers=staff)
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == "languages: language 'xx' is not an ISO 639-1 code"
    assert _languages(client) == ["sq", "en"]
