"""The exported OpenAPI document is current, complete and says how to authenticate."""

from __future__ import annotations

import json
from pathlib import Path

from matchmaker.settings import Settings
from matchmaker.web.app import openapi_document

REPO_ROOT = Path(__file__).resolve().parents[3]
EXPORT = REPO_ROOT / "api" / "openapi.json"
REGENERATE = "run `matchmaker openapi -o api/openapi.json` and commit the result"


def _live(tmp_path: Path) -> dict[str, object]:
    return openapi_document(Settings(home=tmp_path, model_name="hashing-64"))


def test_export_is_current(tmp_path: Path) -> None:
    exported = json.loads(EXPORT.read_text(encoding="utf-8"))
    live = json.loads(json.dumps(_live(tmp_path), sort_keys=True))
    assert exported == live, f"api/openapi.json is stale: {REGENERATE}"


def test_every_api_operation_requires_auth_and_documents_problems(tmp_path: Path) -> None:
    document = _live(tmp_path)
    schemes = document["components"]["securitySchemes"]  # type: ignore[index]
    assert schemes["BearerToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["BearerToken"]["description"],
    }
    for path, item in document["paths"].items():  # type: ignore[attr-defined]
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in item.items():
            if method not in {"get", "post", "patch", "put", "delete"}:
                continue
            assert {"BearerToken": []} in operation["security"], f"{method} {path} has no bearer security"
            assert operation.get("summary"), f"{method} {path} has no summary"
            if "/events" in path:
                continue  # the events feature documents its own errors
            for status in ("400", "401"):
                content = operation["responses"][status]["content"]
                assert "application/problem+json" in content, f"{method} {path} {status} is not problem+json"


def test_bodies_have_schemas_and_examples(tmp_path: Path) -> None:
    document = _live(tmp_path)
    create_city = document["paths"]["/api/v1/cities"]["post"]  # type: ignore[index]
    body = create_city["requestBody"]["content"]["application/json"]
    schema = body["schema"]
    assert {"$ref": "#/components/schemas/CityCreate"} in [schema, *schema.get("allOf", [])]
    assert schema.get("examples") or body.get("examples")
    schemas = document["components"]["schemas"]  # type: ignore[index]
    assert "focal_point" in schemas["CityConfidential"]["properties"]
    assert "focal_point" not in schemas["CityPublic"]["properties"]
    for name in ("MatchPage", "ProblemDetails", "IngestReportOut", "CityPage", "ReadyOut"):
        assert name in schemas


def test_documented_answers_include_the_refusals_the_server_gives(tmp_path: Path) -> None:
    """A body of another media type is a 415 problem wherever a body is read; /ready may answer 503."""
    document = json.loads(json.dumps(_live(tmp_path)))
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert "415" in operation["responses"], f"{method} {path} does not document 415"
    ready = document["paths"]["/ready"]["get"]["responses"]
    assert ready["503"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ReadyOut"}


def test_the_headers_a_client_must_read_are_documented(tmp_path: Path) -> None:
    """A client generated from the document sees when to retry (429), how to sign in (401) and where a
    background job is (202), as api/README.md says and the server sends."""
    document = _live(tmp_path)
    expected = {"401": "WWW-Authenticate", "429": "Retry-After", "202": "Location"}
    seen: set[str] = set()
    for path, item in document["paths"].items():  # type: ignore[attr-defined]
        for method, operation in item.items():
            if method not in {"get", "post", "patch", "put", "delete"}:
                continue
            for status, header in expected.items():
                answer = operation["responses"].get(status)
                if answer is None:
                    continue
                assert header in answer.get("headers", {}), f"{method} {path} {status} lacks {header}"
                seen.add(status)
    assert seen == set(expected)
    search = document["paths"]["/api/v1/search/cases"]["get"]  # type: ignore[index]
    assert search["responses"]["429"]["headers"]["Retry-After"]["schema"]["type"] == "integer"


def test_every_api_operation_documents_that_the_database_may_be_unavailable(tmp_path: Path) -> None:
    """Every API operation reads the database (the caller's token at least), so each may answer 503."""
    document = json.loads(json.dumps(_live(tmp_path)))
    for path, item in document["paths"].items():
        if path in ("/health", "/ready"):
            continue
        for method, operation in item.items():
            if method not in {"get", "post", "patch", "put", "delete"}:
                continue
            answer = operation["responses"].get("503")
            assert answer is not None, f"{method} {path} does not document 503"
            examples = answer["content"]["application/problem+json"]["examples"].values()
            assert any(e["value"]["detail"].startswith("the database cannot be reached") for e in examples), (
                f"{method} {path}: 503 does not say the database may be unavailable"
            )


def test_every_operation_that_checks_a_token_documents_the_refusal_after_failed_sign_ins(
    tmp_path: Path,
) -> None:
    """After too many failed sign-ins from one address, any operation that checks a token answers 429
    without checking it; a client generated from the document knows to wait ``Retry-After``."""
    document = json.loads(json.dumps(_live(tmp_path)))
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "post", "patch", "put", "delete"}:
                continue
            if not path.startswith("/api/v1/") and (method, path) != ("post", "/auth/session"):
                continue
            answer = operation["responses"].get("429")
            assert answer is not None, f"{method} {path} does not document 429"
            assert "Retry-After" in answer["headers"]
            examples = answer["content"]["application/problem+json"]["examples"].values()
            assert any("too many failed sign-ins" in e["value"]["detail"] for e in examples), (
                f"{method} {path}: 429 does not say failed sign-ins may be refused"
            )


def _types(schema: dict[str, object]) -> set[str]:
    """The JSON types a schema allows, its own and those of its ``oneOf``/``anyOf`` branches."""
    found: set[str] = set()
    for part in [schema, *schema.get("oneOf", []), *schema.get("anyOf", [])]:  # type: ignore[list-item]
        kind = part.get("type") if isinstance(part, dict) else None
        found |= {kind} if isinstance(kind, str) else set(kind) if isinstance(kind, list) else set()
    return found


def _length_bounds_on_other_types(node: object, where: str = "") -> list[str]:
    if isinstance(node, list):
        found = (_length_bounds_on_other_types(item, f"{where}[{n}]") for n, item in enumerate(node))
        return [w for wrong in found for w in wrong]
    if not isinstance(node, dict):
        return []
    wrong = []
    types = _types(node)
    text = {k for k in ("minLength", "maxLength") if isinstance(node.get(k), int)}
    items = {k for k in ("minItems", "maxItems") if isinstance(node.get(k), int)}
    if text and "string" not in types:
        wrong.append(f"{where}: {sorted(text)} on {sorted(types)}")
    if items and "array" not in types:
        wrong.append(f"{where}: {sorted(items)} on {sorted(types)}")
    for key, value in node.items():
        wrong += _length_bounds_on_other_types(value, f"{where}/{key}")
    return wrong


def test_every_length_bound_is_said_of_the_type_it_bounds(tmp_path: Path) -> None:
    """A validator or a client generated from the document ignores ``maxLength`` on a list, so a list's
    bound must be ``maxItems`` (an event's slots: at most 200, one at least) for a client to know it."""
    document = json.loads(json.dumps(_live(tmp_path)))
    assert _length_bounds_on_other_types(document) == []
    slots = document["components"]["schemas"]["EventEdit"]["properties"]["slots"]
    (listed,) = [part for part in slots["oneOf"] if part.get("type") == "array"]
    assert (listed["minItems"], listed["maxItems"]) == (1, 200)
