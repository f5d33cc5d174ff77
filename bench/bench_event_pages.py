"""Every page and document of a large event, as staff and a participant use it, at two or three sizes.

Run from the repository root::

    PYTHONPATH=src .venv/bin/python bench/bench_event_pages.py [--sizes 100 250 500] [--rounds 5]
        [--compare 50 100 250] [--agendas 100 250 500] [--publication 100 250 500]
        [--adding 100 250 500] [--writes 100 250 500] [--keep DIR] [--only WORD ...] [--skip WORD ...]
        [--baseline SRC] [--encoding gzip|identity] [--levels 1 5 6 9]

For each size N it writes N cities and N providers (``corpora/tools/synthesize.py`` copies of the
demo, trimmed to N each), ingests them into a temporary home with the hashing encoders (no model is
loaded), and builds an event of all 2N participants: 12 slots of 20 minutes, N / 4 tables, 3N / 5
meeting requests (half of them accepted, a fifth declined), a plan generated with a seeded score per
pair (the matcher's scores would only cost time here) and published, a rating for 2N / 5 meetings
and a calendar feed address for one participant.

Then it asks each staff and participant path through the real app (Litestar's test client, signed in
as staff, or as the participant with a bearer token), once (the first view, in a fresh process) and
then ``--rounds`` times, and prints a table of each path's first view, the median of the later ones,
the SQL statements one request sends, the bytes of its answer and the bytes sent for them, per size
(``--sizes``). Requests say ``Accept-Encoding: gzip``, as browsers do, or ``identity`` with
``--encoding identity``; an answer the server compresses is sent as fewer bytes than it holds. A
path whose statement count grows with N reads the event once per participant or per row. With
``--baseline SRC`` (the ``src`` of another version, ``git archive <commit> src | tar -x -C DIR``,
and ``--keep``) the paths are measured with that code and with this tree's, each in a process of its
own over the same home, side by side, with whether the first views answered the same page.

For the sizes of ``--compare`` it shows the participants page of an event of every other city (the
other cities and the providers are suggested) with its suggestions made as before (each city's
providers and cities asked one city at a time, every answer explained and reading the city's
ratings: the old code, kept here) and as now, requests alternating, and checks that both ways give
the same page.

For the sizes of ``--agendas`` it reads one participant's agenda (JSON, HTML, calendar file, the
console's My agenda) as before (every published meeting and participant of the event loaded: the old
reads, kept here) and as now, and checks that both ways answer the same.

For the sizes of ``--publication`` it composes and queues the messages of a first publication (every
participant with a user who has an address) as before (each participant's addresses read in a query
of its own, every entry of the event looked through for each participant: the old lookups, kept
here) and as now, each round rolled back, and checks that both ways queue the same messages.

For the sizes of ``--adding`` it adds every participant of the event to a new one in one go as before
(each one's row read with a query of its own: the old code, kept here) and as now, each round rolled
back, and checks that both ways add the same participants.

For the sizes of ``--writes`` it makes 50 meeting requests, pair rules and ratings reading the parties'
sides and the rated meeting as before (every participant and published meeting of the event: the
old reads, kept here) and as now, each round rolled back, and checks that both ways do the same.

For the sizes of ``--sizes`` and the gzip levels of ``--levels`` it reads the largest answers (the
console's schedule and participants tabs, the API's plan and statistics) once each, then compresses
each at every level, the levels in turn in each of ``--rounds`` rounds, and asks the schedule tab with
the server set to each level, in turn too: the bytes, the median milliseconds of compressing, and the
median of the whole request at each level and without compression.

``--keep DIR`` keeps each size's home in ``DIR`` and reuses it later (building the home of N=500
takes a few minutes on 2 cores). ``--sizes``, ``--compare``, ``--agendas``, ``--publication``,
``--adding`` or ``--writes`` with no number leaves that part out.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from matchmaker.threads import pin_blas_threads
from support import ROOT, run_in_tree

pin_blas_threads(1)


if TYPE_CHECKING:
    from litestar.testing import TestClient
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from matchmaker.db.events import Event, PublishedMeeting
    from matchmaker.scheduling.exports import CalendarEntry
    from matchmaker.services.container import Services
    from matchmaker.services.events.schemas import ParticipantIn, ParticipantPublic
    from matchmaker.services.matching import MatchingService
    from matchmaker.settings import Settings
    from matchmaker.web.console.events import Candidate

EVENT = "summit"
FORUM = "forum"  # an event of every other city, for the participants page's suggestions
ENCODER = "hashing-384"
SLOTS = 12
DAY = datetime(2038, 5, 4, 9, 0)  # noqa: DTZ001 - a wall time in the event's zone
AFTER = datetime(2038, 5, 6, tzinfo=UTC)  # when the ratings are given


def _write_corpus(n: int, target: Path) -> None:
    """``n`` cities and ``n`` providers (and the case studies of those cities) under ``target``."""
    from bench_schedule_scoring import _write_corpus as write

    write(n, target)


def settings_for(home: Path) -> Settings:
    """The hashing encoders and no rate limit in the way."""
    from matchmaker.settings import Settings

    return Settings(
        home=home, model_name=ENCODER, multilingual_model=ENCODER, rate_limit_per_minute=10_000_000
    )


def seeded_score(a: str, b: str) -> float:
    """A score in [0, 1) that depends on the pair alone."""
    low, high = sorted((a, b))
    digest = hashlib.blake2b(f"{low}|{high}".encode(), digest_size=4).digest()
    return int.from_bytes(digest) / 2**32


def build_event(services: Services, n: int) -> dict[str, str]:
    """The event of every stored city and provider (see the module docstring); the ids of a city
    and a provider that have meetings."""
    from matchmaker.services.events.schemas import FeedbackIn

    cities, providers = event_without_plan(services, n)
    t0 = time.perf_counter()
    report = services.planner.generate(EVENT, score=seeded_score, time_limit=30)
    print(f"N={n}: generated {report.meetings} meetings in {time.perf_counter() - t0:.1f} s", flush=True)
    services.planner.publish(EVENT)
    with services.database.unit_of_work() as session:
        events = services.events(session)
        plan = services.planner.planned(EVENT)
        for meeting in plan[: 2 * n // 5]:
            events.feedback.record(
                EVENT,
                FeedbackIn(rater=meeting.a, other=meeting.b, rating="informative", comment="Useful"),
                now=AFTER,
            )
        city = next(m.a for m in plan if m.a in set(cities))
        provider = next(m.b for m in plan if m.b in set(providers))
        feed = events.feeds.issue(EVENT, city, issued_by=None)
    return {"city": city, "provider": provider, "feed": feed.token}


def event_without_plan(services: Services, n: int) -> tuple[list[str], list[str]]:
    """The event of every stored city and provider with its slots, tables, availability and requests
    (see the module docstring), not planned yet; the ids of its cities and of its providers."""
    from sqlmodel import select

    from matchmaker.db.models import City, Provider
    from matchmaker.services.events.schemas import EventCreate, ParticipantIn, RequestCreate, SlotIn

    with services.database.unit_of_work() as session:
        cities = sorted(session.exec(select(City.id)))
        providers = sorted(session.exec(select(Provider.id)))
    slots = [
        SlotIn(
            id=f"s{i + 1}", start=DAY + timedelta(minutes=20 * i), end=DAY + timedelta(minutes=20 * i + 20)
        )
        for i in range(SLOTS)
    ]
    people = [*cities, *providers]
    with services.database.unit_of_work() as session:
        events = services.events(session)
        events.catalog.create(
            EventCreate(
                id=EVENT,
                name="National matchmaking summit",
                venue="Congress centre",
                timezone="Europe/Tirane",
                slots=slots,
                tables=max(4, len(people) // 8),
            )
        )
        events.catalog.add_participants(
            EVENT,
            [
                ParticipantIn(
                    id=p, available=[s.id for s in slots if (k + int(s.id[1:])) % 4], max_meetings=6
                )  # type: ignore[misc]
                for k, p in enumerate(people)
            ],
        )
    requests = []
    for k in range(3 * n // 5):
        sender = cities[k % len(cities)]
        recipient = providers[(7 * k + 3) % len(providers)]
        requests.append((sender, recipient))
    with services.database.unit_of_work() as session:
        events = services.events(session)
        for k, (sender, recipient) in enumerate(dict.fromkeys(requests)):
            made = events.requests.create(
                EVENT, RequestCreate(sender=sender, recipient=recipient, message="Let us talk")
            )
            if k % 2 == 0:
                events.requests.answer(EVENT, made.id, "accepted")
            elif k % 5 == 1:
                events.requests.answer(EVENT, made.id, "declined", decline_reason="Not this time")
    return cities, providers


def home_for(n: int, keep: Path | None) -> tuple[Path, dict[str, str], Callable[[], None]]:
    """A home holding the event of ``n`` cities and ``n`` providers; its participants' ids; and what
    removes it afterwards."""
    from matchmaker.services.container import Services

    work = Path(tempfile.mkdtemp(prefix="bench-event-pages-"))
    home = (keep / f"event-{n}") if keep is not None else work / "home"
    ids_file = home / "bench-ids.json"
    if ids_file.exists():
        shutil.rmtree(work)
        return home, json.loads(ids_file.read_text(encoding="utf-8")), lambda: None
    shutil.rmtree(home, ignore_errors=True)
    _write_corpus(n, work / "corpus")
    t0 = time.perf_counter()
    services = Services.build(settings_for(home))
    try:
        services.corpus.ingest_paths([work / "corpus"])
        print(f"N={n}: ingest {time.perf_counter() - t0:.0f} s", flush=True)
        ids = build_event(services, n)
    finally:
        services.close()
    ids_file.write_text(json.dumps(ids), encoding="utf-8")
    if keep is not None:
        shutil.rmtree(work)
        return home, ids, lambda: None
    return home, ids, lambda: shutil.rmtree(work, ignore_errors=True)


class Statements:
    """Counts the SQL statements an engine sends while :meth:`counting`."""

    def __init__(self, engine: Engine) -> None:
        from sqlalchemy import event

        self.count = 0
        self.on = False
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        if self.on:
            self.count += 1

    @contextmanager
    def counting(self) -> Iterator[None]:
        self.count, self.on = 0, True
        try:
            yield
        finally:
            self.on = False


def paths(ids: dict[str, str]) -> list[tuple[str, str, str]]:
    """(name, who asks, address) of every path timed."""
    e, city, prov = EVENT, ids["city"], ids["provider"]
    return [
        ("console: events list", "staff", "/events"),
        ("console: event overview (participants tab)", "staff", f"/events/{e}"),
        ("console: event settings", "staff", f"/events/{e}/edit"),
        ("console: requests tab", "staff", f"/events/{e}/requests"),
        ("console: schedule tab", "staff", f"/events/{e}/schedule"),
        ("console: a meeting's move form", "staff", f"/events/{e}/schedule/move?a={city}&b={ids['met']}"),
        ("console: feedback and statistics", "staff", f"/events/{e}/feedback"),
        ("console: organisers' CSV", "staff", f"/events/{e}/export.csv"),
        ("console: organisers' XLSX", "staff", f"/events/{e}/export.xlsx"),
        ("console: a participant's agenda (HTML)", "staff", f"/events/{e}/agenda/{city}"),
        ("console: a participant's agenda (PDF)", "staff", f"/events/{e}/agenda/{city}/pdf"),
        ("console: a participant's calendar (ICS)", "staff", f"/events/{e}/calendar/{city}"),
        ("console: booklet (PDF)", "staff", f"/events/{e}/booklet.pdf"),
        ("console: table cards (PDF)", "staff", f"/events/{e}/table-cards.pdf"),
        ("api: events", "staff", "/api/v1/events"),
        ("api: event summary", "staff", f"/api/v1/events/{e}"),
        ("api: participants", "staff", f"/api/v1/events/{e}/participants"),
        ("api: requests", "staff", f"/api/v1/events/{e}/requests"),
        ("api: plan", "staff", f"/api/v1/events/{e}/schedule"),
        ("api: withdrawn meetings", "staff", f"/api/v1/events/{e}/schedule/withdrawn"),
        ("api: pair rules", "staff", f"/api/v1/events/{e}/pair-rules"),
        ("api: ratings", "staff", f"/api/v1/events/{e}/feedback"),
        ("api: feedback signal", "staff", "/api/v1/events/feedback-signal"),
        ("api: statistics", "staff", f"/api/v1/events/{e}/statistics"),
        ("api: CSV", "staff", f"/api/v1/events/{e}/export/csv"),
        ("api: XLSX", "staff", f"/api/v1/events/{e}/export/xlsx"),
        ("api: booklet (PDF)", "staff", f"/api/v1/events/{e}/documents/booklet.pdf"),
        ("api: table cards (PDF)", "staff", f"/api/v1/events/{e}/documents/table-cards.pdf"),
        ("api: agenda (JSON)", "staff", f"/api/v1/events/{e}/agenda/{city}"),
        ("api: agenda (JSON), the city itself", "city", f"/api/v1/events/{e}/agenda/{city}"),
        ("api: agenda (HTML), the city itself", "city", f"/api/v1/events/{e}/agenda/{city}/html"),
        ("api: agenda (PDF), the city itself", "city", f"/api/v1/events/{e}/agenda/{city}/pdf"),
        ("api: agenda (ICS), the city itself", "city", f"/api/v1/events/{e}/agenda/{city}/ics"),
        ("api: event summary, the city itself", "city", f"/api/v1/events/{e}"),
        ("api: its requests, the city itself", "city", f"/api/v1/events/{e}/requests"),
        ("api: contacts, the city itself", "city", f"/api/v1/events/{e}/contacts?participant={city}"),
        ("api: contacts, the provider itself", "provider", f"/api/v1/events/{e}/contacts?participant={prov}"),
        ("api: its ratings, the provider itself", "provider", f"/api/v1/events/{e}/feedback"),
        ("calendar feed (subscribed)", "anyone", f"/feeds/{ids['feed']}.ics"),
        ("console: my requests, the city", "city-console", "/me/requests"),
        ("console: my agenda, the city", "city-console", "/me/agenda"),
        ("console: my agenda (HTML), the city", "city-console", f"/me/agenda/{e}/agenda"),
        ("console: my agenda (PDF), the city", "city-console", f"/me/agenda/{e}/pdf"),
        ("console: my agenda (ICS), the city", "city-console", f"/me/agenda/{e}/calendar"),
        ("console: my availability, the city", "city-console", "/me/availability"),
    ]


#: One path's figures: median seconds of the later views, statements of one request, status, seconds
#: of the first view, a digest of the page the first view answered, the bytes of its answer, and the
#: bytes sent for them (compressed when the server compresses it: what a browser downloads).
Figures = tuple[float, int, int, float, str, int, int]


def measure(
    n: int, rounds: int, keep: Path | None, only: list[str], skip: list[str], *, encoding: str = "gzip"
) -> dict[str, Figures]:
    """Each path's :data:`Figures` over the event of size ``n``. The first view of each path is the
    first request of it in a fresh process (what a server's first visitor waits for, the stored
    matrices prepared for this code first, as an ingest does); the later views are the median of
    ``rounds`` requests after it. Every request says ``Accept-Encoding: encoding``."""
    from litestar.testing import TestClient

    from matchmaker.services.container import Services
    from matchmaker.web import create_app

    home, ids, remove = home_for(n, keep)
    services = Services.build(settings_for(home))
    figures: dict[str, Figures] = {}
    try:
        # Stored relevance rows are keyed by the matching code: another tree's are not read.
        services.matching.prepare()
        # whom the city meets first, for its meeting's move form
        meeting = next(m for m in services.planner.planned(EVENT) if ids["city"] in {m.a, m.b})
        ids = {**ids, "met": meeting.b if meeting.a == ids["city"] else meeting.a}
        with services.database.unit_of_work() as session:
            users = services.users(session)
            tokens = {
                "staff": users.add_user("staff").token,
                "city": users.add_user("city", ids["city"]).token,
                "provider": users.add_user("provider", ids["provider"]).token,
            }
        statements = Statements(services.database.engine)
        app = create_app(services=services)
        clients: dict[str, TestClient[Any]] = {}
        with (
            TestClient(app, base_url="http://127.0.0.1:8000") as staff,
            TestClient(app, base_url="http://127.0.0.1:8000") as city,
            TestClient(app, base_url="http://127.0.0.1:8000") as anyone,
        ):
            for client, role in ((staff, "staff"), (city, "city")):
                answer = client.post("/signin", data={"token": tokens[role]}, follow_redirects=False)
                assert answer.status_code == 303, answer.text
            clients = {"staff": staff, "city-console": city, "anyone": anyone}
            for name, who, address in paths(ids):
                if (only and not any(word in name for word in only)) or any(word in name for word in skip):
                    continue
                client = clients.get(who, anyone)
                headers = {} if who in clients else {"Authorization": f"Bearer {tokens[who]}"}
                if who == "staff" and address.startswith("/api/"):
                    headers = {"Authorization": f"Bearer {tokens['staff']}"}
                    client = anyone
                headers["Accept-Encoding"] = encoding
                t0 = time.perf_counter()
                response = client.get(address, headers=headers)  # the first view: templates, caches
                first = time.perf_counter() - t0
                digest = hashlib.blake2b(response.content, digest_size=8).hexdigest()
                with statements.counting():
                    response = client.get(address, headers=headers)
                count = statements.count
                times = []
                for _ in range(rounds):
                    t0 = time.perf_counter()
                    client.get(address, headers=headers)
                    times.append(time.perf_counter() - t0)
                size, sent = len(response.content), response.num_bytes_downloaded
                figures[name] = (
                    statistics.median(times),
                    count,
                    response.status_code,
                    first,
                    digest,
                    size,
                    sent,
                )
                print(
                    f"N={n} {name}: first {first * 1000:.0f} ms, then {figures[name][0] * 1000:.0f} ms, "
                    f"{count} statements, {size:,} bytes ({sent:,} sent), {response.status_code}",
                    flush=True,
                )
    finally:
        services.close()
        remove()
    return figures


def measure_trees(
    n: int,
    rounds: int,
    keep: Path,
    only: list[str],
    skip: list[str],
    *,
    trees: dict[str, Path],
    encoding: str = "gzip",
) -> dict[str, dict[str, Figures]]:
    """:func:`measure` for each source tree of ``trees`` in a process of its own, in turn, over the
    same kept home; each tree's figures by path."""
    out: dict[str, dict[str, Figures]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-event-pages-") as tmp:
        for label, src in trees.items():
            arguments = [
                str(n),
                "--rounds",
                str(rounds),
                "--keep",
                str(keep),
                "--only",
                *only,
                "--skip",
                *skip,
                "--encoding",
                encoding,
            ]
            figures = run_in_tree(src, __file__, arguments, Path(tmp) / f"{label}.json")
            out[label] = {name: tuple(values) for name, values in figures.items()}  # type: ignore[misc]
    return out


#: The largest answers, whose compression ``--levels`` measures.
LARGEST = (
    "console: schedule tab",
    "console: event overview (participants tab)",
    "api: plan",
    "api: statistics",
)


def compare_levels(n: int, levels: list[int], rounds: int, keep: Path | None) -> list[dict[str, Any]]:
    """The largest answers (:data:`LARGEST`) of the event of size ``n``, each compressed at every gzip
    level of ``levels`` (the levels in turn, ``rounds`` times): its bytes, compressed bytes and median
    milliseconds at each level; then the schedule tab asked with the server set to each level and
    without compression, in turn, ``rounds`` times: the median milliseconds of the whole request."""
    import gzip

    from litestar.testing import TestClient

    from matchmaker.services.container import Services
    from matchmaker.web import compression, create_app

    home, ids, remove = home_for(n, keep)
    services = Services.build(settings_for(home))
    rows: list[dict[str, Any]] = []
    chosen = compression.GZIP_LEVEL
    try:
        services.matching.prepare()
        meeting = next(m for m in services.planner.planned(EVENT) if ids["city"] in {m.a, m.b})
        ids = {**ids, "met": meeting.b if meeting.a == ids["city"] else meeting.a}
        with services.database.unit_of_work() as session:
            token = services.users(session).add_user("staff").token
        bearer = {"Authorization": f"Bearer {token}"}
        addresses = {name: address for name, _, address in paths(ids) if name in LARGEST}
        with TestClient(create_app(services=services), base_url="http://127.0.0.1:8000") as client:
            answer = client.post("/signin", data={"token": token}, follow_redirects=False)
            assert answer.status_code == 303, answer.text
            bodies: dict[str, bytes] = {}
            for name in LARGEST:
                address = addresses[name]
                headers = {"Accept-Encoding": "identity", **(bearer if address.startswith("/api/") else {})}
                response = client.get(address, headers=headers)
                assert response.status_code == 200, (name, response.status_code)
                bodies[name] = response.content
            for name, body in bodies.items():
                times: dict[int, list[float]] = {level: [] for level in levels}
                sizes: dict[int, int] = {}
                for r in range(rounds):
                    for level in levels[r % len(levels) :] + levels[: r % len(levels)]:
                        t0 = time.perf_counter()
                        packed = gzip.compress(body, compresslevel=level, mtime=0)
                        times[level].append(time.perf_counter() - t0)
                        sizes[level] = len(packed)
                for level in levels:
                    rows.append(
                        {
                            "n": n,
                            "path": name,
                            "level": level,
                            "bytes": len(body),
                            "sent": sizes[level],
                            "compress_ms": statistics.median(times[level]) * 1000,
                        }
                    )
                    print(
                        f"N={n} {name} level {level}: {len(body):,} -> {sizes[level]:,} bytes, "
                        f"{statistics.median(times[level]) * 1000:.1f} ms",
                        flush=True,
                    )
            # The whole request of the schedule tab with the server at each level, and not compressed.
            address = addresses[LARGEST[0]]
            ways: list[int | None] = [*levels, None]
            requests: dict[int | None, list[float]] = {way: [] for way in ways}
            for r in range(rounds):
                for way in ways[r % len(ways) :] + ways[: r % len(ways)]:
                    compression.GZIP_LEVEL = way or chosen
                    t0 = time.perf_counter()
                    response = client.get(
                        address, headers={"Accept-Encoding": "identity" if way is None else "gzip"}
                    )
                    requests[way].append(time.perf_counter() - t0)
                    assert response.content == bodies[LARGEST[0]]
            for row in rows:
                if row["path"] == LARGEST[0]:
                    row["request_ms"] = statistics.median(requests[row["level"]]) * 1000
                    row["identity_ms"] = statistics.median(requests[None]) * 1000
    finally:
        compression.GZIP_LEVEL = chosen
        services.close()
        remove()
    return rows


def _suggest_one_city_at_a_time(
    matching: MatchingService, city_ids: list[str], present: set[str], names: dict[str, str]
) -> tuple[list[Candidate], list[Candidate], str]:
    """The participants page's suggestions as they were made before: each city's providers and
    cities asked one city at a time, each answer with its explanations and its own read of the
    city's ratings."""
    from matchmaker.errors import MatchmakerError
    from matchmaker.web.console.events import SUGGESTIONS_PER_CITY, Candidate

    providers: dict[str, Candidate] = {}
    cities: dict[str, Candidate] = {}
    try:
        matcher = matching.matcher()
        for city in city_ids:
            city_name = names.get(city, city)
            for r in matcher.providers_for_city(city, top=SUGGESTIONS_PER_CITY).results:
                if r.id in present:
                    continue
                c = providers.setdefault(r.id, Candidate(r.id, names.get(r.id, r.id), "provider"))
                c.score = max(c.score, float(r.score))
                c.reasons.append(f"{city_name} ({round(float(r.score) * 100)}%)")
            for r in matcher.cities_for_city(city, top=SUGGESTIONS_PER_CITY // 2).results:
                if r.id in present:
                    continue
                c = cities.setdefault(r.id, Candidate(r.id, names.get(r.id, r.id), "city"))
                c.score = max(c.score, float(r.score))
                relation = (r.explanation or {}).get("relation") or "comparable"
                c.reasons.append(f"{relation} to {city_name}")
    except MatchmakerError as exc:
        return [], [], exc.message

    def order(items: dict[str, Candidate]) -> list[Candidate]:
        return sorted(items.values(), key=lambda c: (-c.score, c.name))

    return order(providers), order(cities), ""


def compare_participants_page(n: int, rounds: int, keep: Path | None) -> dict[str, Any]:
    """The participants page of an event of every other city of the home of size ``n`` (the others
    and the providers are then suggested) with its suggestions made as before and as now, requests
    alternating; each way's median seconds and statements, and whether the pages differ."""
    from litestar.testing import TestClient

    import matchmaker.web.console.events as console_events
    from matchmaker.errors import NotFoundError
    from matchmaker.services.container import Services
    from matchmaker.services.events.schemas import EventCreate, ParticipantIn, SlotIn
    from matchmaker.web import create_app

    home, _, remove = home_for(n, keep)
    services = Services.build(settings_for(home))
    now = console_events._suggest
    ways = {"before": _suggest_one_city_at_a_time, "after": now}
    times: dict[str, list[float]] = {name: [] for name in ways}
    counts: dict[str, int] = {}
    pages: dict[str, str] = {}
    try:
        with services.database.unit_of_work() as session:
            token = services.users(session).add_user("staff").token
            catalog = services.events(session).catalog
            try:
                catalog.get(FORUM)
            except NotFoundError:
                cities = [p.id for p in catalog.participants(EVENT) if p.side == "city"]
                slot = SlotIn(start=DAY, end=DAY + timedelta(minutes=20))
                catalog.create(EventCreate(id=FORUM, name="Regional forum", slots=[slot], tables=4))
                catalog.add_participants(FORUM, [ParticipantIn(id=c) for c in cities[::2]])
        statements = Statements(services.database.engine)
        with TestClient(create_app(services=services), base_url="http://127.0.0.1:8000") as client:
            client.post("/signin", data={"token": token}, follow_redirects=False)
            address = f"/events/{FORUM}"
            client.get(address)  # the matcher is built by the first page that asks
            for r in range(rounds):
                for name in sorted(ways, reverse=r % 2 == 1):
                    console_events._suggest = ways[name]  # type: ignore[assignment]
                    try:
                        with statements.counting():
                            t0 = time.perf_counter()
                            page = client.get(address)
                            times[name].append(time.perf_counter() - t0)
                    finally:
                        console_events._suggest = now
                    counts[name] = statements.count
                    pages[name] = page.text
                said = ", ".join(f"{name} {times[name][-1]:.2f} s" for name in ways)
                print(f"N={n} participants page round {r + 1}: {said}", flush=True)
    finally:
        services.close()
        remove()
    before, after = statistics.median(times["before"]), statistics.median(times["after"])
    return {
        "n": n,
        "before": before,
        "after": after,
        "ratio": before / after,
        "before_sql": counts["before"],
        "after_sql": counts["after"],
        "differ": pages["before"] != pages["after"],
    }


def _old_published_places(session: Session, ev: Event) -> tuple[dict[int, str], str | None]:
    """The published table names and venue as they were read before: every confirmed meeting of the
    event loaded, for one participant's agenda too."""
    from matchmaker.services.events import store

    labels = store.table_labels(session, ev.id)
    rows = store.published(session, ev.id, confirmed=True)
    kept = [(r.table_number, r.table_name) for r in rows if r.table_name is not None]
    if kept:
        return store._with_published_names(labels, kept), ev.published_venue
    located = [(r.table_number, r.location) for r in rows if r.location]
    return store._places_from_locations(labels, ev.venue, located)


def _old_published_of(
    session: Session, event_id: str, participant_id: str, *, confirmed: bool = False
) -> list[PublishedMeeting]:
    """One participant's published meetings as they were read before: the event's, then filtered."""
    from matchmaker.services.events import store

    return [
        r for r in store.published(session, event_id, confirmed=confirmed) if participant_id in (r.a, r.b)
    ]


def _old_sides(session: Session, event_id: str, _ids: Collection[str] | None = None) -> dict[str, str]:
    """Every participant's side, as one agenda read them before."""
    from matchmaker.services.events import store

    return {p.participant_id: p.side for p in store.participants(session, event_id)}


AGENDA_PATHS = [
    ("api: agenda (JSON), the city itself", "/api/v1/events/{e}/agenda/{city}"),
    ("api: agenda (HTML), the city itself", "/api/v1/events/{e}/agenda/{city}/html"),
    ("api: agenda (ICS), the city itself", "/api/v1/events/{e}/agenda/{city}/ics"),
    ("console: my agenda, the city", "/me/agenda"),
]


def compare_agendas(n: int, rounds: int, keep: Path | None) -> list[dict[str, Any]]:
    """One participant's agenda in the event of size ``n``, read as before (every published meeting
    and participant of the event loaded) and as now, requests alternating; per path each way's
    median seconds, and whether the answers differ."""
    from litestar.testing import TestClient

    from matchmaker.services.container import Services
    from matchmaker.services.events import store
    from matchmaker.web import create_app

    home, ids, remove = home_for(n, keep)
    services = Services.build(settings_for(home))
    old = {"published_places": _old_published_places, "published_of": _old_published_of, "sides": _old_sides}
    now = {name: getattr(store, name) for name in old}
    rows: list[dict[str, Any]] = []
    try:
        with services.database.unit_of_work() as session:
            token = services.users(session).add_user("city", ids["city"]).token
        with TestClient(create_app(services=services), base_url="http://127.0.0.1:8000") as client:
            client.post("/signin", data={"token": token}, follow_redirects=False)
            for name, address in AGENDA_PATHS:
                address = address.format(e=EVENT, city=ids["city"])
                headers = {"Authorization": f"Bearer {token}"} if address.startswith("/api/") else {}
                client.get(address, headers=headers)
                times: dict[str, list[float]] = {"before": [], "after": []}
                bodies: dict[str, bytes] = {}
                for r in range(rounds):
                    for way in sorted(times, reverse=r % 2 == 1):
                        for attr, function in (old if way == "before" else now).items():
                            setattr(store, attr, function)
                        try:
                            t0 = time.perf_counter()
                            answer = client.get(address, headers=headers)
                            times[way].append(time.perf_counter() - t0)
                        finally:
                            for attr, function in now.items():
                                setattr(store, attr, function)
                        bodies[way] = answer.content
                before, after = statistics.median(times["before"]), statistics.median(times["after"])
                rows.append(
                    {
                        "n": n,
                        "path": name,
                        "before": before,
                        "after": after,
                        "ratio": before / after,
                        "differ": bodies["before"] != bodies["after"],
                    }
                )
                print(f"N={n} {name}: before {before * 1000:.0f} ms, after {after * 1000:.0f} ms", flush=True)
    finally:
        services.close()
        remove()
    return rows


class _EntriesOneAtATime:
    """A participant's calendar entries as the notifications found them before: every entry of the
    event looked through again for each participant."""

    def __init__(self, entries: Iterable[CalendarEntry]) -> None:
        self.entries = list(entries)

    def get(self, pid: str, default: list[CalendarEntry]) -> list[CalendarEntry]:
        mine = [e for e in self.entries if pid in (e.a, e.b)]
        return mine or default


class _AddressesOneAtATime:
    """A participant's addresses as the notifications read them before: one query per participant."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, pid: str, default: list[str]) -> list[str]:
        from sqlmodel import col, select

        from matchmaker.db.models import ApiUser

        rows = self.session.exec(
            select(ApiUser.email).where(
                col(ApiUser.subject_id) == pid,
                col(ApiUser.revoked).is_(False),
                col(ApiUser.email).is_not(None),
            )
        )
        unique = {e.casefold(): e for e in sorted((e for e in rows if e), reverse=True)}
        return sorted(unique.values()) or default


def compare_publication(n: int, rounds: int, keep: Path | None) -> dict[str, Any]:
    """The messages of a first publication of the event of size ``n`` (every participant with a user
    who has an address) composed and queued as before (each participant's entries and addresses
    looked up one participant at a time) and as now, each round rolled back; each way's median
    seconds and statements, and whether the messages differ."""
    from sqlmodel import col, func, select

    from matchmaker.db.accounts import OutboxMessage
    from matchmaker.db.models import ApiUser
    from matchmaker.services.container import Services
    from matchmaker.services.events import store
    from matchmaker.services.mail import notify

    home, _, remove = home_for(n, keep)
    services = Services.build(settings_for(home))
    times: dict[str, list[float]] = {"before": [], "after": []}
    counts: dict[str, int] = {}
    queued: dict[str, list[tuple[str, str, str]]] = {}
    try:
        with services.database.unit_of_work() as session:
            people = [p.participant_id for p in store.participants(session, EVENT)]
            with_address = session.exec(select(func.count()).where(col(ApiUser.email).is_not(None))).one()
            if with_address < len(people):
                accounts = services.accounts(session)
                sides = store.sides(session, EVENT)
                for pid in people:
                    accounts.invite(sides[pid], f"{pid}@example.org", pid)
        statements = Statements(services.database.engine)
        by_participant = notify._by_participant
        for r in range(rounds):
            for way in sorted(times, reverse=r % 2 == 1):
                with services.database.unit_of_work() as session:
                    last = session.exec(select(func.max(OutboxMessage.id))).one() or 0
                    notifier = services.notifier(session)
                    entries = [store.calendar_entry(row) for row in store.published(session, EVENT)]
                    if way == "before":
                        notifier.addresses_of = lambda _ids, s=session: _AddressesOneAtATime(s)  # type: ignore[method-assign,assignment,misc]
                        notify._by_participant = _EntriesOneAtATime  # type: ignore[assignment]
                    try:
                        with statements.counting():
                            t0 = time.perf_counter()
                            told = notifier.published(EVENT, entries, [], first=True)
                            times[way].append(time.perf_counter() - t0)
                    finally:
                        notify._by_participant = by_participant
                    counts[way] = statements.count
                    session.flush()
                    rows = session.exec(
                        select(
                            OutboxMessage.to_address, OutboxMessage.subject, OutboxMessage.body_text
                        ).where(col(OutboxMessage.kind) == "schedule_published", col(OutboxMessage.id) > last)
                    )
                    queued[way] = sorted(rows)
                    assert told.messages == len(queued[way])
                    session.rollback()
            said = ", ".join(f"{way} {times[way][-1]:.2f} s" for way in times)
            print(f"N={n} first publication's messages round {r + 1}: {said}", flush=True)
    finally:
        services.close()
        remove()
    before, after = statistics.median(times["before"]), statistics.median(times["after"])
    return {
        "n": n,
        "messages": len(queued["after"]),
        "before": before,
        "after": after,
        "ratio": before / after,
        "before_sql": counts["before"],
        "after_sql": counts["after"],
        "differ": queued["before"] != queued["after"],
    }


def _add_one_at_a_time(
    session: Session, event_id: str, items: list[ParticipantIn]
) -> list[ParticipantPublic]:
    """``EventCatalog.add_participants`` as it was: each participant's row read with a query of its
    own (which flushes the one added before it). Ids and slots are known to be valid here."""
    from sqlmodel import col, select

    from matchmaker.db.events import EventParticipant
    from matchmaker.db.models import City
    from matchmaker.services.events import store

    ids = [p.id for p in items]
    cities = set(session.exec(select(City.id).where(col(City.id).in_(ids))))
    for p in items:
        row = session.get(EventParticipant, (event_id, p.id)) or EventParticipant(
            event_id=event_id, participant_id=p.id, side="city" if p.id in cities else "provider"
        )
        row.available = None if p.available is None else json.dumps(sorted(set(p.available)))
        row.max_meetings = p.max_meetings
        session.add(row)
    session.flush()
    known = store.names(session, ids)
    wanted = set(ids)
    return [
        store.participant_public(row, known)
        for row in store.participants(session, event_id)
        if row.participant_id in wanted
    ]


def compare_adding(n: int, rounds: int, keep: Path | None) -> dict[str, Any]:
    """All 2N participants of the home of size ``n`` added to a new event in one go, their rows read
    as before (one query per participant) and as now, each round rolled back; each way's median
    seconds and statements, and whether the participants added differ."""
    from matchmaker.services.container import Services
    from matchmaker.services.events import store
    from matchmaker.services.events.schemas import EventCreate, ParticipantIn, SlotIn

    home, _, remove = home_for(n, keep)
    services = Services.build(settings_for(home))
    times: dict[str, list[float]] = {"before": [], "after": []}
    counts: dict[str, int] = {}
    added: dict[str, list[Any]] = {}
    try:
        with services.database.unit_of_work() as session:
            people = [p.participant_id for p in store.participants(session, EVENT)]
        items = [ParticipantIn(id=pid) for pid in people]
        statements = Statements(services.database.engine)
        for r in range(rounds):
            for way in sorted(times, reverse=r % 2 == 1):
                with services.database.unit_of_work() as session:
                    catalog = services.events(session).catalog
                    slot = SlotIn(start=DAY, end=DAY + timedelta(minutes=20))
                    catalog.create(EventCreate(id="added", name="Added", slots=[slot], tables=4))
                    session.flush()
                    with statements.counting():
                        t0 = time.perf_counter()
                        if way == "before":
                            result = _add_one_at_a_time(session, "added", items)
                        else:
                            result = catalog.add_participants("added", items)
                        times[way].append(time.perf_counter() - t0)
                    counts[way] = statements.count
                    added[way] = [p.model_dump() for p in result]
                    session.rollback()
            said = ", ".join(f"{way} {times[way][-1]:.2f} s" for way in times)
            print(f"N={n} adding every participant round {r + 1}: {said}", flush=True)
    finally:
        services.close()
        remove()
    before, after = statistics.median(times["before"]), statistics.median(times["after"])
    return {
        "n": n,
        "before": before,
        "after": after,
        "ratio": before / after,
        "before_sql": counts["before"],
        "after_sql": counts["after"],
        "differ": added["before"] != added["after"],
    }


def compare_writes(n: int, rounds: int, keep: Path | None, count: int = 50) -> dict[str, Any]:
    """``count`` meeting requests, pair rules and ratings in the event of size ``n``, each one reading
    the parties' sides and the rated meeting as before (every participant and published meeting of the
    event) and as now, each round rolled back; each way's median seconds, and whether they differ."""
    from sqlalchemy import delete
    from sqlmodel import col

    from matchmaker.db.events import MeetingRequestRow
    from matchmaker.services.container import Services
    from matchmaker.services.events import store
    from matchmaker.services.events.schemas import FeedbackIn, RequestCreate

    home, _, remove = home_for(n, keep)
    services = Services.build(settings_for(home))
    old = {"sides": _old_sides, "published_of": _old_published_of}
    now = {name: getattr(store, name) for name in old}
    times: dict[str, list[float]] = {"before": [], "after": []}
    done: dict[str, list[Any]] = {}
    try:
        with services.database.unit_of_work() as session:
            people = store.participants(session, EVENT)
            cities = [p.participant_id for p in people if p.side == "city"]
            providers = [p.participant_id for p in people if p.side == "provider"]
            met = [(m.b, m.a) for m in store.published(session, EVENT, confirmed=True)][:count]
            asked = {
                frozenset((q.sender, q.recipient)) for q in services.events(session).requests.list(EVENT)
            }
        pairs = (
            (cities[k % len(cities)], providers[(7 * k + 4) % len(providers)]) for k in range(10 * count)
        )
        asks = [pair for pair in dict.fromkeys(pairs) if frozenset(pair) not in asked][:count]
        for r in range(rounds):
            for way in sorted(times, reverse=r % 2 == 1):
                with services.database.unit_of_work() as session:
                    events = services.events(session)
                    for attr, function in (old if way == "before" else now).items():
                        setattr(store, attr, function)
                    try:
                        t0 = time.perf_counter()
                        made = [
                            events.requests.create(EVENT, RequestCreate(sender=a, recipient=b))
                            for a, b in asks
                        ]
                        rules = [events.pair_rules.set(EVENT, a, b, "blocked") for a, b in asks]
                        rated = [
                            events.feedback.record(
                                EVENT, FeedbackIn(rater=a, other=b, rating="informative"), now=AFTER
                            )
                            for a, b in met
                        ]
                        times[way].append(time.perf_counter() - t0)
                    finally:
                        for attr, function in now.items():
                            setattr(store, attr, function)
                    done[way] = [
                        [(m.sender, m.recipient, m.status, m.reason) for m in made],
                        [rule.model_dump() for rule in rules if rule is not None],
                        [(f.rater, f.other, f.rating) for f in rated],
                    ]
                    session.rollback()
                with services.database.unit_of_work() as session:
                    # A request's notification may commit it before the rollback: take them away.
                    for a, b in asks:
                        session.execute(
                            delete(MeetingRequestRow).where(
                                col(MeetingRequestRow.event_id) == EVENT,
                                col(MeetingRequestRow.sender) == a,
                                col(MeetingRequestRow.recipient) == b,
                            )
                        )
            said = ", ".join(f"{way} {times[way][-1]:.2f} s" for way in times)
            print(f"N={n} {count} requests, rules and ratings round {r + 1}: {said}", flush=True)
    finally:
        services.close()
        remove()
    before, after = statistics.median(times["before"]), statistics.median(times["after"])
    return {
        "n": n,
        "count": count,
        "before": before,
        "after": after,
        "ratio": before / after,
        "differ": done["before"] != done["after"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="*", default=[100, 250], help="N: cities and providers each"
    )
    parser.add_argument("--rounds", type=int, default=5, help="timed requests of each path per size")
    parser.add_argument("--keep", type=Path, help="keep each size's home here and reuse it")
    parser.add_argument("--only", nargs="*", default=[], help="only the paths whose name holds one of these")
    parser.add_argument(
        "--skip", nargs="*", default=[], help="leave out the paths whose name holds one of these"
    )
    parser.add_argument(
        "--compare",
        type=int,
        nargs="*",
        default=[50, 100, 250],
        help="N: the participants page's suggestions as before and as now, side by side",
    )
    parser.add_argument("--compare-rounds", type=int, default=3, help="requests of each way per size")
    parser.add_argument(
        "--adding",
        type=int,
        nargs="*",
        default=[100, 250, 500],
        help="N: every participant added to a new event as before and as now, side by side",
    )
    parser.add_argument(
        "--writes",
        type=int,
        nargs="*",
        default=[100, 250, 500],
        help="N: 50 requests, pair rules and ratings as before and as now, side by side",
    )
    parser.add_argument(
        "--publication",
        type=int,
        nargs="*",
        default=[100, 250, 500],
        help="N: a first publication's messages composed as before and as now, side by side",
    )
    parser.add_argument(
        "--agendas",
        type=int,
        nargs="*",
        default=[100, 250, 500],
        help="N: one participant's agenda read as before and as now, side by side",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="the src tree of another version: the paths of --sizes measured with both, side by side",
    )
    parser.add_argument(
        "--encoding",
        choices=["gzip", "identity"],
        default="gzip",
        help="the Accept-Encoding of every request (gzip, as browsers send, by default)",
    )
    parser.add_argument(
        "--levels",
        type=int,
        nargs="*",
        default=[],
        help="gzip levels: the largest answers of --sizes compressed at each, side by side",
    )
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    keep = args.keep.resolve() if args.keep is not None else None
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    if args.worker is not None:
        figures = measure(
            args.worker, max(1, args.rounds), keep, args.only, args.skip, encoding=args.encoding
        )
        args.out.write_text(json.dumps(figures), encoding="utf-8")
        return
    if args.baseline is not None:
        if keep is None:
            parser.error("--baseline needs --keep: both trees read the same homes")
        trees = {"before": args.baseline.resolve(), "after": ROOT / "src"}
        rounds = max(1, args.rounds)
        only, skip = args.only, args.skip
        side_by_side = {
            n: measure_trees(n, rounds, keep, only, skip, trees=trees, encoding=args.encoding)
            for n in args.sizes
        }
        results: dict[int, dict[str, Figures]] = {}
    elif args.levels:
        side_by_side, results = {}, {}
    else:
        side_by_side = {}
        rounds = max(1, args.rounds)
        results = {
            n: measure(n, rounds, keep, args.only, args.skip, encoding=args.encoding) for n in args.sizes
        }
    levels = (
        [row for n in args.sizes for row in compare_levels(n, args.levels, max(1, args.rounds), keep)]
        if args.levels
        else []
    )
    compared = [compare_participants_page(n, max(1, args.compare_rounds), keep) for n in args.compare]
    agendas = [row for n in args.agendas for row in compare_agendas(n, max(1, args.rounds), keep)]
    publications = [compare_publication(n, max(1, args.compare_rounds), keep) for n in args.publication]
    adding = [compare_adding(n, max(1, args.compare_rounds), keep) for n in args.adding]
    writes = [compare_writes(n, max(1, args.compare_rounds), keep) for n in args.writes]
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"encoders {ENCODER}; participants = 2N (N cities, N providers)")
    if results:
        print(
            f"\nEvery path: the first view, the median of {args.rounds} later views, the SQL"
            f" statements of one, the bytes of its answer and the bytes sent for them"
            f" (Accept-Encoding: {args.encoding}):\n"
        )
        head = " | ".join(
            f"N={n} first ms | N={n} ms | N={n} SQL | N={n} bytes | N={n} sent" for n in args.sizes
        )
        print(f"| path | {head} |")
        print("|---|" + "---:|---:|---:|---:|---:|" * len(args.sizes))
        for name in next(iter(results.values())):
            cells = " | ".join(
                f"{results[n][name][3] * 1000:.0f} | {results[n][name][0] * 1000:.0f} | {results[n][name][1]}"
                f" | {results[n][name][5]:,} | {results[n][name][6]:,}"
                for n in args.sizes
            )
            print(f"| {name} | {cells} |")
    if side_by_side:
        print(
            f"\nEvery path with the code before ({args.baseline}) and after (this tree), each in a fresh"
            f" process: the first view, and the median of {args.rounds} later views:\n"
        )
        print(
            "| N | path | first view before ms | first view after ms | ratio | later before ms "
            "| later after ms | ratio | SQL before / after | bytes before / after | sent before / after "
            "| same page |"
        )
        print("|---:|---|---:|---:|---:|---:|---:|---:|---|---|---|---|")
        for n, trees_figures in side_by_side.items():
            before, after = trees_figures["before"], trees_figures["after"]
            for name in after:
                b, a = before[name], after[name]
                print(
                    f"| {n} | {name} | {b[3] * 1000:,.0f} | {a[3] * 1000:,.0f} | {b[3] / a[3]:.1f}× "
                    f"| {b[0] * 1000:,.0f} | {a[0] * 1000:,.0f} | {b[0] / a[0]:.1f}× | {b[1]} / {a[1]} "
                    f"| {b[5]:,} / {a[5]:,} | {b[6]:,} / {a[6]:,} | {b[4] == a[4]} |"
                )
    if levels:
        print(
            f"\nThe largest answers at each gzip level, median of {args.rounds} rounds (levels in turn);"
            " for the schedule tab, the whole request too, and without compression:\n"
        )
        print("| N | participants | path | level | bytes | sent | ratio | compress ms | request ms |")
        print("|---:|---:|---|---:|---:|---:|---:|---:|---:|")
        for row in levels:
            request = (
                f"{row['request_ms']:.0f} (identity {row['identity_ms']:.0f})" if "request_ms" in row else ""
            )
            print(
                f"| {row['n']} | {2 * row['n']} | {row['path']} | {row['level']} | {row['bytes']:,} "
                f"| {row['sent']:,} | {row['bytes'] / row['sent']:.1f}× | {row['compress_ms']:.1f} "
                f"| {request} |"
            )
    if compared:
        print(
            f"\nThe participants page of an event of N/2 cities, median of {args.compare_rounds} requests:\n"
        )
        print(
            "| N | cities in the event | before s | after s | ratio | before SQL | after SQL | pages differ |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---|")
        for row in compared:
            print(
                f"| {row['n']} | {(row['n'] + 1) // 2} | {row['before']:.2f} | {row['after']:.2f} "
                f"| {row['ratio']:.1f}× | {row['before_sql']} | {row['after_sql']} | {row['differ']} |"
            )
    if agendas:
        print(f"\nOne participant's agenda, read as before and as now, median of {args.rounds} requests:\n")
        print("| N | participants | path | before ms | after ms | ratio | answers differ |")
        print("|---:|---:|---|---:|---:|---:|---|")
        for row in agendas:
            print(
                f"| {row['n']} | {2 * row['n']} | {row['path']} | {row['before'] * 1000:.0f} "
                f"| {row['after'] * 1000:.0f} | {row['ratio']:.1f}× | {row['differ']} |"
            )
    if publications:
        print(f"\nA first publication's messages, median of {args.compare_rounds} rounds:\n")
        print(
            "| N | participants | messages | before s | after s | ratio | before SQL | after SQL | differ |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for row in publications:
            print(
                f"| {row['n']} | {2 * row['n']} | {row['messages']} | {row['before']:.2f} "
                f"| {row['after']:.2f} | {row['ratio']:.1f}× | {row['before_sql']} | {row['after_sql']} "
                f"| {row['differ']} |"
            )
    if adding:
        print(
            f"\nEvery participant added to a new event in one go, median of {args.compare_rounds} rounds:\n"
        )
        print("| N | participants | before s | after s | ratio | before SQL | after SQL | differ |")
        print("|---:|---:|---:|---:|---:|---:|---:|---|")
        for row in adding:
            print(
                f"| {row['n']} | {2 * row['n']} | {row['before']:.2f} | {row['after']:.2f} "
                f"| {row['ratio']:.1f}× | {row['before_sql']} | {row['after_sql']} | {row['differ']} |"
            )
    if writes:
        print(f"\nRequests, pair rules and ratings, median of {args.compare_rounds} rounds:\n")
        print("| N | participants | of each | before s | after s | ratio | differ |")
        print("|---:|---:|---:|---:|---:|---:|---|")
        for row in writes:
            print(
                f"| {row['n']} | {2 * row['n']} | {row['count']} | {row['before']:.2f} | {row['after']:.2f} "
                f"| {row['ratio']:.1f}× | {row['differ']} |"
            )
    if any(row["differ"] for row in compared):
        raise SystemExit("the participants page differs between the two ways")
    if any(row["differ"] for row in writes):
        raise SystemExit("the requests, rules or ratings differ between the two ways")
    if any(row["differ"] for row in adding):
        raise SystemExit("the participants added differ between the two ways")
    if any(row["differ"] for row in publications):
        raise SystemExit("a publication's messages differ between the two ways")
    if any(row["differ"] for row in agendas):
        raise SystemExit("an agenda differs between the two ways")


if __name__ == "__main__":
    main()
