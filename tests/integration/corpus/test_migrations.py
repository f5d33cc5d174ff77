"""Schema changes go through Alembic: an instance created by the first release keeps its data."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel, select
from typer.testing import CliRunner

from matchmaker.cli import app as main_app
from matchmaker.cli import main
from matchmaker.db import accounts, events, models, workers
from matchmaker.db.engine import Database, alembic_config, head_revision, on_commit, stored_revisions
from matchmaker.db.models import CityCreate
from matchmaker.errors import ConfigurationError, NotFoundError
from matchmaker.services.accounts import SESSION_PREFIX, Accounts
from matchmaker.services.events.feeds import CalendarFeeds
from matchmaker.services.events.requests import MeetingRequests
from matchmaker.services.events.schemas import RequestCreate
from matchmaker.services.jobs import JobService, ProgressFn
from matchmaker.services.records import RecordService
from matchmaker.services.users import UserService, hash_token
from matchmaker.settings import Settings
from services_support import stored_records


def _database_at(settings: Settings, revision: str, *statements: str, downgrade: bool = False) -> None:
    """Make the database of ``settings`` as a release whose newest revision is ``revision`` left it,
    upgrading it (or, with ``downgrade``, downgrading it) to there, then run ``statements`` on it."""
    settings.ensure_dirs()
    old = create_engine(settings.db_url)
    cfg = alembic_config(settings.db_url)
    with old.begin() as connection:
        cfg.attributes["connection"] = connection
        (command.downgrade if downgrade else command.upgrade)(cfg, revision)
        for statement in statements:
            connection.execute(text(statement))
    old.dispose()


#: The city an older release's database holds.
_KUKES = (
    "INSERT INTO city (id, name, country, summary, priorities, challenges, extra, "
    "created_at, updated_at) VALUES ('kukes', 'Kukës', 'AL', 'Floods.', '[]', '[]', '{}', "
    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)


def _stored_at(settings: Settings, revision: str, *statements: str) -> None:
    """A database of an older release: the schema at ``revision`` with the city ``kukes`` stored,
    and then ``statements`` run."""
    _database_at(settings, revision, _KUKES, *statements)


def test_upgrade_from_the_first_revision_keeps_records(db_settings: Settings) -> None:
    _stored_at(db_settings, "0001")

    database = Database(db_settings)  # migrates to the newest revision when it is made
    try:
        engine = database.engine
        with engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert version == _head()
        assert "city" in inspect(engine).get_table_names()
        with database.unit_of_work() as session:
            city = RecordService(session).get("city", "kukes")
        assert city.name == "Kukës"
    finally:
        database.dispose()


def test_a_focal_point_stored_before_it_had_extra_fields_is_kept(db_settings: Settings) -> None:
    _stored_at(
        db_settings,
        "0009_published_places",
        "INSERT INTO focal_point (city_id, name, email) VALUES ('kukes', 'Arta', 'a@kukes.example.org')",
    )

    database = Database(db_settings)
    try:
        with database.unit_of_work() as session:
            focal = RecordService(session).get_city_confidential("kukes").focal_point
        assert focal is not None
        assert (focal.name, str(focal.email), focal.extra) == ("Arta", "a@kukes.example.org", {})
    finally:
        database.dispose()


def test_a_solution_stored_before_it_had_extra_fields_is_kept(db_settings: Settings) -> None:
    _stored_at(
        db_settings,
        "0010_focal_point_extra",
        "INSERT INTO provider (id, name, country, description, languages, regions_served, extra, created_at,"
        " updated_at) VALUES ('acme', 'Acme GIS', 'TR', 'Street addressing.', '[]', '[]', '{}',"
        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        "INSERT INTO solution (provider_id, position, title, description, domains, deployed_in)"
        " VALUES ('acme', 0, 'Street addressing', 'Names and numbers.', '[]', '[\"Kukes\"]')",
    )

    database = Database(db_settings)
    try:
        with database.unit_of_work() as session:
            provider = RecordService(session).get("provider", "acme")
        [solution] = provider.solutions  # type: ignore[union-attr]
        assert (solution.title, solution.deployed_in, solution.extra) == ("Street addressing", ["Kukes"], {})
    finally:
        database.dispose()


def test_a_request_declined_before_reasons_were_kept_has_none_and_takes_one(db_settings: Settings) -> None:
    _database_at(
        db_settings,
        "0013_request_notified",
        "INSERT INTO event (id, name, published_version, created_at, updated_at)"
        " VALUES ('fair', 'Fair', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        "INSERT INTO event_request (event_id, sender, recipient, status, created_at, updated_at)"
        " VALUES ('fair', 'acme', 'kukes', 'declined', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    )

    database = Database(db_settings)
    try:
        with database.unit_of_work() as session:
            [before] = MeetingRequests(session).list("fair")
            assert (before.status, before.decline_reason) == ("declined", None)
            again = MeetingRequests(session).answer(
                "fair", before.id, "declined", decline_reason="No budget."
            )
        assert again.decline_reason == "No budget."
        with database.unit_of_work() as session:
            [after] = MeetingRequests(session).list("fair")
        assert after.decline_reason == "No budget."
    finally:
        database.dispose()


def test_requests_stored_before_ids_were_never_reused_are_kept_and_their_ids_not_given_again(
    db_settings: Settings,
) -> None:
    _stored_at(
        db_settings,
        "0015_request_decline_reason",
        "INSERT INTO provider (id, name, country, description, languages, regions_served, extra, created_at,"
        " updated_at) VALUES ('acme', 'Acme GIS', 'TR', 'Street addressing.', '[]', '[]', '{}',"
        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        _KUKES.replace("'kukes', 'Kukës', 'AL'", "'osh', 'Osh', 'KG'"),
        "INSERT INTO event (id, name, published_version, created_at, updated_at)"
        " VALUES ('fair', 'Fair', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        *(
            "INSERT INTO event_participant (event_id, participant_id, side, added_at)"
            f" VALUES ('fair', '{pid}', '{side}', CURRENT_TIMESTAMP)"
            for pid, side in (("kukes", "city"), ("osh", "city"), ("acme", "provider"))
        ),
        *(
            "INSERT INTO event_request (event_id, sender, recipient, status, message, notified, created_at,"
            f" updated_at) VALUES ('fair', '{sender}', '{recipient}', '{status}', 'From {sender}.', false,"
            " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            for sender, recipient, status in (("osh", "acme", "accepted"), ("kukes", "acme", "pending"))
        ),
    )

    database = Database(db_settings)  # migrates to the newest revision
    try:
        with database.unit_of_work() as session:
            kept = MeetingRequests(session).list("fair")
        assert sorted((r.sender, r.status, r.message) for r in kept) == [
            ("kukes", "pending", "From kukes."),
            ("osh", "accepted", "From osh."),
        ]
        newest = max(r.id for r in kept)
        with database.unit_of_work() as session:
            MeetingRequests(session).withdraw("fair", newest, by="kukes")
        with database.unit_of_work() as session:
            again = MeetingRequests(session).create("fair", RequestCreate(sender="kukes", recipient="acme"))
        assert again.id > newest
    finally:
        database.dispose()


def test_a_calendar_address_made_before_issuers_were_kept_stops_with_its_participants_users(
    db_settings: Settings,
) -> None:
    """Who made an address was not recorded before this release: revoking a city's user stops the
    addresses of that city whose maker is unknown, and leaves other participants' addresses alone."""
    _stored_at(
        db_settings,
        "0016_request_ids_never_reused",
        _KUKES.replace("'kukes', 'Kukës', 'AL'", "'osh', 'Osh', 'KG'"),
        "INSERT INTO event (id, name, published_version, created_at, updated_at)"
        " VALUES ('fair', 'Fair', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        *(
            "INSERT INTO event_participant (event_id, participant_id, side, added_at)"
            f" VALUES ('fair', '{pid}', 'city', CURRENT_TIMESTAMP)"
            for pid in ("kukes", "osh")
        ),
        *(
            "INSERT INTO event_feed_token (token_hash, event_id, participant_id, created_at)"
            f" VALUES ('{hashlib.sha256(pid.encode()).hexdigest()}', 'fair', '{pid}', CURRENT_TIMESTAMP)"
            for pid in ("kukes", "osh")
        ),
    )

    database = Database(db_settings)  # migrates to the newest revision
    try:
        with database.unit_of_work() as session:
            feeds = CalendarFeeds(session)
            assert [feeds.resolve(pid) for pid in ("kukes", "osh")] == [("fair", "kukes"), ("fair", "osh")]
            leaving = UserService(session).add_user("city", "kukes").principal.user_id
        with database.unit_of_work() as session:
            Accounts(session, db_settings).revoke(leaving)
        with database.unit_of_work() as session:
            feeds = CalendarFeeds(session)
            with pytest.raises(NotFoundError):
                feeds.resolve("kukes")
            assert feeds.resolve("osh") == ("fair", "osh")
    finally:
        database.dispose()


