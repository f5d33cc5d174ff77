"""A damaged index never takes the service down: it is refused with a reason, the last good generation
keeps serving, other kinds keep answering, and ``/ready`` and ``matchmaker index verify`` say so."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from litestar.testing import TestClient
from typer.testing import CliRunner
from web_support import CITY_ID, Tokens, issue_tokens

from matchmaker.cli import app as cli_app
from matchmaker.embeddings.bundle import current_generation, file_checksum, kind_dir
from matchmaker.settings import Settings
from matchmaker.web import create_app
from services_support import services_for

PROVIDERS = f"/api/v1/match/providers?city={CITY_ID}"
CASES = f"/api/v1/match/cases?city={CITY_ID}"


def live_dir(settings: Settings, kind: str = "case") -> Path:
    generation = current_generation(settings.index_dir, kind)  # type: ignore[arg-type]
    assert generation is not None
    return kind_dir(settings.index_dir, kind) / generation  # type: ignore[arg-type]


def overwrite_bytes(path: Path, offset_from_end: int = 40) -> None:
    """Damage a file in place, keeping its size (what a bad disk or a stray write does)."""
    data = bytearray(path.read_bytes())
    for i in range(len(data) - offset_from_end, len(data) - offset_from_end + 8):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


def make_nan(directory: Path) -> None:
    """Put NaN into the vectors and re-sign the manifest, so only the NaN check can catch it."""
    vectors = np.load(directory / "vectors.npy")
    vectors[0, :] = np.nan
    np.save(directory / "vectors.npy", vectors)
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["checksums"]["vectors.npy"] = file_checksum(directory / "vectors.npy")
    (directory / "manifest.json").write_text(json.dumps(manifest))


def publish_copy(settings: Settings, kind: str = "case") -> Path:
    """A new generation of ``kind`` made live: a copy of the live one under a newer name."""
    live = live_dir(settings, kind)
    newer = live.parent / ("g99999999999999999999-" + live.name.rsplit("-", 1)[1])
    shutil.copytree(live, newer)
    manifest = json.loads((newer / "manifest.json").read_text())
    manifest["generation"] = newer.name
    (newer / "manifest.json").write_text(json.dumps(manifest))
    (live.parent / "CURRENT").write_text(newer.name + "\n")
    return newer


@pytest.mark.parametrize("file_name", ["passages.json", "vectors.npy"])
def test_damaged_live_bundle_at_start_up_leaves_other_kinds_serving(
    seeded_settings: Settings, file_name: str
) -> None:
    overwrite_bytes(live_dir(seeded_settings) / file_name)
    tokens = issue_tokens(seeded_settings)
    with TestClient(create_app(seeded_settings)) as client:
        staff = tokens.of("staff")
        assert client.get(PROVIDERS, headers=staff).status_code == 200
        cases = client.get(CASES, headers=staff)
        assert cases.status_code == 503
        assert "checksum" in cases.json()["detail"]
        ready = client.get("/ready")
        assert ready.status_code == 503
        body = ready.json()
        assert body["indexes"]["case"]["damaged"] is True
        assert body["indexes"]["provider"]["damaged"] is False
        assert any(p.startswith("case:") for p in body["problems"])


def test_damaged_new_generation_under_a_running_server_keeps_the_last_good_one(
    seeded_settings: Settings, tokens: Tokens, caplog: pytest.LogCaptureFixture
) -> None:
    with TestClient(create_app(seeded_settings)) as client:
        staff = tokens.of("staff")
        before = client.get(CASES, headers=staff).json()
        assert client.get("/ready").status_code == 200
        newer = publish_copy(seeded_settings)
        overwrite_bytes(newer / "vectors.npy")
        assert client.get(PROVIDERS, headers=staff).status_code == 200
        after = client.get(CASES, headers=staff)
        assert after.status_code == 200
        assert after.json() == before
        ready = client.get("/ready").json()
        assert ready["indexes"]["case"]["damaged"] is True
        assert ready["indexes"]["case"]["serving"] != newer.name
    assert any("unusable" in r.getMessage() and newer.name in r.getMessage() for r in caplog.records)


def test_damaged_live_generation_falls_back_to_the_previous_good_one(seeded_settings: Settings) -> None:
    good = live_dir(seeded_settings)
    newer = publish_copy(seeded_settings)
    overwrite_bytes(newer / "passages.json")
    tokens = issue_tokens(seeded_settings)
    with TestClient(create_app(seeded_settings)) as client:
        cases = client.get(CASES, headers=tokens.of("staff"))
        assert cases.status_code == 200
        assert cases.json()["results"]
        assert client.get("/ready").json()["indexes"]["case"]["serving"] == good.name


def test_nan_vectors_are_refused_not_scored(seeded_settings: Settings) -> None:
    make_nan(live_dir(seeded_settings))
    tokens = issue_tokens(seeded_settings)
    with TestClient(create_app(seeded_settings)) as client:
        cases = client.get(CASES, headers=tokens.of("staff"))
        assert cases.status_code == 503
        assert "NaN" in cases.json()["detail"]
        providers = client.get(PROVIDERS, headers=tokens.of("staff"))
        assert providers.status_code == 200
        assert "similarity nan" not in providers.text
        assert all(0.0 < r["score"] <= 1.0 for r in providers.json()["results"])


def test_ready_says_stale_when_the_database_moved_on(seeded_settings: Settings) -> None:
    manifest_path = live_dir(seeded_settings, "provider") / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["corpus_hash"] = "0" * 16
    manifest_path.write_text(json.dumps(manifest))
    with TestClient(create_app(seeded_settings)) as client:
        body = client.get("/ready").json()
    assert body["indexes"]["provider"]["stale"] is True
    assert body["indexes"]["city"]["stale"] is False


def test_ready_says_stale_after_a_write_that_was_not_indexed(
    seeded_settings: Settings, tmp_path: Path
) -> None:
    """/ready keeps what it read while nothing is written, and notices a write made elsewhere (another
    process, an ingest with ``--no-index``) on its next call."""
    city = {"id": "new-town", "name": "New Town", "country": "AL", "summary": "Streets without names."}
    folder = tmp_path / "late"
    folder.mkdir()
    (folder / "cities.jsonl").write_text(json.dumps(city) + "\n")
    with TestClient(create_app(seeded_settings)) as client:
        assert client.get("/ready").json()["indexes"]["city"]["stale"] is False
        assert client.get("/ready").json()["indexes"]["city"]["stale"] is False
        with services_for(seeded_settings) as services:
            report = services.corpus.ingest_paths([folder], refresh_index=False)
            assert report.accepted == 1
        body = client.get("/ready").json()
        assert body["indexes"]["city"]["stale"] is True
        assert body["indexes"]["provider"]["stale"] is False
        staff = issue_tokens(seeded_settings).of("staff")
        assert client.post("/api/v1/indexes/rebuild", headers=staff).status_code == 200
        assert client.get("/ready").json()["indexes"]["city"]["stale"] is False


def test_index_verify_cli(seeded_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHMAKER_HOME", str(seeded_settings.home))
    monkeypatch.setenv("MATCHMAKER_MODEL_NAME", seeded_settings.model_name)
    ok = CliRunner().invoke(cli_app, ["index", "verify", "--json"])
    assert ok.exit_code == 0, ok.output
    assert all(json.loads(line)["ok"] for line in ok.stdout.splitlines())
    overwrite_bytes(live_dir(seeded_settings) / "documents.json", offset_from_end=10)
    bad = CliRunner().invoke(cli_app, ["index", "verify"])
    assert bad.exit_code == 1
    assert "damaged" in bad.output
    assert "Traceback" not in bad.output


def test_an_unreadable_live_manifest_is_damage_the_last_good_generation_covers(
    seeded_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A manifest whose bytes were changed is a damaged generation like any other file: queries are
    answered from the previous good generation, /ready and GET /api/v1/indexes say why (no 500), and
    ``matchmaker index status`` names it."""
    good = live_dir(seeded_settings)
    newer = publish_copy(seeded_settings)
    (newer / "manifest.json").write_text('{"kind": "case", "generation": ', encoding="utf-8")
    tokens = issue_tokens(seeded_settings)
    with TestClient(create_app(seeded_settings)) as client:
        staff = tokens.of("staff")
        cases = client.get(CASES, headers=staff)
        assert cases.status_code == 200, cases.text
        assert cases.json()["results"]
        ready = client.get("/ready")
        assert ready.status_code == 503
        case = ready.json()["indexes"]["case"]
        assert case["damaged"] is True
        assert "unreadable manifest" in case["problem"]
        assert case["serving"] == good.name
        indexes = client.get("/api/v1/indexes", headers=staff)
        assert indexes.status_code == 200, indexes.text
        listed = {k["kind"]: k for k in indexes.json()["kinds"]}
        assert "unreadable manifest" in listed["case"]["problem"]

    monkeypatch.setenv("MATCHMAKER_HOME", str(seeded_settings.home))
    monkeypatch.setenv("MATCHMAKER_MODEL_NAME", seeded_settings.model_name)
    status = CliRunner().invoke(cli_app, ["index", "status"])
    assert status.exit_code == 0, status.output
    assert "│ case     │ damaged │" in status.stdout
    assert f"case: index bundle {newer} has an unreadable manifest" in status.stdout.replace("\n", "")


def test_a_live_generation_deleted_from_disk_falls_back_to_the_previous_good_one(
    seeded_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """CURRENT naming a generation that is not on disk (deleted by hand, or not copied back with a
    restore) is said as such, and the previous good generation answers meanwhile."""
    good = live_dir(seeded_settings)
    newer = publish_copy(seeded_settings)
    shutil.rmtree(newer)
    tokens = issue_tokens(seeded_settings)
    with TestClient(create_app(seeded_settings)) as client:
        cases = client.get(CASES, headers=tokens.of("staff"))
        assert cases.status_code == 200, cases.text
        assert cases.json()["results"]
        case = client.get("/ready").json()["indexes"]["case"]
        assert case["serving"] == good.name
        assert case["damaged"] is True
        assert f"generation {newer.name} is missing its directory" in case["problem"]
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert f"the live case generation {newer.name} is missing its directory" in logged
    assert "keeps changing" not in logged
