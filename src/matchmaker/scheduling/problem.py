"""The scheduling problem file (see CONTRACT.md, "Scheduling problem file") as validated models.

:func:`parse_problem` turns decoded JSON into a :class:`SchedulingProblem` and reports every rule
violation as one readable line (``participants[3].available: unknown slot id 's9'``) inside an
:class:`~matchmaker.errors.InvalidInputError`.

Beyond the contract, a problem may carry ``locked`` (alias ``fixed``): meetings already published,
which re-planning keeps in place, plus optional ``event_id``, ``timezone`` and participant ``name``.
"""

from __future__ import annotations

import difflib
import json
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from matchmaker.errors import InvalidInputError, validation_line
from matchmaker.validation import StrictTruthModel

Side = Literal["city", "provider"]
RequestStatus = Literal["pending", "accepted", "declined", "expired"]

#: How many validation errors one message lists before "and N more".
_MAX_LISTED_ERRORS = 5

#: The largest score a problem file may give a pair, either sign. The solver works on scores as
#: integers (thousandths) summed over every meeting; far beyond this they no longer fit its 64-bit
#: arithmetic (and a score near the largest float cannot be scaled at all). Matcher scores are 0-1.
MAX_SCORE = 1_000_000_000


class _Model(StrictTruthModel):
    # "tables": true would plan one table, "score": true score a pair 1.0: refused, as in events.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Slot(_Model):
    """A time slot in which every table can host one meeting."""

    id: str = Field(min_length=1)
    start: datetime
    end: datetime

    @model_validator(mode="after")
    def _end_after_start(self) -> Slot:
        try:
            ordered = self.end > self.start
        except TypeError as exc:  # one aware, one naive
            msg = f"slot {self.id!r}: start and end must both have a UTC offset or both have none"
            raise ValueError(msg) from exc
        if not ordered:
            msg = f"slot {self.id!r}: end {self.end.isoformat()} is not after start {self.start.isoformat()}"
            raise ValueError(msg)
        return self


class Participant(_Model):
    """A city or a provider taking part in the event."""

    id: str = Field(min_length=1)
    side: Side
    name: str | None = None
    available: list[str] | None = Field(default=None, description="Slot ids; missing means every slot.")
    max_meetings: int | None = Field(default=None, ge=0)


class ScoreEntry(_Model):
    """The match score of one pair, with an optional reason shown to staff."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, allow_inf_nan=False)

    a: str = Field(min_length=1)
    b: str = Field(min_length=1)
    score: float = Field(ge=-MAX_SCORE, le=MAX_SCORE)
    reason: str | None = None


class MeetingRequest(_Model):
    """A meeting request from one participant to another."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, populate_by_name=True)

    sender: str = Field(alias="from", min_length=1)
    recipient: str = Field(alias="to", min_length=1)
    status: RequestStatus = "pending"


class Placement(_Model):
    """Where a meeting between ``a`` and ``b`` takes place."""

    slot: str = Field(min_length=1)
    table: int = Field(ge=1)
    a: str = Field(min_length=1)
    b: str = Field(min_length=1)

    @property
    def pair(self) -> tuple[str, str]:
        """The unordered pair as a sorted tuple."""
        return pair_key(self.a, self.b)


#: A meeting already published, kept in place when re-planning.
LockedMeeting = Placement

Pair = tuple[str, str]


def check_timezone(value: str | None) -> str | None:
    """An IANA time-zone name (or None), refused with a hint when the zone database does not know it."""
    if value is None:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        msg = f"unknown time zone {value!r} (use an IANA name such as 'Europe/Istanbul')"
        raise ValueError(msg) from exc
    return value