#: The JSON columns an older release left nullable that are required now, by table.
_MADE_REQUIRED = {"index_generation": "checksums", "job": "params", "session_notice": "links"}
#: The session of the console notice an older release's database holds.
_OLDER_SESSION = f"{SESSION_PREFIX}left-before-the-upgrade"


def test_rows_stored_without_their_json_values_are_kept_and_read_as_empty(db_settings: Settings) -> None:
    """A job's parameters, an index generation's checksums and a console notice's sign-in links could
    be stored as NULL (or a JSON null) before this release: such rows are kept, read as empty, and
    work (the job runs with no parameters); going back to the previous release's schema and up again
    keeps them too."""
    session_hash = hash_token(_OLDER_SESSION)
    _database_at(
        db_settings,
        "0017_feed_token_issuer",
        "INSERT INTO job (id, kind, state, progress, message, params, created_at)"
        " VALUES ('older', 'record', 'queued', 0, 'queued', NULL, CURRENT_TIMESTAMP)",
        "INSERT INTO index_generation (kind, generation, corpus_hash, document_count, checksums, created_at)"
        " VALUES ('city', 'g-older', 'abc', 3, NULL, CURRENT_TIMESTAMP)",
        "INSERT INTO index_generation (kind, generation, corpus_hash, document_count, checksums, created_at)"
        " VALUES ('city', 'g-null', 'abc', 3, 'null', CURRENT_TIMESTAMP)",  # a JSON null
        "INSERT INTO api_user (role, token_hash, created_at, revoked)"
        " VALUES ('staff', 'older-token', CURRENT_TIMESTAMP, false)",
        "INSERT INTO web_session (id_hash, user_id, created_at, expires_at)"
        f" VALUES ('{session_hash}', (SELECT id FROM api_user), CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        "INSERT INTO session_notice (session_hash, kind, text, links, created_at)"
        f" VALUES ('{session_hash}', 'ok', 'Saved.', NULL, CURRENT_TIMESTAMP)",
    )

    database = Database(db_settings)  # migrates to the newest revision
    try:
        with database.unit_of_work() as session:
            assert session.get(workers.JobRow, "older").params == {}  # type: ignore[union-attr]
            assert workers.generation_checksums(session, "city", "g-older") == {}
            assert workers.generation_checksums(session, "city", "g-null") == {}
            assert workers.newest_generations(session) == {"city": "g-null"}
            assert [n.links for n in session.exec(select(accounts.SessionNotice))] == [[]]
        seen: list[dict[str, object]] = []

        def record(params: Mapping[str, object], _progress: ProgressFn) -> dict[str, object]:
            seen.append(dict(params))
            return {"seen": len(params)}

        jobs = JobService(db_settings, database, {"record": record})
        assert jobs.get("older").state == "queued"
        done = jobs.run_next("older")
        assert done is not None
        assert (done.state, done.result, seen) == ("done", {"seen": 0}, [{}])
    finally:
        database.dispose()

    _database_at(db_settings, "0017_feed_token_issuer", downgrade=True)
    engine = create_engine(db_settings.db_url)
    try:
        columns = {t: {c["name"]: c for c in inspect(engine).get_columns(t)} for t in _MADE_REQUIRED}
    finally:
        engine.dispose()
    assert all(columns[table][column]["nullable"] for table, column in _MADE_REQUIRED.items())
    database = Database(db_settings)  # and up again
    try:
        with database.unit_of_work() as session:
            assert session.get(workers.JobRow, "older").params == {}  # type: ignore[union-attr]
            assert workers.generation_checksums(session, "city", "g-older") == {}
            notices = Accounts(session, db_settings).take_notices(_OLDER_SESSION)
        assert [(n.kind, n.text, n.links) for n in notices] == [("ok", "Saved.", ())]
        assert stored_revisions(database.engine) == {_head()}
    finally:
        database.dispose()


