"""Hostile-input probe: requests of each class the hardening work covers, counted by answer class.

Run from the repository root::

    PYTHONPATH=src .venv/bin/python bench/probe_hardening.py [--rounds 20]

It ingests ``corpora/demo`` into a temporary home with the hashing encoder (seconds), starts the app
in-process, and sends, per class, ``--rounds`` requests as anonymous callers, staff, a city focal point
and a provider. It prints a table of the answers per class (2xx/4xx/5xx), then three figures:

* 5xx: answers with a server error (the probe expects none);
* leaks: non-staff answers holding a focal point's e-mail address, phone or name;
* lost writes: records acknowledged with 201 that are missing afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from litestar.testing import TestClient

from matchmaker.embeddings.bundle import current_generation, kind_dir
from matchmaker.services.container import Services
from matchmaker.settings import Settings
from matchmaker.web import create_app

ROOT = Path(__file__).resolve().parents[1]
CITY, PROVIDER = "kukes", "prov-kentiz-ulasim"


def _focal_values() -> dict[str, list[str]]:
    """Per city id, its focal point's name, e-mail address and phone."""
    values: dict[str, list[str]] = {}
    for line in (ROOT / "corpora/demo/cities.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        focal = record.get("focal_point") or {}
        values[record["id"]] = [str(v) for v in focal.values() if v]
    return values


def main() -> None:
    """Run the probe and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="mm-probe-"))
    settings = Settings(home=home, model_name="hashing-64", rate_limit_per_minute=1_000_000)
    services = Services.build(settings)
    services.corpus.ingest_paths([ROOT / "corpora/demo"])
    with services.database.unit_of_work() as session:
        users = services.users(session)
        tokens = {
            "staff": users.add_user("staff").token,
            "city": users.add_user("city", CITY).token,
            "provider": users.add_user("provider", PROVIDER).token,
        }
    services.close()
    focal = _focal_values()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    leaks = 0
    acknowledged: list[str] = []

    def bearer(role: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[role]}"} if role else {}

    with TestClient(create_app(settings), raise_server_exceptions=False) as client:

        def tally(kind: str, role: str | None, response: Any) -> None:
            nonlocal leaks
            counts[kind][f"{response.status_code // 100}xx"] += 1
            # Staff see every focal point; a city's focal point sees its own city's.
            others = [v for cid, vs in focal.items() if not (role == "city" and cid == CITY) for v in vs]
            if role != "staff" and any(v in response.text for v in others):
                leaks += 1

        roles: list[str | None] = [None, "staff", "city", "provider"]
        deep = ("[" * 1000 + "]" * 1000).encode()
        for i in range(args.rounds):
            role = roles[i % len(roles)]
            for path in ("/auth/session", "/api/v1/cities", f"/api/v1/providers/{PROVIDER}"):
                method = "PATCH" if "providers/" in path else "POST"
                r = client.request(
                    method, path, content=deep, headers={**bearer(role), "content-type": "application/json"}
                )
                tally("deep JSON", role, r)
            body = json.dumps({"id": f"plain-{i}", "name": "P", "country": "AL", "summary": "s"})
            r = client.post(
                "/api/v1/cities", content=body, headers={**bearer(role), "content-type": "text/plain"}
            )
            tally("JSON as text/plain", role, r)
        # Cookie-carried writes from another origin.
        with TestClient(client.app, raise_server_exceptions=False) as browser:
            browser.post("/auth/session", json={"token": tokens["staff"]})
            for i in range(args.rounds):
                origin = ("http://sibling.example", "null", "")[i % 3]
                headers = {"Origin": origin} if origin else {}
                r = browser.post(
                    "/api/v1/cities",
                    json={"id": f"csrf-{i}", "name": "C", "country": "AL", "summary": "s"},
                    headers=headers,
                )
                tally("cookie write, foreign origin", "staff", r)
        # NUL characters in stored text.
        for i in range(args.rounds):
            r = client.post(
                "/api/v1/cities",
                json={"id": f"nul-{i}", "name": "N", "country": "AL", "summary": "a\u0000b"},
                headers=bearer("staff"),
            )
            tally("NUL in record text", "staff", r)
        # Reads by every role (leak check).
        paths = [f"/api/v1/cities/{CITY}", "/api/v1/cities", f"/api/v1/match/providers?city={CITY}"]
        for i in range(args.rounds):
            role = roles[1 + i % 3]
            for path in paths:
                tally("reads per role", role, client.get(path, headers=bearer(role)))
        # A damaged case index made live under the running server.
        case_dir = kind_dir(settings.index_dir, "case")
        live = case_dir / str(current_generation(settings.index_dir, "case"))
        newer = case_dir / ("g99999999999999999999-" + live.name.rsplit("-", 1)[1])
        shutil.copytree(live, newer)
        manifest = json.loads((newer / "manifest.json").read_text())
        manifest["generation"] = newer.name
        (newer / "manifest.json").write_text(json.dumps(manifest))
        data = bytearray((newer / "vectors.npy").read_bytes())
        data[-40:-32] = bytes(b ^ 0x5A for b in data[-40:-32])
        (newer / "vectors.npy").write_bytes(bytes(data))
        (case_dir / "CURRENT").write_text(newer.name + "\n")
        for _ in range(args.rounds):
            for path in (f"/api/v1/match/providers?city={CITY}", f"/api/v1/match/cases?city={CITY}"):
                tally("matching, damaged case index", "staff", client.get(path, headers=bearer("staff")))
        ready = client.get("/ready").json()
        # Concurrent acknowledged writes, then check they are all there.

        def create(i: int) -> None:
            r = client.post(
                "/api/v1/cities",
                json={"id": f"conc-{i}", "name": f"Conc {i}", "country": "AL", "summary": "Street lights."},
                headers=bearer("staff"),
            )
            tally("concurrent writes", "staff", r)
            if r.status_code == 201:
                acknowledged.append(f"conc-{i}")

        run: Callable[[int], None] = create
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(run, range(args.rounds)))
        lost = sum(
            1
            for cid in acknowledged
            if client.get(f"/api/v1/cities/{cid}", headers=bearer("staff")).status_code != 200
        )
    print(f"{'class':32} {'tried':>6} {'2xx':>5} {'4xx':>5} {'5xx':>5}")
    total = server_errors = 0
    for kind, c in counts.items():
        tried = sum(c.values())
        total += tried
        server_errors += c["5xx"]
        print(f"{kind:32} {tried:6d} {c['2xx']:5d} {c['4xx']:5d} {c['5xx']:5d}")
    print(f"{'total':32} {total:6d}")
    print(f"5xx: {server_errors}   leaks: {leaks}   lost writes: {lost} of {len(acknowledged)} acknowledged")
    damaged = ready["indexes"]["case"].get("damaged", "not reported")
    print(f"/ready after the damage: case damaged={damaged}, status={ready['status']}")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