def wall_clock_errors(slots: Iterable[Slot], timezone: str | None) -> list[str]:
    """What is wrong with the local times of ``slots`` in ``timezone``: one line per slot whose start or
    end (without an offset) names an hour the zone skips when its clocks go forward, or one it lives
    twice when they go back (also when given with an offset that puts it in the second one). Such a
    time is no single instant: calendars would put the meeting an hour away from what the agendas
    print, or on top of the next slot."""
    if not timezone:
        return []
    try:
        tz = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return []
    errors: list[str] = []
    for s in slots:
        for what, value in (("starts", s.start), ("ends", s.end)):
            if value.tzinfo is not None:
                # An instant given with its offset is one instant, but agendas print it on the
                # event's clock and calendars write it as that wall time: in the hour the clocks
                # go back it reads twice, and calendar apps take the first (an hour early).
                local = value.astimezone(tz)
                if local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset():
                    errors.append(
                        f"slot {s.id!r} {what} at {value.isoformat(timespec='minutes')}, which is"
                        f" {local:%Y-%m-%d %H:%M} in {timezone}, a time that happens twice there"
                        " (the clocks go back then); move the slot"
                    )
                    break
                continue
            local = value.replace(tzinfo=tz)
            at = f"{value:%Y-%m-%d %H:%M}"
            if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != value:
                errors.append(
                    f"slot {s.id!r} {what} at {at}, a time that does not exist in {timezone} "
                    "(the clocks go forward then); move the slot"
                )
                break
            if local.utcoffset() != value.replace(tzinfo=tz, fold=1).utcoffset():
                errors.append(
                    f"slot {s.id!r} {what} at {at}, a time that happens twice in {timezone} "
                    "(the clocks go back then); move the slot"
                )
                break
    return errors


def zone(name: str | None) -> tzinfo | None:
    """The event's time zone, or None when it has none or names a zone this system does not know (a
    database restored on a machine with older time-zone data): what is shown to people then reads
    in UTC, and says so, instead of failing."""
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def as_instant(value: datetime, tz: tzinfo | None) -> datetime:
    """A stored time as an instant: one without an offset is a wall time in ``tz`` (the event's
    zone), or UTC without one."""
    return value if value.tzinfo is not None else value.replace(tzinfo=tz or UTC)


def _span(slot: Slot) -> str:
    end = f"{slot.end:%H:%M}" if slot.end.date() == slot.start.date() else f"{slot.end:%Y-%m-%d %H:%M}"
    return f"{slot.start:%Y-%m-%d %H:%M}–{end}"


def overlap_errors(
    slots: Iterable[Slot], *, harm: str = "a table or a participant would be in two meetings at once"
) -> list[str]:
    """One line per slot that starts before an earlier one ends: every table hosts a meeting in every
    slot and a participant may meet in each, so two slots sharing time would put a table, or a
    person, in two meetings at once (``harm`` says so in the line). A slot may start when the one
    before it ends."""
    given = list(slots)
    if len({s.start.tzinfo is None for s in given}) > 1:
        return []  # times with and without an offset cannot be compared here
    ordered = sorted(given, key=lambda s: (s.start, s.end))
    errors: list[str] = []
    latest: Slot | None = None
    for s in ordered:
        if latest is not None and s.start < latest.end:
            errors.append(
                f"slots {latest.id!r} ({_span(latest)}) and {s.id!r} ({_span(s)}) overlap: {harm};"
                " let each slot end before the next starts"
            )
        if latest is None or s.end > latest.end:
            latest = s
    return errors


#: An optional IANA time-zone name, checked by :func:`check_timezone`.
TimeZoneName = Annotated[str | None, AfterValidator(check_timezone)]


def pair_key(a: str, b: str) -> Pair:
    """The order-free key of a pair of participant ids."""
    return (a, b) if a <= b else (b, a)