def test_the_tables_that_never_reuse_ids_are_the_same_in_the_models_and_a_migrated_database(
    home: Path,
) -> None:
    settings = Settings(home=home, model_name="hashing-64")
    database = Database(settings)  # SQLite: AUTOINCREMENT is written in the table's SQL
    try:
        with database.engine.connect() as connection:
            tables = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
            migrated = {name for name, sql in tables if "AUTOINCREMENT" in sql}
    finally:
        database.dispose()
    models = SQLModel.metadata.sorted_tables
    declared = {t.name for t in models if t.dialect_options["sqlite"]["autoincrement"]}
    assert migrated == declared
    assert "event_request" in declared


def test_a_migrated_database_has_the_tables_columns_indexes_keys_and_defaults_of_the_models(
    db_settings: Settings,
) -> None:
    """The models say what the database does, down to the values it fills in itself (a server default
    of a column a migration added to tables that already held rows)."""
    assert {accounts.__name__, events.__name__, models.__name__, workers.__name__}  # every table declared
    database = Database(db_settings)
    try:
        with database.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            differences = compare_metadata(context, SQLModel.metadata)
    finally:
        database.dispose()
    assert differences == []


def _head() -> str:
    from alembic.script import ScriptDirectory

    from matchmaker.db.engine import MIGRATIONS_DIR

    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None
    return head


