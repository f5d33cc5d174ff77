"""Two ``matchmaker serve`` processes on one PostgreSQL database and one shared bundle directory.

A write through one worker is in the other's matches within 2 s, and a background job started through a
process that runs no job worker is taken and finished by the other one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from matchmaker.settings import Settings
from port_support import reserved_port
from services_support import add_user, ingest

DEMO_DIR = Path(__file__).resolve().parents[3] / "corpora" / "demo"
MODEL = "hashing-64"
# A wait, not a measure: a server loads its encoders before it is ready, which on a busy shared
# machine has taken over two minutes.
STARTUP_TIMEOUT = 300.0
FRESH_WITHIN = 2.0

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@dataclass(frozen=True)
class Worker:
    """One server process."""

    url: str
    log: Path
    token: str

    def call(
        self, method: str, path: str, body: bytes | None = None, **headers: str
    ) -> tuple[int, Any, dict[str, str]]:
        """Status, parsed JSON body and headers of one request."""
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=body,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", **headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null"), dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null"), dict(exc.headers)

    def provider_ids_for(self, city: str) -> set[str]:
        """Every provider suggested for ``city`` (the whole candidate set)."""
        status, body, _ = self.call("GET", f"/api/v1/match/providers?city={city}&top=200")
        assert status == 200, body
        return {r["id"] for r in body["results"]}


@contextmanager
def _serve(
    home: Path, database_url: str, token: str, name: str, *, job_workers: int, port: int
) -> Iterator[Worker]:
    """A server on ``port`` (kept for it by the caller until the server has stopped)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATCHMAKER_")}
    env.update(
        MATCHMAKER_HOME=str(home),
        MATCHMAKER_DATABASE_URL=database_url,
        MATCHMAKER_MODEL_NAME=MODEL,
        MATCHMAKER_RATE_LIMIT_PER_MINUTE="100000",
        MATCHMAKER_JOB_WORKERS=str(job_workers),
        MATCHMAKER_LOG_LEVEL="INFO",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    log = home.parent / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from matchmaker.cli import main; main()", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    worker = Worker(f"http://127.0.0.1:{port}", log, token)
    try:
        _wait_ready(worker, proc)
        yield worker
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def _wait_ready(worker: Worker, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{worker.url} exited:\n{worker.log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(f"{worker.url}/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    pytest.fail(f"{worker.url} was not ready:\n{worker.log.read_text(errors='replace')[-3000:]}")


def _multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = "matchmaker-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def _until(check: Any, within: float) -> float:
    """Poll ``check()`` until it is true; the seconds it took (fails after ``within``)."""
    started = time.monotonic()
    while True:
        if check():
            return time.monotonic() - started
        if time.monotonic() - started > within:
            pytest.fail(f"not true within {within} s")
        time.sleep(0.05)


def _provider(provider_id: str, name: str) -> dict[str, Any]:
    return {
        "id": provider_id,
        "name": name,
        "country": "AL",
        "description": "Flood early warning sensors and street addressing for small municipalities.",
    }


def test_two_workers_share_writes_and_jobs(pg_url: str, home: Path) -> None:
    settings = Settings(home=home, database_url=pg_url, model_name=MODEL)
    report = ingest(settings, [DEMO_DIR])
    assert report.exit_code == 0, report.rejections
    token = add_user(settings, "staff", label="two workers").token

    with ExitStack() as stack:
        # `a` runs no job worker: its jobs can only be finished by `b`.
        ports = [stack.enter_context(reserved_port()) for _ in range(2)]
        a = stack.enter_context(_serve(home, pg_url, token, "worker-a", job_workers=0, port=ports[0]))
        b = stack.enter_context(_serve(home, pg_url, token, "worker-b", job_workers=1, port=ports[1]))
        assert "prov-two-workers" not in b.provider_ids_for("kukes")  # b's engine is warm

        status, body, _ = a.call(
            "POST",
            "/api/v1/providers",
            json.dumps(_provider("prov-two-workers", "Two Workers Ltd")).encode(),
            **{"Content-Type": "application/json"},
        )
        assert status == 201, body
        _until(lambda: "prov-two-workers" in b.provider_ids_for("kukes"), FRESH_WITHIN)

        line = json.dumps(_provider("prov-from-a-job", "Queued Sensors")).encode() + b"\n"
        upload, content_type = _multipart("providers.jsonl", line)
        status, job, headers = a.call(
            "POST", "/api/v1/corpus?wait=false", upload, **{"Content-Type": content_type}
        )
        assert status == 202, job
        location = headers["location"]

        def finished() -> bool:
            _, now, _ = a.call("GET", location)
            return bool(now["state"] in ("done", "failed"))

        _until(finished, 60.0)
        _, done, _ = a.call("GET", location)
        assert done["state"] == "done", done
        assert done["result"]["accepted"] == 1
        ran = f"Running ingest job {job['id']}"
        assert ran in b.log.read_text(errors="replace")
        assert ran not in a.log.read_text(errors="replace")
        _until(lambda: "prov-from-a-job" in a.provider_ids_for("kukes"), FRESH_WITHIN)
