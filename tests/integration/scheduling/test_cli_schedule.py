"""``matchmaker schedule PROBLEM.json`` as CONTRACT.md describes it."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from matchmaker.cli import app

runner = CliRunner()


def _problem(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slots": [
            {"id": "s1", "start": "2038-03-02T09:00", "end": "2038-03-02T09:20"},
            {"id": "s2", "start": "2038-03-02T09:30", "end": "2038-03-02T09:50"},
        ],
        "tables": 2,
        "participants": [
            {"id": "kukes", "side": "city", "name": "Kukës", "available": ["s1"], "max_meetings": 6},
            {"id": "nilufer", "side": "city"},
            {"id": "acme", "side": "provider"},
            {"id": "beta", "side": "provider"},
        ],
        "scores": [
            {"a": "kukes", "b": "acme", "score": 0.83},
            {"a": "nilufer", "b": "acme", "score": 0.6},
            {"a": "nilufer", "b": "beta", "score": 0.4},
        ],
        "requests": [{"from": "acme", "to": "kukes", "status": "accepted"}],
        "must_meet": [["kukes", "acme"]],
        "blocked": [["kukes", "beta"]],
    }
    data.update(extra)
    return data


@pytest.fixture(autouse=True)
def _home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MATCHMAKER_HOME", str(tmp_path / "home"))


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_json_output(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["schedule", str(_write(tmp_path, _problem())), "--json", "--time-limit", "5"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"meetings", "objective", "unscheduled_must_meet", "stats"}
    assert {"slot": "s1", "table": 1, "a": "kukes", "b": "acme", "score": 0.83} in out["meetings"]
    assert out["unscheduled_must_meet"] == []
    assert out["objective"] == pytest.approx(0.83 + 0.6 + 0.4)  # acme meets both cities, in two slots
    assert out["stats"]["unmatched_participants"] == []


def test_unknown_keys_are_named_on_stderr_and_in_the_stats_and_the_file_is_still_planned(
    tmp_path: Path,
) -> None:
    # A misspelt "must_meat" dropped every must-meet without a word.
    problem = _problem(must_meet=[], must_meat=[["nilufer", "beta"]], x_source="crm-export")
    result = runner.invoke(app, ["schedule", str(_write(tmp_path, problem)), "--json", "--time-limit", "5"])
    assert result.exit_code == 0, result.output
    assert "unknown key 'must_meat' ignored; did you mean 'must_meet'?" in result.stderr
    assert "unknown key 'x_source' ignored" in result.stderr
    assert "x_source' ignored; did you mean" not in result.stderr
    out = json.loads(result.stdout)
    assert out["stats"]["warnings"] == [
        "unknown key 'must_meat' ignored; did you mean 'must_meet'?",
        "unknown key 'x_source' ignored",
    ]
    assert out["stats"]["unmatched_participants"] == []
    plain = runner.invoke(app, ["schedule", str(_write(tmp_path, _problem())), "--json", "--time-limit", "5"])
    assert plain.stderr == ""
    assert json.loads(plain.stdout)["stats"]["warnings"] == []


def test_a_misspelt_key_of_a_participant_is_named_once(tmp_path: Path) -> None:
    # "max_meeting" left every participant without a maximum, without a word.
    problem = _problem()
    for p in problem["participants"]:
        p["max_meeting"] = 1
    result = runner.invoke(app, ["schedule", str(_write(tmp_path, problem)), "--json", "--time-limit", "5"])
    assert result.exit_code == 0, result.output
    warning = "unknown key 'max_meeting' in participants ignored; did you mean 'max_meetings'?"
    assert result.stderr.count(warning) == 1
    assert json.loads(result.stdout)["stats"]["warnings"] == [warning]
    requests = runner.invoke(app, ["schedule", str(_write(tmp_path, _problem())), "--json"])
    assert "in requests" not in requests.stderr, "'from' and 'to' are the names requests are read by"


def test_a_misspelt_required_key_is_named_beside_the_refusal(tmp_path: Path) -> None:
    problem = _problem()
    problem["slot"] = problem.pop("slots")
    result = runner.invoke(app, ["schedule", str(_write(tmp_path, problem))])
    assert result.exit_code == 2
    assert "slots" in result.stderr
    assert "unknown key 'slot' ignored; did you mean 'slots'?" in result.stderr


def test_human_table(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schedule", str(_write(tmp_path, _problem()))])
    assert result.exit_code == 0, result.output
    assert "Kukës" in result.stdout
    assert "must meet" in result.stdout


def test_the_summary_counts_and_names_why_someone_cannot_meet_as_it_is(tmp_path: Path) -> None:
    # A provider nobody scored or asked: the mean was given as one "per active participant" though
    # it counts everyone (with three such providers it fell below the least of the active), the
    # reason named only causes this provider does not have, and it had "only 0 candidate partners".
    problem = _problem(must_meet=[], requests=[], blocked=[])
    problem["participants"].append({"id": "ghost", "side": "provider"})
    result = runner.invoke(app, ["schedule", str(_write(tmp_path, problem)), "--time-limit", "5"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert "meetings per participant who can meet: at least 1; mean over all participants 1.20;" in said
    assert "no meeting possible (no partner with a score or a request," in said
    assert "ghost: no candidate partner with a score or request" in said
    assert "only 0" not in said
    assert "meetings per active participant" not in said


def test_human_table_prints_names_with_brackets_as_written(tmp_path: Path) -> None:
    problem = _problem()
    problem["participants"][0]["name"] = "Kukës [bold]north[/bold]"
    problem["participants"][2]["name"] = "Acme [AL]"
    result = runner.invoke(app, ["schedule", str(_write(tmp_path, problem))])
    assert result.exit_code == 0, result.output
    assert "Kukës [bold]north[/bold]" in result.stdout
    assert "Acme [AL]" in result.stdout


def test_infeasible_exit_2_with_reason(tmp_path: Path) -> None:
    path = _write(tmp_path, _problem(must_meet=[["kukes", "beta"]]))
    result = runner.invoke(app, ["schedule", str(path), "--json"])
    assert result.exit_code == 2
    assert "also blocked" in result.stderr
    assert result.stdout == ""


def test_published_meetings_over_a_maximum_name_the_participant_and_what_to_change(tmp_path: Path) -> None:
    problem = _problem(must_meet=[], locked=[{"slot": "s1", "table": 1, "a": "kukes", "b": "acme"}])
    problem["participants"][0]["max_meetings"] = 0
    result = runner.invoke(app, ["schedule", str(_write(tmp_path, problem))])
    assert result.exit_code == 2
    said = " ".join(result.stderr.split())
    assert "Kukës has 1 published meeting but may have only 0" in said
    assert "raise its maximum to at least 1" in said


def test_invalid_file_exit_2_one_line(tmp_path: Path) -> None:
    path = _write(tmp_path, _problem(tables=0))
    result = runner.invoke(app, ["schedule", str(path)])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "tables" in result.stderr


def test_a_number_out_of_its_range_is_refused_in_words(tmp_path: Path) -> None:
    path = _write(tmp_path, _problem(tables=0, slots=[]))
    result = runner.invoke(app, ["schedule", str(path)])
    assert result.exit_code == 2
    assert "slots: must have at least 1 entry" in result.stderr
    assert "tables: must be 1 or more" in result.stderr
    assert "should" not in result.stderr


def test_a_score_too_large_to_plan_with_is_refused_naming_it(tmp_path: Path) -> None:
    problem = _problem()
    problem["scores"][1]["score"] = 1e308
    result = runner.invoke(app, ["schedule", str(_write(tmp_path, problem)), "--json"])
    assert result.exit_code == 2, result.output
    assert "scores.1.score: must be 1000000000 or less" in result.stderr
    assert result.stdout == ""


def test_unreadable_file_exit_1(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schedule", str(tmp_path / "missing.json")])
    assert result.exit_code == 1
    assert "cannot read" in result.stderr


def test_seed_gives_the_same_schedule_and_the_gap_in_words(tmp_path: Path) -> None:
    rng = random.Random(7)
    cities = [{"id": f"c{i}", "side": "city", "max_meetings": 3} for i in range(12)]
    providers = [{"id": f"p{i}", "side": "provider", "max_meetings": 4} for i in range(10)]
    slots = [
        {"id": f"s{i}", "start": f"2038-03-02T{9 + i:02d}:00", "end": f"2038-03-02T{9 + i:02d}:20"}
        for i in range(4)
    ]
    scores = [
        {"a": c["id"], "b": p["id"], "score": round(rng.random(), 3)} for c in cities for p in providers
    ]
    path = _write(
        tmp_path, {"slots": slots, "tables": 5, "participants": cities + providers, "scores": scores}
    )
    args = ["schedule", str(path), "--json", "--seed", "3", "--workers", "1", "--time-limit", "5"]
    first = runner.invoke(app, args)
    second = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["meetings"] == json.loads(second.stdout)["meetings"]
    table = runner.invoke(app, ["schedule", str(path), "--seed", "3", "--workers", "1", "--time-limit", "5"])
    assert "best possible" in " ".join(table.stdout.split())


def test_the_installed_command_plans_a_problem_file(tmp_path: Path) -> None:
    # As a person runs it: the console script loads the schedule command alone.
    path = _write(tmp_path, _problem())
    done = subprocess.run(
        [sys.executable, "-m", "matchmaker", "schedule", str(path), "--json", "--time-limit", "5"],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ),
    )
    assert done.returncode == 0, done.stderr
    assert {"a": "kukes", "b": "acme"}.items() <= json.loads(done.stdout)["meetings"][0].items()
    helped = subprocess.run(
        [sys.executable, "-m", "matchmaker", "schedule", "--help"],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ),
    )
    assert "matchmaker schedule [OPTIONS]" in helped.stdout


def test_the_table_names_a_locked_meeting_it_could_not_keep_and_why(tmp_path: Path) -> None:
    """A locked meeting at a table the problem does not have was planned elsewhere, and the table said
    only "1 moved": staff did not learn that the meeting they locked was not kept, nor why."""
    locked = [{"slot": "s1", "table": 5, "a": "nilufer", "b": "beta"}]
    path = _write(tmp_path, _problem(locked=locked))
    result = runner.invoke(app, ["schedule", str(path), "--time-limit", "5"])
    assert result.exit_code == 0, result.output
    assert "locked meeting not kept: nilufer–beta in s1 at table 5: table 5 no longer exists" in " ".join(
        result.stdout.split()
    )


def test_a_pair_given_two_different_scores_is_named_with_the_score_used(tmp_path: Path) -> None:
    """A pair scored twice (in either order) with different scores was planned with the last one
    without a word: the file's other score was dropped silently."""
    scores = [
        {"a": "kukes", "b": "acme", "score": 0.83},
        {"a": "acme", "b": "kukes", "score": 0.2},
        {"a": "nilufer", "b": "beta", "score": 0.4},
        {"a": "beta", "b": "nilufer", "score": 0.4},
    ]
    path = _write(tmp_path, _problem(scores=scores))
    result = runner.invoke(app, ["schedule", str(path), "--json", "--time-limit", "5"])
    assert result.exit_code == 0, result.output
    warning = (
        "scores: the pair 'acme'–'kukes' is given 2 scores (0.83, 0.2); the last, 0.2, is used:"
        " give each pair once"
    )
    assert f"warning: {path}: {warning}" in result.stderr
    out = json.loads(result.stdout)
    assert out["stats"]["warnings"] == [warning]
    assert {"slot": "s1", "table": 1, "a": "kukes", "b": "acme", "score": 0.2} in out["meetings"]


def test_slots_that_share_time_are_named_in_a_warning(tmp_path: Path) -> None:
    """Two slots of a problem file that overlap were planned as two times, without a word: the same
    participant was given a meeting in each, two meetings at once."""
    slots = [
        {"id": "s1", "start": "2038-03-02T09:00", "end": "2038-03-02T09:20"},
        {"id": "s2", "start": "2038-03-02T09:10", "end": "2038-03-02T09:30"},
    ]
    result = runner.invoke(
        app, ["schedule", str(_write(tmp_path, _problem(slots=slots))), "--json", "--time-limit", "5"]
    )
    assert result.exit_code == 0, result.output
    warning = (
        "slots 's1' (2038-03-02 09:00–09:20) and 's2' (2038-03-02 09:10–09:30) overlap: a participant may"
        " be planned in both, two meetings at once; let each slot end before the next starts"
    )
    assert warning in " ".join(result.stderr.split())
    assert json.loads(result.stdout)["stats"]["warnings"] == [warning]