def test_two_homes_share_nothing(tmp_path: Path) -> None:
    base = tmp_path
    a = Settings(home=base / "a", model_name="hashing-64")
    b = Settings(home=base / "b", model_name="hashing-64")
    with stored_records(a) as records:
        records.create("city", CityCreate(id="kukes", name="Kukës", country="AL", summary="Floods."))
    with stored_records(a) as records:
        assert records.counts()["city"] == 1
    with stored_records(b) as records:
        assert records.counts()["city"] == 0
    assert a.db_url != b.db_url


def test_the_head_read_from_the_scripts_is_alembics_head() -> None:
    assert head_revision() == _head()


def test_a_current_database_is_not_migrated_again(
    db_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    Database(db_settings).dispose()  # a fresh home: created at the newest revision
    with caplog.at_level(logging.INFO, logger="matchmaker.db.engine"):
        database = Database(db_settings)
    try:
        assert not [r for r in caplog.records if r.getMessage().startswith("Migrating database")]
        assert stored_revisions(database.engine) == {_head()}
    finally:
        database.dispose()


def _scripts(directory: Path, **scripts: str) -> Path:
    (directory / "versions").mkdir(parents=True)
    for name, source in scripts.items():
        (directory / "versions" / f"{name}.py").write_text(source)
    return directory


def test_scripts_with_two_heads_or_a_merge_leave_the_decision_to_alembic(tmp_path: Path) -> None:
    a = 'revision = "a"\ndown_revision = None\n'
    b = 'revision: str = "b"  # the second\ndown_revision: str | None = "a"\n'
    assert head_revision(_scripts(tmp_path / "chain", a=a, b=b)) == "b"
    two_heads = _scripts(tmp_path / "two", a=a, b=b, c='revision = "c"\ndown_revision = "a"\n')
    assert head_revision(two_heads) is None
    merge = _scripts(tmp_path / "merge", a=a, b=b, c='revision = "c"\ndown_revision = ("a", "b")\n')
    assert head_revision(merge) is None


def test_an_action_on_commit_runs_after_the_commit_and_never_after_a_rollback(db_settings: Settings) -> None:
    database = Database(db_settings)
    seen: list[int] = []

    def count_cities() -> None:
        with database.unit_of_work() as other:  # another session: sees only what was committed
            seen.append(len(RecordService(other).list("city")))

    try:
        with database.unit_of_work(write=True) as session:
            RecordService(session).create(
                "city", CityCreate(id="kukes", name="Kukës", country="AL", summary="x")
            )
            on_commit(session, count_cities)
            assert seen == []
        assert seen == [1]

        def failing_block() -> None:
            with database.unit_of_work(write=True) as session:
                on_commit(session, count_cities)
                raise RuntimeError("the block fails")

        with pytest.raises(RuntimeError):
            failing_block()
        assert seen == [1]
    finally:
        database.dispose()


def _refused(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *command: str) -> str:
    """What ``matchmaker COMMAND`` prints on standard error when it ends with exit code 2."""
    monkeypatch.setattr("sys.argv", ["matchmaker", *command])
    with pytest.raises(SystemExit) as ended:
        main()
    assert ended.value.code == 2
    return capsys.readouterr().err


def test_a_database_upgraded_by_a_newer_release_is_refused_with_what_to_do(
    db_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    Database(db_settings).engine.dispose()
    engine = create_engine(db_settings.db_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_from_a_newer_release'"))
    engine.dispose()

    with pytest.raises(ConfigurationError) as refused:
        Database(db_settings)
    assert "schema revision 0099_from_a_newer_release" in refused.value.message
    assert f"its newest is {head_revision()}" in refused.value.message
    assert "restore the backup taken before the upgrade" in refused.value.message

    err = _refused(monkeypatch, capsys, "users", "list")
    assert err.startswith("error: the database ")
    assert "schema revision 0099_from_a_newer_release" in err
    assert "Traceback" not in err


def test_db_upgrade_migrates_once_and_says_from_what_to_what(db_settings: Settings) -> None:
    """An operator upgrades the schema as a step of its own, before restarting the servers."""
    _database_at(db_settings, "0001")
    runner = CliRunner()
    first = runner.invoke(main_app, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert f"from revision 0001 to {_head()}." in first.stdout
    assert "Upgraded the database " in first.stdout
    again = runner.invoke(main_app, ["db", "upgrade", "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["before"] == json.loads(again.stdout)["after"] == [_head()]


SRC = Path(__file__).resolve().parents[3] / "src"
#: ``matchmaker db upgrade`` in a process of its own that says when it has imported matchmaker, then
#: waits for a file to appear, so that several of them start migrating at the same moment.
UPGRADE_AT_ONCE = """
import sys, time
from pathlib import Path
from matchmaker.cli import main
from matchmaker.db import accounts, events, models, workers
ready, go = Path(sys.argv[1]), Path(sys.argv[2])
ready.touch()
while not go.exists():
    time.sleep(0.005)
sys.argv = ["matchmaker", "db", "upgrade"]
main()
"""


def test_processes_starting_at_once_on_an_older_database_all_start(
    db_settings: Settings, tmp_path: Path
) -> None:
    """Workers started together on a database of the previous release (``systemctl start`` of several
    workers, or one while ``matchmaker db upgrade`` runs): one migrates it, the others wait and find
    nothing left to do; none ends with 'relation already exists'."""
    _database_at(db_settings, "0007_published_location")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(4)]
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", UPGRADE_AT_ONCE, str(flag), str(go)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for flag in ready
    ]
    deadline = time.monotonic() + 120
    while not all(flag.exists() for flag in ready) and time.monotonic() < deadline:
        time.sleep(0.05)
    go.touch()
    outputs = [(p.wait(timeout=120), *p.communicate()) for p in runs]
    for code, _out, err in outputs:
        assert code == 0, err
        assert "error:" not in err
    said = sorted(out.strip() for _code, out, _err in outputs)
    upgraded = [line for line in said if line.startswith("Upgraded the database ")]
    assert len(upgraded) == 1, said
    assert upgraded[0].endswith(f"from revision 0007_published_location to {_head()}.")
    assert sum(line.endswith("the newest; nothing to do.") for line in said) == len(runs) - 1, said
    database = Database(db_settings, migrate_schema=False)
    try:
        assert stored_revisions(database.engine) == {_head()}
    finally:
        database.dispose()


@pytest.mark.parametrize("command", [["db", "upgrade"], ["list", "cities"]])
def test_a_database_that_cannot_be_reached_is_said_so_not_called_a_failed_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """A PostgreSQL server that is down, or a database name mistyped, was reported as "could not upgrade
    the database ... from revision (none) to ...", even by a command that only reads."""
    monkeypatch.setenv("MATCHMAKER_HOME", str(tmp_path))
    monkeypatch.setenv(
        "MATCHMAKER_DATABASE_URL", "postgresql+psycopg://matchmaker:s3cret@127.0.0.1:1/matchmaker"
    )
    err = _refused(monkeypatch, capsys, *command)
    assert err.startswith(
        "error: cannot connect to the database postgresql+psycopg://matchmaker:***@127.0.0.1:1/matchmaker: "
    )
    assert "Connection refused" in err
    assert err.rstrip().endswith(
        "check MATCHMAKER_DATABASE_URL, and that the database server runs and holds that database"
    )
    assert "upgrade" not in err
    assert "s3cret" not in err


def test_a_failed_upgrade_says_which_upgrade_failed_and_why(
    db_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A migration that fails (here a table of the new release is already there, left by hand) ends
    ``matchmaker db upgrade`` and every command or server with one line naming the upgrade and the
    cause; on PostgreSQL the schema is left as it was."""
    _database_at(db_settings, "0007_published_location", "CREATE TABLE session_notice (id INTEGER)")

    err = _refused(monkeypatch, capsys, "db", "upgrade")
    assert err.startswith("error: could not upgrade the database ")
    assert f"from revision 0007_published_location to {_head()}: " in err
    assert "session_notice" in err
    assert "already exists" in err
    assert "run `matchmaker db upgrade` again" in err
    assert "Traceback" not in err
    if db_settings.db_url.startswith("postgresql"):
        assert "its schema is as it was" in err
        database = Database(db_settings, migrate_schema=False)
        try:
            assert stored_revisions(database.engine) == {"0007_published_location"}
            assert "published_venue" not in {c["name"] for c in inspect(database.engine).get_columns("event")}
        finally:
            database.dispose()
