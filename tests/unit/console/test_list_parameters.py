"""A list page's address with a page number or filter it cannot use answers a page naming the
parameter and what it must be, as ``?source=`` does, instead of the first page or "0 results" without
a word."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest
from console_support import CITY_ID, Client, app_services


@pytest.mark.parametrize(
    ("address", "named"),
    [
        # In the words the API uses for a query parameter.
        ("/cities?page=abc", "page: must be a whole number such as 10 (got 'abc')"),
        ("/cities?page=0", "page: must be 1 or more (got 0)"),
        ("/cities?page=-2", "page: must be 1 or more (got -2)"),
        ("/cities?page=-12345678901", "page: must be 1 or more (got -12345678901)"),
        ("/cities?page=-" + "9" * 5000, "page: must be 1 or more (got '-999999"),
        ("/cities?page=1e1", "page: must be a whole number such as 10 (got '1e1')"),
        ("/cases?domain=bogus", "domain: must be one of "),
        ("/cases?obstacle=bogus", "obstacle: must be one of "),
        ("/cities?level=7", "level: must be 1, 2 or 3, not '7'"),
        ("/cities?level=12", "level: must be 1, 2 or 3, not '12'"),
        ("/providers?country=Turkey", "country: must be a two-letter country code such as TR, not 'Turkey'"),
        ("/cities?language=Albanian", "language: must be a language code such as sq, not 'Albanian'"),
        # A filter given twice was read as its first value, the other dropped without a word.
        ("/cities?country=AL&country=XK", "country: given 2 times; give it once"),
        ("/cities?domain=mobility&domain=energy_buildings", "domain: given 2 times; give it once"),
        ("/cities?page=1&page=2", "page: given 2 times; give it once"),
        # A number written with an exponent was read as the whole number it equals.
        ("/upload?ingest=1e3", "ingest: must be a whole number such as 10 (got '1e3')"),
    ],
)
def test_a_list_address_it_cannot_use_is_refused_naming_the_parameter(
    ro_client: Client, ro_sign_in: Callable[[str], str], address: str, named: str
) -> None:
    ro_sign_in("staff")
    r = ro_client.get(address)
    assert r.status_code == 400, r.text
    text = html.unescape(r.text)
    assert "This address is not understood" in text
    assert named in text, text


def test_a_domain_named_in_the_list_s_menu_still_filters(
    ro_client: Client, ro_sign_in: Callable[[str], str]
) -> None:
    ro_sign_in("staff")
    for address in ("/cases?domain=mobility", "/cities?level=3&country=al&language=sq", "/cities?page=1"):
        assert ro_client.get(address).status_code == 200, address


@pytest.mark.parametrize("role", ["provider", "city"])
def test_searching_a_list_by_a_contact_the_viewer_may_not_see_finds_nothing(
    client: Client, sign_in: Callable[[str], str], role: str
) -> None:
    """A focal point's e-mail typed into its city's summary is shown to others as [redacted], but the
    list's search read the summary as stored: a provider (or another city) typing a guessed address
    found the city only when the guess was right. The search now reads what the viewer is shown."""
    services = app_services(client)
    with services.database.unit_of_work() as session:
        records = services.records(session)
        city = records.get_in_full("city", CITY_ID)
        email = city.focal_point.email  # type: ignore[attr-defined]
        records.update("city", CITY_ID, {"summary": f"{city.summary}\nWrite to {email} for details."})
    if role == "city":
        # Another city than the one whose contact it is.
        with services.database.unit_of_work() as session:
            token = services.users(session).add_user("city", "kosovo-polje").token
        client.cookies.clear()
        assert client.post("/signin", data={"token": token}, follow_redirects=False).status_code == 303
    else:
        sign_in("provider")
    found = client.get("/cities", params={"q": str(email)})
    assert found.status_code == 200
    assert f'href="/cities/{CITY_ID}"' not in found.text
    # Words of the summary that are shown still find it.
    words = client.get("/cities", params={"q": "Write to for details"})
    assert f'href="/cities/{CITY_ID}"' in words.text
    sign_in("staff")
    assert f'href="/cities/{CITY_ID}"' in client.get("/cities", params={"q": str(email)}).text
