"""Property-based tests from the live OpenAPI document, with every schemathesis check (``--checks all``).

A real uvicorn server is started on a free port over a copy of the demo data; schemathesis reads
``/schema/openapi.json`` from it and sends examples, coverage cases and generated requests (valid and
invalid) to every operation, once as an anonymous caller and once as staff (the role that reaches
every code path). Every response goes through all of schemathesis's checks: no 5xx, documented status
codes, content types and headers, bodies that match their schema, invalid input refused, valid input
accepted, authentication not ignored, ``Allow`` on 405s and ``OPTIONS``.

Each operation runs the phases of ``schemathesis run`` that test one operation at a time (explicit
examples, coverage, fuzzing; valid and invalid data), through the same test builder the schemathesis
pytest plugin uses. Bounded: three generated cases per operation, one coverage case per scenario and
place, coverage for staff only (an anonymous call is refused before its input is read), derandomised
and without a deadline, so the run is the same every time and takes about a minute. A check that does
not apply to one operation is left out for that operation only, with the reason (``EXCLUDED``).
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.generation.hypothesis.builder import HypothesisTestConfig, HypothesisTestMode, create_test
from schemathesis.generation.meta import CoveragePhaseData
from web_support import REPO_ROOT, issue_tokens, web_settings_for

from matchmaker.web import create_app
from port_support import reserved_port

#: Generated cases per operation, role, phase and mode.
MAX_EXAMPLES = 3
ROLES = ("anonymous", "staff")
#: The phases of ``schemathesis run`` that work on one operation at a time (not the stateful one).
#: An anonymous caller is refused before any input is read, so the coverage phase's edge values would
#: all meet the same 401: it runs for staff only.
PHASES = {
    "staff": [HypothesisTestMode.EXAMPLES, HypothesisTestMode.COVERAGE, HypothesisTestMode.FUZZING],
    "anonymous": [HypothesisTestMode.EXAMPLES, HypothesisTestMode.FUZZING],
}

_RECORD_RULES = (
    "the service checks more than JSON Schema can say: ISO 3166 country and ISO 639-1 language codes, "
    "no control characters in text, non-blank solution titles; a value that breaks one is a 422"
)
_SUBJECT_RULES = (
    "`city` (or `provider`) may be left out only by a city focal point (or a provider) asking about "
    "itself, and `city` and `provider` exclude each other. Staff leaving the subject out, or giving both, "
    "get a 400 that says so"
)
_EVENT_RULES = (
    "event and participant ids follow the record id rule, a slot ends after it starts, and the change is "
    "checked as a whole before the event is looked up: the service answers 400 or 422 with the reason"
)
#: Checks left out for one operation, each with the reason it does not apply there.
EXCLUDED: dict[tuple[str, str], dict[str, str]] = {
    **{
        operation: {"positive_data_acceptance": _RECORD_RULES}
        for operation in (
            ("POST", "/api/v1/cities"),
            ("PATCH", "/api/v1/cities/{city_id}"),
            ("POST", "/api/v1/providers"),
            ("PATCH", "/api/v1/providers/{provider_id}"),
            ("POST", "/api/v1/cases"),
            ("PATCH", "/api/v1/cases/{case_id}"),
        )
    },
    ("POST", "/api/v1/corpus"): {
        "positive_data_acceptance": "a corpus file's name must say its kind (cities.jsonl, providers.csv) "
        "and its content must be JSON Lines or CSV records; anything else is a 400 or 422 with the reason",
    },
    **{
        operation: {"positive_data_acceptance": _EVENT_RULES}
        for operation in (
            ("POST", "/api/v1/events"),
            ("PATCH", "/api/v1/events/{event_id}"),
            ("POST", "/api/v1/events/{event_id}/participants"),
        )
    },
    **{
        ("GET", f"/api/v1/match/{what}"): {"positive_data_acceptance": _SUBJECT_RULES}
        for what in ("providers", "cities", "cases")
    },
    ("GET", "/api/v1/search/cases"): {
        "positive_data_acceptance": "`q` must hold a letter or a digit: a 400 that says so",
    },
    ("POST", "/api/v1/users/invitations"): {
        "positive_data_acceptance": "`subject_id` is needed for a city or provider and refused for staff, "
        "and must name a stored record; `email` must be one plausible address: a 422 with the reason",
    },
    ("POST", "/api/v1/users/{user_id}/invitations"): {
        "positive_data_acceptance": "a user without an e-mail address, or revoked, is not invited again: "
        "a 422 with the reason",
    },
    ("PATCH", "/api/v1/users/{user_id}"): {
        "positive_data_acceptance": "`subject_id` must name a stored record of the user's role: a 422 "
        "with the reason; a staff user speaks for no record: a 409",
    },
}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[tuple[str, str]]:
    """(base URL, staff token) of a live server over a copy of the demo data."""
    home = tmp_path_factory.mktemp("schemathesis-home")
    shutil.copytree(demo_template, home, dirs_exist_ok=True)
    # The fuzzing sends many bad tokens from one address: beyond the bound on failed sign-ins every
    # check would meet the lockout's 429 instead of the answer it examines.
    app_settings = web_settings_for(home, signin_failures_per_minute=10_000)
    token = issue_tokens(app_settings).staff
    with reserved_port() as port:
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(app_settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while not server.started:
            assert thread.is_alive(), "the server stopped before it started"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}", token
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def _operations() -> list[tuple[str, str]]:
    """Every operation of the exported document (the staleness test keeps it equal to the live one)."""
    document = json.loads((REPO_ROOT / "api" / "openapi.json").read_text(encoding="utf-8"))
    return [
        (method.upper(), path)
        for path, item in sorted(document["paths"].items())
        for method in sorted(item)
        if method in {"get", "post", "put", "patch", "delete"}
    ]


@pytest.fixture(scope="module")
def live_schema(live_server: tuple[str, str]) -> Any:
    """The OpenAPI document as the running server serves it, with every check switched on."""
    base_url, _ = live_server
    schema = schemathesis.openapi.from_url(f"{base_url}/schema/openapi.json")
    schema.config.checks.update(included_check_names=["all"])
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    return schema


@dataclass
class Findings:
    """What the checks reported for one operation, keyed by a short description."""

    statuses: set[int] = field(default_factory=set)
    cases: int = 0
    failures: dict[str, str] = field(default_factory=dict)

    def add(self, failure: Failure, case: Any) -> None:
        key = f"{type(failure).__name__}: {failure.title}"
        if key not in self.failures:
            self.failures[key] = f"{failure.message[:600]}\n    reproduce: {case.as_curl_command()}"


def _checks() -> list[Any]:
    load_all_checks()
    return [check for check in CHECKS.get_all() if callable(check) and not isinstance(check, type)]


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), _operations(), ids=[f"{m} {p}" for m, p in _operations()])
def test_every_check_passes(
    live_schema: Any, live_server: tuple[str, str], method: str, path: str, role: str
) -> None:
    base_url, token = live_server
    headers = {"Authorization": f"Bearer {token}"} if role == "staff" else {}
    operation = live_schema[path][method]
    excluded_names = EXCLUDED.get((method, path), {})
    checks = [c for c in _checks() if c.__name__ not in excluded_names]
    found = Findings()

    scenarios: set[tuple[str, str]] = set()

    def run(case: Any) -> None:
        data = case.meta.phase.data if case.meta is not None else None
        if isinstance(data, CoveragePhaseData):
            # One coverage case per scenario and place (the path, the query, the body...), not each
            # of its many values: every kind of edge is tried, within the time budget.
            scenario = (str(data.scenario), str(data.parameter_location or data.location))
            if scenario in scenarios:
                return
            scenarios.add(scenario)
        found.cases += 1
        try:
            response = case.call_and_validate(base_url=base_url, headers=headers, checks=checks, timeout=60)
        except FailureGroup as group:
            for failure in group.exceptions:
                found.add(failure, case)
            return
        except Failure as failure:
            found.add(failure, case)
            return
        found.statuses.add(response.status_code)

    test = create_test(
        operation=operation,
        test_func=run,
        config=HypothesisTestConfig(
            project=live_schema.config,
            modes=PHASES[role],
            settings=settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
            ),
        ),
    )
    test()

    print(f"{method} {path} as {role}: {found.cases} cases, statuses {sorted(found.statuses)}")
    assert found.cases, "no case was generated"
    assert not found.failures, f"{method} {path} as {role}:\n" + "\n".join(
        f"- {key}\n    {detail}" for key, detail in sorted(found.failures.items())
    )
