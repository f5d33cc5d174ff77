"""Validation of the scheduling problem file: clear one-line messages."""

from __future__ import annotations

from typing import Any

import pytest

from matchmaker.errors import InvalidInputError
from matchmaker.scheduling import parse_problem, parse_problem_text


def _error(data: Any) -> str:
    with pytest.raises(InvalidInputError) as info:
        parse_problem(data)
    message = info.value.message
    assert "\n" not in message
    return message


def test_contract_example_is_accepted() -> None:
    problem = parse_problem(
        {
            "slots": [{"id": "s1", "start": "2038-03-02T09:00", "end": "2038-03-02T09:20"}],
            "tables": 12,
            "participants": [
                {"id": "kukes", "side": "city", "available": ["s1"], "max_meetings": 6},
                {"id": "acme", "side": "provider"},
            ],
            "scores": [{"a": "kukes", "b": "acme", "score": 0.83}],
            "requests": [{"from": "acme", "to": "kukes", "status": "accepted"}],
            "must_meet": [["kukes", "acme"]],
            "blocked": [],
        }
    )
    assert problem.requests[0].sender == "acme"
    assert problem.participants[1].available is None


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"tables": 0}, "tables"),
        ({"slots": []}, "slots"),
        ({"must_meet": [["c1", "ghost"]]}, "unknown participant id 'ghost'"),
        ({"blocked": [["c1", "c1"]]}, "cannot meet itself"),
        ({"scores": [{"a": "zz", "b": "p1", "score": 0.5}]}, "unknown participant id 'zz'"),
        ({"requests": [{"from": "p1", "to": "c1", "status": "maybe"}]}, "status"),
    ],
)
def test_invalid_fields_are_named(make_problem: Any, change: dict[str, Any], expected: str) -> None:
    assert expected in _error(make_problem(**change))


def test_true_or_false_for_a_number_is_refused_naming_the_field(make_problem: Any) -> None:
    # Read as 1 or 0 they planned one table, a maximum of one meeting or a score of 1.0 unnoticed.
    assert _error(make_problem(tables=True)) == (
        "invalid scheduling problem: tables: must be a whole number such as 10 (got true)"
    )
    capped = make_problem()
    capped["participants"][0]["max_meetings"] = False
    assert "participants.0.max_meetings: must be a whole number" in _error(capped)
    scored = make_problem(scores=[{"a": "c1", "b": "p1", "score": True}])
    assert "scores.0.score: must be a number" in _error(scored)
    locked = make_problem(locked=[{"slot": "s1", "table": True, "a": "c1", "b": "p1"}])
    assert "locked.0.table: must be a whole number" in _error(locked)
    assert parse_problem(make_problem(tables=3, scores=[{"a": "c1", "b": "p1", "score": 1}])).tables == 3


def test_a_slot_with_an_offset_at_an_hour_the_zone_repeats_is_named(make_problem: Any) -> None:
    data = make_problem()
    data["timezone"] = "Europe/Berlin"
    data["slots"] = [
        {"id": "s1", "start": "2038-10-31T02:30+01:00", "end": "2038-10-31T02:50+01:00"},
        {"id": "s2", "start": "2038-10-31T09:00+01:00", "end": "2038-10-31T09:20+01:00"},
    ]
    assert "slot 's1' starts at 2038-10-31T02:30+01:00, which is 2038-10-31 02:30 in Europe/Berlin" in _error(
        data
    )


def test_unknown_slot_in_availability(make_problem: Any) -> None:
    data = make_problem()
    data["participants"][0]["available"] = ["s1", "s9"]
    assert "unknown slot id 's9'" in _error(data)


def test_duplicate_ids(make_problem: Any) -> None:
    data = make_problem()
    data["participants"].append({"id": "c1", "side": "city"})
    data["slots"].append(dict(data["slots"][0]))
    message = _error(data)
    assert "duplicate participant id 'c1'" in message
    assert "duplicate slot id 's1'" in message


def test_end_before_start(make_problem: Any) -> None:
    data = make_problem()
    data["slots"][0]["end"] = "2038-03-02T08:00"
    assert "is not after start" in _error(data)


def test_conflicting_locked_meetings(make_problem: Any) -> None:
    data = make_problem(
        locked=[
            {"slot": "s1", "table": 1, "a": "c1", "b": "p1"},
            {"slot": "s1", "table": 1, "a": "c2", "b": "p2"},
        ]
    )
    assert "table 1 in 's1' is taken" in _error(data)


def test_fixed_is_an_alias_of_locked(make_problem: Any) -> None:
    problem = parse_problem(make_problem(fixed=[{"slot": "s1", "table": 1, "a": "c1", "b": "p1"}]))
    assert len(problem.locked) == 1


def test_bad_json_and_non_object() -> None:
    with pytest.raises(InvalidInputError, match="not valid JSON"):
        parse_problem_text("{")
    with pytest.raises(InvalidInputError, match="JSON object"):
        parse_problem_text("[]")


def test_a_slot_at_an_hour_the_zone_skips_is_named(make_problem: Any) -> None:
    data = make_problem()
    data["timezone"] = "Europe/Berlin"
    data["slots"][0].update(start="2038-03-28T02:00", end="2038-03-28T02:20")
    assert "slot 's1' starts at 2038-03-28 02:00, a time that does not exist in Europe/Berlin" in _error(data)
    data["slots"][0].update(start="2038-03-28T02:00+01:00", end="2038-03-28T02:20+01:00")
    assert parse_problem(data).slots[0].start.hour == 2, "a time with an offset is one instant"


def test_a_problem_file_that_is_not_json_says_where_without_repeating_words() -> None:
    with pytest.raises(InvalidInputError) as refused:
        parse_problem_text('{"slots": [{"id": "s1", "start": "2038-03-02T09:00}]}')
    assert str(refused.value.message).startswith(
        "the problem file is not valid JSON: Unterminated string starting at line 1, column"
    )


@pytest.mark.parametrize(
    ("tables", "reason"),
    [
        ("9" * 5000, "the problem file is not valid JSON: a number has more than 4300 digits"),
        ("[" * 5000 + "]" * 5000, "the problem file is not valid JSON: it is nested too deeply to read"),
    ],
)
def test_a_problem_file_the_parser_cannot_hold_is_refused_with_the_reason(tables: str, reason: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        parse_problem_text('{"slots": [], "tables": ' + tables + "}")
    assert refused.value.message == reason
