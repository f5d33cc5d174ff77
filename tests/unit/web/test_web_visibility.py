"""Internal fields and confidential values, as the services compute them."""

from __future__ import annotations

from pathlib import Path

from matchmaker.db.engine import Database
from matchmaker.db.models import CityCreate, CityPublic, FocalPointIn
from matchmaker.services.records import RecordService
from matchmaker.services.visibility import confidential_terms, is_internal_key, strip_internal
from matchmaker.settings import Settings


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
