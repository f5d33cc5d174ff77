"""``matchmaker users move USER --for RECORD``: staff at the command line move a user to another city or
provider, as on the console's Users page and with ``PATCH /api/v1/users/{id}``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from console_support import CITY_ID, PROVIDER_ID, Client
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.errors import AuthenticationError
from matchmaker.services.container import Services

OTHER_CITY_ID = "kosovo-polje"


def run(services: Services, *args: str) -> Any:
    env = {"MATCHMAKER_HOME": str(services.settings.home)}
    return CliRunner().invoke(app, ["users", *args], env=env, catch_exceptions=False)


def add(services: Services, role: str, subject: str | None = None) -> int:
    with services.database.unit_of_work() as session:
        return services.users(session).add_user(role, subject).principal.user_id


def test_staff_move_a_user_to_another_city_and_its_sessions_end(services: Services) -> None:
    user = add(services, "city", CITY_ID)
    with services.database.unit_of_work() as session:
        sid = services.accounts(session).start_session(user)

    moved = run(services, "move", str(user), "--for", "Fushë Kosovë")
    assert moved.exit_code == 0, moved.output
    assert f"city user {user} for {OTHER_CITY_ID}" in moved.stdout
    with services.database.unit_of_work() as session:
        assert services.accounts(session).account(user).subject_id == OTHER_CITY_ID
        with pytest.raises(AuthenticationError):
            services.accounts(session).session_principal(sid)
    listed = run(services, "list", "--json")
    assert f'"id": {user}, "role": "city", "for": "{OTHER_CITY_ID}"' in listed.stdout


def test_moving_a_user_is_refused_with_what_is_wrong(services: Services) -> None:
    provider = add(services, "provider", PROVIDER_ID)
    staff = add(services, "staff")

    unknown = run(services, "move", "999999", "--for", CITY_ID)
    assert unknown.exit_code == 1, unknown.output
    assert "no user with id 999999" in unknown.output

    # A provider user cannot speak for a city: the option names no provider.
    for subject in ("Atlantis", CITY_ID):
        refused = run(services, "move", str(provider), "--for", subject)
        assert refused.exit_code == 2, refused.output
        assert f"--for: no provider matches '{subject}'" in refused.output

    clash = run(services, "move", str(staff), "--for", CITY_ID)
    assert clash.exit_code == 1, clash.output
    assert "staff users speak for no record" in clash.output

    missing = run(services, "move", str(provider))
    assert missing.exit_code == 2, "--for is required"
    with services.database.unit_of_work() as session:
        assert services.accounts(session).account(provider).subject_id == PROVIDER_ID


def test_moving_a_user_to_the_record_it_speaks_for_changes_nothing(
    services: Services, client: Client, sign_in: Callable[[str], str]
) -> None:
    """Staff who typed the city a focal point already speaks for (by its name, say) signed that
    person out everywhere and were told the user "now speaks for the new record". Nothing changes
    now, and the Users page says so."""
    user = add(services, "city", CITY_ID)
    with services.database.unit_of_work() as session:
        sid = services.accounts(session).start_session(user)

    same = run(services, "move", str(user), "--for", "Kukës")
    assert same.exit_code == 0, same.output
    with services.database.unit_of_work() as session:
        assert services.accounts(session).session_principal(sid).subject_id == CITY_ID

    sign_in("staff")
    page = client.post(f"/users/{user}/entity", data={"subject": CITY_ID})
    assert page.status_code == 200
    assert "already speaks for that record; nothing was changed" in page.text
    assert "now speaks for the new record" not in page.text
    with services.database.unit_of_work() as session:
        assert services.accounts(session).session_principal(sid).subject_id == CITY_ID