class SchedulingProblem(_Model):
    """One scheduling problem: slots × tables, participants, scores, requests and staff rules."""

    event_id: str | None = Field(default=None, description="Stable id used for calendar UIDs.")
    event_name: str | None = None
    timezone: TimeZoneName = Field(default=None, description="IANA zone of slot times without an offset.")
    slots: list[Slot] = Field(min_length=1)
    tables: int = Field(ge=1)
    participants: list[Participant]
    scores: list[ScoreEntry] | None = None
    requests: list[MeetingRequest] = Field(default_factory=list)
    must_meet: list[tuple[str, str]] = Field(default_factory=list)
    blocked: list[tuple[str, str]] = Field(default_factory=list)
    locked: list[Placement] = Field(default_factory=list, validation_alias=AliasChoices("locked", "fixed"))
    _warnings: list[str] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _check_references(self) -> SchedulingProblem:
        errors: list[str] = []
        slot_ids = [s.id for s in self.slots]
        errors += [f"slots: duplicate slot id {sid!r}" for sid in _duplicates(slot_ids)]
        people = [p.id for p in self.participants]
        errors += [f"participants: duplicate participant id {pid!r}" for pid in _duplicates(people)]
        known_slots, known_people = set(slot_ids), set(people)
        for i, p in enumerate(self.participants):
            for sid in p.available or []:
                if sid not in known_slots:
                    errors.append(
                        f"participants[{i}].available: unknown slot id {sid!r} (participant {p.id!r})"
                    )
        for i, s in enumerate(self.scores or []):
            errors += _pair_errors(f"scores[{i}]", s.a, s.b, known_people)
        for i, r in enumerate(self.requests):
            errors += _pair_errors(f"requests[{i}]", r.sender, r.recipient, known_people)
        for field, pairs in (("must_meet", self.must_meet), ("blocked", self.blocked)):
            for i, (a, b) in enumerate(pairs):
                errors += _pair_errors(f"{field}[{i}]", a, b, known_people)
        errors += _locked_conflicts(self.locked)
        errors += wall_clock_errors(self.slots, self.timezone)
        if errors:
            raise ValueError(_join(errors))
        return self

    # Lookups used by the encoder and the exports.
    def participant(self, pid: str) -> Participant:
        """The participant with this id (KeyError if unknown)."""
        for p in self.participants:
            if p.id == pid:
                return p
        raise KeyError(pid)

    @property
    def warnings(self) -> list[str]:
        """What reading the file ignored (unknown top-level keys), one sentence each."""
        return list(self._warnings)

    @property
    def tz(self) -> tzinfo | None:
        """The event's time zone, if one was given."""
        return ZoneInfo(self.timezone) if self.timezone else None

    def names(self) -> dict[str, str]:
        """Display names given in the file, by participant id."""
        return {p.id: p.name for p in self.participants if p.name}

    def score_reasons(self) -> dict[Pair, str]:
        """Reasons given with the scores, by pair key."""
        return {pair_key(s.a, s.b): s.reason for s in self.scores or [] if s.reason}


def _duplicates(values: Iterable[str]) -> list[str]:
    return sorted(v for v, n in Counter(values).items() if n > 1)


def _pair_errors(where: str, a: str, b: str, known: set[str]) -> list[str]:
    errors = [f"{where}: unknown participant id {pid!r}" for pid in (a, b) if pid not in known]
    if a == b:
        errors.append(f"{where}: a participant cannot meet itself ({a!r})")
    return errors


def _locked_conflicts(locked: list[Placement]) -> list[str]:
    errors: list[str] = []
    seen_people: dict[tuple[str, str], int] = {}
    seen_tables: dict[tuple[str, int], int] = {}
    seen_pairs: dict[Pair, int] = {}
    for i, m in enumerate(locked):
        where = f"locked[{i}]"
        if m.a == m.b:
            errors.append(f"{where}: a participant cannot meet itself ({m.a!r})")
        for pid in {m.a, m.b}:
            if (m.slot, pid) in seen_people:
                errors.append(
                    f"{where}: {pid!r} is already in locked[{seen_people[(m.slot, pid)]}] in {m.slot!r}"
                )
            seen_people[(m.slot, pid)] = i
        if (m.slot, m.table) in seen_tables:
            errors.append(
                f"{where}: table {m.table} in {m.slot!r} is taken by locked[{seen_tables[(m.slot, m.table)]}]"
            )
        seen_tables[(m.slot, m.table)] = i
        if m.pair in seen_pairs:
            errors.append(f"{where}: the pair {m.a!r}–{m.b!r} is already locked[{seen_pairs[m.pair]}]")
        seen_pairs[m.pair] = i
    return errors


def _join(errors: list[str]) -> str:
    shown = errors[:_MAX_LISTED_ERRORS]
    more = len(errors) - len(shown)
    return "; ".join(shown) + (f"; and {more} more" if more else "")


def _format_validation_error(exc: ValidationError) -> str:
    return _join([validation_line(err) for err in exc.errors(include_url=False)])


def _known_keys(model: type[BaseModel]) -> list[str]:
    """The keys an object of ``model`` may hold in a problem file (its fields, and the names they are
    also read by)."""
    keys: list[str] = []
    for name, info in model.model_fields.items():
        keys.append(name)
        if info.alias:
            keys.append(info.alias)
        if isinstance(info.validation_alias, AliasChoices):
            keys += [c for c in info.validation_alias.choices if isinstance(c, str)]
    return keys


#: The lists of a problem file whose entries are objects, with the model that reads each entry.
_ENTRIES: dict[str, type[BaseModel]] = {
    "slots": Slot,
    "participants": Participant,
    "scores": ScoreEntry,
    "requests": MeetingRequest,
    "locked": Placement,
    "fixed": Placement,
}


