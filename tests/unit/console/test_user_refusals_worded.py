"""A refusal of a user's record or label names the field in words every caller has: the console and
the API name it as their form or body does, and only the command line speaks of its options
(``--for``, ``--label``, ``--email``)."""

from __future__ import annotations

from typing import Any

import pytest
from console_support import CITY_ID, Client
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.errors import InvalidInputError
from matchmaker.services.container import Services
from matchmaker.web.errors import field_named

NEEDS_RECORD = "a city user needs the city it speaks for"
STAFF_WITHOUT_RECORD = "staff users speak for no record; leave it out"


def run(services: Services, *args: str) -> Any:
    env = {"MATCHMAKER_HOME": str(services.settings.home)}
    return CliRunner().invoke(app, ["users", *args], env=env, catch_exceptions=False)


@pytest.mark.parametrize(
    ("role", "subject", "label", "field", "said"),
    [
        ("city", None, None, "subject_id", f"subject_id: {NEEDS_RECORD}"),
        ("staff", CITY_ID, None, "subject_id", f"subject_id: {STAFF_WITHOUT_RECORD}"),
        ("staff", None, "x" * 201, "label", "label is 201 characters long; the limit is 200"),
    ],
)
def test_the_service_names_the_field_as_the_api_does(
    services: Services, role: str, subject: str | None, label: str | None, field: str, said: str
) -> None:
    for make in (
        lambda s: s.users(session).add_user(role, subject, label),
        lambda s: s.accounts(session).invite(role, "someone@example.org", subject, label),
    ):
        with services.database.unit_of_work() as session, pytest.raises(InvalidInputError) as refused:
            make(services)
        assert refused.value.field == field
        # As the API's problem detail gives a refusal of one field of the body.
        assert field_named(field, refused.value.message) == said
        assert "--" not in refused.value.message


def test_the_users_page_names_the_field_as_the_form_labels_it(client: Client, sign_in: Any) -> None:
    sign_in("staff")
    city = client.post("/users/invite", data={"role": "city", "subject": "", "email": "a@kukes.example"})
    assert city.status_code == 422, city.text
    assert f"City or provider: {NEEDS_RECORD}" in city.text
    staff = client.post("/users/invite", data={"role": "staff", "subject": CITY_ID, "email": "a@b.example"})
    assert staff.status_code == 422, staff.text
    assert f"City or provider: {STAFF_WITHOUT_RECORD}" in staff.text
    for page in (city.text, staff.text):
        assert "--for" not in page


def test_the_command_line_names_its_options(services: Services) -> None:
    for command in (("add",), ("invite", "--email", "someone@example.org")):
        city = run(services, *command, "--role", "city")
        assert city.exit_code == 2, city.output
        assert f"error: --for: {NEEDS_RECORD}" in city.output
        staff = run(services, *command, "--role", "staff", "--for", CITY_ID)
        assert staff.exit_code == 2, staff.output
        assert f"error: --for: {STAFF_WITHOUT_RECORD}" in staff.output
        label = run(services, *command, "--role", "staff", "--label", "x" * 201)
        assert label.exit_code == 2, label.output
        assert "error: --label is 201 characters long; the limit is 200" in label.output
    address = run(services, "invite", "--role", "staff", "--email", "not an address")
    assert address.exit_code == 2, address.output
    assert "error: --email: 'not an address' is not an e-mail address" in address.output
