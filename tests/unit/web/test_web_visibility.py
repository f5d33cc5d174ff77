"""Who reads what, internal fields and confidential values, as the services compute them."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pytest

from matchmaker.db.engine import Database
from matchmaker.db.models import CityCreate, CityPublic, FocalPointIn, Kind, Role
from matchmaker.errors import PermissionDeniedError
from matchmaker.services.records import RecordService
from matchmaker.services.users import Principal
from matchmaker.services.visibility import (
    compile_terms,
    confidential_terms,
    is_internal_key,
    may_read,
    may_suggest,
    require_read,
    sees_in_full,
    strip_internal,
)
from matchmaker.settings import Settings
from matchmaker.web.redaction import request_texts


def test_internal_keys() -> None:
    assert is_internal_key("internal_notes")
    assert is_internal_key("_score")
    assert is_internal_key("Confidential")
    assert is_internal_key("private contact")
    assert not is_internal_key("website")
    assert not is_internal_key("business_models")


def test_strip_internal_keeps_public_extra() -> None:
    city = CityPublic(id="a", name="A", country="AL", summary="s", extra={"internal_x": 1, "website": "w"})
    assert strip_internal(city).extra == {"website": "w"}
    assert city.extra == {"internal_x": 1, "website": "w"}  # the original is untouched


def test_confidential_terms_exclude_the_callers_own_city(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, model_name="hashing-64")
    database = Database(settings)
    try:
        with database.unit_of_work() as session:
            for cid, name in (("a", "Ana Petrova"), ("b", "Boris Ilic")):
                RecordService(session).create(
                    "city",
                    CityCreate(
                        id=cid,
                        name=cid.upper(),
                        country="AL",
                        summary="s",
                        focal_point=FocalPointIn(name=name),
                        extra={"internal_note": "vendor shortlist alpha"},
                    ),
                )
        with database.unit_of_work() as session:
            everyone = confidential_terms(session)
            assert {"Ana Petrova", "Boris Ilic", "vendor shortlist alpha"} <= set(everyone)
            own_a = confidential_terms(session, own_city="a")
            assert "Ana Petrova" not in own_a
            assert "Boris Ilic" in own_a
    finally:
        database.dispose()


def test_a_term_pattern_keeps_what_the_caller_supplied() -> None:
    pattern = compile_terms(["ana.petrova@city.example", "Ana Petrova"])
    assert pattern is not None
    body = json.dumps(
        {"a": "write to ana.petrova@city.example", "b": "Ana Petrova", "c": "Ana Petrovą"}
    ).encode()
    assert pattern.found(body) == {"ana.petrova@city.example", "Ana Petrova"}
    scrubbed, count = pattern.scrub(body, keep={"Ana Petrova"})
    assert count == 1
    assert json.loads(scrubbed) == {"a": "write to [redacted]", "b": "Ana Petrova", "c": "Ana Petrovą"}
    # JSON-escaped and HTML-escaped forms map back to their value.
    escaped = json.dumps({"n": "Zoë Ilić"}).encode()
    other = compile_terms(["Zoë Ilić"])
    assert other is not None
    assert other.found(escaped) == {"Zoë Ilić"}
    assert other.found(html.escape("<b>Zoë Ilić</b>").encode()) == {"Zoë Ilić"}


def test_request_texts_cover_path_query_and_body() -> None:
    scope: Any = {"path": "/api/v1/cities/Ana Petrova", "query_string": b"q=Bor%C3%ADs+Ilic&top=3"}
    texts = request_texts(scope, json.dumps({"description": "Zoë", "list": ["x@y.example"]}).encode())
    assert "/api/v1/cities/Ana Petrova" in texts
    assert "Borís Ilic" in texts
    assert "Zoë" in texts
    assert "x@y.example" in texts
    assert "Mira Kos" in request_texts({"path": "/cities"}, b"name=Mira+Kos&x=1")


@pytest.mark.parametrize(
    ("role", "subject", "kind", "record", "readable"),
    [
        ("staff", None, "provider", "any", True),
        ("staff", None, "case", "any", True),
        ("city", "a", "city", "b", True),
        ("city", "a", "provider", "p", True),
        ("city", "a", "case", "c", True),
        ("provider", "p", "city", "a", True),
        ("provider", "p", "provider", "p", True),
        ("provider", "p", "provider", "q", False),
        ("provider", "p", "case", "c", False),
    ],
)
def test_one_rule_says_who_reads_what(
    role: Role, subject: str | None, kind: Kind, record: str, readable: bool
) -> None:
    principal = Principal(user_id=1, role=role, subject_id=subject)
    assert may_read(principal, kind, record) is readable
    if readable:
        require_read(principal, kind, record)
    else:
        with pytest.raises(PermissionDeniedError):
            require_read(principal, kind, record)


def test_focal_points_and_suggestions_are_for_staff_and_the_record_itself() -> None:
    city = Principal(user_id=1, role="city", subject_id="a")
    provider = Principal(user_id=2, role="provider", subject_id="p")
    staff = Principal(user_id=3, role="staff")
    assert sees_in_full(staff, "city", "a")
    assert sees_in_full(city, "city", "a")
    assert not sees_in_full(city, "city", "b")
    assert not sees_in_full(provider, "city", "a")
    assert may_suggest(city, "city", "a")
    assert not may_suggest(city, "city", "b")
    assert may_suggest(provider, "provider", "p")
    assert not may_suggest(provider, "provider", "q")
    assert not may_suggest(city, "provider", "p")
    assert not may_suggest(provider, "city", "a")
    assert may_suggest(staff, "provider", "p")