def _unknown(keys: Iterable[object], known: list[str], where: str) -> list[str]:
    out: list[str] = []
    for key in keys:
        if key in known:
            continue
        text = f"unknown key {key!r}{where} ignored"
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.75)
        if close:
            text += f"; did you mean {close[0]!r}?"
        out.append(text)
    return out


def unknown_key_warnings(data: Mapping[str, object]) -> list[str]:
    """One warning per key of a problem file that is not read (at the top level, or in the entries of
    its lists, each key once per list), with the closest known key.

    Unknown keys are ignored, not refused (tools outside may send more than the problem), but a
    misspelt one (``must_meat``, a participant's ``max_meeting``) would otherwise drop what it holds
    without a word."""
    out = _unknown(data, _known_keys(SchedulingProblem), "")
    for name, model in _ENTRIES.items():
        entries = data.get(name)
        if not isinstance(entries, list):
            continue
        seen: dict[object, None] = {}
        for entry in entries:
            if isinstance(entry, Mapping):
                seen.update(dict.fromkeys(entry))
        out += _unknown(seen, _known_keys(model), f" in {name}")
    return out


def parse_problem(data: object) -> SchedulingProblem:
    """Validate decoded JSON as a scheduling problem.

    Raises :class:`InvalidInputError` whose message is one line naming each broken rule. Unknown
    top-level keys are ignored; the problem's ``warnings`` name them.
    """
    if not isinstance(data, Mapping):
        msg = "the scheduling problem must be a JSON object with 'slots', 'tables' and 'participants'"
        raise InvalidInputError(msg)
    warnings = unknown_key_warnings(data)
    try:
        problem = SchedulingProblem.model_validate(data)
    except ValidationError as exc:
        # A misspelt key ('slot') is often why a required one is missing: say so beside it.
        reasons = "; ".join([_format_validation_error(exc), *warnings])
        raise InvalidInputError(f"invalid scheduling problem: {reasons}") from exc
    problem._warnings = [
        *warnings,
        *_repeated_score_warnings(problem.scores or []),
        *_overlap_warnings(problem.slots),
    ]
    return problem


def _overlap_warnings(slots: Iterable[Slot]) -> list[str]:
    """One warning per two slots of a problem file that share time: the planner treats every slot as
    a time of its own, so a participant may be planned in both, two meetings at once (an event's
    slots that overlap are refused)."""
    return overlap_errors(slots, harm="a participant may be planned in both, two meetings at once")


def _repeated_score_warnings(scores: Iterable[ScoreEntry]) -> list[str]:
    """One warning per pair given more than one score, when the scores differ: a pair has one score
    (either order names it), and the planner uses the last one given, which the warning names."""
    given: dict[Pair, list[ScoreEntry]] = {}
    for s in scores:
        given.setdefault(pair_key(s.a, s.b), []).append(s)
    out: list[str] = []
    for (a, b), entries in given.items():
        values = [e.score for e in entries]
        if len(set(values)) > 1:
            listed = ", ".join(f"{v:g}" for v in values)
            out.append(
                f"scores: the pair {a!r}–{b!r} is given {len(values)} scores ({listed});"
                f" the last, {values[-1]:g}, is used: give each pair once"
            )
    return out


def parse_problem_text(text: str) -> SchedulingProblem:
    """Parse the JSON text of a problem file; bad JSON becomes :class:`InvalidInputError`."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        what = exc.msg.removesuffix(" at")  # "Unterminated string starting at", and so on
        msg = f"the problem file is not valid JSON: {what} at line {exc.lineno}, column {exc.colno}"
        raise InvalidInputError(msg) from exc
    except RecursionError as exc:
        raise InvalidInputError(
            "the problem file is not valid JSON: it is nested too deeply to read"
        ) from exc
    except ValueError as exc:  # an integer longer than Python converts (sys.get_int_max_str_digits)
        digits = sys.get_int_max_str_digits()
        msg = f"the problem file is not valid JSON: a number has more than {digits} digits"
        raise InvalidInputError(msg) from exc
    return parse_problem(data)


def load_problem(path: Path) -> SchedulingProblem:
    """Read and validate a problem file. ``OSError`` propagates when the file cannot be read."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{path}: the problem file is not UTF-8 ({exc.reason})") from exc
    return parse_problem_text(text)
